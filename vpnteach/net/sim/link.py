"""Point-to-point links: latency, bandwidth, fault injection and capture.

A packet sent on a :class:`Link` gets the next frame number of that link, is recorded as a
:class:`~vpnteach.net.sim.events.PacketSent`, passes the link's
:class:`~vpnteach.net.sim.faults.FaultPolicy` (each fault recorded as a
:class:`~vpnteach.net.sim.events.FaultApplied`) and arrives at the other end as a scheduled
:class:`~vpnteach.net.sim.events.PacketDelivered` after

    serialization (bytes x 8 / bandwidth, queued behind earlier packets) + delay + fault delay.

Each direction has its own transmit queue, so without faults a link delivers in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.net.sim.capture import Capture
from vpnteach.net.sim.events import FaultApplied, PacketDelivered, PacketSent
from vpnteach.net.sim.faults import NO_FAULTS, FaultPolicy, apply_faults
from vpnteach.net.sim.scheduler import Scheduler

if TYPE_CHECKING:
    from vpnteach.net.sim.node import Interface


class LinkError(ValueError):
    """A link was misused: an interface that is not one of its ends, a bad delay."""


class Link(HtmlRepr):
    """A point-to-point link between two interfaces.

    Attributes:
        name: shown in events and captures (e.g. ``"WAN"``).
        delay: one-way propagation delay in seconds; bandwidth: bits per second (None: no
            serialization time).
        faults: the fault policy (change it at any time).
        captures: every :class:`Capture` attached with :meth:`capture`.
    """

    def __init__(
        self,
        name: str,
        a: Interface,
        b: Interface,
        scheduler: Scheduler,
        rng: Rng,
        *,
        delay: float = 0.001,
        bandwidth: float | None = None,
        faults: FaultPolicy = NO_FAULTS,
    ) -> None:
        if delay < 0 or (bandwidth is not None and bandwidth <= 0):
            raise LinkError(f"link {name}: delay >= 0 and bandwidth > 0 needed")
        self.name, self.a, self.b = name, a, b
        self.scheduler, self.rng = scheduler, rng
        self.delay, self.bandwidth, self.faults = delay, bandwidth, faults
        self.captures: list[Capture] = []
        self.frames = 0
        self._busy_until: dict[int, float] = {id(a): 0.0, id(b): 0.0}

    def other_end(self, end: Interface) -> Interface:
        """The interface at the far end from ``end``."""
        if end is self.a:
            return self.b
        if end is self.b:
            return self.a
        raise LinkError(f"{end.label} is not an end of link {self.name}")

    def capture(self, name: str | None = None) -> Capture:
        """Start capturing what arrives at either end; returns the :class:`Capture`."""
        cap = Capture(name or self.name, self.scheduler.clock)
        self.captures.append(cap)
        return cap

    def transmit(self, sender: Interface, packet: bytes) -> int:
        """Send ``packet`` from ``sender`` to the other end; returns its frame number."""
        receiver = self.other_end(sender)
        now = self.scheduler.now
        self.frames += 1
        number = self.frames
        self.scheduler.record(
            PacketSent(now, self.name, sender.node.name, sender.name, number, packet)
        )
        policy = self.faults
        if policy.only_from is not None and policy.only_from != sender.node.name:
            policy = NO_FAULTS
        copies, faults = apply_faults(policy, packet, self.rng)
        for fault in faults:
            self.scheduler.record(FaultApplied(now, self.name, number, fault.kind, fault.detail))
        arrival = self._serialized(sender, len(packet), now) + self.delay
        for copy in copies:
            self._schedule_delivery(
                sender, receiver, number, copy.packet, arrival + copy.extra_delay
            )
        return number

    def _serialized(self, sender: Interface, size: int, now: float) -> float:
        """When the last bit leaves ``sender``: queued behind its earlier packets."""
        if self.bandwidth is None:
            return now
        start = max(now, self._busy_until[id(sender)])
        self._busy_until[id(sender)] = start + size * 8 / self.bandwidth
        return self._busy_until[id(sender)]

    def _schedule_delivery(
        self, sender: Interface, receiver: Interface, number: int, packet: bytes, at: float
    ) -> None:
        event = PacketDelivered(at, self.name, sender.label, receiver.label, number, packet)
        self.scheduler.schedule(event, self.delivery(event))

    def delivery(self, event: PacketDelivered) -> Callable[[], None]:
        """The action delivering ``event``'s packet: the link's captures record it as it
        arrives, then the receiving interface gets it."""
        receiver = self.a if self.a.label == event.receiver else self.b
        direction = f"{self.other_end(receiver).node.name} -> {receiver.node.name}"

        def deliver() -> None:
            for cap in self.captures:
                cap.add(event.time, direction, event.number, event.packet)
            receiver.receive(event.packet, event.number)

        return deliver

    def __repr__(self) -> str:
        return f"Link({self.name!r}, {self.a.label} <-> {self.b.label})"
