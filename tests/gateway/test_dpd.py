"""DPD scheduling (RFC 3706, IOS on-demand ``crypto isakmp keepalive 10 2``), without a network."""

from __future__ import annotations

from tests.gateway.test_gateway import WAN, Pair, echo
from vpnteach.gateway import PeerDead
from vpnteach.gateway.dpd import DPD_LIMIT, Dead, DpdTracker, Probe

PEER = "10.2.2.1"


def _watched(t0: float = 100.0) -> DpdTracker:
    dpd = DpdTracker(seconds=10, retry=2, first_sequence=0x10)
    dpd.established(PEER, t0)
    return dpd


def test_an_idle_tunnel_is_never_probed_on_demand() -> None:
    dpd = _watched()
    assert dpd.timer() is None
    assert dpd.due(1000.0) == []


def test_sending_while_the_peer_was_heard_recently_raises_no_doubt() -> None:
    dpd = _watched(100.0)
    assert dpd.sent(PEER, 109.9) is False
    assert dpd.timer() is None


def test_sending_after_seconds_of_silence_probes_at_once() -> None:
    dpd = _watched(100.0)
    assert dpd.sent(PEER, 110.0) is True
    assert dpd.timer() == 110.0
    assert dpd.due(110.0) == [Probe(PEER, 0x11, 1)]
    assert dpd.sent(PEER, 110.5) is False  # one question at a time


def test_five_unanswered_probes_at_retry_intervals_make_the_peer_dead() -> None:
    dpd = _watched(100.0)
    dpd.sent(PEER, 110.0)
    seen: list[Probe | Dead] = []
    t = 0.0
    while (at := dpd.timer()) is not None:
        t = at
        seen += dpd.due(t)
    probes = [a for a in seen if isinstance(a, Probe)]
    assert [p.attempt for p in probes] == list(range(1, DPD_LIMIT + 1))
    # RFC 3706 §6.2: each R-U-THERE takes the next sequence number
    assert [p.sequence for p in probes] == [0x11, 0x12, 0x13, 0x14, 0x15]
    assert seen[-1] == Dead(PEER)
    assert t == 110.0 + 2 * DPD_LIMIT
    assert PEER not in dpd.peers


def test_an_answer_resets_the_count() -> None:
    dpd = _watched(100.0)
    dpd.sent(PEER, 110.0)
    dpd.due(110.0)
    dpd.due(112.0)
    dpd.received(PEER, 112.5)  # the R-U-THERE-ACK
    assert dpd.peers[PEER].unanswered == 0
    assert dpd.timer() is None
    assert dpd.sent(PEER, 113.0) is False
    assert dpd.sent(PEER, 122.5) is True
    assert dpd.due(122.5) == [Probe(PEER, 0x13, 1)]


def test_a_forgotten_peer_is_not_probed() -> None:
    dpd = _watched()
    dpd.forget(PEER)
    assert dpd.sent(PEER, 500.0) is False
    assert dpd.timer() is None


def test_only_an_ack_echoing_an_outstanding_sequence_proves_the_peer_alive() -> None:
    dpd = _watched(100.0)
    assert dpd.answered(PEER, 0x11, 105.0) is False  # nothing was asked yet
    dpd.sent(PEER, 110.0)
    (probe,) = dpd.due(110.0)
    (second,) = dpd.due(112.0)
    assert dpd.answered(PEER, 0x99, 112.5) is False  # RFC 3706 §6.1: not one we sent
    assert dpd.peers[PEER].unanswered == 2
    assert dpd.answered(PEER, probe.sequence, 113.0) is True  # a late answer to the first
    assert dpd.peers[PEER].unanswered == 0 and dpd.timer() is None
    assert dpd.answered(PEER, second.sequence, 113.5) is False  # that round is over


def test_datagrams_from_the_peers_address_do_not_keep_a_silent_peer_alive() -> None:
    """Before: every IKE datagram from 10.2.2.1 reset the peer's liveness, so garbage sent
    from a spoofed address kept a dead peer's SAs forever."""
    pair = Pair("crypto isakmp keepalive 10 2\n")
    pair.up()
    pair.events(pair.b1)
    pair.now += 11  # the peer has been silent for 10 s and there is ESP to send
    pair.b1.outbound(echo(1), WAN, pair.now)
    while (at := pair.b1.get_timer()) is not None and at < pair.now + 60:
        pair.now = max(pair.now, at)
        pair.b1.receive_datagram(b"\x00" * 40, ("10.2.2.1", 500), pair.now)  # forged noise
        pair.b1.handle_timer(pair.now)
        pair.b1.datagrams_to_send(pair.now)  # R-U-THERE, never answered
        if any(isinstance(e, PeerDead) for e in pair.events(pair.b1)):
            break
    else:
        raise AssertionError("the silent peer was never declared dead")
    assert pair.b1.sad.sas() == []
