"""``vpnteach router run`` with FlexVPN's tunnel-interface form (a static VTI: ``interface
Tunnel0``, ``tunnel mode ipsec ipv4``, ``tunnel protection ipsec profile``, ``ip route ...
Tunnel0``) against strongSwan's charon configured as a route-based peer: ``version = 2``,
``local_ts = remote_ts = 0.0.0.0/0``.

A static VTI's one Child SA protects "IP any any" (Cisco, "IPsec Virtual Tunnel Interfaces":
"the traffic selector for the IPsec SA is always IP any any"; RFC 7296 §2.9): charon, an
implementation we did not write, must list the Child SA as ``0.0.0.0/0 === 0.0.0.0/0`` with
the SPIs vpnteach shows, and Linux ``ping`` must pass both ways, with vpnteach as initiator
and as responder. vpnteach routes only its ``ip route ... Tunnel0`` network into its TUN.
Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.realnet.harness import bring_up, counters, ikev2_peers, ping_both_ways
from vpnteach.labs.seed import ikev2_commands, vti_commands
from vpnteach.net import netns

COUNT = 5
ANY = "0.0.0.0/0"


@pytest.mark.parametrize("vpnteach_initiates", [True, False], ids=["vt-initiates", "sw-initiates"])
def test_a_static_vti_negotiates_any_to_any_with_charon_and_carries_pings(
    realnet: Path, pki_dir: Path, strongswan: Path, vpnteach_initiates: bool
) -> None:
    work = realnet
    extra = ikev2_commands("Branch1", "pre-share") + vti_commands("Branch1", None)
    with netns.Topology() as topo:
        b1, charon = ikev2_peers(
            topo, work, pki_dir, extra, initiate=vpnteach_initiates, ts=(ANY, ANY)
        )
        with charon, b1:
            bring_up(b1, charon, vpnteach_initiates)
            there, back = ping_both_ways(topo, COUNT)
            show = b1.ask("show crypto ipsec sa")
            listed = charon.list_sas(raw=False)
            assert b1.stop() == 0
        log = b1.log.read_text()
    assert there[:2] == (COUNT, COUNT), there[2] + log[-3000:]
    assert back[:2] == (COUNT, COUNT), back[2]
    assert re.search(r"local\s+0\.0\.0\.0/0\s*\n\s*remote\s+0\.0\.0\.0/0", listed), listed
    assert show.startswith("interface: Tunnel0\n    Crypto map tag: Tunnel0-head-0"), show
    assert "remote ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)" in show
    swan_in = re.search(r"\bin\s+([0-9a-f]{8}),", listed)
    assert swan_in is not None, listed
    assert f"spi: 0x{swan_in.group(1).upper()}" in show.split("outbound esp sas:")[1]
    ours = counters(show)
    assert ours["encaps"] == ours["decaps"] == 2 * COUNT, show
