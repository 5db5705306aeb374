"""The data plane's fast path (vpnteach.gateway.fastpath) against Scapy's ESP and against the
gateway's general path: the same bytes, the same counters, and every packet it does not
handle is handed back with nothing changed (RFC 4303 §3.4: ICV before decryption, the replay
window moved only by an authenticated packet)."""

from __future__ import annotations

import dataclasses

import pytest
from scapy.layers.inet import IP

from tests.esp.test_esp_scapy import scapy_sa
from tests.gateway.test_gateway import WAN, Pair, echo
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.gateway import Deliver, Discard, Transmit
from vpnteach.gateway.fastpath import FastPath
from vpnteach.wire.ip import IpProtocol, UdpDatagram, ipv4_packet

SUITES = {"seed": "", "gcm": "crypto ipsec transform-set TS esp-gcm 256\n"}
REPLY = ("192.168.22.1", "192.168.11.1")


def up(suite: str, *, udp: bool = False) -> Pair:
    pair = Pair(SUITES[suite], udp=udp)
    pair.up()
    pair.events(pair.b1)
    pair.events(pair.b2)
    return pair


def sa_of(gw_pair: Pair, which: str, direction: Direction) -> IpsecSa:
    gw = gw_pair.b1 if which == "b1" else gw_pair.b2
    return next(sa for sa in gw.sad.sas() if sa.direction is direction)


def esp_part(outer: bytes) -> bytes:
    """The ESP part of an outer packet (IPv4 [| UDP 4500] | ESP)."""
    start = 20 + (8 if outer[9] == IpProtocol.UDP else 0)
    return outer[start:]


@pytest.mark.parametrize("udp", [False, True])
@pytest.mark.parametrize("suite", ["seed", "gcm"])
def test_what_the_fast_path_protects_scapy_and_the_peer_open(suite: str, udp: bool) -> None:
    pair = up(suite, udp=udp)
    sent = FastPath(pair.b1).outbound(echo(5), pair.now)
    assert sent is not None
    esp, sa = sent
    assert sa is sa_of(pair, "b1", Direction.OUTBOUND) and (sa.udp is not None) == udp
    assert esp[:8] == sa.spi.to_bytes(4, "big") + (1).to_bytes(4, "big")  # first packet: seq 1
    if udp:  # the outer packet as the kernel builds it from the socket's send
        wire = ipv4_packet(sa.local, sa.peer, IpProtocol.UDP,
                           UdpDatagram(4500, 4500, esp).encode(sa.local, sa.peer))  # fmt: skip
    else:
        wire = ipv4_packet(sa.local, sa.peer, IpProtocol.ESP, esp)
    assert bytes(scapy_sa(sa, sa.local, sa.peer).decrypt(IP(wire))) == echo(5)
    assert sa.counters.pkts_encaps == 1
    got = pair.b2.inbound_esp(esp, (sa.local, 4500), pair.now)
    assert got == Deliver(echo(5), decrypted=True)


@pytest.mark.parametrize("suite", ["seed", "gcm"])
def test_the_fast_path_opens_what_scapy_and_the_peer_protect(suite: str) -> None:
    pair = up(suite)
    inbound = sa_of(pair, "b2", Direction.INBOUND)
    fast = FastPath(pair.b2)
    scapy = scapy_sa(inbound, inbound.peer, inbound.local)
    scapy.seq_num = 7
    wire = bytes(scapy.encrypt(IP(echo(7))))
    assert fast.inbound_esp(esp_part(wire), pair.now) == echo(7)
    sent = pair.b1.outbound(echo(8), WAN, pair.now)  # the general path, sequence number 1
    assert isinstance(sent, Transmit)
    assert fast.inbound_esp(esp_part(sent.packet), pair.now) == echo(8)
    c = inbound.counters
    assert (c.pkts_decaps, c.pkts_verify, c.recv_errors) == (2, 2, 0)
    assert inbound.replay.received() == [7, 1]


def _state(sa: IpsecSa) -> tuple[object, ...]:
    return (dataclasses.astuple(sa.counters), sa.replay.top, sa.replay.bitmap, sa.bytes_protected)


@pytest.mark.parametrize("suite", ["seed", "gcm"])
def test_bad_packets_go_back_untouched_and_the_general_path_counts_them(suite: str) -> None:
    pair = up(suite)
    inbound = sa_of(pair, "b2", Direction.INBOUND)
    fast = FastPath(pair.b2)
    sent = pair.b1.outbound(echo(1), WAN, pair.now)
    assert isinstance(sent, Transmit)
    good = esp_part(sent.packet)
    assert fast.inbound_esp(good, pair.now) == echo(1)
    second = pair.b1.outbound(echo(2), WAN, pair.now)
    assert isinstance(second, Transmit)
    fresh = esp_part(second.packet)  # sequence number 2, not received yet
    forged = fresh[:-1] + bytes([fresh[-1] ^ 1])  # one ICV bit
    unknown = (inbound.spi ^ 1).to_bytes(4, "big") + good[4:]
    cases = {"replayed": good, "icv": forged, "spi": unknown, "short": good[:7]}
    reasons = {"replayed": "replay", "icv": "ICV", "spi": "SPI", "short": "MALFORMED"}
    for name, esp in cases.items():
        before = _state(inbound)
        assert fast.inbound_esp(esp, pair.now) is None, name
        assert _state(inbound) == before, name  # nothing moved: not the window, no counter
        verdict = pair.b2.inbound_esp(esp, ("10.1.1.1", 4500), pair.now)
        assert isinstance(verdict, Discard), name
        assert reasons[name].lower() in verdict.reason.lower(), (name, verdict.reason)
    assert inbound.counters.pkts_replay_failed_rcv == 1
    assert inbound.counters.pkts_verify_failed == 1
    assert fast.inbound_esp(fresh, pair.now) == echo(2)  # the forgery did not spend number 2


def test_a_packet_outside_the_proxy_identities_is_dropped_after_its_icv() -> None:
    pair = up("seed")
    outbound, inbound = sa_of(pair, "b1", Direction.OUTBOUND), sa_of(pair, "b2", Direction.INBOUND)
    scapy = scapy_sa(outbound, outbound.local, outbound.peer)
    scapy.seq_num = 3
    stray = echo(3, "192.168.99.1", "192.168.22.1")  # not from Branch1's LAN
    verdict = FastPath(pair.b2).inbound_esp(esp_part(bytes(scapy.encrypt(IP(stray)))), pair.now)
    assert isinstance(verdict, Discard) and "192.168.99.1" in verdict.reason
    assert inbound.counters.pkts_invalid_identity_rcv == 1
    assert inbound.replay.received() == [3]  # authentic: the window moved (RFC 4303 §3.4.3)


def test_the_general_path_keeps_what_the_fast_path_does_not_handle() -> None:
    pair = up("seed")
    fast = FastPath(pair.b1)
    udp = UdpDatagram(500, 500, b"x" * 40).encode("10.1.1.1", "10.2.2.1")
    own_ike = ipv4_packet("10.1.1.1", "10.2.2.1", IpProtocol.UDP, udp)
    not_protected = echo(0, "10.1.1.1", "10.9.9.9")
    for packet in (own_ike, not_protected, b"\x60" + bytes(39), b"\x45"):
        assert fast.outbound(packet, pair.now) is None
    outbound = sa_of(pair, "b1", Direction.OUTBOUND)
    assert outbound.seq == 0 and outbound.counters.pkts_encaps == 0


@pytest.mark.parametrize("suite", ["seed", "gcm"])
def test_with_a_lifetime_event_due_both_directions_step_aside(suite: str) -> None:
    pair = up(suite)
    outbound, inbound = sa_of(pair, "b1", Direction.OUTBOUND), sa_of(pair, "b2", Direction.INBOUND)
    sent = FastPath(pair.b1).outbound(echo(1), pair.now)
    assert sent is not None
    later = pair.now + outbound.soft_seconds + 1  # the soft lifetime (a rekey) is due
    assert FastPath(pair.b1).outbound(echo(2), later) is None
    assert FastPath(pair.b2).inbound_esp(sent[0], inbound.created_at + inbound.soft_seconds) is None
    assert outbound.seq == 1 and inbound.replay.top == 0
    rekey = pair.b1.outbound(echo(2), WAN, later)  # the general path sends and starts the rekey
    assert isinstance(rekey, Transmit) and rekey.protected
    assert any(type(e).__name__ == "SoftLifetimeExpired" for e in pair.events(pair.b1))
