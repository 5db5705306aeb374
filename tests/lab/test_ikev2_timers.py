"""The IKEv2 profile's ``lifetime`` and ``dpd`` in ``Lab.seed(ike=2)``, on the simulated clock.

* ``lifetime 120``: the IKE SA is replaced by CREATE_CHILD_SA (RFC 7296 §1.3.2) before it ends
  (§2.8), by its initiator 30 to 40 s before the end; the Child SA keeps running on the new
  IKE SA; an SA that cannot be rekeyed is deleted at its end, Child SAs with it (§1.4.1).
* ``dpd 10 2 on-demand|periodic``: a silent peer is asked with an empty INFORMATIONAL
  request (§1.4, §2.4); unanswered, it is dead after five retry periods and every SA with it
  goes; periodic asks an idle but live peer every 10 s.

tshark (Wireshark's own IKEv2 dissector) reads the capture back with the lab's exported
``ikev2_decryption_table``: the rekey's SA payload proposes protocol IKE, and every message of
the old and the new IKE SA decrypts (the table follows the rekeys). tshark assertions need
tshark (skipped locally without it, failing in CI).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.lab.ikev2_tools import tshark_fields, v2
from vpnteach.gateway import PeerDead
from vpnteach.ikev2.events import IkeSaRekeyed, LivenessChecked
from vpnteach.lab import Lab
from vpnteach.net.sim.faults import FaultPolicy

PING = "ping 192.168.22.1 source 192.168.11.1"
BRANCH1, BRANCH2 = "10.1.1.1", "10.2.2.1"
FIELDS = ["ip.src", "isakmp.exchangetype", "isakmp.ispi", "isakmp.prop.protoid",
          "isakmp.enc.pad_length", "_ws.malformed"]  # fmt: skip


def _lab(*lines: str) -> Lab:
    lab = Lab.seed(ike=2, auth="pre-share")
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto ikev2 profile PROF\n" + "".join(f" {x}\n" for x in lines))
    lab.capture("WAN")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    return lab


def test_the_profile_lines_are_parsed_and_shown() -> None:
    lab = Lab.seed(ike=2, auth="pre-share")
    lab.branch1.configure(
        "crypto ikev2 cookie-challenge 20\ncrypto ikev2 profile PROF\n lifetime 600\n"
        " dpd 15 3 periodic\ncrypto call admission limit ike in-negotiation-sa 300\n"
    )
    shown = lab.branch1.exec("show running-config")
    assert "crypto ikev2 cookie-challenge 20\n" in shown
    assert " lifetime 600\n dpd 15 3 periodic\n" in shown
    gw = v2(lab, "Branch1")
    assert gw.dpd is not None and (gw.dpd.seconds, gw.dpd.retry, gw.dpd.periodic) == (15, 3, True)
    assert (gw.v2.config.max_half_open, gw.v2.config.max_in_negotiation) == (20, 300)
    assert gw.profiles[BRANCH2].lifetime == 600
    lab.branch2.configure("crypto ikev2 profile PROF\n lifetime 600\n dpd 15 3 periodic\n")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    detail = lab.branch1.exec("show crypto ikev2 sa detailed")
    assert "Life/Active Time: 600/" in detail and "DPD configured for 15 seconds, retry 3" in detail


def test_the_ike_sa_is_rekeyed_by_its_initiator_before_its_lifetime_ends(tmp_path: Path) -> None:
    lab = _lab("lifetime 120")
    b1, b2 = v2(lab, "Branch1"), v2(lab, "Branch2")
    born = next(m.time for m in b1.v2.moves if m.handler == "receive_auth_response")
    (first,) = b1.v2.sas
    child_spis = {s.spi for s in b1.sad.sas()}
    lab.run(100)
    (second,) = b1.v2.sas
    assert second != first and list(b2.v2.sas) == [second]  # one IKE SA each, the same
    rekeys = [x.time - born for x in b1.ipsec_log if "CREATE_CHILD_SA" in x.text]
    assert len(rekeys) == 1 and 120 - 40 <= rekeys[0] <= 120 - 30, rekeys  # IOS-like margin
    assert next(e for e in lab.branch2.events if isinstance(e, IkeSaRekeyed)).spi_i == second
    assert {s.spi for s in b1.sad.sas()} == child_spis  # the Child SA moved (§1.3.2)
    assert lab.branch1.exec(PING).count("!") == 5
    lab.run(200)  # and again: no IKE SA lives past 120 s
    assert len([x for x in b1.ipsec_log if "CREATE_CHILD_SA" in x.text]) >= 3
    assert len(b1.v2.sas) == 1 and b1.v2.sas.keys() == b2.v2.sas.keys()
    active = re.search(r"Life/Active Time: 120/(\d+) sec", lab.branch1.exec("show crypto ikev2 sa"))
    assert active is not None and int(active.group(1)) < 120  # the newest SA's own age
    rows = tshark_fields(lab, tmp_path, FIELDS)
    rekey_requests = [r for r in rows if r["isakmp.exchangetype"] == "36" and
                      r["isakmp.prop.protoid"] == "1" and r["ip.src"] == BRANCH1]  # fmt: skip
    assert len(rekey_requests) >= 3  # CREATE_CHILD_SA proposing an IKE SA: decrypted
    encrypted = [r for r in rows if r["isakmp.exchangetype"] in ("35", "36", "37")]
    # each rekeyed SA's messages open (the newest has sent nothing yet)
    assert len({r["isakmp.ispi"] for r in encrypted}) == len(rekey_requests) >= 3
    assert all(r["isakmp.enc.pad_length"] != "" for r in encrypted)
    assert all(r["_ws.malformed"] == "" for r in rows)


def test_an_ike_sa_that_is_not_rekeyed_is_deleted_at_its_end_with_its_child_sas() -> None:
    lab = Lab.seed(ike=2, auth="pre-share")
    lab.branch2.configure("crypto ikev2 profile PROF\n lifetime 120\n")  # Branch1: a day
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    b1, b2 = v2(lab, "Branch1"), v2(lab, "Branch2")
    b2.v2.rekey_ike_sa = lambda *args: False  # type: ignore[method-assign,assignment]
    born = b2.v2.moves[-1].time  # IKE_AUTH answered: the SA is up
    lab.run(born + 119.5 - lab.epoch(lab.network.now))
    assert len(b2.v2.sas) == 1 and b2.sad.sas()
    lab.run(1)
    assert b2.v2.sas == {} and b1.v2.sas == {}  # Branch1 took the Delete
    assert b1.sad.sas() == [] and b2.sad.sas() == []
    assert any("IKEv2 SA with 10.1.1.1 expired" in x.text for x in b2.ipsec_log)
    assert lab.branch1.exec(PING).splitlines()[-1].startswith("Success rate is 80 percent")


def test_dead_peer_detection_on_demand_buries_a_silent_peer() -> None:
    lab = _lab("dpd 10 2 on-demand")
    b1 = v2(lab, "Branch1")
    lab.network.link("WAN2").faults = FaultPolicy(loss=1.0)  # Branch2 is gone
    assert "Success rate is 0 percent" in lab.branch1.exec(PING + " repeat 10")
    lab.run(30)
    assert b1.v2.sas == {} and b1.sad.sas() == []
    assert [e for e in lab.branch1.events if isinstance(e, PeerDead)] == [
        PeerDead(BRANCH2, 5, "IKEv2 liveness")
    ]
    probes = [m for m in b1.v2.moves if m.handler == "send_liveness"]
    assert len(probes) == 1  # one request, retransmitted by the engine (RFC 7296 §2.1)
    assert b1.v2.stats["retransmissions"] >= 2
    lab.network.link("WAN2").faults = FaultPolicy()
    assert lab.branch1.exec(PING).splitlines()[-1].startswith("Success rate is 80 percent")


def test_on_demand_never_asks_a_peer_whose_traffic_keeps_arriving() -> None:
    lab = _lab("dpd 10 2 on-demand")
    b1 = v2(lab, "Branch1")
    for _ in range(4):
        lab.branch1.exec(PING)
        lab.run(5)
    lab.run(60)  # idle: on demand asks only with traffic to send
    assert [m for m in b1.v2.moves if m.handler == "send_liveness"] == []


def test_periodic_dead_peer_detection_asks_an_idle_live_peer_every_interval() -> None:
    lab = _lab("dpd 10 2 periodic")
    b1 = v2(lab, "Branch1")
    lab.run(35)
    probes = [m for m in b1.v2.moves if m.handler == "send_liveness"]
    answered = [e for e in lab.branch1.events if isinstance(e, LivenessChecked)]
    assert len(probes) == len(answered) == 3
    assert len(b1.v2.sas) == 1 and len(b1.sad.sas()) == 2


def test_the_child_sa_is_rekeyed_on_the_same_ike_sa_before_its_lifetime_ends() -> None:
    """``crypto ipsec security-association lifetime seconds 120``: the pair's initiator rekeys
    it with CREATE_CHILD_SA and N(REKEY_SA) (RFC 7296 §1.3.3) 30 to 40 s before its end, then
    deletes the old pair (§2.8); the IKE SA stays."""
    lab = Lab.seed(ike=2, auth="pre-share")
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto ipsec security-association lifetime seconds 120\n")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    b1, b2 = v2(lab, "Branch1"), v2(lab, "Branch2")
    (ike,) = b1.v2.sas
    old = {s.spi for s in b1.sad.sas()}
    lab.run(95)
    new = {s.spi for s in b1.sad.sas()}
    assert len(new) == 2 and not new & old  # a new pair, the old one deleted
    assert {s.spi for s in b2.sad.sas()} == new
    assert list(b1.v2.sas) == [ike] and list(b2.v2.sas) == [ike]
    assert [m.handler for m in b1.v2.moves].count("send_rekey_child_sa") == 1
    assert lab.branch1.exec(PING).count("!") == 5


def test_changing_the_cookie_threshold_or_dpd_keeps_the_sas() -> None:
    lab = _lab()
    b1 = v2(lab, "Branch1")
    ike, child = list(b1.v2.sas), {s.spi for s in b1.sad.sas()}
    lab.branch1.configure(
        "crypto ikev2 cookie-challenge 5\ncrypto ikev2 profile PROF\n dpd 10 2 on-demand\n"
    )
    assert list(b1.v2.sas) == ike and {s.spi for s in b1.sad.sas()} == child
    assert b1.v2.config.max_half_open == 5 and b1.dpd is not None
    lab.branch1.configure("crypto ikev2 proposal PROP\n group 15\n")  # a new proposal: cleared
    lab.run_for(1)
    assert list(b1.v2.sas) != ike
