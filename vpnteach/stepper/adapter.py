"""What the stepper needs from a :class:`~vpnteach.lab.Lab`, through the lab's public hooks only.

* **Journal** — the stepper must know, in order, every network event, fact and ``debug``
  record of one scheduled event. It subscribes to the network's event log
  (:meth:`Network.subscribe <vpnteach.net.sim.network.Network.subscribe>`) and to each
  router's IKE :class:`~vpnteach.trace.Trace`, IKE
  :class:`~vpnteach.ike.records.Recorder` and ESP trace (switched on for stepping); every
  callback appends to one :class:`Journal`. An IKEv2 engine keeps its moves in a list
  (:attr:`Ikev2Endpoint.moves <vpnteach.ikev2.Ikev2Endpoint.moves>`): the new ones are
  journaled after each event.
* **Starting a ping without running the network** —
  :meth:`LabRouter.start_ping <vpnteach.labs.router.LabRouter.start_ping>`.
* **The datagram about to be delivered** — the scheduler's queue
  (:meth:`Scheduler.queued <vpnteach.net.sim.scheduler.Scheduler.queued>`), changed with
  :meth:`Network.replace_pending <vpnteach.net.sim.network.Network.replace_pending>` and
  :meth:`Network.drop_pending <vpnteach.net.sim.network.Network.drop_pending>` (logged as a
  ``rewrite`` fault that the LEARNER_ACTION step already tells, so the journal forgets it).
* **A router's clock** — :meth:`LabRouter.set_clock <vpnteach.labs.router.LabRouter.set_clock>`
  (``clock set``: the gateway sees every time shifted).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vpnteach.gateway import Ikev2Gateway
from vpnteach.net.sim.events import Event, PacketDelivered
from vpnteach.net.sim.ping import Ping
from vpnteach.net.sim.scheduler import Scheduled
from vpnteach.trace import Trace, Unsubscribe
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

    def listener(self, source: str, actor: str) -> Callable[[object], None]:
        """A subscriber callback that journals each item as coming from ``source``/``actor``."""

        def record(item: object) -> None:
            self.entries.append(JournalEntry(source, actor, item))

        return record

    def forget(self, item: object) -> None:
        """Drop the entries of ``item`` (told in another way, e.g. by a LEARNER_ACTION step)."""
        self.entries = [e for e in self.entries if e.item is not item]


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


class LabAdapter:
    """The stepper's handle on one lab: journal, pings, queued packets, clocks."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.journal = Journal()
        self.pings: list[Ping] = []
        self.events = 0
        self._watched: set[int] = set()
        self._moves: dict[str, tuple[Ikev2Gateway, int]] = {}  # IKEv2 moves journaled so far
        self._unsubscribe: list[Unsubscribe] = [
            lab.network.subscribe(self.journal.listener("net", ""))
        ]
        self.watch_routers()

    def watch_routers(self) -> None:
        """Subscribe to every router's IKE trace and recorder, and its ESP trace (switched on:
        per-packet ESP facts are off by default, for speed). Routers already watched and
        gateways started later (by ``configure``) are handled: call it after any command."""
        for router in self.lab.routers.values():
            gw = router.gateway
            if gw is None or id(gw) in self._watched:
                continue
            self._watched.add(id(gw))
            if not gw.esp_trace.enabled:
                gw.esp_trace = Trace(router.name)
            self._subscribe(gw.esp_trace, "esp", router.name)
            if isinstance(gw, Ikev2Gateway):
                self._subscribe(gw.v2.trace, "ike", router.name)
                self._moves[router.name] = (gw, len(gw.v2.moves))
                continue
            self._subscribe(gw.ike.trace, "ike", router.name)
            record = self.journal.listener("record", router.name)
            self._unsubscribe.append(gw.ike.recorder.subscribe(record))

    def _subscribe(self, trace: Trace, source: str, actor: str) -> None:
        # a disabled trace (the shared NULL_TRACE of a lab without tracing) records nothing:
        # subscribing to it would only keep this adapter alive
        if trace.enabled:
            self._unsubscribe.append(trace.subscribe(self.journal.listener(source, actor)))

    def close(self) -> None:
        """Stop listening to the lab (the stepper moved on to a rebuilt lab)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

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
        self._journal_moves()
        return True

    def _journal_moves(self) -> None:
        """The IKEv2 engines' new moves (they keep a list, not a subscription), journaled
        after the event's facts as ``record`` entries."""
        for name, (gw, seen) in self._moves.items():
            for move in gw.v2.moves[seen:]:
                self.journal.entries.append(JournalEntry("record", name, move))
            self._moves[name] = (gw, len(gw.v2.moves))

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
        lab_router = self.router(router)
        try:
            ping = lab_router.start_ping(
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
        self.watch_routers()

    def set_clock(self, router: str, when: dt.datetime) -> float:
        """Set ``router``'s clock to ``when`` (aware) now; returns the offset in seconds."""
        lab_router = self.router(router)
        if lab_router.gateway is None:
            raise InterventionError(f"{router} runs no IPsec gateway: its clock does not matter")
        try:
            lab_router.set_clock(when)
        except ValueError as exc:
            raise InterventionError(str(exc)) from None
        return lab_router.clock_offset

    # ------------------------------------------------------------------ queued packets

    def pending_item(self) -> Scheduled | None:
        """The first queued delivery of an IKE or ESP packet, if any."""
        for item in self.lab.network.queued_deliveries():
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
        self._told(self.lab.network.replace_pending(item, packet, "modified by the learner"))

    def drop_pending(self, item: Scheduled) -> None:
        """Take the delivery ``item`` off the network."""
        self._told(self.lab.network.drop_pending(item, "dropped by the learner"))

    def _told(self, event: Event) -> None:
        # the learner's own change is the LEARNER_ACTION step: no second step for its log entry
        self.journal.forget(event)


Action = Callable[[LabAdapter], None]
