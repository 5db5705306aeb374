"""Golden console cases for the FlexVPN commands (``crypto ikev2 ...``, ``set ikev2-profile``,
``show crypto ikev2 sa``, ``debug crypto ikev2``) on the seed lab's Branch1: ``?``, Tab,
abbreviation, ambiguous, incomplete and invalid input in the IKEv2 modes.

The commands and modes are those of Cisco's "FlexVPN Site-to-Site Configuration Example"
(document 115782) and the "FlexVPN and Internet Key Exchange Version 2 Configuration Guide"
(``crypto ikev2 proposal`` enters ``config-ikev2-proposal``, ``peer`` in a keyring enters
``config-ikev2-keyring-peer``); help lines are IOS 15's ``?`` wording. The error behaviour
is the IOS CLI's (Configuration Fundamentals, "Using the Cisco IOS Command-Line Interface").
"""

from __future__ import annotations

import pytest

from tests.ios.golden_console import L, check_golden
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for

ENTER = {
    "config-ikev2-proposal": "crypto ikev2 proposal PROP",
    "config-ikev2-policy": "crypto ikev2 policy POL",
    "config-ikev2-keyring": "crypto ikev2 keyring KEYS",
    "config-ikev2-keyring-peer": "crypto ikev2 keyring KEYS\npeer Branch2",
    "config-ikev2-profile": "crypto ikev2 profile PROF",
    "config-crypto-map": "crypto map CRYPTO 10 ipsec-isakmp",
}
CONFIG = ["enable", "configure terminal"]
SETUP = {"exec": ["enable"], "config": CONFIG}
SETUP.update({mode: [*CONFIG, *lines.split("\n")] for mode, lines in ENTER.items()})
INVALID = "% Invalid input detected at '^' marker."

CASES: list[tuple[str, str, str, str]] = [
    (
        "config",
        "?",
        "crypto ikev2 ",
        L(
            "  cookie-challenge  Enable cookie-challenge for IKEv2",
            "  keyring           Define IKEv2 keyring",
            "  policy            Define IKEV2 policies",
            "  profile           Define IKEv2 profiles",
            "  proposal          Define IKEV2 proposals",
            "",
        ),
    ),
    ("config", "?", "crypto ikev", "ikev2  \n\n"),
    ("config", "tab", "crypto ike", "crypto ikev2 "),
    # `pro` begins both profile and proposal
    ("config", "enter", "crypto ikev2 pro X", L('% Ambiguous command:  "crypto ikev2 pro X"', "")),
    ("config", "enter", "crypto ikev2 keyring", L("% Incomplete command.", "")),
    (
        "config-ikev2-proposal",
        "?",
        "",
        L(
            "  do          To run exec commands in config mode",
            "  encryption  Set encryption algorithm(s)",
            "  exit        Exit from configure mode",
            "  group       Set the Diffie-Hellman group(s)",
            "  integrity   Set integrity hash algorithm(s)",
            "  no          Negate a command or set its defaults",
            "  prf         Set prf algorithm(s)",
            "",
        ),
    ),
    (
        "config-ikev2-proposal",
        "?",
        "encryption ",
        L(
            "  aes-cbc-128  AES-CBC-128",
            "  aes-cbc-192  AES-CBC-192",
            "  aes-cbc-256  AES-CBC-256",
            "  aes-gcm-128  Combined-mode,128 bit key,16 byte ICV(Authentication Tag)",
            "  aes-gcm-256  Combined-mode,256 bit key,16 byte ICV(Authentication Tag)",
            "",
        ),
    ),
    (
        "config-ikev2-proposal",
        "?",
        "group ",
        L(
            "  1   DH 768 MODP",
            "  14  DH 2048 MODP",
            "  15  DH 3072 MODP",
            "  16  DH 4096 MODP",
            "  2   DH 1024 MODP",
            "  5   DH 1536 MODP",
            "",
        ),
    ),
    # the caret under the first character of the refused algorithm
    (
        "config-ikev2-proposal",
        "enter",
        "encryption aes-cbc-512",
        L(" " * 42 + "^", INVALID, ""),
    ),
    ("config-ikev2-proposal", "enter", "encr aes-cbc-256 aes-cbc-128", ""),
    ("config-ikev2-policy", "?", "proposal ", "  WORD\n\n"),
    ("config-ikev2-keyring", "?", "peer ", "  WORD\n\n"),
    (
        "config-ikev2-keyring-peer",
        "?",
        "",
        L(
            "  address         IP address",
            "  do              To run exec commands in config mode",
            "  exit            Exit from configure mode",
            "  no              Negate a command or set its defaults",
            "  pre-shared-key  Configure a pre-shared key",
            "",
        ),
    ),
    ("config-ikev2-keyring-peer", "enter", "address 10.2.2", L(" " * 49 + "^", INVALID, "")),
    (
        "config-ikev2-profile",
        "?",
        "",
        L(
            "  authentication  Set authentication method",
            "  do              To run exec commands in config mode",
            "  dpd             Enable IKE liveness check for peers",
            "  exit            Exit from configure mode",
            "  identity        Specify IKEv2 local identity",
            "  keyring         Specify keyring",
            "  lifetime        Set lifetime for IKEv2 SAs",
            "  match           Match values of peer",
            "  no              Negate a command or set its defaults",
            "  pki             Specify pki trustpoints",
            "",
        ),
    ),
    ("config-ikev2-profile", "?", "authentication ", L("  local   Local", "  remote  Remote", "")),
    (
        "config-ikev2-profile",
        "?",
        "authentication remote ",
        L("  pre-share  Pre-Shared Key", "  rsa-sig    Rsa signature", ""),
    ),
    (
        "config-ikev2-profile",
        "?",
        "match identity remote ",
        L("  address  IP Address(es)", "  fqdn     Fully qualified domain name string", ""),
    ),
    ("config-ikev2-profile", "tab", "match ide", "match identity "),
    (
        "config-ikev2-profile",
        "enter",
        "authentication remote rsa-encr",
        L(" " * 52 + "^", INVALID, ""),
    ),
    ("config-crypto-map", "?", "set ikev2-profile ", "  WORD  Name of ikev2 Profile\n\n"),
    (
        "exec",
        "?",
        "show crypto ikev2 ",
        L("  proposal  Show IKEv2 proposals", "  sa        Shows ikev2 SAs", ""),
    ),
    ("exec", "?", "sh cry ikev2 sa ", L("  detailed  Shows IKEv2 SA details", "  <cr>", "")),
    ("exec", "enter", "debug cry ikev2", "IKEv2 default debugging is on\n"),
    ("exec", "enter", "undebug crypto ikev2", "IKEv2 default debugging is off\n"),
]


@pytest.mark.parametrize(("mode", "key", "typed", "expected"), CASES)
def test_golden(lab: Lab, mode: str, key: str, typed: str, expected: str) -> None:
    check_golden(lab, SETUP, mode, key, typed, expected)


def test_the_flexvpn_modes_and_their_prompts() -> None:
    console = console_for(Lab.seed().branch1)
    lines = ["en", "conf t", "cry ikev2 propo PROP", "cry ikev2 pol POL", "cry ikev2 key KEYS",
             "peer Branch2", "peer Other", "exit", "cry ikev2 profile PROF", "end"]  # fmt: skip
    prompts = []
    for line in lines:
        console.enter(line)
        prompts.append(console.prompt)
    assert prompts == [
        "Branch1#",
        "Branch1(config)#",
        "Branch1(config-ikev2-proposal)#",
        "Branch1(config-ikev2-policy)#",
        "Branch1(config-ikev2-keyring)#",
        "Branch1(config-ikev2-keyring-peer)#",
        "Branch1(config-ikev2-keyring-peer)#",  # a keyring line from a peer block: next peer
        "Branch1(config)#",
        "Branch1(config-ikev2-profile)#",
        "Branch1#",
    ]


def test_a_typed_flexvpn_configuration_shows_in_the_running_config() -> None:
    console = console_for(Lab.seed().branch1)
    console.enter("enable")
    console.enter("configure terminal")
    for line in [
        "crypto ikev2 proposal PROP", "encryption aes-cbc-256", "integrity sha256", "group 14",
        "crypto ikev2 policy POL", "proposal PROP",
        "crypto ikev2 keyring KEYS", "peer Branch2", "address 10.2.2.1",
        "pre-shared-key cisco123",
        "crypto ikev2 profile PROF", "match identity remote address 10.2.2.1 255.255.255.255",
        "authentication remote pre-share", "authentication local pre-share",
        "keyring local KEYS", "end",
    ]:  # fmt: skip
        assert console.enter(line) == "", line
    shown = console.enter("show running-config")
    assert (
        "crypto ikev2 proposal PROP \n encryption aes-cbc-256\n integrity sha256\n group 14\n"
        in shown
    )
    assert "crypto ikev2 keyring KEYS\n peer Branch2\n  address 10.2.2.1\n" in shown
    assert " match identity remote address 10.2.2.1 255.255.255.255\n" in shown
    assert " keyring local KEYS\n" in shown
    assert console.enter("show crypto ikev2 proposal PROP") == (
        " IKEv2 proposal: PROP \n     Encryption : AES-CBC-256\n     Integrity  : SHA256\n"
        "     PRF        : SHA256\n     DH Group   : DH_GROUP_2048_MODP/Group 14\n"
    )
