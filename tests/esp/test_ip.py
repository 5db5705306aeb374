"""IPv4 / ICMP echo / UDP codecs, checked against Scapy's independent builders."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, UDP

from vpnteach.wire.errors import DecodeError, EncodeError
from vpnteach.wire.esp import (
    EspHeader,
    Port4500Kind,
    classify_port_4500,
    decode_esp_header,
    ike_over_4500,
)
from vpnteach.wire.ip import (
    IcmpEcho,
    IcmpType,
    Ipv4Header,
    UdpDatagram,
    decode_icmp_echo,
    decode_ipv4,
    decode_udp,
    icmp_echo,
    internet_checksum,
    ipv4_packet,
    pack_address,
)


def test_ping_is_byte_identical_to_scapys() -> None:
    ours = icmp_echo("192.168.11.1", "192.168.22.1", identifier=7, sequence=3, data=b"abc", ident=9)
    ref = IP(src="192.168.11.1", dst="192.168.22.1", ttl=255, id=9) / ICMP(id=7, seq=3) / b"abc"
    assert ours == bytes(ref)


def test_udp_checksum_matches_scapys() -> None:
    ours = UdpDatagram(500, 500, b"hello ike").encode("10.1.1.1", "10.2.2.1")
    ref = UDP(sport=500, dport=500) / b"hello ike"
    ref_bytes = bytes(IP(src="10.1.1.1", dst="10.2.2.1") / ref)[20:]
    assert ours == ref_bytes


def test_rfc1071_example_checksum() -> None:
    # RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, so the checksum is ~ddf2 = 220d.
    assert internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D


def test_decode_round_trips_and_reads_fields() -> None:
    packet = ipv4_packet("10.1.1.1", "10.2.2.1", 50, b"\1" * 12, ttl=64, ident=77)
    decoded = decode_ipv4(packet)
    h = decoded.header
    assert (h.src, h.dst, h.protocol, h.ttl, h.identification, h.total_length) == (
        "10.1.1.1", "10.2.2.1", 50, 64, 77, 32,
    )  # fmt: skip
    assert decoded.payload == b"\1" * 12
    assert h.encode() == packet[:20]


def test_icmp_and_udp_decode() -> None:
    echo = decode_icmp_echo(IcmpEcho(IcmpType.ECHO_REPLY, 1, 2, b"xy").encode())
    assert (echo.type, echo.identifier, echo.sequence, echo.data) == (0, 1, 2, b"xy")
    raw = UdpDatagram(4500, 4500, b"\xff").encode("10.1.1.1", "10.2.2.1")
    assert decode_udp(raw, "10.1.1.1", "10.2.2.1").payload == b"\xff"


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda p: p[:19], "20 bytes"),
        (lambda p: b"\x65" + p[1:], "version 4"),
        (lambda p: p[:10] + b"\0\0" + p[12:], "checksum"),
        (lambda p: p[:-1], "total length"),
    ],
)
def test_bad_ipv4_headers_raise_decode_errors_naming_the_problem(mutate, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DecodeError, match=match):
        decode_ipv4(mutate(ipv4_packet("1.2.3.4", "5.6.7.8", 1, b"12345678")))


@given(st.binary(max_size=60))
def test_garbage_gives_decode_error_or_a_packet(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_ipv4(data)


def test_bad_addresses_are_refused_clearly() -> None:
    for bad in ("10.1.1", "10.1.1.256", "a.b.c.d", "-1.2.3.4"):
        with pytest.raises(EncodeError, match="IPv4 address"):
            pack_address(bad)
    with pytest.raises(EncodeError, match="multiple of 4"):
        Ipv4Header("1.1.1.1", "2.2.2.2", 1, options=b"\1").encode()


def test_esp_header_and_port_4500_classification() -> None:
    assert decode_esp_header(EspHeader(0x1234, 9).encode()) == EspHeader(0x1234, 9)
    with pytest.raises(DecodeError, match="SPI"):
        decode_esp_header(bytes(8))
    assert classify_port_4500(b"\xff") is Port4500Kind.KEEPALIVE
    assert classify_port_4500(ike_over_4500(bytes(28))) is Port4500Kind.IKE
    assert classify_port_4500(EspHeader(1, 1).encode() + bytes(20)) is Port4500Kind.ESP
    with pytest.raises(DecodeError):
        classify_port_4500(b"\1\2")
