"""``crypto key pubkey-chain rsa``: typing a peer's public key in, showing it, refusing bad keys.

The reference for the key is openssl: the key-string is the hex openssl printed for a key it
made (``pubkey_vectors.py``), and the modulus the parser ends up with is compared with the one
``openssl rsa -modulus`` printed for that key, not with anything vpnteach computed.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import require
from tests.ios.refusal import assert_refused
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike.config import PeerPublicKey
from vpnteach.ios import (
    IosConfigError,
    RouterConfig,
    apply_commands,
    parse_config,
    run_show,
    show_crypto_key_mypubkey_rsa,
    try_apply,
)
from vpnteach.pki.keys import generate_key_pair

from .pubkey_vectors import (
    EC_SPKI_HEX,
    PEER_MODULUS_HEX,
    PEER_SPKI_HEX,
    ios_key_lines,
    pubkey_chain,
)

CHAIN = "crypto key pubkey-chain rsa\n"
KEY = CHAIN + " addressed-key 10.2.2.1\n"
KEY_STRING = KEY + "  key-string\n"
PEER_DER = bytes.fromhex(PEER_SPKI_HEX)


def the_key(config: RouterConfig) -> PeerPublicKey:
    (key,) = config.peer_public_keys()
    return key


# ----------------------------------------------------------------------------- accepted


def test_addressed_key_gives_the_engine_the_key_openssl_made() -> None:
    key = the_key(parse_config(pubkey_chain("10.2.2.1")))
    assert key == PeerPublicKey("10.2.2.1", PEER_DER)
    assert f"{key.public_key.public_numbers().n:X}" == PEER_MODULUS_HEX
    assert key.public_key.public_numbers().e == 65537


def test_address_line_is_optional_for_an_addressed_key() -> None:
    text = KEY_STRING + ios_key_lines(PEER_SPKI_HEX) + "  quit\n"
    assert the_key(parse_config(text)) == PeerPublicKey("10.2.2.1", PEER_DER)


def test_hex_may_come_in_any_grouping_case_and_indentation() -> None:
    one_line = KEY_STRING + PEER_SPKI_HEX.lower() + "\nquit\n"
    pairs = " ".join(PEER_SPKI_HEX[i : i + 2] for i in range(0, len(PEER_SPKI_HEX), 2))
    byte_pairs = KEY_STRING + "        " + pairs + "\n    quit\n"
    prompted = KEY_STRING + "Branch1(config-pubkey)#" + PEER_SPKI_HEX + "\nquit\n"
    for text in (one_line, byte_pairs, prompted):
        assert the_key(parse_config(text)).key_der == PEER_DER


def test_running_config_shows_the_chain_in_ios_layout_and_parses_back() -> None:
    config = parse_config("hostname Branch1\n" + pubkey_chain("10.2.2.1"))
    hex_lines = ios_key_lines(PEER_SPKI_HEX, indent="  ")
    assert config.to_text() == (
        "!\nhostname Branch1\n!\n"
        "crypto key pubkey-chain rsa\n addressed-key 10.2.2.1\n  address 10.2.2.1\n"
        "  key-string\n" + hex_lines + "  quit\n!\nend\n"
    )
    assert hex_lines.splitlines()[0] == (
        "  30819F30 0D06092A 864886F7 0D010101 05000381 8D003081 89028181 00C0A3FE"
    )
    assert hex_lines.splitlines()[-1] == "  0001"
    assert parse_config(config.to_text()) == config


def test_show_crypto_key_pubkey_chain_lists_each_manual_key() -> None:
    text = pubkey_chain("10.2.2.1") + pubkey_chain("10.3.3.1")
    assert run_show(parse_config(text), "show crypto key pubkey-chain rsa") == (
        "Codes: M - Manually configured, C - Extracted from certificate\n"
        "\n"
        "Code Usage        IP-Address/VRF      Keyname\n"
        "M    General      10.2.2.1            10.2.2.1\n"
        "M    General      10.3.3.1            10.3.3.1\n"
    )


def test_no_addressed_key_removes_that_key_only() -> None:
    config = parse_config(pubkey_chain("10.2.2.1") + pubkey_chain("10.3.3.1"))
    config = apply_commands(config, CHAIN + " no addressed-key 10.2.2.1\n")
    assert [k.address for k in config.peer_public_keys()] == ["10.3.3.1"]
    config = apply_commands(config, CHAIN + " no addressed-key 10.3.3.1\n")
    assert config.peer_public_keys() == ()
    assert "pubkey-chain" not in config.to_text()


def test_a_second_key_string_replaces_the_first() -> None:
    config = parse_config(pubkey_chain("10.2.2.1"))
    other = generate_key_pair("K", 1024, False, SeededRng(b"other")).public_der().hex()
    config = apply_commands(config, pubkey_chain("10.2.2.1", other))
    assert the_key(config).key_der == bytes.fromhex(other)


def test_named_key_is_used_once_it_has_an_address() -> None:
    named = CHAIN + " named-key Branch2.amit.com\n  key-string\n" + PEER_SPKI_HEX + "\n  quit\n"
    config = parse_config(named)
    assert config.peer_public_keys() == ()
    assert "no address" in str(config.warnings)
    config = apply_commands(config, CHAIN + " named-key Branch2.amit.com\n  address 10.2.2.1\n")
    assert the_key(config) == PeerPublicKey("10.2.2.1", PEER_DER)
    assert " named-key Branch2.amit.com\n  address 10.2.2.1\n  key-string\n" in config.to_text()
    assert "M    General      10.2.2.1            Branch2.amit.com" in run_show(
        config, "sh cry key pubkey-chain rsa"
    )


def test_a_parent_or_global_command_leaves_the_key_mode_as_ios_does() -> None:
    text = KEY + "  addressed-key 10.3.3.1\n  key-string\n" + PEER_SPKI_HEX + "\nquit\nhostname B"
    config = parse_config(text)
    assert config.hostname == "B"
    assert set(config.pubkey_chain) == {"10.2.2.1", "10.3.3.1"}
    assert [k.address for k in config.peer_public_keys()] == ["10.3.3.1"]


def test_rsa_encr_without_a_peer_key_is_a_warning_until_a_key_is_given() -> None:
    policy = "crypto isakmp policy 10\n authentication rsa-encr\n"
    warned = parse_config(policy)
    assert [str(w) for w in warned.warnings] == [
        "crypto isakmp policy 10: authentication rsa-encr, but crypto key pubkey-chain rsa "
        "holds no peer key"
    ]
    assert parse_config(policy + pubkey_chain()).warnings == ()


def test_mypubkey_output_pasted_into_the_peers_key_string_gives_that_key() -> None:
    router_a = generate_key_pair("BRANCH_KEY", 1024, True, SeededRng(b"router A"))
    shown = show_crypto_key_mypubkey_rsa([router_a])
    assert shown.splitlines()[:5] == [
        "Key name: BRANCH_KEY",
        " Storage Device: not specified",
        " Usage: General Purpose Key",
        " Key is exportable.",
        " Key Data:",
    ]
    key_data = shown.split(" Key Data:\n")[1]
    router_b = parse_config(KEY_STRING + key_data + "  quit\n")
    assert the_key(router_b) == PeerPublicKey.from_key("10.2.2.1", router_a.public_key)


def test_mypubkey_key_data_is_the_der_openssl_reads_as_that_key() -> None:
    require(shutil.which("openssl") is not None, "openssl is not installed")
    pair = generate_key_pair("K", 1024, False, SeededRng(b"router A"))
    key_data = show_crypto_key_mypubkey_rsa([pair]).split(" Key Data:\n")[1]
    der = bytes.fromhex("".join(key_data.split()))
    out = subprocess.run(
        ["openssl", "rsa", "-pubin", "-inform", "DER", "-noout", "-modulus"],
        input=der,
        capture_output=True,
        check=True,
    ).stdout
    assert out.decode().strip() == f"Modulus={pair.public_key.public_numbers().n:X}"


# ----------------------------------------------------------------------------- refused

HEX_ONLY = "hex digits 0-9 A-F (the key as show crypto key mypubkey rsa prints it)"
DER_RSA = "a key-string that spells a DER RSA public key (what show crypto key mypubkey rsa prints)"
ENTER_KEY = "crypto key pubkey-chain rsa, then addressed-key <address:ip>"

# (text, line of the error, expected, the word the caret points at; None = incomplete)
BAD = [
    (CHAIN + " addressed-key 10.2.2", 2, "an IPv4 address A.B.C.D", "10.2.2"),
    (CHAIN + " addressed-key Branch2", 2, "an IPv4 address A.B.C.D", "Branch2"),
    (CHAIN + " addressed-key", 2, "an IPv4 address A.B.C.D", None),
    (KEY + "  address 10.2.2.300", 3, "an IPv4 address A.B.C.D", "10.2.2.300"),
    (KEY_STRING + "  30819F30 0D06G92A", 4, HEX_ONLY, "0D06G92A"),
    (KEY_STRING + "  30819F30\n  -----BEGIN", 5, f"one of {HEX_ONLY}, quit", "-----BEGIN"),
    (
        KEY_STRING + "  30819F30 0D06092A\n  quit",
        5,
        f"{DER_RSA}: the 8 bytes typed since key-string do not decode as one",
        "quit",
    ),
    (
        KEY_STRING + "  30819F30 0D0\n  quit",
        5,
        f"{DER_RSA}: 11 hex digits, not whole bytes",
        "quit",
    ),
    (KEY_STRING + "  quit", 4, f"{DER_RSA}: no hex lines were given before quit", "quit"),
    (
        KEY_STRING + EC_SPKI_HEX + "\n  quit",
        5,
        f"{DER_RSA}: the key is ECPublicKey, not RSA",
        "quit",
    ),
    (KEY_STRING + PEER_SPKI_HEX + "\n  exit", 5, f"one of {HEX_ONLY}, quit", "exit"),
    (
        KEY_STRING + PEER_SPKI_HEX,
        4,
        "quit (the text ended inside a config-pubkey block, which quit closes)",
        None,
    ),
    (
        "key-string",
        1,
        f"a config command: `key-string` belongs in config-pubkey-key mode (enter: {ENTER_KEY})",
        "key-string",
    ),
    (
        "crypto isakmp policy 10\n key-string",
        2,
        "a config-isakmp command: `key-string` belongs in config-pubkey-key mode "
        f"(enter: {ENTER_KEY})",
        "key-string",
    ),
    (
        CHAIN + " key-string",
        2,
        "a config-pubkey-chain command: `key-string` belongs in config-pubkey-key mode "
        f"(enter: {ENTER_KEY})",
        "key-string",
    ),
    (
        "  30819F30 0D06092A",
        1,
        "a config command: `30819F30` belongs in config-pubkey mode "
        f"(enter: {ENTER_KEY}, then key-string)",
        "30819F30",
    ),
]


@pytest.mark.parametrize(("text", "line", "expected", "word"), BAD, ids=[str(i) for i in range(16)])
def test_bad_pubkey_line_says_what_was_wrong_and_where(
    text: str, line: int, expected: str, word: str | None
) -> None:
    assert_refused(text, line, expected, word)


def test_error_prompt_names_the_pubkey_mode() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config("hostname Branch1\n" + KEY_STRING + "  30819F30 XYZ")
    assert caught.value.ios_message().splitlines()[0] == "Branch1(config-pubkey)#30819F30 XYZ"


def test_a_bad_key_string_changes_nothing_not_even_the_lines_before_it() -> None:
    base = parse_config("hostname Branch1\n" + pubkey_chain("10.2.2.1"))
    text = "hostname Changed\n" + pubkey_chain("10.2.2.1", PEER_SPKI_HEX[:-8])
    result = try_apply(base, text)
    assert not result.ok and result.config is base
    assert result.error is not None and result.error.text.strip() == "quit"
    assert base.hostname == "Branch1"
    assert the_key(base).key_der == PEER_DER


def test_no_addressed_key_refuses_a_bad_address() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config(CHAIN + " no addressed-key 10.2.2.1.5")
    assert caught.value.expected == "an IPv4 address A.B.C.D"


def test_address_in_the_chain_abbreviates_addressed_key_as_ios_reads_it() -> None:
    # IOS takes any unique prefix of a keyword (Configuration Fundamentals, "Using the Cisco IOS
    # CLI"): in config-pubkey-chain only addressed-key begins with "address".
    config = parse_config(CHAIN + " address 10.2.2.1\n")
    assert "10.2.2.1" in config.pubkey_chain
