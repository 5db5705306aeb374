"""Fault injection on a link: every kind shows in the capture and in the event log, and a
seeded run is reproducible event for event."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP

from vpnteach.crypto.rng import SeededRng
from vpnteach.net.sim import (
    FaultApplied,
    FaultPolicy,
    FaultPolicyError,
    Network,
    PacketDelivered,
    PacketDropped,
)
from vpnteach.net.sim.faults import apply_faults
from vpnteach.net.sim.packets import summarize
from vpnteach.net.sim.topology import two_branches


def _udp_burst(net: Network, count: int, gap: float = 0.0001) -> None:
    """Branch1 sends ``count`` UDP datagrams to Branch2 port 9, ``gap`` seconds apart."""
    b1, b2 = net.node("Branch1"), net.node("Branch2")
    b2.bind_udp(9, lambda msg, now: None)

    def sender(payload: bytes) -> Callable[[float], None]:
        return lambda now: b1.send_udp("10.1.1.1", 9, "10.2.2.1", 9, payload)

    for i in range(count):
        b1.set_timer(f"send {i}", i * gap, sender(i.to_bytes(2, "big")))
    net.run_until_idle()


def _faults(net: Network, kind: str) -> list[FaultApplied]:
    return [e for e in net.log if isinstance(e, FaultApplied) and e.kind == kind]


def test_loss_drops_the_packet_from_the_wire_and_logs_it() -> None:
    net = two_branches(SeededRng(3), wan_faults=FaultPolicy(loss=1.0, only_from="Branch1"))
    wan = net.link("WAN").capture()
    ping = net.node("PC1").ping("192.168.22.2", count=2, timeout=1.0)
    net.run_until_idle()
    assert ping.marks == ".."
    assert len(wan) == 0
    assert [f.number for f in _faults(net, "loss")] == [1, 2]
    assert "WAN: packet 1 dropped by loss" in net.describe_log()


def test_only_from_limits_faults_to_one_direction() -> None:
    net = two_branches(SeededRng(3), wan_faults=FaultPolicy(loss=1.0, only_from="Branch2"))
    ping = net.node("PC1").ping("192.168.22.2", count=1, timeout=1.0)
    net.run_until_idle()
    assert ping.marks == "."
    wan_deliveries = [e for e in net.log if isinstance(e, PacketDelivered) and e.link == "WAN"]
    assert [e.sender for e in wan_deliveries] == ["Branch1 Serial1/0"]  # the reply was lost


def test_duplicate_delivers_two_copies_and_ping_counts_one_reply() -> None:
    net = two_branches(SeededRng(3), wan_faults=FaultPolicy(duplicate=1.0, only_from="Branch1"))
    wan = net.link("WAN").capture()
    ping = net.node("PC1").ping("192.168.22.2", count=1)
    net.run_until_idle()
    numbers = [r.number for r in wan.records if r.direction == "Branch1 -> Branch2"]
    assert numbers == [1, 1]
    assert wan.records[0].packet == wan.records[1].packet
    assert [f.number for f in _faults(net, "duplicate")] == [1]
    assert ping.marks == "!"  # the second reply is ignored, as IOS does


def test_reorder_lets_later_packets_overtake_and_logs_which() -> None:
    net = two_branches(
        SeededRng(4), wan_faults=FaultPolicy(reorder=0.5, reorder_delay=0.01), wan_bandwidth=1e9
    )
    wan = net.link("WAN").capture()
    _udp_burst(net, 8)
    arrived = [r.number for r in wan.records]
    held_back = {f.number for f in _faults(net, "reorder")}
    assert sorted(arrived) == list(range(1, 9))
    assert 0 < len(held_back) < 8 and arrived != sorted(arrived)
    # Exactly the held-back packets arrive after all the others.
    assert set(arrived[-len(held_back) :]) == held_back
    payloads = [int.from_bytes(bytes(IP(r.packet)[UDP].payload), "big") for r in wan.records]
    assert payloads == [n - 1 for n in arrived]


def test_corrupt_flips_exactly_the_logged_bit_and_the_receiver_rejects_it() -> None:
    net = two_branches(SeededRng(5), wan_faults=FaultPolicy(corrupt=1.0))
    b1 = net.node("Branch1").interface("Serial1/0").capture()
    wan = net.link("WAN").capture()
    _udp_burst(net, 1)
    sent, received = b1.records[0].packet, wan.records[0].packet
    diff = [(i, a ^ b) for i, (a, b) in enumerate(zip(sent, received, strict=True)) if a != b]
    assert len(diff) == 1 and bin(diff[0][1]).count("1") == 1
    (fault,) = _faults(net, "corrupt")
    byte, mask = diff[0]
    assert fault.detail == f"bit {8 - mask.bit_length()} of byte {byte} flipped"
    drops = [e for e in net.log if isinstance(e, PacketDropped)]
    assert len(drops) == 1 and "checksum" in drops[0].reason


def test_delay_and_jitter_add_to_the_arrival_time_within_bounds() -> None:
    net = two_branches(
        SeededRng(6), wan_faults=FaultPolicy(delay=0.1, jitter=0.05), wan_bandwidth=1e12
    )
    wan = net.link("WAN").capture()
    _udp_burst(net, 5, gap=1.0)
    lateness = [r.time - (r.number - 1) * 1.0 - 0.002 for r in wan.records]
    assert all(0.1 <= late < 0.15 for late in lateness), lateness
    assert len({round(late, 9) for late in lateness}) == 5  # jitter really varies
    assert len(_faults(net, "delay")) == 5


def test_rewrite_replaces_the_packet_on_the_wire_and_is_logged() -> None:
    def set_tos(packet: bytes) -> bytes:
        ip = IP(packet)
        ip.tos = 0xB8
        del ip.chksum
        return bytes(ip)

    net = two_branches(SeededRng(7), wan_faults=FaultPolicy(rewrite=set_tos))
    wan = net.link("WAN").capture()
    _udp_burst(net, 1)
    assert IP(wan.records[0].packet).tos == 0xB8
    assert [f.number for f in _faults(net, "rewrite")] == [1]
    assert not [e for e in net.log if isinstance(e, PacketDropped)]


def _faulty_run(seed: int) -> list[str]:
    faults = FaultPolicy(loss=0.2, duplicate=0.2, reorder=0.2, corrupt=0.1, jitter=0.003)
    net = two_branches(SeededRng(seed), wan_faults=faults)
    net.node("PC1").ping("192.168.22.2", count=20, timeout=0.5)
    net.run_until_idle()
    return [repr(e) for e in net.log] + [e.packet.hex() for e in net.log if hasattr(e, "packet")]


def test_same_seed_gives_the_identical_event_log_and_another_seed_does_not() -> None:
    first = _faulty_run(11)
    assert first == _faulty_run(11)
    assert first != _faulty_run(12)
    assert any("kind='loss'" in line for line in first)


def test_bad_fault_policy_values_are_refused_with_the_field_name() -> None:
    with pytest.raises(FaultPolicyError, match="loss"):
        FaultPolicy(loss=1.5)
    with pytest.raises(FaultPolicyError, match="jitter"):
        FaultPolicy(jitter=-1)


probability = st.floats(min_value=0.0, max_value=1.0)


@settings(max_examples=200, deadline=None)
@given(
    packet=st.binary(max_size=80),
    loss=probability,
    duplicate=probability,
    reorder=probability,
    corrupt=probability,
    seed=st.integers(0, 2**32),
)
def test_apply_faults_never_raises_and_changes_at_most_one_bit(
    packet: bytes, loss: float, duplicate: float, reorder: float, corrupt: float, seed: int
) -> None:
    policy = FaultPolicy(loss=loss, duplicate=duplicate, reorder=reorder, corrupt=corrupt)
    copies, faults = apply_faults(policy, packet, SeededRng(seed))
    kinds = [f.kind for f in faults]
    assert len(copies) == (0 if "loss" in kinds else 1 + ("duplicate" in kinds))
    for copy in copies:
        flipped = sum(bin(a ^ b).count("1") for a, b in zip(packet, copy.packet, strict=True))
        assert flipped == ("corrupt" in kinds)
        assert summarize(copy.packet)  # the log line never fails, even on garbage
