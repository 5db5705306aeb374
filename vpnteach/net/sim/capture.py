"""Packet capture on a link or an interface, exported as a classic pcap file.

A :class:`Capture` is attached to a :class:`~vpnteach.net.sim.link.Link` (it sees every packet
as it *arrives* at either end, after the link's faults: what a tap on the wire would show) or
to an :class:`~vpnteach.net.sim.node.Interface` (like ``tcpdump -i``: ``out`` as the node
sends, before the link's faults, and ``in`` as it receives). Timestamps are the simulated
clock's wall-clock time, so Wireshark shows the seed's date. The file format is written by
:func:`vpnteach.net.pcap.encode_pcap` (RAW: bare IPv4, or EN10MB: with an Ethernet header).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vpnteach._html import HtmlRepr
from vpnteach.net.pcap import LinkType, encode_pcap
from vpnteach.net.sim.clock import SimClock
from vpnteach.net.sim.packets import summarize


@dataclass(frozen=True)
class CaptureRecord(HtmlRepr):
    """One captured packet: simulated time, direction (e.g. ``Branch1 -> Branch2`` or
    ``out``), the link's frame number and the bytes."""

    time: float
    direction: str
    number: int
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        """One line: time, direction, frame number, summary."""
        return f"{self.time:10.6f} {self.direction} #{self.number}: {summarize(self.packet)}"


class Capture(HtmlRepr):
    """The packets seen at one capture point, in the order they were seen."""

    def __init__(self, name: str, clock: SimClock) -> None:
        self.name = name
        self.clock = clock
        self.records: list[CaptureRecord] = []

    def add(self, time: float, direction: str, number: int, packet: bytes) -> None:
        """Record ``packet`` (called by links and interfaces)."""
        self.records.append(CaptureRecord(time, direction, number, packet))

    def to_pcap(self, linktype: int = LinkType.RAW, *, nanosecond: bool = False) -> bytes:
        """The capture as a classic pcap file (RAW or EN10MB), wall-clock timestamps."""
        packets = [(self.clock.epoch_ns(r.time), r.packet) for r in self.records]
        return encode_pcap(packets, linktype, nanosecond=nanosecond)

    def write_pcap(
        self, path: str | Path, linktype: int = LinkType.RAW, *, nanosecond: bool = False
    ) -> Path:
        """Write :meth:`to_pcap` to ``path`` and return the path."""
        out = Path(path)
        out.write_bytes(self.to_pcap(linktype, nanosecond=nanosecond))
        return out

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"Capture({self.name!r}, {len(self.records)} packets)"
