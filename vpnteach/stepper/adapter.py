"""How the stepper reaches into a :class:`~vpnteach.lab.Lab`: one small adapter, so the lab
can later offer each of these as a hook and only this module changes.

What it does, and the lab hook it stands in for:

* **Journal** — the stepper must know, in order, every network event, fact and ``debug``
  record of one scheduled event. The scheduler's log, each router's IKE trace and recorder,
  and an ESP trace it switches on are given list objects that also append to one shared
  :class:`Journal` (wanted: an observer callback on ``Trace``, ``Recorder`` and ``Scheduler``).
* **Starting a ping without running the network** — ``exec("ping ...")`` runs the network
  until the ping ends; the stepper starts ``node.ping`` itself (wanted: ``LabRouter.start``).
* **The datagram about to be delivered** — queued :class:`~vpnteach.net.sim.events.PacketDelivered`
  items are read from the scheduler's heap, and replaced or cancelled in place (wanted:
  ``Scheduler.queued()`` and ``Link.redeliver(item, packet)``).
* **A router's clock** — the gateway is wrapped so that every ``now`` it sees is shifted
  (wanted: ``LabRouter.clock_offset``, as ``clock set`` on IOS).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from vpnteach.gateway import Gateway
from vpnteach.net.sim.events import PacketDelivered
from vpnteach.net.sim.ping import Ping
from vpnteach.net.sim.scheduler import Scheduled
from vpnteach.trace import Trace
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import IpProtocol, UdpDatagram, decode_ipv4, decode_udp

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter

IKE_PORTS = (500, 4500)
NON_ESP_MARKER = bytes(4)


class InterventionError(ValueError):
    """A learner action the lab cannot do (no such router, nothing pending, bad bytes)."""


@dataclass(frozen=True)
class JournalEntry:
    """One recorded item: ``source`` is ``"net"``, ``"ike"`` (a fact), ``"esp"`` (an ESP
    fact) or ``"record"`` (a ``debug`` record); ``actor`` the router (``""`` for ``"net"``)."""

    source: str
    actor: str
    item: object


class Journal:
    """Everything recorded since the last :meth:`drain`, in the order it happened."""

    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []

    def drain(self) -> list[JournalEntry]:
        """The entries so far (and forget them)."""
        out, self.entries = self.entries, []
        return out


class _Tap(list[Any]):
    """A list that also reports each ``append`` to the journal (the engines only append)."""

    def __init__(self, items: list[Any], journal: Journal, source: str, actor: str) -> None:
        super().__init__(items)
        self.journal, self.source, self.actor = journal, source, actor

    def append(self, item: Any) -> None:
        self.journal.entries.append(JournalEntry(self.source, self.actor, item))
        super().append(item)


@dataclass(frozen=True)
class Wire:
    """What a queued packet carries: ``"IKE"`` (``data``: the ISAKMP message) or ``"ESP"``
    (``data``: the ESP bytes), with its addresses."""

    kind: str
    src: str
    dst: str
    data: bytes
    sport: int = 0
    dport: int = 0


def wire_of(packet: bytes) -> Wire | None:
    """The IKE or ESP content of an IPv4 packet, or ``None`` for anything else."""
    try:
        ip = decode_ipv4(packet, verify_checksum=False)
    except DecodeError:
        return None
    h = ip.header
    if h.protocol == IpProtocol.ESP:
        return Wire("ESP", h.src, h.dst, ip.payload)
    if h.protocol != IpProtocol.UDP:
        return None
    try:
        udp = decode_udp(ip.payload)
    except DecodeError:
        return None
    if udp.dst_port not in IKE_PORTS and udp.src_port not in IKE_PORTS:
        return None
    data = udp.payload
    if udp.dst_port == 4500:
        if data[:4] != NON_ESP_MARKER:
            return Wire("ESP", h.src, h.dst, data, udp.src_port, udp.dst_port)
        data = data[4:]
    return Wire("IKE", h.src, h.dst, data, udp.src_port, udp.dst_port)


def rebuild(packet: bytes, data: bytes) -> bytes:
    """``packet`` with its IKE/ESP content replaced by ``data``; lengths and checksums redone
    so the change reaches the receiving engine (a bad UDP checksum would stop it earlier)."""
    ip = decode_ipv4(packet, verify_checksum=False)
    h = ip.header
    body = data
    if h.protocol == IpProtocol.UDP:
        udp = decode_udp(ip.payload)
        keep_marker = udp.dst_port == 4500 and ip.payload[8:12] == NON_ESP_MARKER
        marker = NON_ESP_MARKER if keep_marker else b""
        body = UdpDatagram(udp.src_port, udp.dst_port, marker + data).encode(h.src, h.dst)
    header = replace(h, total_length=h.header_length + len(body)).encode()
    return header + body


class SkewedGateway:
    """A gateway whose clock is ``offset`` seconds off the network's (``clock set``).

    Every ``now`` passed in is shifted by ``offset``, and the timer it asks for is shifted back,
    so retransmissions still fire at the right simulated moment.
    """

    def __init__(self, gateway: Gateway, offset: float) -> None:
        self.inner = gateway
        self.offset = offset

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def outbound(self, packet: bytes, interface: str, now: float) -> Any:
        return self.inner.outbound(packet, interface, now + self.offset)

    def inbound(self, packet: bytes, interface: str, now: float) -> Any:
        return self.inner.inbound(packet, interface, now + self.offset)

    def receive_datagram(
        self, data: bytes, addr: tuple[str, int], now: float, local_port: int = 500
    ) -> None:
        self.inner.receive_datagram(data, addr, now + self.offset, local_port)

    def datagrams_to_send(self, now: float) -> Any:
        return self.inner.datagrams_to_send(now + self.offset)

    def get_timer(self) -> float | None:
        due = self.inner.get_timer()
        return None if due is None else due - self.offset

    def handle_timer(self, now: float) -> None:
        self.inner.handle_timer(now + self.offset)

    def initiate(self, peer: str, now: float) -> None:
        self.inner.initiate(peer, now + self.offset)


class LabAdapter:
    """The stepper's handle on one lab: journal taps, pings, queued packets, clocks."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.journal = Journal()
        self.pings: list[Ping] = []
        self.events = 0
        self._tapped: set[int] = set()
        scheduler = lab.network.scheduler
        scheduler.log = _Tap(scheduler.log, self.journal, "net", "")
        self.tap_routers()

    def tap_routers(self) -> None:
        """Tap every router's IKE trace and recorder, and switch its ESP trace on."""
        for router in self.lab.routers.values():
            gw = self.gateway(router)
            if gw is None or id(gw) in self._tapped:
                continue
            self._tapped.add(id(gw))
            name = router.name
            if not gw.esp_trace.enabled:
                gw.esp_trace = Trace(name)
            gw.esp_trace.facts = _Tap(gw.esp_trace.facts, self.journal, "esp", name)
            gw.ike.trace.facts = _Tap(gw.ike.trace.facts, self.journal, "ike", name)
            records = gw.ike.recorder.records
            gw.ike.recorder.records = _Tap(records, self.journal, "record", name)

    @staticmethod
    def gateway(router: LabRouter) -> Gateway | None:
        """The router's real gateway (under a clock skew wrapper if there is one)."""
        gw: object = router.gateway
        return gw.inner if isinstance(gw, SkewedGateway) else cast("Gateway | None", gw)

    def router(self, name: str) -> LabRouter:
        """The router called ``name`` (:class:`InterventionError` if none)."""
        if name not in self.lab.routers:
            raise InterventionError(f"no router {name!r} (routers: {sorted(self.lab.routers)})")
        return self.lab.routers[name]

    # ------------------------------------------------------------------ running

    def step(self) -> bool:
        """Run one scheduled event; ``False`` if nothing is queued."""
        if self.lab.network.step() is None:
            return False
        self.events += 1
        return True

    def next_time(self) -> float | None:
        """When the next queued event happens (``None``: nothing queued)."""
        nxt = self.lab.network.scheduler.peek()
        return None if nxt is None else nxt.time

    def pings_done(self) -> bool:
        """Every ping the learner started has finished."""
        return all(p.done for p in self.pings)

    # ------------------------------------------------------------------ learner commands

    def start_ping(self, router: str, command: str) -> Ping:
        """``ping A.B.C.D [source X] [repeat N] [size N] [timeout S]``, started, not run."""
        match = re.fullmatch(r"\s*ping\s+(\S+)((?:\s+\S+\s+\S+)*)\s*", command)
        if match is None:
            raise InterventionError(f"not a ping command: {command!r}")
        words = match.group(2).split()
        options = dict(zip(words[::2], words[1::2], strict=True))
        unknown = set(options) - {"source", "repeat", "size", "timeout"}
        if unknown:
            raise InterventionError(f"ping options are source/repeat/size/timeout, not {unknown}")
        node = self.router(router).node
        try:
            ping = node.ping(
                match.group(1), int(options.get("repeat", 5)), int(options.get("size", 100)),
                float(options.get("timeout", 2)), options.get("source"),
            )  # fmt: skip
        except ValueError as exc:
            raise InterventionError(f"{router}: {exc}") from None
        self.pings.append(ping)
        return ping

    def configure(self, router: str, text: str) -> None:
        """``configure terminal`` on ``router`` (all lines or none)."""
        self.router(router).configure(text)
        self.tap_routers()

    def set_clock(self, router: str, when: dt.datetime) -> float:
        """Set ``router``'s clock to ``when`` (aware) now; returns the offset in seconds."""
        if when.tzinfo is None:
            raise InterventionError(f"set_clock needs an aware datetime, got naive {when!r}")
        lab_router = self.router(router)
        gw = self.gateway(lab_router)
        if gw is None:
            raise InterventionError(f"{router} runs no IPsec gateway: its clock does not matter")
        offset = when.timestamp() - self.lab.epoch(self.lab.network.now)
        lab_router.gateway = cast(Gateway, SkewedGateway(gw, offset))
        return offset

    # ------------------------------------------------------------------ queued packets

    def queued(self) -> list[Scheduled]:
        """Queued, not cancelled items, in the order they will run."""
        heap: list[Scheduled] = self.lab.network.scheduler._heap
        return sorted(item for item in heap if not item.cancelled)

    def pending_item(self) -> Scheduled | None:
        """The first queued delivery of an IKE or ESP packet, if any."""
        for item in self.queued():
            event = item.event
            if isinstance(event, PacketDelivered) and wire_of(event.packet) is not None:
                return item
        return None

    def run_sends(self) -> None:
        """Run queued "IKE send" timers (they only put datagrams on links) until an IKE/ESP
        delivery is queued, so the datagram a learner just saw being sent can be touched."""
        while self.pending_item() is None:
            nxt = self.lab.network.scheduler.peek()
            if nxt is None or getattr(nxt, "name", "") != "IKE send":
                return
            self.step()

    def replace_pending(self, item: Scheduled, packet: bytes) -> None:
        """Deliver ``packet`` instead of what ``item`` carries (same time, same place)."""
        event = item.event
        assert isinstance(event, PacketDelivered)
        link = self.lab.network.link(event.link)
        node_name, _, iface = event.receiver.partition(" ")
        receiver = self.lab.network.node(node_name).interface(iface)
        direction = f"{event.sender.partition(' ')[0]} -> {node_name}"

        def deliver() -> None:
            for cap in link.captures:
                cap.add(event.time, direction, event.number, packet)
            receiver.receive(packet, event.number)

        item.event = replace(event, packet=packet)
        item.action = deliver


Action = Callable[[LabAdapter], None]
