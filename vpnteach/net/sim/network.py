"""The simulated network: clock, scheduler, random source, nodes and links in one place.

    net = Network(SeededRng(1))
    b1 = net.add_router("Branch1")
    b1.add_interface("Serial1/0", "10.1.1.1/24")
    pc = net.add_host("PC1", "192.168.11.2/24", gateway="192.168.11.1")
    net.connect(pc.interface("eth0"), b1.interface("FastEthernet0/0"), "LAN1")
    for result in net.run_ping(pc, "192.168.22.2"):
        ...

Randomness (fault draws) comes only from the injected :class:`~vpnteach.crypto.rng.Rng`;
with a :class:`~vpnteach.crypto.rng.SeededRng` each link gets its own forked stream, so the
same seed and the same actions give the same event log.

Between two steps a queued delivery can be changed by hand (a learner playing man in the
middle): :meth:`Network.replace_pending` makes it deliver other bytes,
:meth:`Network.drop_pending` takes it off the link. Both are logged as a
:class:`~vpnteach.net.sim.events.FaultApplied` of kind ``rewrite`` (what a link's rewrite
fault does), and the link's captures see what arrives.
:meth:`Network.subscribe` calls a function with each event as it enters the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import OsRng, Rng, SeededRng
from vpnteach.net.sim.clock import SEED_START, SimClock
from vpnteach.net.sim.events import Event, FaultApplied, PacketDelivered, TimerFired
from vpnteach.net.sim.faults import NO_FAULTS, FaultPolicy
from vpnteach.net.sim.host import Host
from vpnteach.net.sim.link import Link, LinkError
from vpnteach.net.sim.node import Interface, Node, NodeError
from vpnteach.net.sim.ping import EchoResult
from vpnteach.net.sim.router import Router
from vpnteach.net.sim.scheduler import Scheduled, Scheduler, SchedulerError
from vpnteach.trace import Unsubscribe

N = TypeVar("N", bound=Node)


class Network(HtmlRepr):
    """A simulated topology and the event loop that runs it."""

    def __init__(self, rng: Rng | None = None, *, start: datetime = SEED_START) -> None:
        self.clock = SimClock(start)
        self.scheduler = Scheduler(self.clock)
        self.rng: Rng = rng if rng is not None else OsRng()
        self.nodes: dict[str, Node] = {}
        self.links: dict[str, Link] = {}

    # -- building ------------------------------------------------------------------------

    def add_router(self, name: str) -> Router:
        """A new router with no interfaces yet."""
        return self._add(Router(name, self.scheduler))

    def add_host(
        self, name: str, address: str, gateway: str | None = None, *, interface: str = "eth0"
    ) -> Host:
        """A new host with one interface (``address`` like ``"192.168.11.2/24"``)."""
        return self._add(Host(name, self.scheduler, address, gateway, interface=interface))

    def connect(
        self, a: Interface, b: Interface, name: str | None = None, *, delay: float = 0.001,
        bandwidth: float | None = None, faults: FaultPolicy = NO_FAULTS,
    ) -> Link:  # fmt: skip
        """Join two free interfaces with a point-to-point link."""
        name = name or f"{a.label}--{b.label}"
        for end in (a, b):
            if end.link is not None:
                raise LinkError(f"{end.label} is already on link {end.link.name}")
        if name in self.links:
            raise LinkError(f"there is already a link called {name}")
        rng = self.rng.fork(f"link/{name}") if isinstance(self.rng, SeededRng) else self.rng
        link = Link(
            name, a, b, self.scheduler, rng, delay=delay, bandwidth=bandwidth, faults=faults
        )
        a.link = b.link = link
        self.links[name] = link
        return link

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        if name not in self.nodes:
            raise NodeError(f"no node {name!r} (nodes: {list(self.nodes)})")
        return self.nodes[name]

    def link(self, name: str) -> Link:
        """The link called ``name``."""
        if name not in self.links:
            raise LinkError(f"no link {name!r} (links: {list(self.links)})")
        return self.links[name]

    # -- running -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated seconds since the clock's start."""
        return self.clock.now

    @property
    def log(self) -> list[Event]:
        """Every event so far, scheduled and recorded, in order."""
        return self.scheduler.log

    def set_timer(
        self, owner: str, name: str, at: float, callback: Callable[[float], None]
    ) -> Scheduled:
        """A timer for an engine that is not a node (``callback(now)`` at ``at``)."""
        event = TimerFired(at, owner, name)
        return self.scheduler.schedule(event, lambda: callback(self.clock.now))

    def step(self) -> Event | None:
        """Run the next scheduled event and return it (None when idle)."""
        return self.scheduler.step()

    def run_until(self, t: float) -> list[Event]:
        """Run every event due by ``t`` and move the clock to ``t``."""
        return self.scheduler.run_until(t)

    def run_until_idle(self, max_time: float = 3600.0) -> list[Event]:
        """Run until nothing is scheduled before ``max_time``."""
        return self.scheduler.run_until_idle(max_time)

    def run_ping(
        self, node: Node, dst: str, count: int = 5, size: int = 100, timeout: float = 2.0,
        source: str | None = None,
    ) -> Iterator[EchoResult]:  # fmt: skip
        """Start a ping and run the network, yielding each result as soon as it is known."""
        ping = node.ping(dst, count, size, timeout, source)
        seen = 0
        while seen < count:
            if self.step() is None:
                return
            while seen < len(ping.results):
                yield ping.results[seen]
                seen += 1

    def subscribe(self, callback: Callable[[Event], None]) -> Unsubscribe:
        """Call ``callback(event)`` for each event entering the log from now on (a scheduled
        event just before it runs); returns the function that stops it."""
        return self.scheduler.subscribe(callback)

    # -- changing a queued delivery by hand ----------------------------------------------

    def queued_deliveries(self) -> list[Scheduled]:
        """The queued packet deliveries, in the order they will happen."""
        return [i for i in self.scheduler.queued() if isinstance(i.event, PacketDelivered)]

    def replace_pending(
        self, item: Scheduled, packet: bytes, reason: str = "replaced by hand"
    ) -> FaultApplied:
        """Make the queued delivery ``item`` bring ``packet`` instead (same time, link, frame
        number); logs and returns a ``rewrite`` :class:`FaultApplied` saying ``reason``.

        Raises:
            LinkError: ``item`` is not a packet delivery; SchedulerError: it is not queued.
        """
        event, link = self._delivery(item)
        new = replace(event, packet=packet)
        self.scheduler.replace(item, new, link.delivery(new))
        detail = f"{reason}: {len(event.packet)} -> {len(packet)} bytes"
        return self._fault(event, detail)

    def drop_pending(self, item: Scheduled, reason: str = "dropped by hand") -> FaultApplied:
        """Take the queued delivery ``item`` off its link (it never arrives); logs and returns a
        ``rewrite`` :class:`FaultApplied` saying ``reason``.

        Raises:
            LinkError: ``item`` is not a packet delivery; SchedulerError: it is not queued.
        """
        event, _ = self._delivery(item)
        item.cancel()
        return self._fault(event, reason)

    def _delivery(self, item: Scheduled) -> tuple[PacketDelivered, Link]:
        event = item.event
        if not isinstance(event, PacketDelivered):
            raise LinkError(f"{event.describe().strip()} is not a packet delivery")
        if not self.scheduler.is_queued(item):
            raise SchedulerError(f"packet {event.number} of {event.link} is no longer queued")
        return event, self.link(event.link)

    def _fault(self, event: PacketDelivered, detail: str) -> FaultApplied:
        fault = FaultApplied(self.now, event.link, event.number, "rewrite", detail)
        self.scheduler.record(fault)
        return fault

    def describe_log(self, start: int = 0) -> str:
        """The event log from entry ``start`` on, one line per event."""
        return "\n".join(e.describe() for e in self.log[start:])

    def _add(self, node: N) -> N:
        if node.name in self.nodes:
            raise NodeError(f"there is already a node called {node.name}")
        self.nodes[node.name] = node
        return node
