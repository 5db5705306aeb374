"""The Security Association Database and the per-packet IPsec processing (RFC 4301 §4.4.2, §5).

Inbound SAs are found by **(SPI, destination address, protocol 50)** (RFC 4301 §4.1: the
triple that identifies an SA; RFC 4303 §3.4.2). Outbound SAs are found through the SPD: the
packet's flow (crypto map entry + ACL line) and its peer give the newest live outbound SA.

:func:`Sad.send` is the outbound path of a router's crypto-map interface:

* SPD says BYPASS -> the packet goes out as it is; DISCARD -> dropped;
* PROTECT and an SA exists -> ESP-encapsulated with it;
* PROTECT and no SA -> the packet is **dropped** and IKE is asked for SAs with an
  :class:`AcquireRequested` (RFC 4301 §5.1 step 3a, the "acquire"). IOS does the same: the first
  ``.`` of the tutorial's ping is that packet, and IOS counts it in ``#send errors`` (the seed's
  ``#send errors 1``). Later packets of the same flow, while IKE still negotiates, are dropped
  without a second acquire.

SA lifetimes raise :class:`~vpnteach.esp.sa.SoftLifetimeExpired` (start a Quick Mode rekey)
and :class:`~vpnteach.esp.sa.HardLifetimeExpired` (the SAD deletes the SA); the lab reads them
with :meth:`Sad.next_event` after :meth:`Sad.handle_timer` or after traffic.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import count

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.esp.esp import (
    ESP_PROTOCOL,
    DecapResult,
    Dropped,
    DropReason,
    EspSendError,
    decapsulate_esp,
)
from vpnteach.esp.esp import decapsulate as esp_decapsulate
from vpnteach.esp.esp import encapsulate as esp_encapsulate
from vpnteach.esp.outer import Outer
from vpnteach.esp.policy import CryptoMapEntry
from vpnteach.esp.sa import Direction, HardLifetimeExpired, IpsecSa, SaEvent, SaId
from vpnteach.esp.spd import Flow, PolicyAction, Selectors, Spd, selectors_of
from vpnteach.trace import NULL_TRACE, Trace


@dataclass(frozen=True)
class AcquireRequested(HtmlRepr):
    """Event: traffic needs SAs that do not exist; IKE should run for ``flow`` (RFC 4301 §5.1)."""

    flow: Flow
    selectors: Selectors

    @property
    def peer(self) -> str:
        """Whom to negotiate with (``set peer``)."""
        return self.flow.peer

    @property
    def crypto_map(self) -> CryptoMapEntry:
        """The crypto map entry whose ACL matched: transform sets, PFS, lifetimes to offer."""
        return self.flow.crypto_map


@dataclass(frozen=True)
class Sent(HtmlRepr):
    """The outbound path's result: ``packet`` to put on the wire (ESP or cleartext)."""

    packet: bytes = field(repr=False)
    action: PolicyAction
    sa: IpsecSa | None = None


@dataclass(frozen=True)
class NotSent(HtmlRepr):
    """The packet was dropped on the way out; ``acquire`` is set if IKE was just triggered."""

    reason: str
    acquire: AcquireRequested | None = None


SadEvent = SaEvent | AcquireRequested


class Sad:
    """Inbound SAs by (SPI, destination, protocol), outbound SAs by flow; events; counters.

    Args:
        spd: the policy whose flows the SAs serve (also used by :meth:`send`).
    """

    def __init__(self, spd: Spd) -> None:
        self.spd = spd
        self.inbound: dict[tuple[int, str, int], IpsecSa] = {}
        self.outbound: dict[tuple[str, int, str], list[IpsecSa]] = {}
        self.flow_of_sa: dict[SaId, Flow] = {}
        self._by_id: dict[SaId, IpsecSa] = {}
        self.invalid_spi_count = 0
        self._acquiring: set[tuple[str, int, str]] = set()
        self._events: list[SadEvent] = []
        # Lifetime timers: (due, tie-breaker, SA), lazily deleted. An SA's timer only moves
        # later (soft -> hard -> none), so a stale entry at the top is replaced by the SA's
        # current due time: every installed SA with a timer keeps an entry at or before it.
        self._timers: list[tuple[float, int, IpsecSa]] = []
        self._seq = count()

    # -- installing and finding SAs ------------------------------------------------------
    def install(self, sa: IpsecSa, flow: Flow) -> None:
        """Add ``sa`` for ``flow``; its counters become the flow's (IOS counts per flow)."""
        sa.counters = flow.counters
        self.flow_of_sa[sa.sa_id] = flow
        self._by_id[sa.sa_id] = sa
        self._push_timer(sa)
        if sa.direction is Direction.INBOUND:
            self.inbound[(sa.spi, sa.local, ESP_PROTOCOL)] = sa
        else:
            self.outbound.setdefault(flow.key, []).append(sa)
            self._acquiring.discard(flow.key)

    def remove(self, sa: IpsecSa) -> None:
        """Delete ``sa`` (hard expiry, or an IKE Delete notification); no reference to it (or
        its keys) is left behind, not even in the timer heap."""
        if self._by_id.get(sa.sa_id) is sa:
            del self._by_id[sa.sa_id], self.flow_of_sa[sa.sa_id]
        self._timers = [entry for entry in self._timers if entry[2] is not sa]
        heapq.heapify(self._timers)
        if sa.direction is Direction.INBOUND:
            self.inbound.pop((sa.spi, sa.local, ESP_PROTOCOL), None)
            return
        for sas in self.outbound.values():
            if sa in sas:
                sas.remove(sa)

    def lookup(self, spi: int, destination: str, protocol: int = ESP_PROTOCOL) -> IpsecSa | None:
        """The inbound SA for (SPI, destination, protocol), or ``None`` (RFC 4303 §3.4.2)."""
        return self.inbound.get((spi, destination, protocol))

    def flow_of(self, sa: IpsecSa) -> Flow | None:
        """The flow ``sa`` serves, or ``None`` if it is not (or no longer) installed."""
        sa_id = sa.sa_id
        return self.flow_of_sa.get(sa_id) if self._by_id.get(sa_id) is sa else None

    def outbound_sa(self, flow: Flow) -> IpsecSa | None:
        """The newest live outbound SA of ``flow`` (after a rekey, the new one)."""
        for sa in reversed(self.outbound.get(flow.key, ())):
            if sa.alive:
                return sa
        return None

    def sas(self) -> list[IpsecSa]:
        """Every installed SA, inbound first."""
        return [*self.inbound.values(), *(sa for v in self.outbound.values() for sa in v)]

    def acquire_failed(self, flow: Flow) -> None:
        """IKE gave up on ``flow``: the next packet may trigger a new acquire."""
        self._acquiring.discard(flow.key)

    # -- traffic --------------------------------------------------------------------------
    def send(
        self, packet: bytes, rng: Rng, now: float, trace: Trace = NULL_TRACE
    ) -> Sent | NotSent:
        """The outbound path for one IPv4 packet (see the module docstring)."""
        try:
            decision = self.spd.decide(packet)
        except ValueError as exc:
            return NotSent(f"not sent: {exc}")
        if decision.action is PolicyAction.BYPASS:
            return Sent(packet, PolicyAction.BYPASS)
        if decision.action is PolicyAction.DISCARD or decision.flow is None:
            return NotSent(decision.why)
        return self._protect(decision.flow, packet, rng, now, trace)

    def _protect(
        self, flow: Flow, packet: bytes, rng: Rng, now: float, trace: Trace
    ) -> Sent | NotSent:
        sas = self.outbound.get(flow.key)
        if sas:
            for old in sas[:]:  # each ages (an expired one leaves the SAD) before choosing
                old.handle_timer(now)
                self._collect(old)
            sa = self.outbound_sa(flow)
            if sa is not None:
                try:
                    esp = esp_encapsulate(sa, packet, rng, now, trace)
                    return Sent(esp, PolicyAction.PROTECT, sa)
                except EspSendError as exc:  # expired or sequence numbers exhausted: counted
                    return NotSent(str(exc))
                finally:
                    self._collect(sa)
        flow.counters.send_errors += 1
        flow.counters.pkts_no_sa_send += 1
        if flow.key in self._acquiring:
            return NotSent("no SA yet: IKE is negotiating")
        self._acquiring.add(flow.key)
        acquire = AcquireRequested(flow, selectors_of(packet))
        self._events.append(acquire)
        return NotSent("no SA: IKE triggered, packet dropped", acquire)

    def receive(self, outer_packet: bytes, now: float, trace: Trace = NULL_TRACE) -> DecapResult:
        """The inbound path for one ESP (or ESP-in-UDP) packet addressed to us."""
        return self._received(esp_decapsulate(self.lookup, outer_packet, now, trace))

    def receive_esp(
        self, esp: bytes, destination: str, now: float, trace: Trace = NULL_TRACE,
        outer: Outer | None = None,
    ) -> DecapResult:  # fmt: skip
        """:meth:`receive` for the ESP part alone (SPI to ICV) sent to ``destination``: what a
        UDP 4500 socket delivers. ``outer`` names the packet in the facts."""
        lookup = self.lookup
        return self._received(decapsulate_esp(lookup, esp, destination, now, trace, outer))

    def _received(self, result: DecapResult) -> DecapResult:
        if isinstance(result, Dropped):
            if result.reason is DropReason.NO_SA:
                self.invalid_spi_count += 1
            if result.sa is not None:
                self._collect(result.sa)
        else:
            self._collect(result.sa)
        return result

    # -- time and events ------------------------------------------------------------------
    def collect(self, sa: IpsecSa) -> None:
        """Take ``sa``'s lifetime events into the SAD's (a hard expiry removes it): for a
        caller that processed a packet with ``sa`` itself (:mod:`vpnteach.gateway.fastpath`)."""
        self._collect(sa)

    def _collect(self, sa: IpsecSa) -> None:
        while (event := sa.next_event()) is not None:
            self._events.append(event)
            if isinstance(event, HardLifetimeExpired):
                self.remove(sa)

    def handle_timer(self, now: float) -> None:
        """Advance every SA's lifetime clock to ``now``; expired SAs are removed."""
        due = self.get_timer()
        if due is None or due > now:  # nothing to do: skip the walk over every SA
            return
        for sa in self.sas():
            sa.handle_timer(now)
            self._collect(sa)

    def get_timer(self) -> float | None:
        """The earliest time :meth:`handle_timer` has work, or ``None``."""
        timers = self._timers
        while timers:
            due, _, sa = timers[0]
            if self._by_id.get(sa.sa_id) is sa:
                current = sa.get_timer()
                if current == due:
                    return due
                heapq.heappop(timers)
                self._push_timer(sa)
            else:
                heapq.heappop(timers)  # removed from the SAD
        return None

    def _push_timer(self, sa: IpsecSa) -> None:
        if (due := sa.get_timer()) is not None:
            heapq.heappush(self._timers, (due, next(self._seq), sa))

    def next_event(self) -> SadEvent | None:
        """The oldest event not yet taken: acquire, soft or hard expiry."""
        return self._events.pop(0) if self._events else None
