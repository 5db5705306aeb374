"""What the IKEv2 lab tests share: the gateway of a router, and tshark's reading of the WAN."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import require
from tests.tshark import tshark_records
from vpnteach.gateway import Ikev2Gateway
from vpnteach.lab import Lab


def v2(lab: Lab, name: str) -> Ikev2Gateway:
    """Router ``name``'s gateway, which must speak IKEv2."""
    gateway = lab.router(name).gateway
    assert isinstance(gateway, Ikev2Gateway)
    return gateway


def tshark_fields(lab: Lab, folder: Path, fields: Sequence[str]) -> list[dict[str, str]]:
    """Each ISAKMP packet of the lab's WAN capture, as tshark reads ``fields`` from it, with
    the lab's exported key tables (``export_pcap`` writes them beside the capture)."""
    require(shutil.which("tshark") is not None, "needs tshark")
    lab.export_pcap(folder)
    return tshark_records(folder / "WAN1.pcap", folder, fields, "isakmp")
