"""Golden console cases: ``?``, Tab, abbreviation, ambiguous, incomplete and invalid input
(with the caret column) in every mode the seed uses, on the seed lab's Branch1.

Each expectation is written from IOS's documented behaviour: Cisco IOS Configuration
Fundamentals Configuration Guide, Release 12.4, "Using the Cisco IOS Command-Line Interface"
(sections Getting Help, Using Command Abbreviation, Using the no and default Forms of Commands,
Understanding CLI Error Messages), with the help lines of IOS 12.4's ``?`` output. After an
error IOS prints an empty line before the next prompt.
"""

from __future__ import annotations

import pytest

from tests.ios.golden_console import L, check_golden, console_in
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for

ENTER = {
    "config-isakmp": "crypto isakmp policy 10",
    "ca-trustpoint": "crypto pki trustpoint WIN2003",
    "config-if": "interface Serial1/0",
    "config-crypto-map": "crypto map CRYPTO 10 ipsec-isakmp",
    "config-ext-nacl": "ip access-list extended ACL",
    "config-pubkey-chain": "crypto key pubkey-chain rsa",
    "config-isakmp-peer": "crypto isakmp peer address 10.2.2.1",
    "cfg-crypto-trans": "crypto ipsec transform-set TS esp-3des esp-md5-hmac",
}
SETUP = {"user": [], "exec": ["enable"], "config": ["enable", "configure terminal"]}


SETUP.update({mode: [*SETUP["config"], line] for mode, line in ENTER.items()})

CASES: list[tuple[str, str, str, str]] = [
    # `?` after a space lists the keywords and arguments that may come next, each with its
    # help line, and `<cr>` when the command may end there (Configuration Fundamentals, "Using
    # the Cisco IOS Command-Line Interface", Getting Help: "command ?"). In a sub-mode IOS lists
    # that mode's commands; `% Unrecognized command` when nothing can follow.
    (
        "user",
        "?",
        "",
        L(
            "  enable  Turn on privileged commands",
            "  exit    Exit from the EXEC",
            "  logout  Exit from the EXEC",
            "  ping    Send echo messages",
            "  show    Show running system information",
            "",
        ),
    ),
    ("exec", "?", "conf ", "  terminal  Configure from the terminal\n  <cr>\n\n"),
    ("exec", "?", "sh cry isa sa ", "  <cr>\n\n"),
    (
        "exec",
        "?",
        "ping 192.168.22.1 ",
        L(
            "  repeat   specify repeat count",
            "  size     specify datagram size",
            "  source   specify source address or name",
            "  timeout  specify timeout interval",
            "  <cr>",
            "",
        ),
    ),
    ("exec", "?", "xyz ", "% Unrecognized command\n"),
    (
        "config",
        "?",
        "",
        L(
            "  access-list  Add an access list entry",
            "  clock        Manage the system clock",
            "  crypto       Encryption module",
            "  do           To run exec commands in config mode",
            "  end          Exit from configure mode",
            "  exit         Exit from configure mode",
            "  hostname     Set system's network name",
            "  interface    Select an interface to configure",
            "  ip           Global IP configuration subcommands",
            "  no           Negate a command or set its defaults",
            "  ntp          Configure NTP",
            "",
        ),
    ),
    ("config", "?", "crypto isakmp policy ", "  <1-10000>  Priority of protection suite\n\n"),
    ("config", "?", "do sh cry map ", "  tag   Crypto map tag\n  <cr>\n\n"),
    (
        "config-isakmp",
        "?",
        "",
        L(
            "  authentication  Set authentication method for protection suite",
            "  do              To run exec commands in config mode",
            "  encryption      Set encryption algorithm for protection suite",
            "  exit            Exit from configure mode",
            "  group           Set the Diffie-Hellman group",
            "  hash            Set hash algorithm for protection suite",
            "  lifetime        Set lifetime for ISAKMP security association",
            "  no              Negate a command or set its defaults",
            "",
        ),
    ),
    (
        "config-isakmp",
        "?",
        "encryption ",
        L(
            "  3des  Three key triple DES",
            "  aes   AES - Advanced Encryption Standard.",
            "  des   DES - Data Encryption Standard (56 bit keys).",
            "",
        ),
    ),
    (
        "config-isakmp",
        "?",
        "group ",
        L(
            "  1   Diffie-Hellman group 1",
            "  14  Diffie-Hellman group 14",
            "  2   Diffie-Hellman group 2",
            "  5   Diffie-Hellman group 5",
            "",
        ),
    ),
    (
        "ca-trustpoint",
        "?",
        "",
        L(
            "  do                To run exec commands in config mode",
            "  enrollment        Enrollment parameters",
            "  exit              Exit from configure mode",
            "  ip-address        Include IP address in the certificate",
            "  no                Negate a command or set its defaults",
            "  revocation-check  Revocation checking options",
            "  rsakeypair        Specify rsakeypair label",
            "",
        ),
    ),
    (
        "ca-trustpoint",
        "?",
        "enrollment ",
        L("  mode  Mode supported by the Certificate Authority", "  url   Enrollment URL", ""),
    ),
    (
        "config-if",
        "?",
        "",
        L(
            "  crypto       Encryption module",
            "  description  Interface specific description",
            "  do           To run exec commands in config mode",
            "  exit         Exit from configure mode",
            "  ip           Global IP configuration subcommands",
            "  no           Negate a command or set its defaults",
            "  shutdown     Shutdown the selected interface",
            "",
        ),
    ),
    ("config-if", "?", "ip address 10.1.1.1 ", "  A.B.C.D  Mask\n\n"),
    (
        "config-crypto-map",
        "?",
        "set ",
        L(
            "  ikev2-profile         Specify ikev2 Profile",
            "  peer                  ISAKMP peer policy",
            "  pfs                   Specify pfs settings",
            "  security-association  Security association parameters",
            "  transform-set         Define transform and settings",
            "",
        ),
    ),
    (
        "config-crypto-map",
        "?",
        "set pfs ",
        L(
            "  group1   D-H Group1 (768-bit modulus) exchange.",
            "  group14  D-H Group14 (2048-bit modulus) exchange.",
            "  group2   D-H Group2 (1024-bit modulus) exchange.",
            "  group5   D-H Group5 (1536-bit modulus) exchange.",
            "  <cr>",
            "",
        ),
    ),
    (
        "config-ext-nacl",
        "?",
        "",
        L(
            "  deny    Specify packets to reject",
            "  do      To run exec commands in config mode",
            "  exit    Exit from configure mode",
            "  no      Negate a command or set its defaults",
            "  permit  Specify packets to forward",
            "",
        ),
    ),
    (
        "config-ext-nacl",
        "?",
        "permit ip ",
        L(
            "  A.B.C.D  Source address",
            "  any      Any source host",
            "  host     A single source host",
            "",
        ),
    ),
    (
        "config-pubkey-chain",
        "?",
        "",
        L(
            "  addressed-key  Configure a peer's public key by IP address",
            "  do             To run exec commands in config mode",
            "  exit           Exit from configure mode",
            "  named-key      Configure a peer's public key by name",
            "  no             Negate a command or set its defaults",
            "",
        ),
    ),
    (
        "config-isakmp-peer",
        "?",
        "set aggressive-mode ",
        L(
            "  client-endpoint  Specify the tunnel-client-endpoint attribute",
            "  password         Specify the tunnel-password attribute",
            "",
        ),
    ),
    (
        "cfg-crypto-trans",
        "?",
        "mode ",
        L(
            "  transport  transport (payload encapsulation).",
            "  tunnel     tunnel (datagram encapsulation).",
            "",
        ),
    ),
    ("exec", "?", "show crypto ipsec sa ", "  detail  detailed SA information\n  <cr>\n\n"),
    # `?` right after a partial word lists the keywords it begins ("abbreviated-command-entry?").
    ("user", "?", "sh", "show  \n\n"),
    ("config", "?", "cry", "crypto  \n\n"),
    # Tab completes a partial keyword only one keyword begins; otherwise the line stays as typed
    # ("abbreviated-command-entry<Tab>"). `s` stays: show, ssh, send, set, setup...
    ("user", "tab", "en", "enable "),
    ("exec", "tab", "sh cry isa s", "sh cry isa sa "),
    ("exec", "tab", "s", "s"),
    ("config", "tab", "cry", "crypto "),
    ("config", "tab", "crypto isa", "crypto isakmp "),
    ("config-isakmp", "tab", "au", "authentication "),
    ("config-isakmp", "tab", "e", "e"),
    # Too few letters to name one command: `% Ambiguous command:  "..."` (Understanding CLI
    # Error Messages).
    ("user", "enter", "s", '% Ambiguous command:  "s"\n\n'),
    ("exec", "enter", "cl", '% Ambiguous command:  "cl"\n\n'),
    ("config", "enter", "c", '% Ambiguous command:  "c"\n\n'),
    ("config-isakmp", "enter", "e", '% Ambiguous command:  "e"\n\n'),
    # Not all required keywords or values: `% Incomplete command.`
    ("exec", "enter", "sh cry isa", "% Incomplete command.\n\n"),
    ("config", "enter", "crypto isakmp policy", "% Incomplete command.\n\n"),
    ("config-isakmp", "enter", "hash", "% Incomplete command.\n\n"),
    ("config-ext-nacl", "enter", "permit ip host", "% Incomplete command.\n\n"),
    ("config", "enter", "no", "% Incomplete command.\n\n"),
    # Wrong input: `^` under the first character IOS rejects, `% Invalid input detected at '^'
    # marker.` (a keyword is rejected as a whole; a number or an address where its reading stops;
    # a privileged command in user EXEC at its first word).
    (
        "user",
        "enter",
        "configure terminal",
        "        ^\n% Invalid input detected at '^' marker.\n\n",
    ),
    (
        "exec",
        "enter",
        "show crypto isakmp sax",
        L("                           ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "exec",
        "enter",
        "ping 192.168.22.1 repeat 5x",
        L("                                  ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "exec",
        "enter",
        "ping 192.168.22.300",
        L("                          ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "config",
        "enter",
        "crypto isakmp policy 99999",
        L("                                     ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "config",
        "enter",
        "hostname Bra^Xnch",
        L("                            ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "config-isakmp",
        "enter",
        "encryption 3dez",
        L("                                  ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "ca-trustpoint",
        "enter",
        "revocation-check sometimes",
        L(
            "                                        ^",
            "% Invalid input detected at '^' marker.",
            "",
        ),
    ),
    (
        "config-if",
        "enter",
        "ip address 10.1.1.1 255.255.0.255",
        L(
            "                                       ^",
            "% Invalid input detected at '^' marker.",
            "",
        ),
    ),
    (
        "config-crypto-map",
        "enter",
        "set peer 10.2.2",
        L(
            "                                          ^",
            "% Invalid input detected at '^' marker.",
            "",
        ),
    ),
    (
        "config",
        "enter",
        "interface ethernat 0",
        L("                          ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "exec",
        "enter",
        "ping 192.168.22.1 timeout inf",
        L("                                  ^", "% Invalid input detected at '^' marker.", ""),
    ),
    (
        "exec",
        "enter",
        "ping 192.168.22.1 repeat nan",
        L("                                 ^", "% Invalid input detected at '^' marker.", ""),
    ),
    # In EXEC a lone word IOS cannot parse is taken for a host name to telnet to.
    (
        "user",
        "enter",
        "foo",
        L(
            'Translating "foo"...domain server (255.255.255.255)',
            "% Unknown command or computer name, or unable to find computer address",
            "",
        ),
    ),
    # Keywords in any case, unique prefixes everywhere (Using Command Abbreviation).
    ("exec", "enter", "DEBUG CRYPTO ISAKMP", "Crypto ISAKMP debugging is on\n"),
]


def test_there_are_at_least_forty_cases_over_every_mode() -> None:
    assert len(CASES) >= 40
    assert {mode for mode, *_ in CASES} == set(SETUP)


@pytest.mark.parametrize(("mode", "key", "typed", "expected"), CASES)
def test_golden(lab: Lab, mode: str, key: str, typed: str, expected: str) -> None:
    check_golden(lab, SETUP, mode, key, typed, expected)


def test_help_lines_follow_the_place_of_the_word(lab: Lab) -> None:
    # The same word, two places, IOS's two help lines: "key" under crypto isakmp is the
    # pre-shared key, under crypto the long-term keys; isakmp under debug crypto is the debug.
    console = console_in(lab, SETUP, "config")
    assert "  key              Set pre-shared key for remote peer\n" in console.help(
        "crypto isakmp "
    )
    assert "  key     Long term key operations\n" in console.help("crypto ")
    assert console.help("do debug crypto ") == L(
        "  ikev2   IKEv2 Key Management",
        "  ipsec   IPSEC processing",
        "  isakmp  ISAKMP Key Management",
        "",
    )


def test_modes_prompts_exit_end_and_the_new_map_note() -> None:
    # Command modes and their prompts, exit one level up, end back to privileged EXEC
    # (Configuration Fundamentals, "Using the Cisco IOS Command-Line Interface", Command Modes).
    console = console_for(Lab.seed().branch1)
    seen = []
    for line in [
        "en",
        "conf t",
        "int s1/0",
        "exit",
        "cry isa pol 20",
        "int fa0/0",
        "crypto map NEW 5 ipsec-isakmp",
        "exit",
        "ip access-l ext X",
        "end",
        "disable",
    ]:
        seen.append((console.prompt, console.enter(line)))
    assert [p for p, _ in seen] == [
        "Branch1>",
        "Branch1#",
        "Branch1(config)#",
        "Branch1(config-if)#",
        "Branch1(config)#",
        "Branch1(config-isakmp)#",
        "Branch1(config-if)#",
        "Branch1(config-crypto-map)#",
        "Branch1(config)#",
        "Branch1(config-ext-nacl)#",
        "Branch1#",
    ]
    assert console.prompt == "Branch1>"
    # IOS's note on a new crypto map entry, not on re-entering an existing one
    assert seen[6][1].startswith("% NOTE: This new crypto map will remain disabled until a peer\n")
    console.enter("enable")
    console.enter("configure terminal")
    assert console.enter("crypto map CRYPTO 10") == ""


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        ("exec", "crypto pki authenticate WIN2003"),
        ("exec", "crypto pki enroll WIN2003"),
        ("config", "do crypto pki authenticate WIN2003"),
    ],
)
def test_the_pki_dialogues_are_configuration_commands_not_exec(
    lab: Lab, mode: str, line: str
) -> None:
    """The seed types them at ``Branch1(config)#``; IOS refuses them at ``Branch1#`` (and so
    after ``do``). A lab's ``Router.exec`` keeps them as a scripted shortcut."""
    console = console_in(lab, SETUP, mode)
    answer = console.enter(line)
    assert answer.endswith("% Invalid input detected at '^' marker.\n\n"), answer
    assert console.dialogue is None and console.mode == mode
    at_config = console_in(lab, SETUP, "config")
    assert "Fingerprint MD5:" in at_config.enter("crypto pki authenticate WIN2003")
    at_config.end()  # abandon the dialogue
