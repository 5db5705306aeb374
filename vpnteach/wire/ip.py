"""IPv4 (RFC 791), ICMP echo (RFC 792) and UDP (RFC 768): the packets ESP carries and rides in.

Each structure is a frozen dataclass with ``encode()`` and a ``decode_*`` function. Decoders
check what a router checks (version, header length, total length, the Internet checksum of
RFC 1071) and raise :class:`~vpnteach.wire.errors.DecodeError` naming the structure and the
offset, never ``struct.error`` or ``IndexError``.

Addresses are dotted-quad strings in the dataclasses (what a learner reads) and 4-byte values
on the hot path: :func:`ipv4_header_bytes` builds a header from packed addresses with one
``struct.pack`` so ESP encapsulation does not pay for ``ipaddress`` objects per packet.

Diagram (RFC 791 §3.1)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    |Version|  IHL  |Type of Service|          Total Length         |
    |         Identification        |Flags|      Fragment Offset    |
    |  Time to Live |    Protocol   |         Header Checksum       |
    |                       Source Address                          |
    |                    Destination Address                        |
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from vpnteach._html import HtmlRepr
from vpnteach.wire.errors import DecodeError, EncodeError

IPV4_HEADER_LEN = 20
UDP_HEADER_LEN = 8
ICMP_ECHO_HEADER_LEN = 8

_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_UDP = struct.Struct("!HHHH")
_ICMP_ECHO = struct.Struct("!BBHHH")
_PORTS = struct.Struct("!HH")


class IpProtocol(IntEnum):
    """IANA "Assigned Internet Protocol Numbers" used here."""

    ICMP = 1
    IPV4 = 4  # IP-in-IP: the ESP next header of a tunnel-mode packet (RFC 4303 §2.6)
    TCP = 6
    UDP = 17
    ESP = 50
    AH = 51
    NO_NEXT_HEADER = 59  # an ESP dummy packet (RFC 4303 §2.6)


class IcmpType(IntEnum):
    """ICMP message types (RFC 792)."""

    ECHO_REPLY = 0
    DEST_UNREACHABLE = 3
    ECHO_REQUEST = 8
    TIME_EXCEEDED = 11


def internet_checksum(data: bytes) -> int:
    """The 16-bit one's complement of the one's complement sum (RFC 1071 §1)."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pack_address(address: str) -> bytes:
    """``"10.1.1.1"`` -> 4 bytes; a clear :class:`EncodeError` for anything else."""
    parts = address.split(".")
    try:
        octets = bytes(int(p) for p in parts)
    except ValueError:
        octets = b""
    if len(parts) != 4 or len(octets) != 4 or not all(p.isdigit() for p in parts):
        raise EncodeError(f"{address!r} is not a dotted-quad IPv4 address")
    return octets


def unpack_address(octets: bytes) -> str:
    """4 bytes -> ``"10.1.1.1"``."""
    return ".".join(str(b) for b in octets)


def ipv4_header_bytes(
    src: bytes, dst: bytes, protocol: int, payload_len: int, *, ttl: int = 255, ident: int = 0
) -> bytes:
    """A 20-byte IPv4 header (no options, DF clear) with its checksum, from packed addresses."""
    total = IPV4_HEADER_LEN + payload_len
    if total > 0xFFFF:
        raise EncodeError(f"IPv4 total length {total} exceeds 65535 (RFC 791 §3.1)")
    header = _IPV4.pack(0x45, 0, total, ident & 0xFFFF, 0, ttl, protocol, 0, src, dst)
    return header[:10] + internet_checksum(header).to_bytes(2, "big") + header[12:]


class Ipv4Peek(NamedTuple):
    """The fields a router reads to classify a packet before deciding what to do with it.

    ``src`` and ``dst`` are the packed 4-byte addresses (compare them with
    :func:`pack_address` results; :func:`unpack_address` for text). ``header_length`` is
    IHL x 4: where the payload (a UDP header, an ESP header) starts.
    """

    protocol: int
    src: bytes
    dst: bytes
    header_length: int


def peek_ipv4(data: bytes) -> Ipv4Peek:
    """Protocol, addresses and header length of an IPv4 packet, without a full decode.

    The per-packet path of a gateway reads these for every packet; the checksum and total
    length are the business of whoever decodes the payload (:func:`decode_ipv4`, ESP's
    own parser), so they are not verified here.

    Raises:
        DecodeError: shorter than 20 bytes, not version 4, or an IHL (RFC 791 §3.1) below 5
            or beyond the bytes present.
    """
    if len(data) < IPV4_HEADER_LEN:
        raise DecodeError("IPv4 header", 0, f"20 bytes, got {len(data)}")
    vihl = data[0]
    if vihl >> 4 != 4:
        raise DecodeError("IPv4 header", 0, f"version 4, got {vihl >> 4}")
    hlen = (vihl & 0xF) * 4
    if hlen < IPV4_HEADER_LEN or hlen > len(data):
        raise DecodeError("IPv4 header", 0, f"IHL 5..{len(data) // 4}, got {vihl & 0xF}")
    return Ipv4Peek(data[9], bytes(data[12:16]), bytes(data[16:20]), hlen)


def peek_ports(data: bytes, header_length: int) -> tuple[int, int] | None:
    """Source and destination port of the UDP or TCP header at ``header_length`` (RFC 768,
    RFC 793 §3.1: both start with the two ports); ``None`` if the packet stops before them."""
    if len(data) < header_length + 4:
        return None
    sport, dport = _PORTS.unpack_from(data, header_length)
    return sport, dport


@dataclass(frozen=True)
class Ipv4Header(HtmlRepr):
    """An IPv4 header (RFC 791 §3.1). ``header_checksum`` is filled in by :meth:`encode`.

    Attributes:
        src / dst: dotted-quad addresses; protocol: the IANA number of the payload.
        total_length: header + payload bytes; ttl, identification, tos: as on the wire.
        flags / fragment_offset: 3-bit flags (bit 1 = DF, bit 2 = MF) and offset in 8-byte units.
        options: raw option bytes (a multiple of 4; IHL = 5 + len(options) // 4).
    """

    src: str
    dst: str
    protocol: int
    total_length: int = IPV4_HEADER_LEN
    ttl: int = 255
    identification: int = 0
    tos: int = 0
    flags: int = 0
    fragment_offset: int = 0
    header_checksum: int = 0
    options: bytes = b""

    @property
    def header_length(self) -> int:
        """Header bytes: 20 + options (IHL x 4)."""
        return IPV4_HEADER_LEN + len(self.options)

    def encode(self) -> bytes:
        """The header bytes with a freshly computed checksum (RFC 791 §3.1 "Header Checksum")."""
        if len(self.options) % 4:
            raise EncodeError(
                f"IPv4 options must be a multiple of 4 bytes, got {len(self.options)}"
            )
        ihl = 5 + len(self.options) // 4
        frag = (self.flags & 0x7) << 13 | (self.fragment_offset & 0x1FFF)
        src, dst = pack_address(self.src), pack_address(self.dst)
        fields = (0x40 | ihl, self.tos, self.total_length, self.identification, frag, self.ttl)
        raw = _IPV4.pack(*fields, self.protocol, 0, src, dst) + self.options
        return raw[:10] + internet_checksum(raw).to_bytes(2, "big") + raw[12:]


@dataclass(frozen=True)
class Ipv4Packet(HtmlRepr):
    """A decoded IPv4 packet: its header and its payload bytes."""

    header: Ipv4Header
    payload: bytes = field(repr=False)


def decode_ipv4(data: bytes, *, verify_checksum: bool = True) -> Ipv4Packet:
    """Decode an IPv4 packet, checking version, IHL, total length and header checksum.

    Bytes after ``total_length`` (link-layer padding) are ignored, as a host does.

    Raises:
        DecodeError: naming the field that is wrong and its offset.
    """
    if len(data) < IPV4_HEADER_LEN:
        raise DecodeError("IPv4 header", 0, f"20 bytes, got {len(data)}")
    vihl, tos, total, ident, frag, ttl, proto, csum, src, dst = _IPV4.unpack_from(data)
    if vihl >> 4 != 4:
        raise DecodeError("IPv4 header", 0, f"version 4, got {vihl >> 4}")
    hlen = (vihl & 0xF) * 4
    if hlen < IPV4_HEADER_LEN or hlen > total:
        raise DecodeError("IPv4 header", 0, f"IHL 5..{total // 4}, got {vihl & 0xF}")
    if total > len(data):
        raise DecodeError("IPv4 header", 2, f"total length {total} <= {len(data)} bytes present")
    if verify_checksum and internet_checksum(data[:hlen]) != 0:
        raise DecodeError("IPv4 header", 10, f"a valid header checksum, got 0x{csum:04x}")
    header = Ipv4Header(
        unpack_address(src), unpack_address(dst), proto, total, ttl, ident, tos,
        frag >> 13, frag & 0x1FFF, csum, bytes(data[IPV4_HEADER_LEN:hlen]),
    )  # fmt: skip
    return Ipv4Packet(header, bytes(data[hlen:total]))


def ipv4_packet(
    src: str, dst: str, protocol: int, payload: bytes, *, ttl: int = 255, ident: int = 0
) -> bytes:
    """A whole IPv4 packet: header (with checksum) + ``payload``."""
    header = ipv4_header_bytes(
        pack_address(src), pack_address(dst), protocol, len(payload), ttl=ttl, ident=ident
    )
    return header + payload


@dataclass(frozen=True)
class IcmpEcho(HtmlRepr):
    """An ICMP Echo or Echo Reply message (RFC 792, "Echo or Echo Reply Message")."""

    type: int
    identifier: int
    sequence: int
    data: bytes = b""
    code: int = 0
    checksum: int = 0

    def encode(self) -> bytes:
        """The message with its checksum computed over the whole ICMP message (RFC 792)."""
        raw = _ICMP_ECHO.pack(self.type, self.code, 0, self.identifier, self.sequence) + self.data
        return raw[:2] + internet_checksum(raw).to_bytes(2, "big") + raw[4:]


def decode_icmp_echo(data: bytes, *, offset: int = 20) -> IcmpEcho:
    """Decode an ICMP echo (request or reply); ``offset`` is only used in error messages."""
    if len(data) < ICMP_ECHO_HEADER_LEN:
        raise DecodeError("ICMP header", offset, f"8 bytes, got {len(data)}")
    icmp_type, code, csum, ident, seq = _ICMP_ECHO.unpack_from(data)
    if icmp_type not in (IcmpType.ECHO_REQUEST, IcmpType.ECHO_REPLY):
        raise DecodeError("ICMP header", offset, f"type 0 or 8 (echo), got {icmp_type}")
    if internet_checksum(data) != 0:
        raise DecodeError("ICMP header", offset + 2, f"a valid checksum, got 0x{csum:04x}")
    return IcmpEcho(icmp_type, ident, seq, bytes(data[8:]), code, csum)


def icmp_echo(
    src: str,
    dst: str,
    *,
    identifier: int = 1,
    sequence: int = 0,
    data: bytes = b"",
    reply: bool = False,
    ttl: int = 255,
    ident: int = 0,
) -> bytes:
    """An IPv4 packet carrying an ICMP echo request (or reply): what ``ping`` sends.

    IOS ``ping`` sends 100-byte packets: pass a 72-byte ``data`` for the same size.
    """
    icmp_type = IcmpType.ECHO_REPLY if reply else IcmpType.ECHO_REQUEST
    message = IcmpEcho(icmp_type, identifier, sequence, data).encode()
    return ipv4_packet(src, dst, IpProtocol.ICMP, message, ttl=ttl, ident=ident)


@dataclass(frozen=True)
class UdpDatagram(HtmlRepr):
    """A UDP datagram (RFC 768). ``checksum`` 0 means "not computed" (allowed over IPv4)."""

    src_port: int
    dst_port: int
    payload: bytes = b""
    checksum: int = 0

    @property
    def length(self) -> int:
        """Header + payload bytes."""
        return UDP_HEADER_LEN + len(self.payload)

    def encode(self, src: str = "", dst: str = "", *, with_checksum: bool = True) -> bytes:
        """The datagram; with addresses and ``with_checksum`` the RFC 768 pseudo-header sum."""
        raw = _UDP.pack(self.src_port, self.dst_port, self.length, 0) + self.payload
        if not (with_checksum and src and dst):
            return raw
        csum = udp_checksum(pack_address(src), pack_address(dst), raw) or 0xFFFF
        return raw[:6] + csum.to_bytes(2, "big") + raw[8:]


def udp_checksum(src: bytes, dst: bytes, datagram: bytes) -> int:
    """RFC 768: checksum over the pseudo-header (src, dst, 0, 17, length) and the datagram."""
    pseudo = src + dst + struct.pack("!BBH", 0, IpProtocol.UDP, len(datagram))
    return internet_checksum(pseudo + datagram)


def decode_udp(data: bytes, src: str = "", dst: str = "", *, offset: int = 20) -> UdpDatagram:
    """Decode a UDP datagram; verify a non-zero checksum when the addresses are given."""
    if len(data) < UDP_HEADER_LEN:
        raise DecodeError("UDP header", offset, f"8 bytes, got {len(data)}")
    sport, dport, length, csum = _UDP.unpack_from(data)
    if not UDP_HEADER_LEN <= length <= len(data):
        raise DecodeError("UDP header", offset + 4, f"length 8..{len(data)}, got {length}")
    if csum and src and dst and udp_checksum(pack_address(src), pack_address(dst), data[:length]):
        raise DecodeError("UDP header", offset + 6, f"a valid checksum, got 0x{csum:04x}")
    return UdpDatagram(sport, dport, bytes(data[UDP_HEADER_LEN:length]), csum)
