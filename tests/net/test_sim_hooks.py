"""The routers' hook points carry a toy tunnel, hold packets and drop them with a reason.

The toy "encryption" stands in for the crypto map: Branch1's outbound hook on Serial1/0 wraps
LAN-to-LAN packets (XOR 0x5A, so they are unreadable) in UDP 4500 to the peer's WAN address;
the peer's inbound hook unwraps what arrives on UDP 4500 and the inner packet is forwarded.
Reference for the wire bytes: Scapy's IP/UDP/ICMP parsers.
"""

from __future__ import annotations

import ipaddress

from scapy.layers.inet import ICMP, IP, UDP

from vpnteach.crypto.rng import SeededRng
from vpnteach.net.sim import (
    FORWARD,
    Drop,
    Hold,
    Interface,
    Network,
    Node,
    PacketDropped,
    PacketHeld,
    Replace,
    Verdict,
)
from vpnteach.net.sim.topology import two_branches
from vpnteach.wire.ip import IpProtocol, UdpDatagram, decode_ipv4, decode_udp, ipv4_packet

WAN = {"Branch1": "10.1.1.1", "Branch2": "10.2.2.1"}
LAN = {"Branch1": "192.168.11.0/24", "Branch2": "192.168.22.0/24"}
PEER = {"Branch1": "Branch2", "Branch2": "Branch1"}


def _xor(data: bytes) -> bytes:
    return bytes(b ^ 0x5A for b in data)


def _interesting(node: Node, packet: bytes) -> bool:
    """Like the crypto ACL: from our LAN to the peer's LAN."""
    h = decode_ipv4(packet).header
    ours, theirs = LAN[node.name], LAN[PEER[node.name]]
    return ipaddress.ip_address(h.src) in ipaddress.ip_network(ours) and ipaddress.ip_address(
        h.dst
    ) in ipaddress.ip_network(theirs)


def toy_encrypt(node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
    if iface.name != "Serial1/0" or not _interesting(node, packet):
        return FORWARD
    src, dst = WAN[node.name], WAN[PEER[node.name]]
    udp = UdpDatagram(4500, 4500, _xor(packet)).encode(src, dst)
    return Replace((ipv4_packet(src, dst, IpProtocol.UDP, udp),))


def toy_decrypt(node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
    ip = decode_ipv4(packet)
    if ip.header.protocol != IpProtocol.UDP or ip.header.dst != WAN[node.name]:
        return FORWARD
    udp = decode_udp(ip.payload, ip.header.src, ip.header.dst)
    return Replace((_xor(udp.payload),)) if udp.dst_port == 4500 else FORWARD


def _tunnel(net: Network) -> None:
    for name in ("Branch1", "Branch2"):
        net.node(name).outbound_hook = toy_encrypt
        net.node(name).inbound_hook = toy_decrypt


def test_toy_tunnel_carries_a_ping_and_the_wan_sees_only_udp_4500() -> None:
    net = two_branches(SeededRng(2))
    _tunnel(net)
    wan, lan2 = net.link("WAN").capture(), net.link("LAN2").capture()
    ping = net.node("PC1").ping("192.168.22.2", count=3)
    net.run_until_idle()
    assert ping.marks == "!!!"
    assert len(wan) == 6
    for record in wan.records:
        outer = IP(record.packet)
        assert (outer.proto, outer[UDP].sport, outer[UDP].dport) == (17, 4500, 4500)
        assert {outer.src, outer.dst} == {"10.1.1.1", "10.2.2.1"}
        assert not outer.haslayer(ICMP)
    inner = IP(lan2.records[0].packet)
    assert (inner.src, inner.dst, inner[ICMP].type) == ("192.168.11.2", "192.168.22.2", 8)


def test_router_traffic_to_the_peer_wan_address_bypasses_the_toy_tunnel() -> None:
    net = two_branches(SeededRng(2))
    _tunnel(net)
    wan = net.link("WAN").capture()
    assert net.node("Branch1").ping("10.2.2.1", count=1).done is False
    net.run_until_idle()
    assert IP(wan.records[0].packet)[ICMP].type == 8  # not interesting: sent in the clear


def test_held_packet_is_recorded_and_can_be_released_later() -> None:
    net = two_branches(SeededRng(2))
    b1 = net.node("Branch1")
    held: list[bytes] = []

    def hold_until_sa(node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
        if iface.name == "Serial1/0" and _interesting(node, packet):
            held.append(packet)
            return Hold("no IPsec SA yet")
        return FORWARD

    b1.outbound_hook = hold_until_sa
    b1.set_timer("SA up", 0.5, lambda now: b1.send_packet(held.pop(), hooks=False))
    ping = net.node("PC1").ping("192.168.22.2", count=1)
    net.run_until_idle()
    holds = [e for e in net.log if isinstance(e, PacketHeld)]
    assert [(h.node, h.interface, h.reason) for h in holds] == [
        ("Branch1", "Serial1/0", "no IPsec SA yet")
    ]
    assert ping.marks == "!"
    assert ping.results[0].reply_at is not None and ping.results[0].reply_at > 0.5


def test_drop_verdict_is_recorded_with_its_reason_and_the_ping_times_out() -> None:
    net = two_branches(SeededRng(2))
    net.node("Branch2").inbound_hook = lambda node, iface, packet, now: (
        Drop("ICV mismatch") if iface.name == "Serial1/0" else FORWARD
    )
    ping = net.node("PC1").ping("192.168.22.2", count=2, timeout=1.0)
    net.run_until_idle()
    assert ping.marks == ".."
    drops = [e for e in net.log if isinstance(e, PacketDropped)]
    assert [(d.node, d.interface, d.reason) for d in drops] == [
        ("Branch2", "Serial1/0", "ICV mismatch")
    ] * 2
