"""DPD scheduling (RFC 3706, IOS on-demand ``crypto isakmp keepalive 10 2``), without a network."""

from __future__ import annotations

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
    # RFC 3706 §5.4: each R-U-THERE takes the next sequence number
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
