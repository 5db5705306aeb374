"""The seeded runs whose WAN bytes are kept as golden fixtures (tools/record_golden_wire.py)."""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.lab import Lab

PING = "ping 192.168.22.1 source 192.168.11.1"

SCENARIOS: dict[str, Callable[[], Lab]] = {
    "seed": lambda: Lab.seed(2010),
    "modern-pfs": lambda: Lab.seed(7, profile="modern", pfs=14),
    "pre-share": lambda: Lab.seed(11, auth="pre-share"),
    "rsa-encr": lambda: Lab.seed(12, auth="rsa-encr"),
}


def wire_lines(name: str) -> list[str]:
    """``<time> <hex>`` for every packet on the WAN while Branch1 pings through the tunnel."""
    lab = SCENARIOS[name]()
    capture = lab.capture("WAN")
    lab.branch1.exec(PING)
    lab.branch1.exec(PING)
    return [f"{record.time:.6f} {record.packet.hex()}" for record in capture.records]


def debug_text(name: str) -> dict[str, str]:
    """Each router's ``debug crypto isakmp`` text after the same run as :func:`wire_lines`."""
    lab = SCENARIOS[name]()
    lab.branch1.exec(PING)
    lab.branch1.exec(PING)
    return {
        router.name: router.gateway.ike.debug_log()
        for router in (lab.branch1, lab.branch2)
        if router.gateway is not None
    }
