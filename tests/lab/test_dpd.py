"""Dead Peer Detection on an established tunnel (RFC 3706, IOS ``crypto isakmp keepalive``).

Both routers run ``crypto isakmp keepalive 10`` (retry 2 s). When Branch1 has ESP to send but
has heard nothing from Branch2 for 10 s it asks R-U-THERE (on demand); five unanswered ones
(2 s apart) and Branch2 is dead: the ISAKMP SA and the IPsec SAs with it are deleted, so new
traffic negotiates afresh.
"""

from __future__ import annotations

from vpnteach.gateway import PeerDead
from vpnteach.lab import Lab
from vpnteach.net.sim.faults import FaultPolicy

PING = "ping 192.168.22.1 source 192.168.11.1"
BRANCH2 = "10.2.2.1"


def _dpd_lab() -> Lab:
    lab = Lab.seed()
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto isakmp keepalive 10\n")
    assert "Success rate is 80 percent" in lab.branch1.exec(PING)
    return lab


def test_a_silent_peer_is_declared_dead_and_every_sa_with_it_is_deleted() -> None:
    lab = _dpd_lab()
    lab.network.link("WAN2").faults = FaultPolicy(loss=1.0)  # Branch2 is gone
    # IOS on demand: Branch1 asks when it has traffic for a peer silent for 10 s
    assert "Success rate is 0 percent" in lab.branch1.exec(PING + " repeat 10")
    lab.run(30)
    gw = lab.branch1.gateway
    assert gw is not None
    assert BRANCH2 not in gw.show_crypto_isakmp_sa()
    assert gw.sad.sas() == []
    assert [e for e in lab.branch1.events if isinstance(e, PeerDead)] == [PeerDead(BRANCH2, 5)]
    log = gw.ike.debug_log()
    assert log.count("Sending NOTIFY DPD/R_U_THERE to 10.2.2.1") == 5
    assert "peer 10.2.2.1 not responding!" in log
    assert 'deleting SA reason "peer not responding (DPD)"' in log


def test_after_the_peer_comes_back_new_traffic_negotiates_a_new_tunnel() -> None:
    lab = _dpd_lab()
    lab.network.link("WAN2").faults = FaultPolicy(loss=1.0)
    lab.branch1.exec(PING + " repeat 10")
    lab.run(30)
    assert lab.branch1.gateway is not None and not lab.branch1.gateway.sad.sas()
    lab.network.link("WAN2").faults = FaultPolicy()
    lab.branch1.exec(PING)
    assert lab.branch1.exec(PING).count("!") == 5
    assert "QM_IDLE" in lab.branch1.exec("show crypto isakmp sa")


def test_a_peer_that_answers_r_u_there_keeps_the_tunnel() -> None:
    lab = _dpd_lab()
    # Branch2's ESP is lost but its IKE gets through: Branch1 hears no traffic, asks, is answered
    drop_esp = FaultPolicy(rewrite=lambda p: None if p[9] == 50 else p, only_from="Branch2")
    lab.network.link("WAN2").faults = drop_esp
    lab.branch1.exec(PING + " repeat 15")
    lab.run(30)
    gw = lab.branch1.gateway
    assert gw is not None
    log = gw.ike.debug_log()
    assert "Sending NOTIFY DPD/R_U_THERE to 10.2.2.1" in log
    assert "DPD/R_U_THERE_ACK received from peer 10.2.2.1" in log
    assert "not responding" not in log
    assert not [e for e in lab.branch1.events if isinstance(e, PeerDead)]
    assert "QM_IDLE" in gw.show_crypto_isakmp_sa()


def test_without_keepalive_a_silent_peer_is_never_asked() -> None:
    lab = Lab.seed()
    lab.branch1.exec(PING)
    lab.network.link("WAN2").faults = FaultPolicy(loss=1.0)
    lab.branch1.exec(PING)
    lab.run(30)
    gw = lab.branch1.gateway
    assert gw is not None
    assert "R_U_THERE" not in gw.ike.debug_log()
    assert "QM_IDLE" in gw.show_crypto_isakmp_sa()
