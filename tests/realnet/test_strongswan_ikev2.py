"""``vpnteach router run`` speaking IKEv2 (its config has Cisco FlexVPN lines and
``set ikev2-profile``) against strongSwan's charon (``version = 2``) on a real network.

Branch1 is the vpnteach router process configured with the seed files plus the lab's
``ike=2`` FlexVPN commands (pre-shared keys from a ``crypto ikev2 keyring``, or certificates
from the session's CA with FQDN identities); Branch2 is charon with the same key or its own
certificate from that CA. For vpnteach as initiator and as responder: Linux ``ping`` passes
both ways through the tunnel, ``swanctl --list-sas`` shows the Child SA with the SPIs vpnteach
shows in ``show crypto ipsec sa`` (swapped: our inbound is its outbound), and the packet
counters agree. Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.realnet.harness import (
    bring_up,
    counters,
    flexvpn,
    ikev2_peers,
    ping_both_ways,
    swan_child_counters,
)
from vpnteach.net import netns

COUNT = 5


def _spis(show: str, direction: str) -> set[str]:
    """The SPIs (8 hex digits, lower case) listed under ``inbound|outbound esp sas``."""
    block = show.split(f"{direction} esp sas:")[1].split(" ah sas:")[0]
    return {s.lower() for s in re.findall(r"spi: 0x([0-9A-F]{8})", block)}


@pytest.mark.parametrize("auth", ["psk", "cert"])
@pytest.mark.parametrize("vpnteach_initiates", [True, False], ids=["vt-initiates", "sw-initiates"])
def test_ikev2_ping_both_ways_with_the_spis_strongswan_lists(
    realnet: Path, pki_dir: Path, strongswan: Path, vpnteach_initiates: bool, auth: str
) -> None:
    work = realnet
    with netns.Topology() as topo:
        b1, charon = ikev2_peers(
            topo, work, pki_dir, flexvpn(auth), psk=auth == "psk",
            initiate=vpnteach_initiates, debug=("ikev2",),
        )  # fmt: skip
        with charon, b1:
            bring_up(b1, charon, vpnteach_initiates)
            there, back = ping_both_ways(topo, COUNT)
            show = b1.ask("show crypto ipsec sa")
            ikev2 = b1.ask("show crypto ikev2 sa")
            listed = charon.list_sas(raw=False)
            swan = swan_child_counters(charon)
            assert b1.stop() == 0
        log = b1.log.read_text()
    assert there[:2] == (COUNT, COUNT), there[2] + log[-3000:]
    assert back[:2] == (COUNT, COUNT), back[2]
    method = "PSK" if auth == "psk" else "RSA"
    assert "READY" in ikev2 and f"Auth sign: {method}, Auth verify: {method}" in ikev2, ikev2
    assert "IKEv2" in listed and "ESTABLISHED" in listed and "INSTALLED" in listed, listed
    swan_in = re.search(r"\bin\s+([0-9a-f]{8}),", listed)
    swan_out = re.search(r"\bout\s+([0-9a-f]{8}),", listed)
    assert swan_in is not None and swan_out is not None, listed
    assert _spis(show, "outbound") == {swan_in.group(1)}  # what we send, charon receives
    assert _spis(show, "inbound") == {swan_out.group(1)}
    ours = counters(show)
    assert ours["encaps"] == ours["decaps"] == 2 * COUNT, show
    assert swan["packets-out"] == ours["decaps"] and swan["packets-in"] == ours["encaps"], swan
    assert "IKEv2:(SESSION ID = 1,SA ID = 1)" in log  # debug crypto ikev2 on the console
    # the router's log names the SAs without printing their keys
    assert "IkeSaEstablished: IKEv2 SA with 10.2.2.1" in log
    assert "SasInstalled: peer 10.2.2.1" in log and "_key" not in log
