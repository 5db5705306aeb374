"""The per-packet shortcuts give exactly what the long way gives.

* :func:`vpnteach.esp.outer.outer_headers` (checksum from a per-pair partial sum) against
  Scapy's own IPv4/UDP encoder and :func:`vpnteach.wire.ip.ipv4_header_bytes`;
* :meth:`vpnteach.esp.spd.Spd.decide` (decisions remembered per address pair) against
  :meth:`~vpnteach.esp.spd.Spd.lookup_outbound`, and its memory stays bounded.
"""

from __future__ import annotations

import random

import pytest
from scapy.layers.inet import IP, UDP

from tests.esp._helpers import BRANCH2
from vpnteach.esp import spd as spd_module
from vpnteach.esp.outer import outer_headers
from vpnteach.esp.policy import (
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    TransformSet,
)
from vpnteach.esp.spd import PolicyAction, Spd, selectors_of
from vpnteach.wire.ip import icmp_echo, ipv4_header_bytes, pack_address

PAIRS = [("10.1.1.1", "10.2.2.1"), ("255.255.255.254", "0.0.0.1"), ("192.168.255.255", "1.2.3.4")]


@pytest.mark.parametrize(("src", "dst"), PAIRS)
@pytest.mark.parametrize("udp", [None, (4500, 4500), (4500, 61234)])
def test_outer_headers_are_the_bytes_scapy_builds(
    src: str, dst: str, udp: tuple[int, int] | None
) -> None:
    rng = random.Random(f"{src}{dst}{udp}")
    for _ in range(50):
        esp_len, ident = rng.randrange(8, 1500), rng.randrange(0, 1 << 32)
        ours = outer_headers(src, dst, udp, esp_len, ident)
        body = bytes(esp_len)
        if udp is None:
            ref = IP(src=src, dst=dst, proto=50, ttl=255, id=ident & 0xFFFF, flags=0) / body
        else:
            ref = IP(src=src, dst=dst, ttl=255, id=ident & 0xFFFF, flags=0) / UDP(
                sport=udp[0], dport=udp[1], chksum=0
            ) / body  # fmt: skip
        assert ours == bytes(ref)[: len(ours)]
        length = esp_len + (8 if udp else 0)
        protocol = 50 if udp is None else 17
        assert ours[:20] == ipv4_header_bytes(
            pack_address(src), pack_address(dst), protocol, length, ident=ident
        )


def _spd() -> Spd:
    ts = TransformSet("TS", "esp-gcm 256")
    lines = (
        AclEntry("deny", AddressMatch.host("192.168.11.7"), AddressMatch.any()),
        AclEntry(
            "permit",
            AddressMatch.network("192.168.11.0/24"),
            AddressMatch.network("192.168.22.0/24"),
        ),
        AclEntry("permit", AddressMatch("192.168.0.1", "0.0.255.0"), AddressMatch.any()),
    )
    return Spd([CryptoMapEntry("M", 10, AccessList("ACL", lines), BRANCH2, (ts,))])


def test_remembered_decisions_are_the_acl_walk_for_every_pair() -> None:
    spd, rng = _spd(), random.Random(7)
    for _ in range(2000):
        src = f"192.168.{rng.choice([0, 11, 33])}.{rng.choice([1, 7, 9])}"
        dst = f"192.168.{rng.choice([11, 22])}.{rng.randrange(256)}"
        packet = icmp_echo(src, dst)
        for _twice in range(2):  # the second answer comes from memory
            assert spd.decide(packet) == spd.lookup_outbound(selectors_of(packet))
    assert spd.decide(icmp_echo("192.168.11.7", "192.168.22.1")).action is PolicyAction.BYPASS


def test_the_memory_is_bounded_and_a_non_ipv4_packet_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spd_module, "DECISIONS_KEPT", 16)
    spd = _spd()
    for host in range(100):
        spd.decide(icmp_echo("192.168.11.1", f"192.168.22.{host}"))
        assert len(spd._decided) <= 16
    packet = bytearray(icmp_echo("192.168.11.1", "192.168.22.1"))
    spd.decide(bytes(packet))
    packet[0] = 0x65  # version 6 with the same addresses: not answered from memory
    with pytest.raises(ValueError, match="not an IPv4 packet"):
        spd.decide(bytes(packet))
