"""The gateway's packet questions, answered from headers Scapy (an independent builder) made."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.packet import Raw

from vpnteach.gateway.packets import is_esp, is_own_ike, peek, source
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import pack_address, peek_ipv4, peek_ports

US = pack_address("10.1.1.1")


def scapy_bytes(packet: IP) -> bytes:
    return bytes(packet)


@given(
    st.sampled_from([1, 6, 17, 50]),
    st.integers(0, 10),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=4).map(str),
)
def test_peek_reads_what_scapy_wrote(proto: int, option_words: int, src: str, dst: str) -> None:
    raw = scapy_bytes(IP(src=src, dst=dst, proto=proto, options=b"\x01" * 4 * option_words))
    theirs = IP(raw)
    ip = peek_ipv4(raw)
    assert (ip.protocol, ip.header_length) == (theirs.proto, theirs.ihl * 4)
    assert (source(ip), ip.dst) == (theirs.src, pack_address(theirs.dst))


def test_peek_ports_reads_udp_ports_and_stops_short_of_a_truncated_header() -> None:
    raw = scapy_bytes(IP(src="10.2.2.1", dst="10.1.1.1") / UDP(sport=4500, dport=500))
    assert peek_ports(raw, 20) == (4500, 500)
    assert peek_ports(raw[:23], 20) is None


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x45" + bytes(10), "20 bytes, got 11"),
        (b"\x65" + bytes(19), "version 4, got 6"),
        (b"\x44" + bytes(19), "IHL 5..5, got 4"),
        (b"\x4f" + bytes(19), "IHL 5..5, got 15"),
    ],
)
def test_peek_refuses_what_is_not_an_ipv4_header(data: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        peek_ipv4(data)
    assert peek(data) is None and not is_esp(data)


@pytest.mark.parametrize(
    ("packet", "outbound", "own"),
    [
        (IP(src="10.1.1.1", dst="10.2.2.1") / UDP(sport=500, dport=500), True, True),
        (IP(src="10.1.1.1", dst="10.2.2.1") / UDP(sport=4500, dport=4500), True, True),
        (IP(src="10.1.1.1", dst="10.2.2.1") / UDP(sport=1234, dport=53), True, False),
        (IP(src="10.9.9.9", dst="10.2.2.1") / UDP(sport=500, dport=500), True, False),
        (IP(src="10.2.2.1", dst="10.1.1.1") / UDP(sport=500, dport=500), False, True),
        (IP(src="10.2.2.1", dst="10.1.1.1") / UDP(sport=500, dport=500), True, False),
        (IP(src="10.2.2.1", dst="10.1.1.1", proto=50) / Raw(b"\x00" * 16), False, False),
    ],
)
def test_own_ike_is_udp_500_or_4500_from_or_to_our_endpoint(
    packet: IP, outbound: bool, own: bool
) -> None:
    raw = scapy_bytes(packet)
    ip = peek(raw)
    assert ip is not None
    assert is_own_ike(raw, ip, US, outbound=outbound) is own


def test_esp_in_udp_needs_a_non_zero_spi_and_a_whole_esp_header() -> None:
    def on_4500(payload: bytes) -> bytes:
        return scapy_bytes(IP(src="10.2.2.1", dst="10.1.1.1") / UDP(dport=4500) / Raw(payload))

    assert is_esp(on_4500(b"\x00\x00\x10\x00" + bytes(4)))
    assert not is_esp(on_4500(b"\x00\x00\x10\x00" + bytes(3)))  # shorter than SPI + sequence
    assert not is_esp(on_4500(bytes(4) + b"\x01" * 28))  # the non-ESP marker: IKE
    assert not is_esp(on_4500(b"\xff"))  # NAT keepalive
    assert not is_esp(
        scapy_bytes(IP(src="10.2.2.1", dst="10.1.1.1") / UDP(dport=500) / Raw(b"\x01" * 8))
    )
