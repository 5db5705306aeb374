"""A Delete or an ESP INVALID-SPI sent in clear over a half-open SA removes nothing.

The attack: spoofing the peer's address (10.2.2.1), an attacker sends an MM1 so that Branch1
creates a responder SA (no keys yet), then an unencrypted informational with those cookies
naming the SPI of Branch1's inbound ESP SA (visible in every ESP header). Before the fix the
gateway deleted the established tunnel's SA pair. RFC 2408 §4.8: once keys exist,
informationals are protected; only an authenticated Delete (§3.15) may remove SAs.
"""

from __future__ import annotations

import pytest

from tests.gateway.test_gateway import Pair, config, pki
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.sa import Direction
from vpnteach.gateway import Gateway
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import ExchangeType, NotifyMessageType, ProtocolId
from vpnteach.wire.message import IsakmpHeader, Message, encode_message
from vpnteach.wire.payloads import DeletePayload, NotificationPayload


def _half_open_cookies(pair: Pair) -> tuple[bytes, bytes]:
    """An MM1 from a Branch2 look-alike at the peer's address; Branch1 answers MM2."""
    evil = Gateway(config("Branch2"), pki().routers["Branch2"], SeededRng("evil"))
    evil.initiate("10.1.1.1", pair.now)
    (mm1,) = evil.datagrams_to_send(pair.now)
    pair.b1.receive_datagram(mm1.data, ("10.2.2.1", 500), pair.now)
    (mm2,) = pair.b1.datagrams_to_send(pair.now)
    return mm1.data[:8], mm2.data[8:16]


@pytest.mark.parametrize("kind", ["delete", "invalid-spi"])
def test_a_clear_informational_about_ipsec_sas_is_ignored(kind: str) -> None:
    pair = Pair()
    pair.up()
    before = pair.b1.sad.sas()
    # a Delete names our inbound SPI (the peer's outbound); INVALID-SPI the SPI the peer
    # does not know: our outbound one
    named = Direction.INBOUND if kind == "delete" else Direction.OUTBOUND
    spi = next(sa for sa in before if sa.direction is named).spi.to_bytes(4, "big")
    payload: Payload = (
        DeletePayload(ProtocolId.PROTO_IPSEC_ESP, 4, (spi,))
        if kind == "delete"
        else NotificationPayload(
            NotifyMessageType.INVALID_SPI, protocol_id=ProtocolId.PROTO_IPSEC_ESP, spi=spi
        )
    )
    cky_i, cky_r = _half_open_cookies(pair)
    header = IsakmpHeader(cky_i, cky_r, ExchangeType.INFORMATIONAL, message_id=0x1234)
    pair.b1.receive_datagram(encode_message(Message(header, (payload,))), ("10.2.2.1", 500),
                             pair.now)  # fmt: skip
    assert pair.b1.sad.sas() == before
