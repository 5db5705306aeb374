"""The endpoint's timer index and peer index agree with a scan over every SA.

``IkeEndpoint.get_timer`` reads a heap and ``handle_timer`` visits only the SAs that have
something due (a hub with 1000 peers must not scan 1000 SAs per datagram); the oracle here is
the definition: the earliest retransmission or lifetime of any live SA, and the retransmitted
datagrams in the SAs' order.
"""

from __future__ import annotations

from tests.ike.harness import B2, Pair, branch_config
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Phase2Complete
from vpnteach.ike.sa import IsakmpSa, QuickModeNode


def brute_force_timer(ep: IkeEndpoint) -> float | None:
    """The earliest due time of any live SA, by scanning them all."""
    dues: list[float] = []
    for sa in ep.sas.values():
        if sa.dead:
            continue
        holders: list[IsakmpSa | QuickModeNode] = [sa, *sa.nodes.values()]
        dues += [h.messages.retransmit.due for h in holders if h.messages.retransmit is not None]
        if sa.expires is not None:
            dues.append(sa.expires)
    return min(dues, default=None)


def due_peers(ep: IkeEndpoint, now: float) -> list[str]:
    """Peers whose SA has a retransmission due at ``now``, in ``sas`` order."""
    due: list[IsakmpSa] = [
        sa
        for sa in ep.sas.values()
        if sa.messages.retransmit is not None and sa.messages.retransmit.due <= now
    ]
    return [sa.peer[0] for sa in due]


def test_unanswered_initiations_to_many_peers_time_out_as_a_scan_would_say() -> None:
    ep = IkeEndpoint(branch_config("Branch1"), name="hub")
    entry = ep.config.crypto_map[0]
    peers = [f"10.9.{i // 200}.{i % 200 + 1}" for i in range(40)]
    now = 0.0
    for i, peer in enumerate(peers):  # four at a time, staggered: due times tie and interleave
        now = (i // 4) * 0.7
        ep.initiate(peer, now, entry)
    assert len(ep.datagrams_to_send(now)) == len(peers)
    rounds = 0
    while (timer := ep.get_timer()) is not None:
        assert timer == brute_force_timer(ep)
        expected = due_peers(ep, timer)
        ep.handle_timer(timer)
        sent = [d.addr[0] for d in ep.datagrams_to_send(timer)]
        assert sent == [p for p in expected if ep.isakmp_sa(p) is not None]
        rounds += 1
    assert rounds > len(peers)  # every SA retransmitted several times before giving up
    assert ep.sas == {} and all(ep.isakmp_sa(p) is None for p in peers)
    assert ep.stats["retransmissions"] == 5 * len(peers)


def test_after_phase_2_the_timer_is_the_isakmp_lifetime_and_the_peer_is_found() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.expires is not None
    assert pair.b1.get_timer() == brute_force_timer(pair.b1) == sa.expires
    pair.b1.handle_timer(sa.expires - 1)  # not due: nothing happens
    assert pair.b1.datagrams_to_send(pair.now) == [] and pair.b1.isakmp_sa(B2) is sa
    pair.b1.handle_timer(sa.expires)  # the lifetime ends: deleted, forgotten, timer gone
    assert pair.b1.isakmp_sa(B2) is None and pair.b1.get_timer() is None
