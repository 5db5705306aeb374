"""On a real network: a recorded informational, replayed from another address, moves nothing.

Two router processes (no NAT: IKE on UDP 500). Branch2's ``clear crypto sa`` sends Branch1 an
encrypted informational (a Delete, RFC 2408 §3.15), captured on the WAN. A ping brings new SAs
up; then the recorded datagram is sent again from 10.2.2.99 (a second address in Branch2's
namespace). Its HASH(1) still verifies, but its Message ID was used: Branch1 logs the drop,
keeps its ISAKMP SA pointed at 10.2.2.1 (``show crypto isakmp sa``) and the tunnel carries
traffic. Before the fix the replay moved the SA to 10.2.2.99. Needs root, netns, tshark.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.realnet.harness import LAN1, LAN2, Capture, Router, ping, write_configs
from tests.tshark import tshark_rows
from vpnteach.net import netns

SEND = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.2.2.99', 500))\n"
    "s.sendto(bytes.fromhex(sys.argv[1]), ('10.1.1.1', 500))\n"
)


def test_a_replayed_informational_from_another_address_is_dropped_and_moves_nothing(
    realnet: Path, pki_dir: Path, tshark: str
) -> None:
    with netns.Topology() as topo:
        b1 = Router(topo.left.ns, write_configs(realnet, "Branch1"), pki_dir, realnet,
                    "branch1", initiate=True, debug=("isakmp",))  # fmt: skip
        b2 = Router(topo.right.ns, write_configs(realnet, "Branch2"), pki_dir, realnet, "branch2")
        netns.add_address(topo.right.ns, topo.right.wan_dev, "10.2.2.99/24")
        with Capture(topo.left.ns, topo.left.wan_dev, realnet / "wan.pcap") as cap, b2, b1:
            cap.start()
            b2.start()
            b1.start()
            b1.wait_for_sa()
            b2.ask("clear crypto sa")  # an encrypted informational Branch2 -> Branch1
            time.sleep(0.5)
            cap.stop()
            rows = tshark_rows(realnet / "wan.pcap", None, ["udp.payload"],
                               "isakmp.exchangetype == 5 && ip.src == 10.2.2.1")  # fmt: skip
            assert len(rows) == 1, rows
            first = ping(topo.left.ns, LAN1, LAN2, count=4)
            netns.run(topo.right.ns, [sys.executable, "-c", SEND, rows[0][0].replace(":", "")])
            time.sleep(0.5)
            isakmp = b1.ask("show crypto isakmp sa")
            after = ping(topo.left.ns, LAN1, LAN2, count=3)
            assert b1.stop() == 0 and b2.stop() == 0
        log = b1.log.read_text()
    assert first[1] >= 3 and after[:2] == (3, 3), (first[2], after[2])  # a new tunnel, working
    assert "dropping message: replayed informational message" in log, log[-3000:]
    assert "10.2.2.99" not in isakmp and "10.2.2.1" in isakmp, isakmp
