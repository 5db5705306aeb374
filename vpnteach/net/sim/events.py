"""What happens on the simulated network, as inspectable values.

Two kinds of event are *scheduled* and executed one at a time by the
:class:`~vpnteach.net.sim.scheduler.Scheduler` (the stepper's unit of progress):

- :class:`PacketDelivered`: a packet arrives at the far end of a link;
- :class:`TimerFired`: a timer set by a node, a ping or a protocol engine expires.

The others are *recorded* as they happen while a scheduled event runs, so the log tells the
whole story ("packet 7 dropped by loss on WAN"): :class:`PacketSent`, :class:`FaultApplied`,
:class:`PacketDropped`, :class:`PacketHeld`, :class:`PacketAccepted`. Every event carries its
simulated ``time``; nodes, interfaces and links appear by name so events compare by value and a
seeded run gives an identical log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpnteach._html import HtmlRepr
from vpnteach.net.sim.packets import summarize


@dataclass(frozen=True)
class Event(HtmlRepr):
    """Base of every event: ``time`` in simulated seconds since the clock's start."""

    time: float

    def describe(self) -> str:
        """One human-readable log line."""
        return f"{self.time:10.6f} {type(self).__name__}"


@dataclass(frozen=True)
class PacketSent(Event):
    """``interface`` of ``node`` put frame ``number`` of ``link`` on the wire."""

    link: str
    node: str
    interface: str
    number: int
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        return (
            f"{self.time:10.6f} {self.link}: packet {self.number} sent by {self.node} "
            f"{self.interface}: {summarize(self.packet)}"
        )


@dataclass(frozen=True)
class FaultApplied(Event):
    """Fault ``kind`` (loss, delay, duplicate, reorder, corrupt, rewrite) hit a packet."""

    link: str
    number: int
    kind: str
    detail: str = ""

    def describe(self) -> str:
        verb = "dropped by loss" if self.kind == "loss" else f"hit by {self.kind}"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.time:10.6f} {self.link}: packet {self.number} {verb}{detail}"


@dataclass(frozen=True)
class PacketDelivered(Event):
    """Scheduled: frame ``number`` of ``link`` arrives from ``sender`` at ``receiver``."""

    link: str
    sender: str
    receiver: str
    number: int
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        return (
            f"{self.time:10.6f} {self.link}: packet {self.number} {self.sender} -> "
            f"{self.receiver}: {summarize(self.packet)}"
        )


@dataclass(frozen=True)
class TimerFired(Event):
    """Scheduled: the timer ``name`` of ``owner`` (a node or engine name) expired."""

    owner: str
    name: str

    def describe(self) -> str:
        return f"{self.time:10.6f} {self.owner}: timer {self.name} fired"


@dataclass(frozen=True)
class PacketDropped(Event):
    """``node`` discarded a packet at ``interface`` (``""`` if none) and why."""

    node: str
    interface: str
    reason: str
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        where = f" {self.interface}" if self.interface else ""
        return (
            f"{self.time:10.6f} {self.node}{where}: dropped {summarize(self.packet)}: {self.reason}"
        )


@dataclass(frozen=True)
class PacketHeld(Event):
    """A hook on ``node`` took a packet to release later (e.g. until an SA exists)."""

    node: str
    interface: str
    reason: str
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        return f"{self.time:10.6f} {self.node} {self.interface}: held: {self.reason}"


@dataclass(frozen=True)
class PacketAccepted(Event):
    """``node`` consumed a packet addressed to itself (``what``: echo, UDP port, ...)."""

    node: str
    interface: str
    what: str
    packet: bytes = field(repr=False)

    def describe(self) -> str:
        return f"{self.time:10.6f} {self.node} {self.interface}: accepted {self.what}"
