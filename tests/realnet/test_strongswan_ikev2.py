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
    Router,
    counters,
    ping,
    start_strongswan,
    swan_child_counters,
    write_configs,
)
from vpnteach.labs.seed import PRE_SHARED_KEY, ikev2_commands
from vpnteach.net import netns

LAN1, LAN2 = "192.168.11.1", "192.168.22.1"
COUNT = 5


def _spis(show: str, direction: str) -> set[str]:
    """The SPIs (8 hex digits, lower case) listed under ``inbound|outbound esp sas``."""
    block = show.split(f"{direction} esp sas:")[1].split(" ah sas:")[0]
    return {s.lower() for s in re.findall(r"spi: 0x([0-9A-F]{8})", block)}


def flexvpn(auth: str) -> str:
    """Branch1's FlexVPN lines: the lab's (pre-shared key, addresses as identities), or with
    certificates the FQDN identities charon's certificates carry (RFC 7296 §3.5, ID_FQDN)."""
    if auth == "psk":
        text = ikev2_commands("Branch1", "pre-share")
    else:
        text = ikev2_commands("Branch1", "rsa-sig")
        text = text.replace(" match identity remote address 10.2.2.1 255.255.255.255",
                            " match identity remote fqdn Branch2.amit.com")  # fmt: skip
        text = text.replace(
            " identity local address 10.1.1.1", " identity local fqdn Branch1.amit.com"
        )
    return text + "crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac\n"


@pytest.mark.parametrize("auth", ["psk", "cert"])
@pytest.mark.parametrize("vpnteach_initiates", [True, False], ids=["vt-initiates", "sw-initiates"])
def test_ikev2_ping_both_ways_with_the_spis_strongswan_lists(
    realnet: Path, pki_dir: Path, strongswan: Path, vpnteach_initiates: bool, auth: str
) -> None:
    work = realnet
    with netns.Topology() as topo:
        configs = write_configs(work, "Branch1", "modern", flexvpn(auth))
        b1 = Router(topo.left.ns, configs, pki_dir, work, "branch1", vpnteach_initiates,
                    debug=("ikev2",))  # fmt: skip
        psk = PRE_SHARED_KEY if auth == "psk" else None
        charon = start_strongswan(
            topo.right.ns, work, pki_dir, profile="modern", version=2, psk=psk
        )
        with charon, b1:
            b1.start()
            if not vpnteach_initiates:
                charon.initiate("lan-lan", "vpn")
            try:
                b1.wait_for_sa()
            except TimeoutError as exc:
                raise AssertionError(f"{exc}\ncharon:\n{charon.log.read_text()[-4000:]}") from None
            there = ping(topo.left.ns, LAN1, LAN2, count=COUNT)
            back = ping(topo.right.ns, LAN2, LAN1, count=COUNT)
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
