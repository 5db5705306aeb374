"""Hosts and routers on the simulated network: ping end to end, UDP, routing, drops.

Reference for every packet on the wire: Scapy's independent IPv4/ICMP/UDP implementation
(``IP(bytes)``; a checksum is right when Scapy, recomputing it with the field deleted, gets the
same value).
"""

from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, UDP

from vpnteach.crypto.rng import SeededRng
from vpnteach.net.sim import (
    FaultPolicy,
    Network,
    PacketAccepted,
    PacketDelivered,
    PacketDropped,
    TimerFired,
    UdpMessage,
)
from vpnteach.net.sim.routes import Route, RoutingTable, parse_prefix
from vpnteach.net.sim.topology import two_branches


def _scapy_checksums_ok(packet: bytes) -> bool:
    """Scapy recomputes each checksum (field deleted, rebuilt) and must get the one we sent."""
    parsed = IP(packet)
    rebuilt = parsed.copy()
    del rebuilt.chksum
    layers = [ICMP, UDP]
    for layer in layers:
        if rebuilt.haslayer(layer):
            del rebuilt[layer].chksum
    again = IP(bytes(rebuilt))
    same = again.chksum == parsed.chksum
    for layer in layers:
        if parsed.haslayer(layer):
            same = same and again[layer].chksum == parsed[layer].chksum
    return same


def test_pc1_pings_pc2_across_two_routers_with_correct_checksums() -> None:
    net = two_branches(SeededRng(1))
    lan2, wan = net.link("LAN2").capture(), net.link("WAN").capture()
    results = list(net.run_ping(net.node("PC1"), "192.168.22.2"))
    assert [r.ok for r in results] == [True] * 5
    assert [r.sequence for r in results] == [0, 1, 2, 3, 4]
    packets = [r.packet for r in lan2.records + wan.records]
    assert len(packets) == 20  # 5 requests + 5 replies, seen on two links
    for packet in packets:
        assert _scapy_checksums_ok(packet), IP(packet).show(dump=True)
        assert len(packet) == 100  # IOS default: 100-byte ICMP echos
    request = IP(next(r.packet for r in lan2.records if r.direction == "Branch2 -> PC2"))
    assert (request.src, request.dst, request[ICMP].type) == ("192.168.11.2", "192.168.22.2", 8)
    assert request.ttl == 255 - 2  # decremented once by each router (RFC 791 §3.2)
    assert bytes(request[ICMP].payload)[:4] == b"\xab\xcd\xab\xcd"


def test_ping_round_trip_follows_the_link_delays() -> None:
    net = two_branches(SeededRng(1), wan_bandwidth=1e12)
    ping = net.node("PC1").ping("192.168.22.2")
    net.run_until_idle()
    # LAN 1 ms + WAN 2 ms + LAN 1 ms each way: 8 ms round trip.
    assert ping.marks == "!!!!!"
    assert ping.round_trip_ms() == (8, 8, 8)
    assert ping.success_percent == 100


def test_first_echo_lost_on_the_wan_gives_ios_marks_and_80_percent() -> None:
    dropped: list[int] = []

    def lose_first_request(packet: bytes) -> bytes | None:
        if IP(packet)[ICMP].type == 8 and not dropped:
            dropped.append(1)
            return None
        return packet

    net = two_branches(SeededRng(1), wan_faults=FaultPolicy(rewrite=lose_first_request))
    ping = net.node("PC1").ping("192.168.22.2", count=5, timeout=2.0)
    net.run_until_idle()
    assert ping.marks == ".!!!!"
    assert ping.success_percent == 80
    assert ping.results[0].reply_at is None and ping.results[1].sent_at == 2.0


def test_router_answers_ping_to_its_own_wan_address_from_a_chosen_source() -> None:
    net = two_branches(SeededRng(1))
    b1 = net.node("Branch1")
    ping = b1.ping("10.2.2.1", count=2, source="FastEthernet0/0")
    net.run_until_idle()
    assert ping.marks == "!!" and ping.src == "192.168.11.1"
    accepted = [e for e in net.log if isinstance(e, PacketAccepted)]
    assert [(e.node, e.what) for e in accepted][:2] == [
        ("Branch2", "ICMP echo request"), ("Branch1", "ICMP echo reply"),
    ]  # fmt: skip


def test_udp_datagram_reaches_the_bound_port_with_a_valid_checksum() -> None:
    net = two_branches(SeededRng(1))
    b1, b2 = net.node("Branch1"), net.node("Branch2")
    got: list[tuple[UdpMessage, float]] = []
    b2.bind_udp(500, lambda msg, now: got.append((msg, now)))
    wan = net.link("WAN").capture()
    b1.send_udp("10.1.1.1", 500, "10.2.2.1", 500, b"isakmp bytes")
    net.run_until_idle()
    assert got and got[0][0] == UdpMessage(
        "10.1.1.1", 500, "10.2.2.1", 500, b"isakmp bytes", "Serial1/0"
    )
    assert _scapy_checksums_ok(wan.records[0].packet)
    assert IP(wan.records[0].packet)[UDP].chksum != 0


def test_udp_to_an_unbound_port_is_dropped_with_the_reason() -> None:
    net = two_branches(SeededRng(1))
    net.node("Branch1").send_udp("10.1.1.1", 500, "10.2.2.1", 4500, b"x")
    net.run_until_idle()
    drops = [e for e in net.log if isinstance(e, PacketDropped)]
    assert [(d.node, d.reason) for d in drops] == [("Branch2", "no listener on UDP port 4500")]
    assert net.node("Branch2").interface("Serial1/0").counters.drops == 1


def test_no_route_and_ttl_exceeded_are_recorded_drops() -> None:
    net = Network(SeededRng(1))
    r = net.add_router("R")
    r.add_interface("Serial0/0", "10.0.0.1/30")
    host = net.add_host("H", "10.0.0.2/30", gateway="10.0.0.1")
    net.connect(host.interface("eth0"), r.interface("Serial0/0"))
    host.send_udp("10.0.0.2", 1, "172.16.0.1", 2, b"", ttl=1)
    host.send_udp("10.0.0.2", 1, "172.16.0.1", 2, b"", ttl=5)
    net.run_until_idle()
    reasons = [e.reason for e in net.log if isinstance(e, PacketDropped)]
    assert reasons == ["TTL exceeded", "no route to 172.16.0.1"]


def test_interface_counters_count_packets_and_bytes() -> None:
    net = two_branches(SeededRng(1))
    net.node("PC1").ping("192.168.22.2", count=3)
    net.run_until_idle()
    counters = net.node("Branch1").interface("Serial1/0").counters
    assert (counters.packets_out, counters.packets_in) == (3, 3)
    assert (counters.bytes_out, counters.bytes_in) == (300, 300)


def test_longest_prefix_wins_and_next_hop_routes_resolve_recursively() -> None:
    table = RoutingTable()
    table.add(Route(parse_prefix("10.1.1.0/24"), "Serial1/0", None, "connected"))
    table.add(Route(parse_prefix("0.0.0.0", "0.0.0.0"), "Serial1/0", None))
    table.add(Route(parse_prefix("192.168.22.0/24"), None, parse_prefix("10.1.1.2/32")[0]))
    table.add(Route(parse_prefix("192.168.0.0/16"), "Null0", None))
    found = table.lookup("192.168.22.7")
    assert found is not None and found[0] == "Serial1/0"
    assert str(found[1].prefix) == "192.168.22.0/24"
    assert table.lookup("192.168.1.9") is not None
    assert table.lookup("192.168.1.9")[0] == "Null0"  # type: ignore[index]


def test_stepping_a_ping_shows_each_hop_as_an_inspectable_event() -> None:
    net = two_branches(SeededRng(1), wan_bandwidth=1e12)
    net.node("PC1").ping("192.168.22.2", count=1)
    assert net.scheduler.pending() == [TimerFired(0.0, "PC1", "ping 192.168.22.2 seq 0")]
    steps = [net.step() for _ in range(4)]
    hops = [(type(e).__name__, getattr(e, "link", ""), round(e.time, 6)) for e in steps if e]
    assert hops == [
        ("TimerFired", "", 0.0),
        ("PacketDelivered", "LAN1", 0.001),
        ("PacketDelivered", "WAN", 0.003),
        ("PacketDelivered", "LAN2", 0.004),
    ]
    delivered = steps[2]
    assert isinstance(delivered, PacketDelivered)
    assert (delivered.sender, delivered.receiver) == ("Branch1 Serial1/0", "Branch2 Serial1/0")
    assert IP(delivered.packet)[ICMP].seq == 0


def test_run_ping_yields_each_result_as_soon_as_it_is_known() -> None:
    net = two_branches(SeededRng(1), wan_bandwidth=1e12)
    seen = []
    for result in net.run_ping(net.node("PC1"), "192.168.22.2", count=3):
        seen.append((result.sequence, net.now))
    assert seen == [(0, pytest.approx(0.008)), (1, pytest.approx(0.016)), (2, pytest.approx(0.024))]


def test_a_ca_server_answers_udp_requests_from_both_branches() -> None:
    """The lab's SCEP/CRL pattern: a host binds a port and replies with send_udp."""
    net = two_branches(SeededRng(1))
    b1 = net.node("Branch1")
    b1.add_interface("FastEthernet0/1", "192.168.1.1/24")
    ca = net.add_host("CA", "192.168.1.9/24", gateway="192.168.1.1")
    net.connect(ca.interface("eth0"), b1.interface("FastEthernet0/1"), "CA-LAN")

    def scep(msg: UdpMessage, now: float) -> None:
        ca.send_udp(msg.dst, msg.dport, msg.src, msg.sport, b"CertRep for " + msg.payload)

    ca.bind_udp(80, scep)
    answers: dict[str, bytes] = {}
    for name, wan in (("Branch1", "10.1.1.1"), ("Branch2", "10.2.2.1")):
        router = net.node(name)
        router.bind_udp(5000, lambda msg, now, n=name: answers.__setitem__(n, msg.payload))
        router.send_udp(wan, 5000, "192.168.1.9", 80, name.encode())
    net.run_until_idle()
    assert answers == {"Branch1": b"CertRep for Branch1", "Branch2": b"CertRep for Branch2"}
