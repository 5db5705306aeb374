"""The seed's IP topology without IPsec: a starting point for the lab and for tests.

    PC1 192.168.11.2 -- LAN1 -- Fa0/0 192.168.11.1 [Branch1] Se1/0 10.1.1.1/24
                                                                 |
                                                                WAN
                                                                 |
    PC2 192.168.22.2 -- LAN2 -- Fa0/0 192.168.22.1 [Branch2] Se1/0 10.2.2.1/24

The two WAN addresses sit on different /24s as in the seed; each router reaches the rest of
the world by a default route out of Serial1/0 (``ip route 0.0.0.0 0.0.0.0 Serial1/0``).
"""

from __future__ import annotations

from vpnteach.crypto.rng import Rng
from vpnteach.net.sim.faults import NO_FAULTS, FaultPolicy
from vpnteach.net.sim.network import Network

WAN_DELAY = 0.002
"""One-way WAN delay in seconds (so a LAN-to-LAN round trip takes a few milliseconds)."""


def two_branches(
    rng: Rng | None = None, *, wan_faults: FaultPolicy = NO_FAULTS, wan_bandwidth: float = 1_544_000
) -> Network:
    """Branch1 and Branch2 joined by a T1-speed WAN link, one PC on each LAN."""
    net = Network(rng)
    for n, wan in ((1, "10.1.1.1/24"), (2, "10.2.2.1/24")):
        router = net.add_router(f"Branch{n}")
        router.add_interface("Serial1/0", wan)
        router.add_interface("FastEthernet0/0", f"192.168.{11 * n}.1/24")
        router.add_route("0.0.0.0/0", interface="Serial1/0")
        pc = net.add_host(f"PC{n}", f"192.168.{11 * n}.2/24", gateway=f"192.168.{11 * n}.1")
        net.connect(pc.interface("eth0"), router.interface("FastEthernet0/0"), f"LAN{n}")
    b1, b2 = net.node("Branch1"), net.node("Branch2")
    net.connect(
        b1.interface("Serial1/0"), b2.interface("Serial1/0"), "WAN",
        delay=WAN_DELAY, bandwidth=wan_bandwidth, faults=wan_faults,
    )  # fmt: skip
    return net
