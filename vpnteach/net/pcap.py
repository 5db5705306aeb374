"""Classic libpcap files: read and write, plus just enough IPv4/UDP to get at IKE and ESP.

File format (libpcap "classic", see pcap-savefile(5) and draft-ietf-opsawg-pcap):

    global header, 24 bytes:  magic(4) version_major(2) version_minor(2) thiszone(4)
                              sigfigs(4) snaplen(4) linktype(4)
    per record, 16 bytes:     ts_sec(4) ts_frac(4) incl_len(4) orig_len(4), then incl_len bytes

The magic ``a1b2c3d4`` means microsecond timestamps, ``a1b23c4d`` nanoseconds; read in the
other byte order (``d4c3b2a1`` / ``4d3cb2a1``) it says the file is byte-swapped. Link types read
here: EN10MB (1, Ethernet II, optionally one 802.1Q tag), RAW (101, bare IP), LINUX_SLL (113,
16-byte "cooked" header) and LINUX_SLL2 (276, 20-byte header). The writer produces EN10MB or
RAW, microsecond or nanosecond, little-endian.

Sizes are bounded as libpcap and Wireshark bound them, so a damaged or hostile file cannot
make the reader allocate or slice absurd amounts: the header's snaplen and every record's
captured length must be at most :data:`MAX_SNAPLEN` (262144, libpcap's ``MAXIMUM_SNAPLEN`` and
Wireshark's ``WTAP_MAX_PACKET_SIZE_STANDARD``: tshark refuses "File has 300000-byte packet,
bigger than maximum of 262144"), and a file read from disk at most :data:`MAX_FILE_BYTES`
(it is read whole). Each refusal is a :class:`PcapError` naming the offset and the limit.

IPv4 (RFC 791) and UDP (RFC 768) are parsed only to extract ``UdpDatagram``s; IP fragments
other than a whole datagram are skipped. ``ipv4_udp_packet`` builds a packet with correct
header and UDP checksums (RFC 1071 one's-complement sum, UDP pseudo-header per RFC 768).
Stdlib only; no clock: timestamps are always given by the caller.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_SNAPLEN",
    "LinkType",
    "PcapError",
    "PcapHeader",
    "PcapRecord",
    "UdpDatagram",
    "encode_pcap",
    "ethernet_frame",
    "internet_checksum",
    "ip_packet",
    "ipv4_udp_packet",
    "parse_ipv4_udp",
    "read_pcap",
    "read_pcap_file",
    "udp_datagrams",
    "write_pcap_file",
]

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_VLAN = 0x8100
IPPROTO_UDP = 17
MAX_SNAPLEN = 262144
"""The largest snaplen and captured record length accepted (see the module docstring)."""
MAX_FILE_BYTES = 1 << 30
"""The largest capture file :func:`read_pcap_file` reads into memory (1 GiB)."""
_GLOBAL = struct.Struct("IHHiIII")  # byte order prefix added per file
_RECORD = struct.Struct("IIII")


class LinkType(enum.IntEnum):
    """LINKTYPE_* values (tcpdump.org link-layer header types)."""

    EN10MB = 1
    RAW = 101
    LINUX_SLL = 113
    LINUX_SLL2 = 276


class PcapError(ValueError):
    """The bytes are not a well-formed classic pcap file; says what and at which offset."""


@dataclass(frozen=True)
class PcapHeader:
    """The 24-byte global header."""

    linktype: int
    snaplen: int = 262144
    nanosecond: bool = False
    big_endian: bool = False
    version: tuple[int, int] = (2, 4)


@dataclass(frozen=True)
class PcapRecord:
    """One captured frame; ``time_ns`` is nanoseconds since the epoch."""

    time_ns: int
    data: bytes
    orig_len: int

    @property
    def time(self) -> float:
        return self.time_ns / 1e9


@dataclass(frozen=True)
class UdpDatagram:
    """A UDP datagram found in a capture (``time`` in seconds since the epoch)."""

    time: float
    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes


def _parse_global(data: bytes) -> tuple[PcapHeader, str]:
    if len(data) < 24:
        raise PcapError(f"file has {len(data)} bytes, a pcap global header needs 24")
    for order in ("<", ">"):
        (magic,) = struct.unpack(order + "I", data[:4])
        if magic in (MAGIC_USEC, MAGIC_NSEC):
            _, major, minor, _, _, snaplen, linktype = struct.unpack(
                order + _GLOBAL.format, data[:24]
            )
            if snaplen > MAX_SNAPLEN:
                raise PcapError(
                    f"offset 16: snaplen {snaplen} is absurd (at most {MAX_SNAPLEN} bytes)"
                )
            header = PcapHeader(
                linktype & 0x0FFFFFFF, snaplen, magic == MAGIC_NSEC, order == ">", (major, minor)
            )
            return header, order
    raise PcapError(f"offset 0: magic {data[:4].hex()} is not a classic pcap magic")


def _iter_records(data: bytes, header: PcapHeader, order: str) -> Iterator[PcapRecord]:
    rec = struct.Struct(order + _RECORD.format)
    scale = 1 if header.nanosecond else 1000
    offset = 24
    while offset < len(data):
        if offset + rec.size > len(data):
            raise PcapError(f"offset {offset}: record header cut short")
        ts_sec, ts_frac, incl_len, orig_len = rec.unpack_from(data, offset)
        if incl_len > MAX_SNAPLEN:
            raise PcapError(
                f"offset {offset + 8}: record length {incl_len} is absurd "
                f"(at most {MAX_SNAPLEN} bytes)"
            )
        offset += rec.size
        if offset + incl_len > len(data):
            raise PcapError(f"offset {offset}: record of {incl_len} bytes cut short")
        frame = data[offset : offset + incl_len]
        offset += incl_len
        yield PcapRecord(ts_sec * 1_000_000_000 + ts_frac * scale, frame, orig_len)


def read_pcap(data: bytes) -> tuple[PcapHeader, list[PcapRecord]]:
    """Parse a whole classic pcap file; ``PcapError`` if it is malformed."""
    header, order = _parse_global(data)
    return header, list(_iter_records(data, header, order))


def read_pcap_file(path: str | Path) -> tuple[PcapHeader, list[PcapRecord]]:
    """``read_pcap`` on the file at ``path`` (at most :data:`MAX_FILE_BYTES`)."""
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise PcapError(f"{path}: {size} bytes, more than the {MAX_FILE_BYTES} read into memory")
    return read_pcap(Path(path).read_bytes())


def ip_packet(linktype: int, frame: bytes) -> bytes | None:
    """The IPv4 packet inside a link-layer ``frame``, or None if it carries something else."""
    if linktype == LinkType.EN10MB:
        offset, ethertype = 12, -1
        while len(frame) >= offset + 2:
            (ethertype,) = struct.unpack_from("!H", frame, offset)
            if ethertype != ETHERTYPE_VLAN:
                break
            offset += 4  # skip the 802.1Q tag control information
        return frame[offset + 2 :] if ethertype == ETHERTYPE_IPV4 else None
    if linktype == LinkType.RAW:
        return frame if frame[:1] and frame[0] >> 4 == 4 else None
    if linktype in (LinkType.LINUX_SLL, LinkType.LINUX_SLL2):
        at, size = (14, 16) if linktype == LinkType.LINUX_SLL else (0, 20)
        if len(frame) < size:
            return None
        (protocol,) = struct.unpack_from("!H", frame, at)
        return frame[size:] if protocol == ETHERTYPE_IPV4 else None
    raise PcapError(f"link type {linktype} is not supported (EN10MB, RAW, LINUX_SLL, SLL2 are)")


def parse_ipv4_udp(packet: bytes) -> tuple[str, int, str, int, bytes] | None:
    """``(src, sport, dst, dport, payload)`` of an unfragmented IPv4/UDP packet, else None."""
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0x0F) * 4
    (total_length, flags_frag) = struct.unpack_from("!H2xH", packet, 2)
    more_fragments, frag_offset = flags_frag & 0x2000, flags_frag & 0x1FFF
    if packet[9] != IPPROTO_UDP or more_fragments or frag_offset or total_length < ihl + 8:
        return None
    packet = packet[:total_length]  # drop Ethernet padding
    if ihl < 20 or len(packet) < ihl + 8:  # a bad IHL, or a frame cut short by the snaplen
        return None
    sport, dport, udp_length = struct.unpack_from("!HHH", packet, ihl)
    src = str(ipaddress.IPv4Address(packet[12:16]))
    dst = str(ipaddress.IPv4Address(packet[16:20]))
    return src, sport, dst, dport, packet[ihl + 8 : ihl + udp_length]


def udp_datagrams(data: bytes) -> list[UdpDatagram]:
    """Every IPv4/UDP datagram in a classic pcap file's bytes, in capture order."""
    header, records = read_pcap(data)
    found = []
    for record in records:
        packet = ip_packet(header.linktype, record.data)
        parsed = parse_ipv4_udp(packet) if packet is not None else None
        if parsed is not None:
            found.append(UdpDatagram(record.time, *parsed))
    return found


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words (odd length padded with a zero byte)."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_udp_packet(
    src: str, sport: int, dst: str, dport: int, payload: bytes, *, ident: int = 0, ttl: int = 64
) -> bytes:
    """An IPv4 packet (no options, DF clear) carrying one UDP datagram, both checksums set."""
    src_b, dst_b = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    udp_length = 8 + len(payload)
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, IPPROTO_UDP, udp_length)
    udp = struct.pack("!HHHH", sport, dport, udp_length, 0) + payload
    # RFC 768: a computed checksum of zero is sent as all ones (zero means "no checksum").
    udp_sum = internet_checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", udp_sum) + udp[8:]
    total = 20 + udp_length
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, total, ident, 0, ttl, IPPROTO_UDP, 0, src_b, dst_b
    )
    header = header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:]
    return header + udp


def ethernet_frame(
    packet: bytes,
    src_mac: bytes = b"\x02\x00\x00\x00\x00\x01",
    dst_mac: bytes = b"\x02\x00\x00\x00\x00\x02",
) -> bytes:
    """Wrap an IPv4 packet in an Ethernet II header (locally administered MACs by default)."""
    return dst_mac + src_mac + struct.pack("!H", ETHERTYPE_IPV4) + packet


def encode_pcap(
    packets: Iterable[tuple[int, bytes]],
    linktype: int = LinkType.EN10MB,
    *,
    nanosecond: bool = False,
    snaplen: int = 262144,
) -> bytes:
    """A little-endian classic pcap of IPv4 ``packets`` given as ``(time_ns, ip_packet)``.

    For EN10MB each packet gets an Ethernet header (``ethernet_frame``); RAW stores it bare.
    """
    if linktype not in (LinkType.EN10MB, LinkType.RAW):
        raise PcapError(f"can only write EN10MB (1) or RAW (101), not link type {linktype}")
    magic = MAGIC_NSEC if nanosecond else MAGIC_USEC
    out = [struct.pack("<" + _GLOBAL.format, magic, 2, 4, 0, 0, snaplen, linktype)]
    divisor = 1 if nanosecond else 1000
    for time_ns, packet in packets:
        frame = ethernet_frame(packet) if linktype == LinkType.EN10MB else packet
        sec, frac = divmod(time_ns, 1_000_000_000)
        incl = frame[:snaplen]
        out.append(struct.pack("<" + _RECORD.format, sec, frac // divisor, len(incl), len(frame)))
        out.append(incl)
    return b"".join(out)


def write_pcap_file(
    path: str | Path,
    packets: Iterable[tuple[int, bytes]],
    linktype: int = LinkType.EN10MB,
    *,
    nanosecond: bool = False,
) -> None:
    """``encode_pcap`` into the file at ``path``."""
    Path(path).write_bytes(encode_pcap(packets, linktype, nanosecond=nanosecond))
