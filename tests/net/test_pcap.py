"""Tests for vpnteach.net.pcap: classic pcap reading/writing and IPv4/UDP extraction."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from vpnteach.net import pcap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan"
PROFILES = ("seed", "modern")
T0 = 1_275_819_710_395_000_000  # Jun 6 2010 10:21:50.395 UTC, the seed log's first line


def _packets() -> list[tuple[int, bytes]]:
    return [
        (T0, pcap.ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"\x01" * 28)),
        (T0 + 1_500_123, pcap.ipv4_udp_packet("10.2.2.1", 4500, "10.1.1.1", 4500, b"abc")),
    ]


# RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2; the checksum is its complement.
def test_internet_checksum_matches_rfc1071_example() -> None:
    assert pcap.internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0xFFFF - 0xDDF2


def test_odd_length_checksum_pads_with_zero() -> None:
    assert pcap.internet_checksum(b"\x12") == pcap.internet_checksum(b"\x12\x00")


def test_ipv4_udp_packet_equals_scapy_build() -> None:
    scapy = pytest.importorskip("scapy.all")
    ours = pcap.ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 4500, b"hello ike", ident=7, ttl=63)
    pkt = scapy.IP(src="10.1.1.1", dst="10.2.2.1", id=7, ttl=63, flags=0)
    pkt = pkt / scapy.UDP(sport=500, dport=4500) / b"hello ike"
    assert ours == bytes(pkt)


@pytest.mark.parametrize("linktype", [pcap.LinkType.EN10MB, pcap.LinkType.RAW])
@pytest.mark.parametrize("nanosecond", [False, True])
def test_written_pcap_reads_back_the_same_datagrams(linktype: int, nanosecond: bool) -> None:
    data = pcap.encode_pcap(_packets(), linktype, nanosecond=nanosecond)
    header, records = pcap.read_pcap(data)
    assert (header.linktype, header.nanosecond) == (linktype, nanosecond)
    got = pcap.udp_datagrams(data)
    assert [(d.src, d.sport, d.dst, d.dport, d.payload) for d in got] == [
        ("10.1.1.1", 500, "10.2.2.1", 500, b"\x01" * 28),
        ("10.2.2.1", 4500, "10.1.1.1", 4500, b"abc"),
    ]
    expected_ns = T0 + (1_500_123 if nanosecond else 1_500_000)
    assert [r.time_ns for r in records] == [T0, expected_ns]


def test_big_endian_nanosecond_file_is_read() -> None:
    packet = pcap.ipv4_udp_packet("1.2.3.4", 1, "5.6.7.8", 2, b"x")
    data = struct.pack(">IHHiIII", pcap.MAGIC_NSEC, 2, 4, 0, 0, 65535, 101)
    data += struct.pack(">IIII", 10, 42, len(packet), len(packet)) + packet
    header, records = pcap.read_pcap(data)
    assert header.big_endian and header.nanosecond
    assert records[0].time_ns == 10_000_000_042
    assert pcap.udp_datagrams(data)[0].payload == b"x"


@pytest.mark.parametrize(
    ("linktype", "link_header"),
    [
        # Linux cooked v1: packet type, ARPHRD, addr len, 8-byte address, protocol.
        (pcap.LinkType.LINUX_SLL, struct.pack("!HHH8sH", 0, 1, 6, b"\x02" * 6, 0x0800)),
        # Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, addr len, address.
        (pcap.LinkType.LINUX_SLL2, struct.pack("!HHIHBB8s", 0x0800, 0, 3, 1, 0, 6, b"\x02" * 6)),
        # Ethernet with one 802.1Q tag.
        (pcap.LinkType.EN10MB, b"\x02" * 12 + struct.pack("!HHH", 0x8100, 5, 0x0800)),
    ],
)
def test_cooked_and_vlan_frames_yield_the_ip_packet(linktype: int, link_header: bytes) -> None:
    packet = pcap.ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"payload")
    assert pcap.ip_packet(linktype, link_header + packet) == packet


def test_non_ipv4_ethernet_frame_is_ignored() -> None:
    arp = b"\x02" * 12 + struct.pack("!H", 0x0806) + b"\x00" * 28
    assert pcap.ip_packet(pcap.LinkType.EN10MB, arp) is None


def test_ethernet_padding_is_not_part_of_the_payload() -> None:
    packet = pcap.ipv4_udp_packet("10.1.1.1", 4500, "10.2.2.1", 4500, b"\xff")
    parsed = pcap.parse_ipv4_udp(packet + b"\x00" * 17)
    assert parsed is not None and parsed[4] == b"\xff"


def test_ip_fragment_is_skipped() -> None:
    packet = bytearray(pcap.ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"x" * 40))
    packet[6] |= 0x20  # More Fragments
    assert pcap.parse_ipv4_udp(bytes(packet)) is None


def test_bad_magic_is_rejected_with_offset() -> None:
    with pytest.raises(pcap.PcapError, match="offset 0: magic 0a0d0d0a"):
        pcap.read_pcap(bytes.fromhex("0a0d0d0a") + b"\x00" * 40)  # a pcapng file


def test_every_truncation_inside_a_record_raises_pcap_error() -> None:
    data = pcap.encode_pcap(_packets()[:1])
    for cut in range(len(data)):
        if cut in (24,):  # a header with zero records is a valid empty capture
            assert pcap.read_pcap(data[:cut])[1] == []
            continue
        with pytest.raises(pcap.PcapError):
            pcap.read_pcap(data[:cut])


def test_unsupported_link_type_names_the_supported_ones() -> None:
    with pytest.raises(pcap.PcapError, match="EN10MB"):
        pcap.ip_packet(105, b"\x00" * 40)


def test_written_pcap_has_good_checksums_for_tshark(tshark: str, tmp_path: Path) -> None:
    path = tmp_path / "ours.pcap"
    pcap.write_pcap_file(path, _packets())
    argv = [
        tshark,
        "-r",
        str(path),
        "-o",
        "udp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
        "-T",
        "fields",
        "-e",
        "ip.checksum.status",
        "-e",
        "udp.checksum.status",
        "-e",
        "udp.length",
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    # tshark prints checksum status 1 for "Good".
    assert out.splitlines() == ["1\t1\t36", "1\t1\t11"]


@pytest.mark.parametrize("profile", PROFILES)
def test_fixture_datagrams_match_tshark(profile: str, tshark: str) -> None:
    path = FIXTURES / profile / "capture.pcap"
    fields = ["ip.src", "udp.srcport", "ip.dst", "udp.dstport", "udp.length"]
    argv = [tshark, "-r", str(path), "-T", "fields", *(x for f in fields for x in ("-e", f))]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    expected = [line.split("\t") for line in out.splitlines()]
    ours = pcap.udp_datagrams(path.read_bytes())
    assert [[d.src, str(d.sport), d.dst, str(d.dport), str(len(d.payload) + 8)] for d in ours] == (
        expected
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_fixture_main_mode_floats_to_4500_after_mm4(profile: str) -> None:
    grams = pcap.udp_datagrams((FIXTURES / profile / "capture.pcap").read_bytes())
    assert [d.dport for d in grams[:5]] == [500, 500, 500, 500, 4500]
    assert grams[4].payload[:4] == b"\x00\x00\x00\x00"  # RFC 3948 non-ESP marker
    assert all(d.dport == 4500 for d in grams[4:])


def _raw_pcap(snaplen: int, incl_len: int) -> bytes:
    """A RAW (101) capture with one record claiming ``incl_len`` bytes, all present."""
    header = struct.pack("<IHHiIII", pcap.MAGIC_USEC, 2, 4, 0, 0, snaplen, 101)
    frame = pcap.ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"x")
    frame += bytes(incl_len - len(frame))
    return header + struct.pack("<IIII", 1, 0, incl_len, incl_len) + frame


def test_an_absurd_record_length_is_refused_as_tshark_refuses_it(
    tshark: str, tmp_path: Path
) -> None:
    data = _raw_pcap(pcap.MAX_SNAPLEN, pcap.MAX_SNAPLEN + 1)
    with pytest.raises(pcap.PcapError, match="offset 32: record length 262145 is absurd"):
        pcap.read_pcap(data)
    (tmp_path / "big.pcap").write_bytes(data)
    theirs = subprocess.run([tshark, "-r", str(tmp_path / "big.pcap")], capture_output=True,
                            text=True, check=False, timeout=60)  # fmt: skip
    assert theirs.returncode != 0 and "bigger than maximum of 262144" in theirs.stderr
    assert len(pcap.read_pcap(_raw_pcap(pcap.MAX_SNAPLEN, pcap.MAX_SNAPLEN))[1]) == 1


def test_an_absurd_snaplen_is_refused_with_its_offset() -> None:
    with pytest.raises(pcap.PcapError, match="offset 16: snaplen 4294967295 is absurd"):
        pcap.read_pcap(_raw_pcap(0xFFFFFFFF, 40))


def test_a_file_too_large_to_read_whole_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "capture.pcap"
    path.write_bytes(pcap.encode_pcap(_packets()))
    monkeypatch.setattr(pcap, "MAX_FILE_BYTES", 64)
    with pytest.raises(pcap.PcapError, match=r"capture.pcap: \d+ bytes, more than the 64"):
        pcap.read_pcap_file(path)
