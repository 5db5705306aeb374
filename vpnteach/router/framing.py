"""Between the gateway's whole IP packets and the WAN sockets' UDP payloads.

The sans-IO :class:`~vpnteach.gateway.Gateway` speaks in whole outer IPv4 packets, as the
simulated lab's routers do: ``outbound`` returns ``IPv4 | ESP`` (protocol 50, RFC 4303 §2) or
``IPv4 | UDP 4500 | ESP`` (RFC 3948 §2.1), ``inbound`` takes the same. A router on a real
network sends and receives through sockets, which carry only what follows the UDP header (or
the IP header, for a raw protocol-50 socket), so the driver converts:

* :func:`wan_datagram`: an outer packet the gateway built -> what to send, where, from which
  local port (or on the raw ESP socket);
* :func:`udp_outer_packet`: an ESP-in-UDP payload received on port 4500 -> the outer packet the
  gateway's ESP path expects (UDP checksum zero, as RFC 3948 §3.1 allows).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from vpnteach.wire.esp import NAT_T_PORT, NON_ESP_MARKER
from vpnteach.wire.ip import (
    IPV4_HEADER_LEN,
    UDP_HEADER_LEN,
    IpProtocol,
    UdpDatagram,
    ipv4_packet,
    unpack_address,
)

__all__ = ["WanDatagram", "is_esp_in_udp", "udp_outer_packet", "wan_datagram"]

_UDP = struct.Struct("!HHHH")
ESP, UDP = int(IpProtocol.ESP), int(IpProtocol.UDP)
_address_text = functools.lru_cache(maxsize=256)(unpack_address)  # a few peers, every packet


@dataclass(frozen=True)
class WanDatagram:
    """What a socket sends: ``payload`` to ``(dst, dst_port)`` from ``src_port``.

    ``src_port`` is ``None`` for plain ESP (protocol 50, sent on the raw socket).
    """

    dst: str
    dst_port: int
    src_port: int | None
    payload: bytes


def wan_datagram(packet: bytes) -> WanDatagram | None:
    """The socket-level send of an outer IPv4 packet (UDP or ESP); ``None`` for anything else."""
    if len(packet) < IPV4_HEADER_LEN or packet[0] >> 4 != 4:
        return None
    hlen = (packet[0] & 0xF) * 4  # RFC 791 §3.1: IHL in 32-bit words
    if hlen < IPV4_HEADER_LEN or hlen > len(packet):
        return None
    protocol, dst = packet[9], _address_text(packet[16:20])
    if protocol == ESP:
        return WanDatagram(dst, 0, None, packet[hlen:])
    if protocol == UDP and len(packet) >= hlen + UDP_HEADER_LEN:
        sport, dport, length, _ = _UDP.unpack_from(packet, hlen)
        return WanDatagram(dst, dport, sport, packet[hlen + UDP_HEADER_LEN : hlen + length])
    return None


def is_esp_in_udp(payload: bytes, local_port: int) -> bool:
    """RFC 3948 §2.2: on port 4500 a non-zero first word is an ESP SPI (not the non-ESP
    marker of IKE, not a one-byte NAT keepalive)."""
    return local_port == NAT_T_PORT and len(payload) >= 8 and payload[:4] != NON_ESP_MARKER


def udp_outer_packet(
    src: str, src_port: int, dst: str, dst_port: int, payload: bytes, *, ttl: int = 64
) -> bytes:
    """``IPv4 | UDP | payload`` as it was on the wire (UDP checksum zero, RFC 3948 §3.1)."""
    udp = UdpDatagram(src_port, dst_port, payload).encode(with_checksum=False)
    return ipv4_packet(src, dst, IpProtocol.UDP, udp, ttl=ttl)
