"""Two vpnteach router processes in two namespaces: a Linux ping crosses the real tunnel.

Topology (:class:`vpnteach.net.netns.Topology`, the seed's addresses): Branch1's namespace has
the WAN veth 10.1.1.1/24, Branch2's 10.2.2.1/24; each router process creates its TUN ``vt0``
with the config's LAN address (192.168.11.1/24, 192.168.22.1/24) and a route to the other LAN
into it. The judge of the wire is tshark: everything on the WAN veth is ISAKMP or ESP, and with
the key tables the router exported it decrypts Main Mode's MM5/MM6, every Quick Mode and
Informational message, and every ESP packet (ICV good, inner ICMP visible). Needs root, netns,
ping and tshark: skipped locally without them, failing in CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.realnet.harness import (
    LAN1,
    LAN2,
    Capture,
    Router,
    counters,
    ping,
    wan_kind,
    write_configs,
)
from tests.tshark import tshark_rows
from vpnteach.net import netns

FIELDS = ["frame.protocols", "isakmp.exchangetype", "isakmp.id.type", "isakmp.sig",
          "isakmp.hash", "esp.spi", "esp.icv_good", "icmp.type"]  # fmt: skip


def _pair(
    topo: netns.Topology, work: Path, pki: Path, *, initiate: bool, encap: bool = False
) -> tuple[Router, Router]:
    b1 = Router(topo.left.ns, write_configs(work, "Branch1"), pki, work, "branch1", initiate,
                force_udp_encap=encap)  # fmt: skip
    b2 = Router(topo.right.ns, write_configs(work, "Branch2"), pki, work, "branch2",
                force_udp_encap=encap)  # fmt: skip
    return b1, b2


@pytest.mark.parametrize(("encap", "esp_kind"), [(True, "esp-in-udp"), (False, "esp")],
                         ids=["udp-encap", "plain-esp"])  # fmt: skip
def test_linux_ping_crosses_the_tunnel_and_tshark_decrypts_the_wan_capture(
    realnet: Path, pki_dir: Path, tshark: str, encap: bool, esp_kind: str
) -> None:
    """With ``--force-udp-encap`` the WAN carries only ISAKMP and ESP-in-UDP (RFC 3948);
    without it, as two IOS routers with no NAT between them, ISAKMP and ESP (protocol 50)."""
    work = realnet
    with netns.Topology() as topo:
        b1, b2 = _pair(topo, work, pki_dir, initiate=True, encap=encap)
        with Capture(topo.left.ns, topo.left.wan_dev, work / "wan.pcap") as cap, b2, b1:
            cap.start()
            b2.start()
            b1.start()
            b1.wait_for_sa()
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=5)
            assert (sent, received) == (5, 5), out
            show1, show2 = b1.ask("show crypto ipsec sa"), b2.ask("show crypto ipsec sa")
            assert b1.stop() == 0 and b2.stop() == 0
            cap.stop()
        for show in (show1, show2):
            c = counters(show)
            assert (c["encaps"], c["encrypt"], c["decaps"], c["verify"]) == (5, 5, 5, 5), show
        rows = tshark_rows(work / "wan.pcap", b1.keys, FIELDS)
    assert {wan_kind(r[0]) for r in rows} - {"arp"} == {"isakmp", esp_kind}
    main = [r for r in rows if r[1] == "2"]
    quick = [r for r in rows if r[1] == "32"]
    info = [r for r in rows if r[1] == "5"]
    esp = [r for r in rows if r[5]]
    assert len(main) == 6 and len(quick) == 3
    assert [bool(r[2]) for r in main] == [False] * 4 + [True] * 2  # MM5/MM6 decrypted
    assert all(r[3] for r in main[4:]) and all(r[4] for r in quick)
    assert len(info) >= 2 and all(r[4] for r in info)  # the Deletes of the clean shutdown
    assert len(esp) == 10 and {r[6] for r in esp} == {"1"}
    assert sorted(r[7] for r in esp) == ["0"] * 5 + ["8"] * 5


def test_sigterm_deletes_the_sas_at_the_peer_and_removes_the_tun(
    realnet: Path, pki_dir: Path
) -> None:
    with netns.Topology() as topo:
        b1, b2 = _pair(topo, realnet, pki_dir, initiate=True)
        with b2, b1:
            b2.start()
            b1.start()
            b1.wait_for_sa()
            assert "QM_IDLE" in b2.ask("show crypto isakmp sa")
            assert (
                netns.run(topo.left.ns, ["ip", "link", "show", "vt0"], check=False).returncode == 0
            )
            assert b1.stop() == 0
            assert "QM_IDLE" not in b2.ask("show crypto isakmp sa")
            assert not re.search(r"\n\s+spi: 0x", b2.ask("show crypto ipsec sa"))
        gone = netns.run(topo.left.ns, ["ip", "link", "show", "vt0"], check=False)
        assert gone.returncode != 0
        log = b1.log.read_text()
        assert "shutdown: 2 IPsec SAs and 1 ISAKMP SAs deleted" in log


def test_first_packets_trigger_ike_and_later_ones_pass(realnet: Path, pki_dir: Path) -> None:
    with netns.Topology() as topo:
        b1, b2 = _pair(topo, realnet, pki_dir, initiate=False)
        with b2, b1:
            b2.start()
            b1.start()
            assert "QM_IDLE" not in b1.ask("show crypto isakmp sa")
            _, _, out = ping(topo.left.ns, LAN1, LAN2, count=8, interval=0.5, wait=1)
            replies = [int(s) for s in re.findall(r"icmp_seq=(\d+)", out)]
            assert 1 not in replies  # dropped while IKE negotiates, as IOS does
            assert replies[-3:] == [6, 7, 8], out
            assert "QM_IDLE" in b1.ask("sh cry isa sa")


def test_control_socket_answers_with_ios_texts(realnet: Path, pki_dir: Path) -> None:
    with netns.Topology() as topo:
        b1, _ = _pair(topo, realnet, pki_dir, initiate=False)
        with b1:
            b1.start()
            assert "Invalid input detected at '^' marker." in b1.ask("show crypto bogus")
            policy = b1.ask("show crypto isakmp policy")
            assert re.search(r"encryption algorithm:\s+Three key triple DES", policy), policy
            assert "Branch1.amit.com" in b1.ask("show crypto pki certificates")
            assert b1.ask("debug crypto isakmp") == "Crypto ISAKMP debugging is on\n"
            assert "set peer 10.2.2.1" in b1.ask("show running-config")
