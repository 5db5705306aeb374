"""What the gateway needs to know about a packet before it is ESP's or the SPD's business.

Every question is answered from the IPv4 header as :func:`vpnteach.wire.ip.peek_ipv4` reads it
(RFC 791 §3.1) and the two ports after it (RFC 768): is it ESP (protocol 50, or ESP in UDP
4500, RFC 3948 §2), is it our own IKE (UDP 500/4500 to or from our tunnel endpoint), and which
addresses it carries. A packet that is not IPv4 is neither ESP nor IKE.
"""

from __future__ import annotations

from vpnteach.wire.errors import DecodeError
from vpnteach.wire.esp import NAT_T_PORT, NON_ESP_MARKER
from vpnteach.wire.ip import (
    UDP_HEADER_LEN,
    IpProtocol,
    Ipv4Peek,
    peek_ipv4,
    peek_ports,
    unpack_address,
)

IKE_PORT = 500
_IKE_PORTS = frozenset((IKE_PORT, NAT_T_PORT))


def peek(packet: bytes) -> Ipv4Peek | None:
    """The IPv4 header fields of ``packet``, or ``None`` if it is not an IPv4 packet."""
    try:
        return peek_ipv4(packet)
    except DecodeError:
        return None


def is_esp(packet: bytes, ip: Ipv4Peek | None = None) -> bool:
    """ESP (protocol 50), or ESP in UDP to port 4500 (RFC 3948 §2.2: not the non-ESP marker
    of IKE, not a one-byte NAT keepalive). ``ip``: the packet's header, if already read."""
    ip = ip if ip is not None else peek(packet)
    if ip is None:
        return False
    if ip.protocol == IpProtocol.ESP:
        return True
    if ip.protocol != IpProtocol.UDP:
        return False
    body = ip.header_length + UDP_HEADER_LEN
    ports = peek_ports(packet, ip.header_length)
    if ports is None or ports[1] != NAT_T_PORT or len(packet) < body + 8:
        return False
    return packet[body : body + 4] != NON_ESP_MARKER


def is_own_ike(packet: bytes, ip: Ipv4Peek, address: bytes, *, outbound: bool) -> bool:
    """IKE to or from our tunnel endpoint ``address`` (packed): UDP with port 500 or 4500 on
    either side, sent from it (``outbound``) or to it."""
    if ip.protocol != IpProtocol.UDP or (ip.src if outbound else ip.dst) != address:
        return False
    ports = peek_ports(packet, ip.header_length)
    if ports is None or len(packet) < ip.header_length + UDP_HEADER_LEN:
        return False
    return ports[0] in _IKE_PORTS or ports[1] in _IKE_PORTS


def source(ip: Ipv4Peek) -> str:
    """The source address as text (``"10.2.2.1"``)."""
    return unpack_address(ip.src)
