"""A host: one interface, a default gateway, no forwarding (RFC 1122 in outline)."""

from __future__ import annotations

from vpnteach.net.sim.node import Node
from vpnteach.net.sim.scheduler import Scheduler


class Host(Node):
    """An end system such as a PC on a branch LAN or the CA server."""

    forwarding = False

    def __init__(
        self, name: str, scheduler: Scheduler, address: str, gateway: str | None = None,
        *, interface: str = "eth0",
    ) -> None:  # fmt: skip
        super().__init__(name, scheduler)
        self.add_interface(interface, address)
        if gateway is not None:
            self.add_route("0.0.0.0/0", interface=interface, next_hop=gateway)
