"""``vpnteach router run`` with FlexVPN's tunnel-interface form (a static VTI: ``interface
Tunnel0``, ``tunnel mode ipsec ipv4``, ``tunnel protection ipsec profile``, ``ip route ...
Tunnel0``) against strongSwan's charon configured as a route-based peer: ``version = 2``,
``local_ts = remote_ts = 0.0.0.0/0``.

A static VTI's one Child SA protects "IP any any" (Cisco, "IPsec Virtual Tunnel Interfaces":
"the traffic selector for the IPsec SA is always IP any any"; RFC 7296 §2.9): charon, an
implementation we did not write, must list the Child SA as ``0.0.0.0/0 === 0.0.0.0/0`` with
the SPIs vpnteach shows, and Linux ``ping`` must pass both ways. vpnteach routes only its
``ip route ... Tunnel0`` network into its TUN.
As on IOS, a static VTI needs no traffic and no ``--initiate``: vpnteach negotiates as soon as
it starts, and charon lists the Child SA before the first ping is sent. So vpnteach is the
initiator here: charon asked to initiate too finds the Child SA it already has ("existing
duplicate") and refuses; IKEv2 with vpnteach as responder is test_strongswan_ikev2.py's.
Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.interop.strongswan import Charon
from tests.realnet.harness import bring_up, counters, ikev2_peers, ping_both_ways
from vpnteach.labs.seed import ikev2_commands, vti_commands
from vpnteach.net import netns

COUNT = 5
ANY = "0.0.0.0/0"


def test_a_static_vti_comes_up_with_charon_before_any_ping_and_carries_pings(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    extra = ikev2_commands("Branch1", "pre-share") + vti_commands("Branch1", None)
    with netns.Topology() as topo:
        # no --initiate: a VTI comes up by itself
        b1, charon = ikev2_peers(topo, work, pki_dir, extra, initiate=False, ts=(ANY, ANY))
        with charon, b1:
            bring_up(b1, charon)  # charon is not asked to initiate
            before_ping = _charon_child_sa(charon)
            session = b1.ask("show crypto session")
            there, back = ping_both_ways(topo, COUNT)
            show = b1.ask("show crypto ipsec sa")
            listed = charon.list_sas(raw=False)
            assert b1.stop() == 0
        log = b1.log.read_text()
    assert re.search(r"\bINSTALLED\b", before_ping), before_ping  # up with no traffic
    assert "Interface: Tunnel0\nProfile: PROF\nSession status: UP-ACTIVE\n" in session, session
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


def _charon_child_sa(charon: Charon, timeout: float = 5.0) -> str:
    """``swanctl --list-sas`` once it lists an INSTALLED Child SA (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    listed = charon.list_sas(raw=False)
    while "INSTALLED" not in listed and time.monotonic() < deadline:
        time.sleep(0.1)
        listed = charon.list_sas(raw=False)
    return listed
