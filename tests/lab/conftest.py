"""Labs shared by the lab tests: the seed lab after its first ping (built once per module)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vpnteach.lab import Lab
from vpnteach.net.sim import Capture

PING = "ping 192.168.22.1 source 192.168.11.1"


@dataclass
class PingedLab:
    """A seed lab, its WAN capture and what the console printed for the first ping."""

    lab: Lab
    wan: Capture
    ping_output: str


def pinged(**options: object) -> PingedLab:
    """``Lab.seed(**options)``, ``debug crypto isakmp`` on Branch1, then the seed's ping."""
    lab = Lab.seed(**options)  # type: ignore[arg-type]
    wan = lab.capture("WAN")
    lab.branch1.exec("debug crypto isakmp")
    return PingedLab(lab, wan, lab.branch1.exec(PING))


@pytest.fixture(scope="module")
def seed_run() -> PingedLab:
    return pinged()
