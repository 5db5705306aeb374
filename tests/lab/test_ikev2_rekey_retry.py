"""A Child SA rekey that could not go out, or that the peer refused, is tried again between two
vpnteach gateways in the lab (RFC 7296 §2.3, §2.25; :mod:`vpnteach.gateway.ikev2_rekey_retry`).

* Branch1's rekey comes due while its liveness check (an empty INFORMATIONAL, §2.4) awaits
  its answer: window size 1 (§2.3), so the CREATE_CHILD_SA goes out when the answer comes.
* Branch1 rekeys the pair at the moment Branch2 rekeys the IKE SA: each answers the other
  with TEMPORARY_FAILURE (§2.25.2); Branch1 tries again after a random delay and the pair is
  replaced while pings run, none lost.
* A refused rekey whose pair is gone by then (``clear crypto sa``) is not tried again.

Without the retries Branch1 would keep the pair to its hard lifetime (Branch2, the pair's
responder, rekeys much later), which each test would see.
"""

from __future__ import annotations

from tests.lab.ikev2_tools import PING, pair_up
from vpnteach.gateway import Ikev2Gateway
from vpnteach.ikev2.events import ChildSaEstablished, ChildSaFailed
from vpnteach.lab import Lab
from vpnteach.wire.ikev2.constants import NotifyType


def _rekey_due_now(lab: Lab, gateway: Ikev2Gateway) -> float:
    """Branch1's soft lifetime of the pair ends now; returns the routers' clock."""
    now = lab.epoch(lab.network.now)
    for sa in gateway.sad.sas():
        sa.soft_seconds = now - sa.created_at
    gateway._timer_stale = True
    return now


def _peer(gateway: Ikev2Gateway) -> str:
    (ike,) = gateway.v2.sas.values()
    return ike.peer[0]


def _handlers(gateway: Ikev2Gateway) -> list[str]:
    return [m.handler for m in gateway.v2.moves]


def test_a_rekey_due_while_a_liveness_check_is_outstanding_goes_out_once_it_is_answered() -> None:
    lab, b1, _, old = pair_up(300)
    now = _rekey_due_now(lab, b1)
    assert b1.v2.check_liveness(_peer(b1), now)  # our one request is in flight (§2.3)
    before = len(_handlers(b1))
    b1.handle_timer(now)  # the soft lifetime: the rekey cannot go out yet
    assert "send_rekey_child_sa" not in _handlers(b1)[before:]
    lab.branch1.service()
    lab.run(5)
    moves = _handlers(b1)[before:]
    assert moves[:4] == [
        "receive_informational_response", "send_rekey_child_sa",
        "receive_create_child_sa_response", "receive_informational_response",
    ], moves  # fmt: skip
    new = {s.spi for s in b1.sad.sas()}
    assert len(new) == 2 and not new & old
    assert any("rekey waits for our request window" in line.text for line in b1.ipsec_log)
    assert lab.branch1.exec(PING).count("!") == 5


def _refused(lab: Lab, b1: Ikev2Gateway, b2: Ikev2Gateway) -> None:
    """Branch1 rekeys the pair as Branch2 rekeys the IKE SA: both refused (§2.25.2)."""
    now = _rekey_due_now(lab, b1)
    assert b2.v2.rekey_ike_sa(_peer(b2), now)
    b1.handle_timer(now)
    lab.branch1.service()
    lab.branch2.service()
    lab.run(0.1)
    failed = [e for e in lab.branch1.events if isinstance(e, ChildSaFailed) and e.rekeyed_spi]
    assert [e.notify_type for e in failed] == [NotifyType.TEMPORARY_FAILURE]  # our rekey's
    (ike,) = b1.v2.sas.values()
    assert failed[0].rekeyed_spi == ike.children[0].spi_in
    assert _handlers(b1).count("send_rekey_child_sa") == 1


def test_a_rekey_refused_with_temporary_failure_is_retried_and_no_ping_is_lost() -> None:
    lab, b1, b2, old = pair_up(300)
    _refused(lab, b1, b2)
    assert {s.spi for s in b1.sad.sas()} == old
    replies = ""
    for _ in range(8):  # the retry comes 1 to 5 s later, while the pings run
        replies += lab.branch1.exec(PING).splitlines()[-2]
        lab.run(1)
    assert replies == "!" * 40
    assert _handlers(b1).count("send_rekey_child_sa") == 2
    children = [e for e in lab.branch1.events if isinstance(e, ChildSaEstablished)]
    assert len(children) == 2 and children[1].rekeyed_spi == children[0].spi_in
    new = {s.spi for s in b1.sad.sas()}
    assert len(new) == 2 and not new & old and {s.spi for s in b2.sad.sas()} == new
    assert any("TEMPORARY_FAILURE, retry in" in line.text for line in b1.ipsec_log)
    assert lab.branch2.exec("ping 192.168.11.1 source 192.168.22.1").count("!") == 5


def test_a_refused_rekey_is_not_retried_once_its_pair_is_gone() -> None:
    lab, b1, b2, _ = pair_up(300)
    _refused(lab, b1, b2)
    assert len(b1.rekey_retries) == 1
    assert lab.branch1.exec("clear crypto sa") == ""
    lab.run(10)
    assert len(b1.rekey_retries) == 0 and not b1.sad.sas()
    assert _handlers(b1).count("send_rekey_child_sa") == 1
    assert any("gone: no rekey retry" in line.text for line in b1.ipsec_log)
