"""RESPONDER-LIFETIME's Notification Data (RFC 2407 §4.6.3.1): encoded, read, refused."""

from __future__ import annotations

import pytest

from vpnteach.ike.context import IkeError
from vpnteach.ike.lifetimes import (
    Lifetimes,
    lifetime_text,
    read_responder_lifetime,
    responder_lifetime_notify,
)
from vpnteach.wire.constants import ProtocolId
from vpnteach.wire.payloads import NotificationPayload

ESP = ProtocolId.PROTO_IPSEC_ESP
# RFC 2407 §4.5 classes 1 (SA Life Type) and 2 (SA Life Duration): seconds (1) = 28800 in TV
# form, kilobytes (2) = 4608000 in TLV form (4 bytes: it does not fit 16 bits, RFC 2408 §3.3).
BOTH = bytes.fromhex("8001000180027080800100020002000400465000")


def test_the_notify_carries_life_type_and_duration_pairs() -> None:
    n = responder_lifetime_notify(ESP, b"\x00\x00\x12\x34", Lifetimes(28800, 4608000), ike=False)
    assert n.notification_data == BOTH and n.spi == b"\x00\x00\x12\x34"
    assert read_responder_lifetime(n, ike=False) == Lifetimes(28800, 4608000)


def test_phase1_uses_the_ike_attribute_classes() -> None:
    # RFC 2409 Appendix A: Life Type is class 11, Life Duration class 12
    n = responder_lifetime_notify(ProtocolId.PROTO_ISAKMP, bytes(16), Lifetimes(600), ike=True)
    assert n.notification_data == bytes.fromhex("800b0001800c0258")
    assert read_responder_lifetime(n, ike=True) == Lifetimes(600)


def test_shorter_than_keeps_only_the_limits_that_are_shorter() -> None:
    assert Lifetimes(120, 4608000).shorter_than(3600, 4608000) == Lifetimes(120, None)
    assert not Lifetimes(3600, 4608000).shorter_than(3600, 4608000)
    assert Lifetimes(120, 100).shorter_than(0, 0) == Lifetimes(120, 100)  # 0: no limit offered
    assert lifetime_text(Lifetimes(120, 100)) == "120 seconds, 100 kilobytes"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (bytes.fromhex("80020078"), "Life Duration before any Life Type"),
        (bytes.fromhex("80010001000200050100000000"), "longer than 32 bits"),
    ],
)
def test_a_malformed_notify_is_refused_with_what_is_wrong(data: bytes, why: str) -> None:
    n = NotificationPayload(24576, protocol_id=ESP, spi=bytes(4), notification_data=data)
    with pytest.raises(IkeError, match=why):
        read_responder_lifetime(n, ike=False)


def test_a_truncated_notify_is_an_input_error_not_a_crash() -> None:
    n = NotificationPayload(24576, protocol_id=ESP, spi=bytes(4), notification_data=b"\x80\x01")
    with pytest.raises(ValueError, match=r"\S"):
        read_responder_lifetime(n, ike=False)
