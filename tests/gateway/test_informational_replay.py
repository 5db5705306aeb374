"""A recorded informational sent again is dropped, and moves nothing (RFC 2408 §3.1, §4.8).

The finding: an encrypted informational (an R-U-THERE, say) recorded on the wire and sent again
from another address verified (its HASH(1) is the genuine one) and moved the established ISAKMP
SA to that address: every later IKE message, DPD answer and Delete went to the attacker. Now
an informational whose Message ID the SA has already seen is dropped, counted, and logged;
and no message that fails (replayed, unauthenticated, undecryptable) changes the SA's path.
"""

from __future__ import annotations

from tests.gateway.test_gateway import Pair
from vpnteach.ike.message_ids import MessageIds, ReplayedMessageError
from vpnteach.wire.constants import ExchangeType, NotifyMessageType, ProtocolId
from vpnteach.wire.message import IsakmpHeader, Message, decode_message, encode_message
from vpnteach.wire.payloads import NotificationPayload

B2 = ("10.2.2.1", 500)
ELSEWHERE = ("10.66.66.66", 500)


def _r_u_there(pair: Pair) -> bytes:
    """An encrypted R-U-THERE from Branch2 to Branch1, as it travelled."""
    pair.b2.ike.send_dpd("10.1.1.1", pair.now, sequence=0x77)
    (dpd,) = pair.b2.datagrams_to_send(pair.now)
    return dpd.data


def test_a_replayed_informational_is_dropped_counted_and_logged() -> None:
    pair = Pair()
    pair.up()
    dpd = _r_u_there(pair)
    pair.b1.receive_datagram(dpd, B2, pair.now)
    assert len(pair.b1.datagrams_to_send(pair.now)) == 1  # the genuine one is answered
    pair.now += 5
    pair.b1.receive_datagram(dpd, B2, pair.now)
    assert pair.b1.datagrams_to_send(pair.now) == []  # the copy is not
    assert pair.b1.ike.stats["dropped_ReplayedMessageError"] == 1
    log = pair.b1.ike.debug_log()
    mid = decode_message(dpd).header.message_id
    assert f"dropping message: replayed informational message: message ID {mid:08X}" in log


def test_a_replayed_informational_from_elsewhere_does_not_move_the_isakmp_sa() -> None:
    pair = Pair()
    pair.up()
    dpd = _r_u_there(pair)
    pair.b1.receive_datagram(dpd, B2, pair.now)
    pair.b1.datagrams_to_send(pair.now)
    pair.b1.receive_datagram(dpd, ELSEWHERE, pair.now + 1)
    sa = pair.b1.ike.isakmp_sa("10.2.2.1")
    assert sa is not None and sa.peer == B2
    assert pair.b1.ike.isakmp_sa("10.66.66.66") is None
    # the next message Branch1 sends over that SA still goes to Branch2
    pair.b1.ike.send_dpd("10.2.2.1", pair.now + 2, sequence=1)
    (out,) = pair.b1.datagrams_to_send(pair.now + 2)
    assert out.addr == B2


def test_unauthenticated_messages_from_elsewhere_do_not_move_the_isakmp_sa() -> None:
    pair = Pair()
    pair.up()
    sa = pair.b1.ike.isakmp_sa("10.2.2.1")
    assert sa is not None
    header = IsakmpHeader(sa.cky_i, sa.cky_r, ExchangeType.INFORMATIONAL, message_id=0x4242)
    clear = NotificationPayload(
        NotifyMessageType.R_U_THERE, protocol_id=ProtocolId.PROTO_ISAKMP, spi=sa.cookies.spi
    )
    forged_clear = encode_message(Message(header, (clear,)))
    dpd = bytearray(_r_u_there(pair))
    dpd[-1] ^= 1  # one bit of the ciphertext: HASH(1) no longer verifies
    for forged in (forged_clear, bytes(dpd)):
        pair.b1.receive_datagram(forged, ELSEWHERE, pair.now)
        assert pair.b1.datagrams_to_send(pair.now) == []
        assert sa.peer == B2 and not sa.dead


def test_a_replayed_quick_mode_whose_exchange_is_forgotten_is_refused() -> None:
    pair = Pair()
    pair.up()
    b1 = pair.b1.ike.isakmp_sa("10.2.2.1")
    assert b1 is not None
    # Branch1 starts a second Quick Mode; its QM1 is recorded on the way
    pair.b1.ike.initiate("10.2.2.1", pair.now)
    (qm1,) = pair.b1.datagrams_to_send(pair.now)
    assert decode_message(qm1.data).header.exchange_type == ExchangeType.QUICK_MODE
    pair.b2.receive_datagram(qm1.data, ("10.1.1.1", 500), pair.now)
    pair.carry()
    sa = pair.b2.ike.isakmp_sa("10.1.1.1")
    assert sa is not None and len(sa.nodes) == 2
    sa.nodes.clear()  # Branch2 forgets its finished exchanges (bounded memory)
    installed = len(pair.b2.sad.sas())
    pair.now += 30
    pair.b2.receive_datagram(qm1.data, ("10.1.1.1", 500), pair.now)
    assert pair.b2.datagrams_to_send(pair.now) == []  # no QM2 for the copy
    assert pair.b2.ike.stats["dropped_ReplayedMessageError"] == 1
    assert len(pair.b2.sad.sas()) == installed and sa.nodes == {}


def test_message_ids_are_bounded_and_remember_the_newest() -> None:
    ids = MessageIds(limit=3)
    for mid in (1, 2, 3, 4):
        ids.use(mid, "x")
    assert len(ids) == 3 and 1 not in ids and 4 in ids
    try:
        ids.use(4, "informational message")
    except ReplayedMessageError as exc:
        assert "message ID 00000004 already used" in str(exc)
    else:
        raise AssertionError("a reused message ID was accepted")
