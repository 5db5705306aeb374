"""Aggressive Mode configured as IOS has it: ``crypto isakmp peer address`` with both
``set aggressive-mode`` lines initiates it, ``crypto isakmp aggressive-mode disable`` refuses it.

The reference for what IOS does is the Cisco IOS Security Command Reference
(``crypto isakmp aggressive-mode disable``, ``crypto isakmp peer``) and the 12.2(8)T feature
guide "IKE: Initiate Aggressive Mode": both the password (Tunnel-Password) and the
client-endpoint (Tunnel-Client-Endpoint) must be configured for IOS to initiate it.
"""

from __future__ import annotations

import pytest

from tests.ios.refusal import assert_refused
from vpnteach.gateway import ike_config_from
from vpnteach.ike.config import AggressiveModeIdentity
from vpnteach.ike.policy import PreSharedKey
from vpnteach.ios import (
    IosConfigError,
    IsakmpPeerConfig,
    apply_commands,
    parse_config,
    try_apply,
)

from .conftest import seed_text

PEER = "crypto isakmp peer address 10.2.2.1\n"
PASSWORD = " set aggressive-mode password cisco123\n"
ENDPOINT = " set aggressive-mode client-endpoint ipv4-address 10.1.1.1\n"
AM_BLOCK = PEER + PASSWORD + ENDPOINT
PRE_SHARE = "crypto isakmp policy 10\n authentication pre-share\n"
SEED = parse_config(seed_text("branch1"), "branch1.cfg")

# ----------------------------------------------------------------------------- accepted


def test_a_complete_peer_block_makes_the_peer_an_aggressive_mode_peer() -> None:
    config = parse_config(AM_BLOCK)
    assert config.isakmp_peers["10.2.2.1"] == IsakmpPeerConfig(
        "10.2.2.1", "cisco123", ("ipv4-address", "10.1.1.1")
    )
    assert config.aggressive_mode_peers() == ("10.2.2.1",)
    assert config.pre_shared_keys() == (PreSharedKey("cisco123", "10.2.2.1"),)
    assert config.warnings == ()


@pytest.mark.parametrize(
    ("line", "endpoint"),
    [
        ("set aggressive-mode client-endpoint fqdn Branch1.amit.com", ("fqdn", "Branch1.amit.com")),
        (
            "set aggressive-mode client-endpoint user-fqdn vpn@amit.com",
            ("user-fqdn", "vpn@amit.com"),
        ),
        ("SET Aggressive-Mode Client-Endpoint IPV4-ADDRESS 10.1.1.1", ("ipv4-address", "10.1.1.1")),
    ],
)
def test_client_endpoint_takes_an_address_an_fqdn_or_a_user_fqdn(
    line: str, endpoint: tuple[str, str]
) -> None:
    config = parse_config(PEER + PASSWORD + line)
    assert config.isakmp_peers["10.2.2.1"].client_endpoint == endpoint
    assert config.aggressive_mode_peers() == ("10.2.2.1",)


def test_running_config_shows_both_commands_in_ios_layout_and_parses_back() -> None:
    text = "hostname Branch1\n" + PRE_SHARE + "crypto isakmp aggressive-mode disable\n" + AM_BLOCK
    text += "crypto isakmp peer address 10.3.3.1\n set aggressive-mode password k3\n"
    config = parse_config(text)
    assert config.to_text() == (
        "!\nhostname Branch1\n!\n"
        "crypto isakmp policy 10\n authentication pre-share\n!\n"
        "crypto isakmp aggressive-mode disable\n!\n"
        "crypto isakmp peer address 10.2.2.1\n"
        " set aggressive-mode password cisco123\n"
        " set aggressive-mode client-endpoint ipv4-address 10.1.1.1\n!\n"
        "crypto isakmp peer address 10.3.3.1\n"
        " set aggressive-mode password k3\n!\nend\n"
    )
    assert parse_config(config.to_text()) == config


def test_aggressive_mode_disable_comes_after_the_isakmp_keys() -> None:
    text = "crypto isakmp key k address 10.2.2.1\ncrypto isakmp aggressive-mode disable\n"
    assert "crypto isakmp key k address 10.2.2.1\ncrypto isakmp aggressive-mode disable\n!" in (
        parse_config(text).to_text()
    )


def test_no_forms_undo_each_command() -> None:
    config = parse_config(AM_BLOCK + "crypto isakmp aggressive-mode disable\n")
    assert config.aggressive_mode_disable
    config = apply_commands(config, "no crypto isakmp aggressive-mode disable\n")
    assert not config.aggressive_mode_disable
    config = apply_commands(config, PEER + " no set aggressive-mode password\n")
    assert config.isakmp_peers["10.2.2.1"].password is None
    config = apply_commands(config, PEER + " no set aggressive-mode client-endpoint\n")
    assert config.isakmp_peers["10.2.2.1"].client_endpoint is None
    config = apply_commands(config, "no crypto isakmp peer address 10.2.2.1\n")
    assert config.isakmp_peers == {}
    assert "isakmp peer" not in config.to_text()


def test_a_global_command_leaves_the_peer_mode_as_ios_does() -> None:
    config = parse_config(PEER + PASSWORD + "hostname B\n")
    assert config.hostname == "B" and config.isakmp_peers["10.2.2.1"].password == "cisco123"
    with pytest.raises(IosConfigError) as caught:
        parse_config(PEER + PASSWORD + "hostname B\n" + ENDPOINT)
    assert caught.value.line == 4 and "belongs in config-isakmp-peer mode" in caught.value.expected


# ------------------------------------------------------------- what IOS accepts, and warns


@pytest.mark.parametrize(
    ("block", "missing"),
    [
        (PEER + PASSWORD, "set aggressive-mode client-endpoint"),
        (PEER + ENDPOINT, "set aggressive-mode password"),
        (PEER, "set aggressive-mode password and set aggressive-mode client-endpoint"),
    ],
)
def test_an_incomplete_peer_block_is_accepted_but_main_mode_is_used_and_a_warning_says_why(
    block: str, missing: str
) -> None:
    config = parse_config(block)
    assert config.aggressive_mode_peers() == ()
    assert config.pre_shared_keys() == ()
    assert [str(w) for w in config.warnings] == [
        f"crypto isakmp peer address 10.2.2.1: no {missing}: Main Mode is used with this "
        "peer, not Aggressive Mode"
    ]


def test_aggressive_mode_disable_also_stops_initiating_it() -> None:
    config = parse_config(AM_BLOCK + "crypto isakmp aggressive-mode disable\n")
    assert config.aggressive_mode_peers() == ()
    assert config.pre_shared_keys() == ()
    assert [str(w) for w in config.warnings] == [
        "crypto isakmp peer address 10.2.2.1: crypto isakmp aggressive-mode disable: "
        "Main Mode is used with this peer"
    ]


def test_the_aggressive_mode_password_is_a_pre_share_key_for_the_policy_warning() -> None:
    assert [str(w) for w in parse_config(PRE_SHARE).warnings] == [
        "crypto isakmp policy 10: authentication pre-share, but no crypto isakmp key is configured"
    ]
    assert parse_config(PRE_SHARE + AM_BLOCK).warnings == ()


# ----------------------------------------------------------------------------- to the engine


def test_ike_config_gets_the_peers_the_disable_switch_and_the_password_as_the_key() -> None:
    config = apply_commands(SEED, PRE_SHARE + AM_BLOCK)
    ike = ike_config_from(config, None)
    assert ike.aggressive_mode_peers == ("10.2.2.1",)
    assert ike.aggressive_with("10.2.2.1") and not ike.aggressive_with("10.3.3.1")
    assert not ike.aggressive_mode_disable
    assert ike.psk_for("10.2.2.1") == b"cisco123"
    disabled = ike_config_from(apply_commands(SEED, "crypto isakmp aggressive-mode disable"), None)
    assert disabled.aggressive_mode_disable and disabled.aggressive_mode_peers == ()


def test_the_client_endpoint_becomes_the_identity_am1_carries() -> None:
    endpoint = " set aggressive-mode client-endpoint fqdn branch1.amit.com\n"
    ike = ike_config_from(apply_commands(SEED, PRE_SHARE + AM_BLOCK + PEER + endpoint), None)
    assert ike.aggressive_id_for("10.2.2.1") == AggressiveModeIdentity(
        "10.2.2.1", "fqdn", "branch1.amit.com"
    )
    assert ike.aggressive_id_for("10.3.3.1") is None


def test_the_aggressive_mode_password_wins_over_an_isakmp_key_for_the_same_peer() -> None:
    keys = "crypto isakmp key mainkey address 10.2.2.1\ncrypto isakmp key other address 10.3.3.1\n"
    ike = ike_config_from(apply_commands(SEED, keys + AM_BLOCK), None)
    assert ike.psk_for("10.2.2.1") == b"cisco123"
    assert ike.psk_for("10.3.3.1") == b"other"
    without_endpoint = apply_commands(SEED, keys + PEER + PASSWORD)
    assert ike_config_from(without_endpoint, None).psk_for("10.2.2.1") == b"mainkey"


# ----------------------------------------------------------------------------- refused

IN_PEER_MODE = "a config command: `set` belongs in config-isakmp-peer mode (enter: crypto isakmp "
# (text, line of the error, expected, the word the caret points at; None = incomplete)
BAD = [
    ("crypto isakmp peer address 10.2.2", 1, "an IPv4 address A.B.C.D", "10.2.2"),
    ("crypto isakmp peer address Branch2", 1, "an IPv4 address A.B.C.D", "Branch2"),
    ("crypto isakmp peer address", 1, "an IPv4 address A.B.C.D", None),
    ("crypto isakmp peer 10.2.2.1", 1, "address", "10.2.2.1"),
    ("no crypto isakmp peer address 10.2.2.1.5", 1, "an IPv4 address A.B.C.D", "10.2.2.1.5"),
    ("crypto isakmp aggressive-mode enable", 1, "disable", "enable"),
    ("crypto isakmp aggressive-mode disable now", 1, "end of command", "now"),
    (PEER + " set aggressive-mode password", 2, "a name", None),
    (PEER + " set aggressive-mode password two words", 2, "end of command", "words"),
    (
        PEER + " set aggressive-mode client-endpoint ipv4-address 10.1.1",
        2,
        "an IPv4 address A.B.C.D",
        "10.1.1",
    ),
    (
        PEER + " set aggressive-mode client-endpoint",
        2,
        "one of ipv4-address, fqdn, user-fqdn",
        None,
    ),
    (
        PEER + " set aggressive-mode client-endpoint ipv6-address ::1",
        2,
        "one of ipv4-address, fqdn, user-fqdn",
        "ipv6-address",
    ),
    (
        PEER + " set aggressive-mode client-endpoint fqdn büro.amit.com",
        2,
        "a host name such as branch1.amit.com (ASCII letters, digits, . - _ @)",
        "büro.amit.com",
    ),
    (
        "set aggressive-mode password cisco123",
        1,
        IN_PEER_MODE + "peer address <address:ip>)",
        "set",
    ),
    (
        "crypto isakmp policy 10\n set aggressive-mode password cisco123",
        2,
        "a config-isakmp command: `set` belongs in config-isakmp-peer mode "
        "(enter: crypto isakmp peer address <address:ip>)",
        "set",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "expected", "word"), BAD, ids=[str(i) for i in range(len(BAD))]
)
def test_bad_aggressive_mode_line_says_what_was_wrong_and_where(
    text: str, line: int, expected: str, word: str | None
) -> None:
    error = assert_refused(text, line, expected, word)
    if word is None:
        assert error.ios_message().endswith("% Incomplete command.")


def test_error_prompt_names_the_isakmp_peer_mode() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config("hostname Branch1\n" + PEER + " set aggressive-mode client-endpoint x 1")
    assert caught.value.ios_message().splitlines()[0] == (
        "Branch1(config-isakmp-peer)#set aggressive-mode client-endpoint x 1"
    )


def test_a_bad_line_after_a_peer_block_applies_nothing_of_it() -> None:
    base = parse_config("hostname Branch1\n" + PRE_SHARE)
    text = "crypto isakmp aggressive-mode disable\n" + AM_BLOCK + " set aggressive-mode foo"
    result = try_apply(base, text)
    assert not result.ok and result.config is base
    assert result.error is not None and result.error.line == 5
    assert base.isakmp_peers == {} and not base.aggressive_mode_disable
