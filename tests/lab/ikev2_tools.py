"""What the IKEv2 lab tests share: the gateway of a router, a tunnel up with a short Child SA
lifetime, and tshark's reading of the WAN."""

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


PING = "ping 192.168.22.1 source 192.168.11.1"


def pair_up(lifetime: int) -> tuple[Lab, Ikev2Gateway, Ikev2Gateway, set[int]]:
    """The IKEv2 seed lab (pre-shared key) with ``crypto ipsec security-association lifetime
    seconds`` ``lifetime`` on both routers, brought up by the seed's ping (``.!!!!``): the lab,
    both gateways and the SPIs of the one pair both hold."""
    lab = Lab.seed(ike=2, auth="pre-share")
    for router in (lab.branch1, lab.branch2):
        router.configure(f"crypto ipsec security-association lifetime seconds {lifetime}\n")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    b1, b2 = v2(lab, "Branch1"), v2(lab, "Branch2")
    old = {s.spi for s in b1.sad.sas()}
    assert len(old) == 2 and {s.spi for s in b2.sad.sas()} == old
    return lab, b1, b2, old


def tshark_fields(lab: Lab, folder: Path, fields: Sequence[str]) -> list[dict[str, str]]:
    """Each ISAKMP packet of the lab's WAN capture, as tshark reads ``fields`` from it, with
    the lab's exported key tables (``export_pcap`` writes them beside the capture)."""
    require(shutil.which("tshark") is not None, "needs tshark")
    lab.export_pcap(folder)
    return tshark_records(folder / "WAN1.pcap", folder, fields, "isakmp")
