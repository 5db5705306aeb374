"""The outer headers of an ESP packet: IPv4 (protocol 50) or IPv4 + UDP 4500 (RFC 3948).

Outbound, :func:`outer_headers` builds them from the SA's endpoints. The IPv4 header checksum
(RFC 791 §3.1, RFC 1071) is a one's-complement sum of 16-bit words, so the words that never
change for a pair of endpoints (version, TTL, protocol, addresses) are summed once per pair
and only the total length and identification are added per packet (RFC 1624 §3 updates a
checksum the same way): the bytes are exactly those of :func:`~vpnteach.wire.ip.ipv4_header_bytes`.

Inbound, :func:`parse_outer` finds the ESP bytes in an outer packet: protocol 50, or UDP to
port 4500 that is neither a NAT keepalive nor IKE behind the non-ESP marker (RFC 3948 §2.2).
"""

from __future__ import annotations

import functools
import struct
from typing import NamedTuple

from vpnteach.esp.results import Dropped, DropReason
from vpnteach.wire.esp import NAT_KEEPALIVE, NAT_T_PORT, NON_ESP_MARKER
from vpnteach.wire.ip import (
    IPV4_HEADER_LEN,
    UDP_HEADER_LEN,
    IpProtocol,
    internet_checksum,
    pack_address,
    unpack_address,
)

ESP_PROTOCOL = int(IpProtocol.ESP)
OUTER_TTL = 255
_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_WORDS = struct.Struct("!10H")
_UDP = struct.Struct("!HHHH")


class Outer(NamedTuple):
    """Where an ESP packet came from and went to, and its ESP part (SPI to ICV)."""

    dst: str
    esp: bytes
    udp_ports: tuple[int, int] | None
    src: str


@functools.lru_cache(maxsize=1024)
def _endpoint_sum(src: str, dst: str, protocol: int) -> tuple[bytes, bytes, int]:
    """Packed addresses and the sum of the header words fixed for this pair (RFC 1071 §1)."""
    s, d = pack_address(src), pack_address(dst)
    words = _WORDS.unpack(_IPV4.pack(0x45, 0, 0, 0, 0, OUTER_TTL, protocol, 0, s, d))
    return s, d, sum(words)


def outer_headers(
    local: str, peer: str, udp_ports: tuple[int, int] | None, esp_len: int, ident: int
) -> bytes:
    """IPv4 [+ UDP] headers ``local -> peer`` for ``esp_len`` bytes of ESP (RFC 4303 §3.1.2).

    ``udp_ports`` (local, peer) puts ESP in UDP (RFC 3948 §2.1) with a zero checksum (§3.1
    says it SHOULD be zero). ``ident`` is the IPv4 identification (the sequence number).
    """
    if udp_ports is None:
        protocol, payload_len = ESP_PROTOCOL, esp_len
    else:
        protocol, payload_len = int(IpProtocol.UDP), UDP_HEADER_LEN + esp_len
    total = IPV4_HEADER_LEN + payload_len
    if total > 0xFFFF:
        raise ValueError(f"outer IPv4 total length {total} exceeds 65535 (RFC 791 §3.1)")
    src, dst, fixed = _endpoint_sum(local, peer, protocol)
    ident &= 0xFFFF
    total_sum = fixed + total + ident
    total_sum = (total_sum & 0xFFFF) + (total_sum >> 16)
    total_sum = (total_sum & 0xFFFF) + (total_sum >> 16)
    checksum = ~total_sum & 0xFFFF
    ip = _IPV4.pack(0x45, 0, total, ident, 0, OUTER_TTL, protocol, checksum, src, dst)
    if udp_ports is None:
        return ip
    return ip + _UDP.pack(udp_ports[0], udp_ports[1], payload_len, 0)


_unpacked = functools.lru_cache(maxsize=1024)(unpack_address)


def _checksum_ok(data: bytes, hlen: int) -> bool:
    if hlen == IPV4_HEADER_LEN:
        total: int = sum(_WORDS.unpack_from(data))
        total = (total & 0xFFFF) + (total >> 16)
        return (total & 0xFFFF) + (total >> 16) == 0xFFFF
    return internet_checksum(data[:hlen]) == 0


def parse_outer(outer_packet: bytes) -> Outer | Dropped:
    """Find the ESP bytes in an outer IPv4 packet (protocol 50, or UDP 4500 per RFC 3948)."""
    data = bytes(outer_packet)  # bytearray or memoryview in: slices must be hashable
    if len(data) < IPV4_HEADER_LEN or data[0] >> 4 != 4:
        return Dropped(DropReason.MALFORMED, "not an IPv4 packet")
    hlen = (data[0] & 0xF) * 4
    total = int.from_bytes(data[2:4], "big")
    if hlen < IPV4_HEADER_LEN or not hlen <= total <= len(data):
        return Dropped(DropReason.MALFORMED, f"IPv4 IHL {hlen // 4} / total length {total}")
    if not _checksum_ok(data, hlen):
        return Dropped(DropReason.MALFORMED, "IPv4 header checksum is wrong")
    src, dst = _unpacked(data[12:16]), _unpacked(data[16:20])
    protocol, body = data[9], data[hlen:total]
    if protocol == ESP_PROTOCOL:
        return Outer(dst, body, None, src)
    if protocol == IpProtocol.UDP and len(body) >= UDP_HEADER_LEN:
        return _parse_udp(src, dst, body)
    return Dropped(DropReason.NOT_ESP, f"IP protocol {protocol} is neither ESP nor UDP")


def _parse_udp(src: str, dst: str, body: bytes) -> Outer | Dropped:
    sport, dport, length, _ = _UDP.unpack_from(body)
    if dport != NAT_T_PORT or not UDP_HEADER_LEN <= length <= len(body):
        return Dropped(DropReason.NOT_ESP, f"UDP to port {dport} (length {length})")
    payload = body[UDP_HEADER_LEN:length]
    if payload == NAT_KEEPALIVE or payload[:4] == NON_ESP_MARKER:
        return Dropped(DropReason.NOT_ESP, "NAT keepalive or IKE (non-ESP marker), RFC 3948 §2")
    return Outer(dst, payload, (sport, dport), src)
