"""NAT detection in IKE_SA_INIT (RFC 7296 §2.23).

Each side sends ``NAT_DETECTION_SOURCE_IP`` = SHA-1(SPIi | SPIr | source IP | source port)
and ``NAT_DETECTION_DESTINATION_IP`` = SHA-1(SPIi | SPIr | destination IP | destination port)
as it addresses the packet (SPIr is zero in the request). The receiver recomputes them from
the addresses it actually sees: a source mismatch means the peer is behind a NAT, a
destination mismatch that we are. Either way the initiator moves to UDP 4500 for IKE_AUTH and
ESP travels in UDP (RFC 3948).
"""

from __future__ import annotations

import hashlib
import ipaddress

from vpnteach.trace import Trace
from vpnteach.wire.ikev2.constants import NotifyType
from vpnteach.wire.ikev2.payloads import NotifyPayload


def nat_hash(spi_i: bytes, spi_r: bytes, address: str, port: int) -> bytes:
    """SHA-1(SPIi | SPIr | IP | Port) (§2.23)."""
    packed = ipaddress.ip_address(address).packed
    return hashlib.sha1(spi_i + spi_r + packed + port.to_bytes(2, "big")).digest()


def nat_notifies(
    spi_i: bytes, spi_r: bytes, source: tuple[str, int], destination: tuple[str, int]
) -> list[NotifyPayload]:
    """The two NAT detection notifies for a message sent from ``source`` to ``destination``."""
    return [
        NotifyPayload(NotifyType.NAT_DETECTION_SOURCE_IP, nat_hash(spi_i, spi_r, *source)),
        NotifyPayload(
            NotifyType.NAT_DETECTION_DESTINATION_IP, nat_hash(spi_i, spi_r, *destination)
        ),
    ]


def nat_detected(
    notifies: list[NotifyPayload],
    spi_i: bytes,
    spi_r: bytes,
    seen_source: tuple[str, int],
    local: tuple[str, int],
    trace: Trace,
) -> bool:
    """Whether the received NAT detection notifies reveal a NAT (no notifies: no NAT-T)."""
    sources = [
        n.notification_data
        for n in notifies
        if n.notify_message_type == NotifyType.NAT_DETECTION_SOURCE_IP
    ]
    dests = [
        n.notification_data
        for n in notifies
        if n.notify_message_type == NotifyType.NAT_DETECTION_DESTINATION_IP
    ]
    if not sources and not dests:
        return False
    peer_hash = nat_hash(spi_i, spi_r, *seen_source)
    our_hash = nat_hash(spi_i, spi_r, *local)
    peer_behind = peer_hash not in sources
    we_behind = our_hash not in dests
    return trace.derived(
        "NAT detected",
        "SHA-1(SPIi | SPIr | IP | Port) differs from a NAT_DETECTION_* notify",
        peer_behind or we_behind,
        rfc="RFC 7296 §2.23",
        peer_behind_nat=peer_behind,
        we_behind_nat=we_behind,
    )
