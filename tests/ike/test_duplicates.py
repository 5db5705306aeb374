"""A request repeated by the network is answered once, not bounced between the peers for ever.

IOS answers a retransmitted request with its last message but skips the answer when it sent that
message moments ago ("retransmission skipped for phase 1 (time since last transmission N)").
Without the skip one duplicated datagram made both peers re-send to each other endlessly.
"""

from __future__ import annotations

from tests.ike.harness import B2, Pair, branch_config
from vpnteach.ike.endpoint import RESEND_GUARD
from vpnteach.ike.events import Phase2Complete
from vpnteach.ike.policy import IsakmpPolicy

PSK_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")


def _pair() -> Pair:
    c1 = branch_config("Branch1", policy=PSK_POLICY, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=PSK_POLICY, psk="cisco123", pki=False)
    return Pair.make(c1, c2, 1)


def _run_duplicating(pair: Pair, which: int, steps: int = 60) -> int:
    """Deliver everything, delivering the ``which``-th datagram twice; return datagrams sent."""
    sent = 0
    for _ in range(steps):
        pair.now += 0.01
        moved = False
        for sender, receiver in ((pair.b1, pair.b2), (pair.b2, pair.b1)):
            for d in sender.datagrams_to_send(pair.now):
                sent += 1
                moved = True
                source = (sender.config.local_address, d.local_port)
                copies = 2 if sent == which else 1
                for _ in range(copies):
                    receiver.receive_datagram(d.data, source, pair.now, d.addr[1])
        if not moved:
            break
    return sent


def test_a_duplicated_request_does_not_start_an_endless_exchange_of_resends() -> None:
    clean = _pair()
    clean.b1.initiate(B2, clean.now)
    baseline = _run_duplicating(clean, which=0)
    for which in range(1, 10):  # each of MM1..QM3 duplicated in turn
        pair = _pair()
        pair.b1.initiate(B2, pair.now)
        sent = _run_duplicating(pair, which)
        assert sent <= baseline + 1, f"datagram {which} duplicated: {sent} sent vs {baseline}"
        assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))


def test_a_duplicate_within_the_guard_is_counted_and_logged_not_answered() -> None:
    pair = _pair()
    pair.b1.initiate(B2, pair.now)
    _run_duplicating(pair, which=3)  # MM3 twice: Branch2 has just sent MM4
    assert pair.b2.stats["duplicates_not_answered"] == 1
    assert "retransmission skipped for phase 1 (time since last transmission 0)" in (
        pair.b2.debug_log()
    )


def test_a_real_retransmission_after_the_guard_is_answered_again() -> None:
    pair = _pair()
    pair.b1.initiate(B2, pair.now)
    mm1 = pair.b1.datagrams_to_send(pair.now)[0]
    source = (pair.b1.config.local_address, mm1.local_port)
    pair.b2.receive_datagram(mm1.data, source, pair.now, 500)
    assert len(pair.b2.datagrams_to_send(pair.now)) == 1  # MM2
    later = pair.now + RESEND_GUARD + 0.5  # MM2 was lost: Branch1 retransmits MM1
    pair.b2.receive_datagram(mm1.data, source, later, 500)
    assert len(pair.b2.datagrams_to_send(later)) == 1  # MM2 again
