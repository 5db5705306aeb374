"""Rekey under traffic: a continuous ping across two Quick Mode rekeys loses no packet.

strongSwan (Branch2) initiates and rekeys its CHILD SA every few seconds (``rekey_time``, no
random jitter; ``life_time`` a little longer, which it also proposes in Quick Mode, so the
vpnteach side's old SAs expire by their hard lifetime too). vpnteach (Branch1, router process)
answers each rekey as responder (RFC 2409 §5.5, a new Quick Mode on the same ISAKMP SA),
installs the new pair and moves its outbound traffic to it. IOS's smallest configurable SA
lifetime is 120 s (and :class:`~vpnteach.ike.policy.CryptoMapEntry` enforces it), so the short
lifetimes come from the strongSwan side. ``ping -i 0.2`` runs across two rekeys; every echo
must be answered.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.realnet.harness import (
    LAN1,
    LAN2,
    Router,
    bring_up,
    counters,
    ping,
    start_strongswan,
    write_configs,
)
from vpnteach.net import netns

REKEY, LIFE = 5, 8  # seconds
COUNT, INTERVAL = 65, 0.2  # 13 s of pings: rekeys at about 5 s and 10 s


def test_continuous_ping_across_two_phase2_rekeys_loses_nothing(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    with netns.Topology() as topo:
        b1 = Router(topo.left.ns, write_configs(realnet, "Branch1"), pki_dir, realnet, "branch1")
        charon = start_strongswan(
            topo.right.ns, realnet, pki_dir, child_rekey=f"{REKEY}s", child_life=f"{LIFE}s"
        )
        with charon, b1:
            bring_up(b1, charon, vpnteach_initiates=False)
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=COUNT, interval=INTERVAL)
            assert b1.stop() == 0
        log = b1.log.read_text()
    assert sent == COUNT and received == COUNT, out
    installed = re.findall(r"SasInstalled: peer 10\.2\.2\.1 in (0x[0-9A-F]{8})", log)
    assert len(set(installed)) >= 3, log  # the first pair and at least two rekeys


# 1000 datagrams/s of 1200 bytes for SECONDS s, paced in batches of 10 every 10 ms.
UDP_SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0))
data, end = bytes(1200), time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    for _ in range(10):
        s.sendto(data, (sys.argv[2], 9))
    time.sleep(0.01)
"""
UDP_SINK = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 9))
print("ready", flush=True)
while True:
    s.recv(2048)
"""


def test_vpnteach_rekeys_on_its_kilobyte_lifetime_under_traffic_losing_no_ping(
    realnet: Path, pki_dir: Path
) -> None:
    """Both routers vpnteach, ``crypto ipsec security-association lifetime kilobytes 2560``
    (IOS's minimum): a 1.2 MB/s UDP stream brings Branch1's outbound SA to its soft limit (90 %)
    every two seconds or so, and Branch1 rekeys it; a ping alongside loses nothing."""
    lifetime = "crypto ipsec security-association lifetime kilobytes 2560\n"
    with netns.Topology() as topo:
        b1 = Router(topo.left.ns, write_configs(realnet, "Branch1", extra=lifetime), pki_dir,
                    realnet, "branch1", initiate=True)  # fmt: skip
        b2 = Router(topo.right.ns, write_configs(realnet, "Branch2", extra=lifetime), pki_dir,
                    realnet, "branch2")  # fmt: skip
        with b2, b1:
            b2.start()
            b1.start()
            b1.wait_for_sa()
            py = sys.executable
            sink = netns.popen(topo.right.ns, [py, "-c", UDP_SINK, "192.168.22.1"],
                               stdout=subprocess.PIPE)  # fmt: skip
            try:
                assert sink.stdout is not None and sink.stdout.readline().strip() == b"ready"
                sender = netns.popen(topo.left.ns, [py, "-c", UDP_SENDER, "192.168.11.1",
                                                    "192.168.22.1", "7"])  # fmt: skip
                sent, received, out = ping(topo.left.ns, LAN1, LAN2,
                                           count=60, interval=0.1)  # fmt: skip
                sender.wait(30)
                carried = counters(b1.ask("show crypto ipsec sa"))["encaps"]
            finally:
                sink.kill()
                sink.wait()
        log = b1.log.read_text()
    assert sent == 60 and received == 60, out
    assert carried > 5000  # the stream crossed the tunnel (about 7000 datagrams + the pings)
    installed = re.findall(r"SasInstalled: peer 10\.2\.2\.1 in (0x[0-9A-F]{8})", log)
    assert len(set(installed)) >= 3, log
