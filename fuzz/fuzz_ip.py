"""Fuzz the IPv4/ICMP/UDP decoders and the ESP header / port-4500 classifiers (vpnteach.wire).

The first input byte picks the decoder (mod 6): ``decode_ipv4`` (checksum checked, then not
checked), ``decode_icmp_echo``, ``decode_udp`` (with the seed's addresses, so the RFC 768
checksum is verified), ``decode_esp_header``, ``classify_port_4500`` and
``strip_non_esp_marker``. Only ``DecodeError`` may escape. A decoded IPv4 header re-encodes
to a header that decodes to the same values (``Ipv4Header.encode`` recomputes the checksum).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from fuzz._harness import main
from fuzz._seeds import capture_ip_packets
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.esp import classify_port_4500, decode_esp_header
from vpnteach.wire.ip import decode_icmp_echo, decode_ipv4, decode_udp, icmp_echo
from vpnteach.wire.natt import strip_non_esp_marker

NAME = "ip"


def ipv4(data: bytes) -> None:
    packet = decode_ipv4(data)
    header = packet.header
    again = decode_ipv4(header.encode() + packet.payload).header
    if (again.src, again.dst, again.protocol, again.total_length, again.options) != (
        header.src,
        header.dst,
        header.protocol,
        header.total_length,
        header.options,
    ):
        raise AssertionError(f"IPv4 header round trip changed {data.hex()}: {header} -> {again}")


def ipv4_unchecked(data: bytes) -> None:
    decode_ipv4(data, verify_checksum=False)


def icmp(data: bytes) -> None:
    decode_icmp_echo(data)


def udp(data: bytes) -> None:
    decode_udp(data, "10.1.1.1", "10.2.2.1")


def esp_header(data: bytes) -> None:
    decode_esp_header(data)


def port_4500(data: bytes) -> None:
    classify_port_4500(data)
    strip_non_esp_marker(data)


DECODERS = (ipv4, ipv4_unchecked, icmp, udp, esp_header, port_4500)


def test_one_input(data: bytes) -> None:
    """One input: the first byte picks the decoder; ``DecodeError`` is an accepted outcome."""
    if not data:
        return
    with contextlib.suppress(DecodeError):
        DECODERS[data[0] % len(DECODERS)](data[1:])


def seeds() -> list[bytes]:
    """The IPv4 packets of the strongSwan captures (IKE and ESP) and an IOS-sized ping."""
    packets = list(capture_ip_packets())
    packets.append(icmp_echo("192.168.11.1", "192.168.22.1", data=bytes(72)))
    found = []
    for index, _ in enumerate(DECODERS):
        for packet in packets:
            body = packet[20:] if index >= 2 else packet
            if index >= 4:
                body = packet[28:]
            found.append(bytes([index]) + body)
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
