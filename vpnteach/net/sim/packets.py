"""One-line summaries of IPv4 packets for the event log (never raises on garbage).

The codecs are :mod:`vpnteach.wire.ip` (RFC 791, 792, 768); this module only reads enough of a
packet to name it: ``ICMP echo request 192.168.11.2 > 192.168.22.2 id 1 seq 0``,
``UDP 10.1.1.1:500 > 10.2.2.1:500 len 84``, ``ESP 10.1.1.1 > 10.2.2.1 spi 0x0de9e71e``.
"""

from __future__ import annotations

import struct

from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import IcmpType, IpProtocol, decode_ipv4

_ICMP_NAMES: dict[int, str] = {
    IcmpType.ECHO_REQUEST: "echo request",
    IcmpType.ECHO_REPLY: "echo reply",
    IcmpType.DEST_UNREACHABLE: "unreachable",
    IcmpType.TIME_EXCEEDED: "time exceeded",
}


def summarize(packet: bytes) -> str:
    """A short description of an IPv4 packet, or of why it is not one."""
    try:
        ip = decode_ipv4(packet, verify_checksum=False)
    except DecodeError as exc:
        return f"{len(packet)} bytes, not IPv4 ({exc})"
    h, body = ip.header, ip.payload
    if h.protocol == IpProtocol.ICMP and len(body) >= 8:
        kind = _ICMP_NAMES.get(body[0], f"type {body[0]}")
        ident, seq = struct.unpack_from("!HH", body, 4)
        return f"ICMP {kind} {h.src} > {h.dst} id {ident} seq {seq}"
    if h.protocol == IpProtocol.UDP and len(body) >= 8:
        sport, dport, length = struct.unpack_from("!HHH", body)
        return f"UDP {h.src}:{sport} > {h.dst}:{dport} len {length}"
    if h.protocol == IpProtocol.ESP and len(body) >= 8:
        return f"ESP {h.src} > {h.dst} spi 0x{body[:4].hex()}"
    return f"IPv4 proto {h.protocol} {h.src} > {h.dst} len {h.total_length}"


def flip_bit(packet: bytes, bit: int) -> bytes:
    """``packet`` with bit number ``bit`` (0 = most significant bit of byte 0) inverted."""
    index, shift = divmod(bit, 8)
    out = bytearray(packet)
    out[index] ^= 0x80 >> shift
    return bytes(out)
