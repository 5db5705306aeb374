"""``vpnteach router run`` (IKEv2) and charon with several Child SAs on one IKE SA.

Branch1 is the vpnteach router process (pre-shared key, the lab's FlexVPN lines); Branch2 is
charon (``version = 2``). vpnteach brings the tunnel up; charon opens a second Child SA on the
same IKE SA for the two routers' LAN addresses alone (a child ``hosts`` with /32 selectors:
CREATE_CHILD_SA without REKEY_SA, RFC 7296 §1.3.1; vpnteach accepts selectors narrower than
its ACL as proposed, §2.9). Then ``clear crypto sa`` on vpnteach must leave charon with no
Child SA at all (one INFORMATIONAL whose Delete payload lists both SPIs, §1.4.1, §3.11) and
the IKE SA standing; the next ping opens a new Child SA from vpnteach's side by
CREATE_CHILD_SA on that IKE SA, and passes. When vpnteach stops, one Delete of the IKE SA
leaves charon nothing.

The whole run is captured on the WAN and read back by tshark with the tables vpnteach's
``--keys`` directory holds (``ikev2_decryption_table``, ``esp_sa``; mode 0600): every IKEv2
message decrypts, the Delete lists both SPIs, and the ESP's ICVs check. Needs root, netns,
ping, strongSwan, dumpcap and tshark.
"""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path

from tests.realnet.harness import LAN1, LAN2, Capture, bring_up, flexvpn, ikev2_peers, ping
from tests.tshark import tshark_records
from vpnteach.net import netns

FIELDS = [
    "ip.src",
    "isakmp.exchangetype",
    "isakmp.flag_r",
    "isakmp.ispi",
    "isakmp.enc.pad_length",
    "isakmp.delete.spi",
    "isakmp.ts.start_ipv4",
    "esp.spi",
    "esp.icv_good",
    "icmp.type",
    "_ws.malformed",
]


def _children(listed: str) -> list[tuple[str, str]]:
    """(in, out) SPIs of every INSTALLED CHILD SA in ``swanctl --list-sas``."""
    return re.findall(r"\bin\s+([0-9a-f]{8}),.*?\n\s+out\s+([0-9a-f]{8}),", listed, re.S)


HOSTS_CHILD = f"""      hosts {{
        local_ts = {LAN2}/32
        remote_ts = {LAN1}/32
        esp_proposals = aes256-sha256
        mode = tunnel
        rekey_time = 0
        start_action = none
      }}
"""


def _packets_in(listed: str) -> dict[str, int]:
    """Packets charon received on each CHILD SA, by child name (``swanctl --list-sas``)."""
    found = re.findall(r"\b(lan-lan|hosts): #\d+.*?\n\s+in\s+\w+,\s+\d+ bytes,\s+(\d+) packets",
                       listed, re.S)  # fmt: skip
    return {name: int(count) for name, count in found}


def _wait(what: str, check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_clear_crypto_sa_leaves_charon_no_child_sa_and_traffic_opens_one_on_the_ike_sa(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo:
        b1, charon = ikev2_peers(topo, work, pki_dir, flexvpn("psk"), debug=("ikev2",))
        conf = charon.swanctl_dir / "swanctl.conf"
        conf.write_text(
            conf.read_text().replace("    children {\n", "    children {\n" + HOSTS_CHILD)
        )
        charon.load_all()
        with Capture(topo.left.ns, topo.left.wan_dev, work / "wan.pcap") as cap, charon, b1:
            cap.start()
            bring_up(b1, charon)
            first = ping(topo.left.ns, LAN1, LAN2, count=3)
            ike_before = re.search(r"vpn: #\d+, (ESTABLISHED), IKEv2, ([0-9a-f]{16})_i",
                                   charon.list_sas())  # fmt: skip
            charon.initiate("hosts", "vpn")  # a second Child SA on the same IKE SA
            _wait("two Child SAs", lambda: len(_children(charon.list_sas())) == 2)
            two = b1.ask("show crypto ipsec sa")
            narrow = ping(topo.left.ns, LAN1, LAN2, count=2)
            by_child = _packets_in(charon.list_sas())
            b1.ask("clear crypto sa")
            _wait("charon without Child SAs", lambda: not _children(charon.list_sas()))
            cleared = charon.list_sas()
            again = ping(topo.left.ns, LAN1, LAN2, count=5)
            listed = charon.list_sas()
            show = b1.ask("show crypto ipsec sa")
            assert b1.stop() == 0  # one Delete of the IKE SA takes its Child SA along
            _wait("charon without an IKE SA", lambda: "vpn:" not in charon.list_sas())
        log = b1.log.read_text()
        mode = stat.S_IMODE(b1.keys.joinpath("ikev2_decryption_table").stat().st_mode)
        rows = tshark_records(work / "wan.pcap", b1.keys, FIELDS)
    assert first[:2] == (3, 3), first[2] + log[-3000:]
    assert two.count("spi: 0x") >= 4, two  # two pairs on vpnteach too
    # the hosts pair must not carry the /24's traffic: vpnteach keeps sending on the wider one
    assert narrow[:2] == (2, 2), narrow[2]
    assert by_child["hosts"] == 0 and by_child["lan-lan"] >= 3 + 2, by_child
    assert ike_before is not None
    assert "ESTABLISHED" in cleared and ike_before.group(2) in cleared  # the IKE SA stays
    # the first echo may meet no SA (dropped while the CREATE_CHILD_SA runs, as IOS does)
    assert again[1] >= 4, again[2] + log[-3000:]
    assert len(_children(listed)) == 1 and ike_before.group(2) in listed, listed
    (swan_in, swan_out) = _children(listed)[0]
    assert f"spi: 0x{swan_in.upper()}" in show and f"spi: 0x{swan_out.upper()}" in show
    assert mode == 0o600
    ike = [r for r in rows if r["isakmp.exchangetype"]]
    assert ike and all(r["_ws.malformed"] == "" for r in rows)
    assert {r["isakmp.ispi"] for r in ike} == {ike_before.group(2)}  # one IKE SA all along
    # every encrypted message opened with the router's table: its padding length was read
    encrypted = [r for r in ike if r["isakmp.exchangetype"] in ("35", "36", "37")]
    assert encrypted and all(r["isakmp.enc.pad_length"] != "" for r in encrypted), encrypted
    deletes = [r for r in encrypted if r["isakmp.delete.spi"] and r["ip.src"] == "10.1.1.1"]
    assert len(deletes[0]["isakmp.delete.spi"].split(",")) == 2, deletes  # both in one
    creates = [r for r in encrypted if r["isakmp.exchangetype"] == "36"]
    assert [r["ip.src"] for r in creates] == ["10.2.2.1", "10.1.1.1", "10.1.1.1", "10.2.2.1"]
    esp = [r for r in rows if r["esp.spi"]]
    assert esp and all(r["esp.icv_good"] == "1" for r in esp), esp[:3]
    assert sum(1 for r in esp if "8" in r["icmp.type"].split(",")) >= 3 + 4  # echo requests
