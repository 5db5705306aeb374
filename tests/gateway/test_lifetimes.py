"""IPsec SA lifetimes as IOS keeps them: told, honoured, rekeyed by either side, deleted aloud.

The findings (against a peer whose proposed lifetime is longer than ours): the responder took
its own shorter lifetime silently (no RESPONDER-LIFETIME, RFC 2407 §4.5.4 / §4.6.3.1), an
initiator ignored one, only the side that started the pair rekeyed it, and at expiry the SAs
vanished without a Delete (RFC 2408 §3.15), so the peer went on sending into them.
"""

from __future__ import annotations

import re

from tests.gateway.test_gateway import WAN, Pair, config, echo, pki
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.sa import Direction
from vpnteach.gateway import Gateway, SasRemoved, Transmit
from vpnteach.gateway.lifetimes import RESPONDER_SOFT_MARGIN_SECONDS
from vpnteach.ike.events import SaDeleted
from vpnteach.ike.lifetimes import RESPONDER_LIFETIME
from vpnteach.wire.constants import ExchangeType, ProtocolId
from vpnteach.wire.message import decode_message
from vpnteach.wire.payloads import NotificationPayload

SHORT = "crypto ipsec security-association lifetime seconds 120\n"
# RFC 2407 §4.5: SA Life Type (class 1) = seconds (1), SA Life Duration (class 2) = 120, both
# in the TV form (AF bit set): the Notification Data of RESPONDER-LIFETIME (§4.6.3.1).
LIFE_120_SECONDS = bytes.fromhex("8001000180020078")


def _pair(b1_extra: str = "", b2_extra: str = "") -> Pair:
    """Branch1 (the initiator) and Branch2 with their own extra configuration."""
    pair = Pair()
    rng = SeededRng("lifetime-test")
    pair.b1 = Gateway(config("Branch1", b1_extra), pki().routers["Branch1"], rng.fork("1"))
    pair.b2 = Gateway(config("Branch2", b2_extra), pki().routers["Branch2"], rng.fork("2"))
    return pair


def _qm2_notifies(gw: Gateway) -> list[NotificationPayload]:
    """The Notification payloads of the QM2 the initiator ``gw`` received (decrypted)."""
    sa = gw.ike.isakmp_sa("10.2.2.1")
    assert sa is not None
    (node,) = sa.nodes.values()
    return [p for p in node.messages.inbound if isinstance(p, NotificationPayload)]


def _outbound(gw: Gateway) -> int:
    sa = gw.sad.outbound_sa(gw.sad.spd.flows[0])
    assert sa is not None
    return sa.spi


def _ping(pair: Pair, seq: int) -> None:
    """One echo each way through the tunnel."""
    there = pair.b1.outbound(echo(seq), WAN, pair.now)
    assert isinstance(there, Transmit) and there.protected
    pair.b2.inbound(there.packet, WAN, pair.now)
    back = pair.b2.outbound(echo(seq, "192.168.22.1", "192.168.11.1"), WAN, pair.now)
    assert isinstance(back, Transmit) and back.protected
    pair.b1.inbound(back.packet, WAN, pair.now)


def test_a_responder_with_a_shorter_lifetime_says_so_in_qm2() -> None:
    pair = _pair(b2_extra=SHORT)
    pair.up()
    (notify,) = _qm2_notifies(pair.b1)
    assert notify.notify_message_type == RESPONDER_LIFETIME == 24576
    assert notify.protocol_id == ProtocolId.PROTO_IPSEC_ESP
    inbound_b2 = next(sa for sa in pair.b2.sad.sas() if sa.direction is Direction.INBOUND)
    assert notify.spi == inbound_b2.spi.to_bytes(4, "big")  # the responder's SPI
    assert notify.notification_data == LIFE_120_SECONDS
    assert "Sending NOTIFY RESPONDER_LIFETIME protocol 3: our lifetime is 120 seconds" in (
        pair.b2.ike.debug_log()
    )


def test_equal_lifetimes_need_no_responder_lifetime() -> None:
    pair = _pair()
    pair.up()
    assert _qm2_notifies(pair.b1) == []
    assert "RESPONDER_LIFETIME" not in pair.b2.ike.debug_log()


def test_the_initiator_honours_the_responder_lifetime_and_shows_it() -> None:
    pair = _pair(b2_extra=SHORT)
    pair.up()
    assert {sa.lifetime.seconds for sa in pair.b1.sad.sas()} == {120}
    assert "processing NOTIFY RESPONDER_LIFETIME protocol 3: lifetime now 120 seconds" in (
        pair.b1.ike.debug_log()
    )
    pair.now += 50
    show = pair.b1.show_crypto_ipsec_sa(pair.now)
    remaining = re.findall(r"remaining key lifetime \(k/sec\): \((\d+)/(\d+)\)", show)
    assert len(remaining) == 2 and all(70 <= int(s) <= 71 for _, s in remaining), show


def _to_b2_soft(pair: Pair) -> None:
    """Run Branch2's timers up to its soft limit only: a peer (Branch1 here) that would
    rekey later, or never, does not get its turn."""
    out = pair.b2.sad.outbound_sa(pair.b2.sad.spd.flows[0])
    assert out is not None
    assert out.soft_seconds >= out.lifetime.seconds - RESPONDER_SOFT_MARGIN_SECONDS - 6
    pair.now = out.created_at + out.soft_seconds
    pair.b2.handle_timer(pair.now)


def test_the_responder_rekeys_a_pair_that_carries_traffic() -> None:
    pair = _pair(b2_extra=SHORT)
    pair.up()
    _ping(pair, 1)
    first = _outbound(pair.b1)
    _to_b2_soft(pair)
    (qm1,) = pair.b2.datagrams_to_send(pair.now)  # Branch2 starts the Quick Mode
    assert decode_message(qm1.data).header.exchange_type == ExchangeType.QUICK_MODE
    pair.b1.receive_datagram(qm1.data, ("10.2.2.1", 500), pair.now)
    assert pair.carry() == 2  # QM2, QM3
    assert _outbound(pair.b1) != first
    _ping(pair, 2)  # the new pair carries traffic


def test_the_responder_leaves_an_idle_pair_to_expire() -> None:
    pair = _pair(b2_extra=SHORT)
    pair.up()
    _to_b2_soft(pair)
    assert pair.b2.datagrams_to_send(pair.now) == []


def test_an_expired_pair_is_announced_with_a_delete_and_the_peer_removes_it() -> None:
    pair = _pair(b2_extra=SHORT)
    pair.up()
    pair.events(pair.b1)
    inbound_b2 = next(sa for sa in pair.b2.sad.sas() if sa.direction is Direction.INBOUND)
    pair.now += 120
    pair.b2.handle_timer(pair.now)  # Branch2's pair reaches its hard lifetime
    assert pair.b2.sad.sas() == []
    (info,) = pair.b2.datagrams_to_send(pair.now)
    assert decode_message(info.data).header.exchange_type == ExchangeType.INFORMATIONAL
    pair.b1.receive_datagram(info.data, ("10.2.2.1", 500), pair.now)
    sa = pair.b1.ike.isakmp_sa("10.2.2.1")
    assert sa is not None
    removed = [e for e in pair.events(pair.b1) if isinstance(e, SasRemoved)]
    assert len(removed) == 1 and removed[0].reason == "Delete from the peer"
    assert pair.b1.sad.sas() == []
    # the Delete named Branch2's inbound SPI, the one Branch1 was sending to
    assert inbound_b2.spi in removed[0].spis


def test_after_a_rekey_the_old_pair_is_deleted_aloud_and_traffic_moves_on() -> None:
    pair = _pair(b1_extra=SHORT, b2_extra=SHORT)
    pair.up()
    old_b2_inbound = {sa.spi for sa in pair.b2.sad.sas() if sa.direction is Direction.INBOUND}
    pair.now += 120 - 30
    pair.b1.handle_timer(pair.now)  # Branch1, the pair's initiator, rekeys first
    assert pair.carry() == 3
    pair.events(pair.b1)
    pair.now += 31
    pair.b2.handle_timer(pair.now)  # the old pair's hard lifetime on Branch2
    (info,) = pair.b2.datagrams_to_send(pair.now)
    pair.b1.receive_datagram(info.data, ("10.2.2.1", 500), pair.now)
    deleted = [e for e in pair.events(pair.b1) if isinstance(e, SaDeleted)]
    assert len(deleted) == 1 and deleted[0].by_peer
    assert deleted[0].protocol_id == ProtocolId.PROTO_IPSEC_ESP
    assert {int.from_bytes(s, "big") for s in deleted[0].spis} == old_b2_inbound
    assert len(pair.b1.sad.sas()) == len(pair.b2.sad.sas()) == 2
    _ping(pair, 3)
