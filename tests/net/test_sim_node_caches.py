"""A node remembers its own addresses and its routing decisions, and forgets them on change.

Both are caches (a core router of a 1000-spoke hub would otherwise rebuild its address list and
scan its routing table for every packet); what they must never do is answer from a table that
has since changed.
"""

from __future__ import annotations

from ipaddress import IPv4Interface

from vpnteach.net.sim import Network
from vpnteach.wire.ip import IpProtocol, ipv4_packet


def test_own_addresses_follow_set_address_and_new_interfaces() -> None:
    router = Network().add_router("R")
    router.add_interface("Serial1/0", "10.1.1.1/24")
    assert router.owns("10.1.1.1") and router.addresses == ["10.1.1.1"]
    router.set_address("Serial1/0", "10.1.1.9/24")
    assert not router.owns("10.1.1.1") and router.owns("10.1.1.9")
    router.add_interface("FastEthernet0/0", "192.168.11.1/24")
    assert router.addresses == ["10.1.1.9", "192.168.11.1"]
    router.interfaces["FastEthernet0/0"].address = IPv4Interface("192.168.11.254/24")
    assert router.owns("192.168.11.254") and not router.owns("192.168.11.1")


def test_a_new_more_specific_route_takes_effect_for_the_next_packet() -> None:
    router = Network().add_router("R")
    router.add_interface("Serial1/0", "10.1.1.1/24")
    router.add_interface("Serial2/0", "10.2.2.1/24")
    router.add_route("0.0.0.0/0", interface="Serial1/0")
    packet = ipv4_packet("10.1.1.1", "172.16.5.5", IpProtocol.UDP, bytes(8))
    s1, s2 = router.interfaces["Serial1/0"].counters, router.interfaces["Serial2/0"].counters
    router.send_packet(packet)  # unconnected interfaces drop: the drop counter says which one
    assert (s1.drops, s2.drops) == (1, 0)
    router.add_route("172.16.5.0/24", interface="Serial2/0")
    router.send_packet(packet)
    assert (s1.drops, s2.drops) == (1, 1)
    router.routes.remove(router.routes.routes[-1].prefix)
    router.send_packet(packet)
    assert (s1.drops, s2.drops) == (2, 1)
