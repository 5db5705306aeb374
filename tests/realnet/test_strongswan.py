"""vpnteach's router process against strongSwan (charon, kernel-libipsec) on a real network.

Branch1 is a vpnteach router process (TUN ``vt0`` 192.168.11.1/24, WAN 10.1.1.1); Branch2 is
charon with Branch2's certificate from the same CA (WAN 10.2.2.1, LAN 192.168.22.1/32 on
``lo``, its ESP in userspace on ``ipsec0``). kernel-libipsec forces NAT traversal (see the
interop notes), so IKE floats to 4500 and ESP travels in UDP (RFC 3948). For vpnteach as
initiator and as responder, seed, modern and modern with AES-GCM ESP (RFC 4106) suites: Linux
``ping`` succeeds in both directions, the packets strongSwan counts (``swanctl --list-sas
--raw``) are the packets vpnteach counts (``show crypto ipsec sa``) are the pings sent, and
tshark decrypts the WAN capture with the key tables the router exported. Needs root, netns,
ping, strongSwan and tshark.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.interop.strongswan import Charon
from tests.realnet.harness import (
    Capture,
    Router,
    bring_up,
    counters,
    ping_both_ways,
    start_strongswan,
    swan_child_counters,
    wan_kind,
    write_configs,
)
from tests.tshark import tshark_rows
from vpnteach.net import netns

COUNT = 5
FIELDS = ["frame.protocols", "isakmp.exchangetype", "isakmp.id.type", "esp.icv_good", "icmp.type"]


@pytest.mark.parametrize("profile", ["seed", "modern", "modern-gcm"])
@pytest.mark.parametrize("vpnteach_initiates", [True, False], ids=["vt-initiates", "sw-initiates"])
def test_ping_both_ways_counters_agree_and_tshark_decrypts(
    realnet: Path, pki_dir: Path, strongswan: Path, tshark: str, profile: str,
    vpnteach_initiates: bool,
) -> None:  # fmt: skip
    work = realnet
    with netns.Topology() as topo:
        configs = write_configs(work, "Branch1", profile)
        b1 = Router(topo.left.ns, configs, pki_dir, work, "branch1", vpnteach_initiates)
        with Capture(topo.left.ns, topo.left.wan_dev, work / "wan.pcap") as cap:
            cap.start()
            charon = start_strongswan(topo.right.ns, work, pki_dir, profile=profile)
            with charon, b1:
                bring_up(b1, charon, vpnteach_initiates)
                there, back = ping_both_ways(topo, COUNT)
                show = b1.ask("show crypto ipsec sa")
                swan = swan_child_counters(charon)
                assert b1.stop() == 0
                left = _wait_until_empty(charon)
            cap.stop()
        rows = tshark_rows(work / "wan.pcap", b1.keys, FIELDS)
    assert there[:2] == (COUNT, COUNT), there[2]
    assert back[:2] == (COUNT, COUNT), back[2]
    ours = counters(show)
    # Each direction's pings: COUNT echo requests one way and COUNT replies the other way.
    assert ours["encaps"] == ours["decaps"] == 2 * COUNT, show
    assert swan["packets-out"] == ours["decaps"] and swan["packets-in"] == ours["encaps"], swan
    assert {wan_kind(r[0]) for r in rows} <= {"isakmp", "esp-in-udp", "arp"}
    esp = [r for r in rows if wan_kind(r[0]) == "esp-in-udp"]
    assert len(esp) == 4 * COUNT and {r[3] for r in esp} == {"1"}  # ICV good: decrypted
    assert sorted(r[4] for r in esp) == ["0"] * 2 * COUNT + ["8"] * 2 * COUNT
    main = [r for r in rows if r[1] == "2"]
    assert len(main) == 6 and all(r[2] for r in main[4:])  # MM5/MM6 decrypted
    # vpnteach's SIGTERM: Deletes for the IPsec and ISAKMP SAs, which charon acted on
    assert "state=INSTALLED" not in left and "state=ESTABLISHED" not in left, left


def _wait_until_empty(charon: Charon, timeout: float = 3.0) -> str:
    """``swanctl --list-sas --raw`` once charon lists no SA (or at ``timeout``)."""
    deadline = time.monotonic() + timeout
    while "state=" in (listed := charon.list_sas(raw=True)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return listed
