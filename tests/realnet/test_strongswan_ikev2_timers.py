"""The IKEv2 profile's ``lifetime`` and ``dpd`` of ``vpnteach router run`` against charon.

* ``lifetime 120`` (IOS's shortest): vpnteach, the IKE SA's initiator, replaces it by
  CREATE_CHILD_SA (RFC 7296 §1.3.2) 30 to 40 s before its end, under a ping that loses
  nothing; charon then lists one IKE SA with new SPIs and the same Child SA (it moved to the
  new IKE SA). charon itself has no IKE rekey configured (``rekey_time = 0``).
* ``dpd 10 2 periodic``: an idle tunnel is checked every 10 s with an empty INFORMATIONAL
  request, which charon answers (§2.4); once charon is killed (SIGKILL: no Delete), the next
  check goes unanswered and after five retry periods vpnteach deletes the IKE SA and its
  Child SA by itself.

Needs root, netns, ping and strongSwan; the first test waits out a real lifetime (about 95 s).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.interop.strongswan import Charon
from tests.realnet.harness import (
    LAN1,
    LAN2,
    Capture,
    Router,
    bring_up,
    flexvpn,
    has_ipsec_sa,
    ikev2_peers,
    ping,
)
from tests.realnet.waits import Waits, waiting
from tests.tshark import tshark_records
from vpnteach.net import netns

IKE_SA = re.compile(r"vpn: #\d+, ESTABLISHED, IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r")


def _start(
    topo: netns.Topology, work: Path, pki: Path, profile_lines: str
) -> tuple[Router, Charon]:
    return ikev2_peers(
        topo, work, pki, flexvpn("psk") + "crypto ikev2 profile PROF\n" + profile_lines
    )


@waiting("ikev2-ike-lifetime")
def _vpnteach_rekeys_the_ike_sa_before_its_lifetime_under_traffic(
    work: Path, pki_dir: Path, tag: str
) -> None:
    with netns.Topology(left_tag=f"{tag}1", right_tag=f"{tag}2") as topo:
        b1, charon = _start(topo, work, pki_dir, " lifetime 120\n")
        with charon, b1:
            first_sa = bring_up(b1, charon)
            before = IKE_SA.search(charon.list_sas())
            started = time.monotonic()
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=190, interval=0.5)
            elapsed = time.monotonic() - started
            listed = charon.list_sas()
            show = b1.ask("show crypto ipsec sa")
            assert b1.stop() == 0
        log = b1.log.read_text()
    after = IKE_SA.search(listed)
    assert before is not None and after is not None, listed
    assert after.groups() != before.groups(), listed  # a new IKE SA ...
    assert listed.count("ESTABLISHED") == 1 and listed.count("INSTALLED") == 1, listed
    inbound = re.findall(r"spi: 0x([0-9A-F]{8})", first_sa)
    assert set(inbound) <= set(re.findall(r"spi: 0x([0-9A-F]{8})", show))  # ... same Child SA
    assert elapsed > 90 and "IkeSaRekeyed: IKEv2 SA with 10.2.2.1 rekeyed" in log, log[-3000:]
    assert (sent, received) == (190, 190), out[-2000:]  # nothing lost to the rekey


@waiting("ikev2-dpd")
def _charon_answers_periodic_liveness_checks_and_a_dead_charon_is_buried(
    work: Path, pki_dir: Path, tag: str
) -> None:
    with netns.Topology(left_tag=f"{tag}1", right_tag=f"{tag}2") as topo:
        b1, charon = _start(topo, work, pki_dir, " dpd 10 2 periodic\n")
        with charon, b1:
            bring_up(b1, charon)
            time.sleep(23)  # idle: two checks, both answered
            answered = b1.counter("event LivenessChecked")
            assert charon.proc is not None
            charon.proc.kill()  # no Delete: it is just gone
            charon.proc.wait(5)
            deadline = time.monotonic() + 30
            while has_ipsec_sa(b1.ask("show crypto ipsec sa")) and time.monotonic() < deadline:
                time.sleep(0.5)
            buried = time.monotonic()
            shown = b1.ask("show crypto ikev2 sa")
            remaining = b1.ask("show crypto ipsec sa")
            assert b1.stop() == 0
        log = b1.log.read_text()
    assert answered >= 2, log[-3000:]
    assert not has_ipsec_sa(remaining) and "READY" not in shown, log[-3000:]
    assert buried < deadline
    assert "IKEv2 SA deleted: peer not responding" in log, log[-3000:]


@waiting("ikev2-charon-rekey")
def _charon_rekeys_the_ike_sa_and_the_routers_key_table_follows(
    work: Path, pki_dir: Path, tag: str
) -> None:
    fields = ["ip.src", "isakmp.exchangetype", "isakmp.ispi", "isakmp.enc.pad_length",
              "isakmp.prop.protoid", "_ws.malformed"]  # fmt: skip
    with netns.Topology(left_tag=f"{tag}1", right_tag=f"{tag}2") as topo:
        b1, charon = _start(topo, work, pki_dir, " dpd 10 2 periodic\n")
        conf = charon.swanctl_dir / "swanctl.conf"
        text = conf.read_text().replace("\n    rekey_time = 0\n", "\n    rekey_time = 15s\n")
        # over_time = 0 would make 15 s the hard lifetime of every IKE SA, the new one too
        conf.write_text(text.replace("\n    over_time = 0\n", "\n    over_time = 60s\n"))
        charon.load_all()
        with Capture(topo.left.ns, topo.left.wan_dev, work / "wan.pcap") as cap, charon, b1:
            cap.start()
            bring_up(b1, charon)
            before = IKE_SA.search(charon.list_sas())
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=50, interval=0.5)
            listed = charon.list_sas()
            assert b1.stop() == 0
        table = (b1.keys / "ikev2_decryption_table").read_text().splitlines()
        rows = tshark_records(work / "wan.pcap", b1.keys, fields)
        log = b1.log.read_text()
        swan = charon.log.read_text()
    after = IKE_SA.search(listed)
    ike_lines = "\n".join(x for x in swan.splitlines() if "[IKE]" in x or "[CHD]" in x)
    assert "deleted by the peer" not in log, ike_lines  # the Child SA lived on the new SA
    assert before is not None and after is not None and after.groups() != before.groups()
    assert "IkeSaRekeyed" in log and (sent, received) == (50, 50), out[:1500] + log[-3000:]
    assert len(table) >= 2 and {line[:16] for line in table} >= {before.group(1), after.group(1)}
    rekey = [
        r for r in rows if r["isakmp.exchangetype"] == "36" and r["isakmp.prop.protoid"] == "1"
    ]
    assert [r["ip.src"] for r in rekey][:2] == ["10.2.2.1", "10.1.1.1"], rekey
    encrypted = [r for r in rows if r["isakmp.exchangetype"] in ("35", "36", "37")]
    assert {r["isakmp.ispi"] for r in encrypted} >= {before.group(1), after.group(1)}
    assert all(r["isakmp.enc.pad_length"] != "" for r in encrypted), encrypted
    assert all(r["_ws.malformed"] == "" for r in rows)


def test_vpnteach_rekeys_the_ike_sa_before_its_lifetime_under_traffic(waits: Waits) -> None:
    waits.result("ikev2-ike-lifetime")  # run beside the other waits


def test_charon_answers_periodic_liveness_checks_and_a_dead_charon_is_buried(waits: Waits) -> None:
    waits.result("ikev2-dpd")  # run beside the other waits


def test_charon_rekeys_the_ike_sa_and_the_routers_key_table_follows(waits: Waits) -> None:
    """charon (``rekey_time = 15s``) replaces the IKE SA with CREATE_CHILD_SA (§1.3.2);
    vpnteach, its responder, moves the Child SA to the new IKE SA, writes the new SA's keys to
    ``ikev2_decryption_table`` at once, and tshark opens every message of both IKE SAs (the
    periodic liveness checks travel on the new one)."""
    waits.result("ikev2-charon-rekey")  # run beside the other waits
