"""Counting packets in a capture by their outer IPv4 header (an independent tally)."""

from __future__ import annotations

from vpnteach.net.sim import Capture


def outer(packet: bytes) -> tuple[str, str, int]:
    """(source, destination, protocol) of an IPv4 packet."""
    src = ".".join(str(b) for b in packet[12:16])
    dst = ".".join(str(b) for b in packet[16:20])
    return src, dst, packet[9]


def count(capture: Capture, src: str, dst: str, protocol: int) -> int:
    """How many captured packets go ``src`` -> ``dst`` with IP ``protocol``."""
    return sum(1 for r in capture.records if outer(r.packet) == (src, dst, protocol))
