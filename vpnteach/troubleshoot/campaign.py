"""Seeded network-fault campaigns: many runs of the seed tunnel under loss, duplication,
reordering, corruption and an ESP attacker, with exact accounting of what got through.

One run: ``Lab.seed(auth="pre-share")`` (pre-shared keys: no RSA work per run), a
:class:`~vpnteach.net.sim.faults.FaultPolicy` on ``WAN1`` (Branch1's link, both directions:
a loss of ``p`` there is an end-to-end loss of ``p`` in each direction between the routers)
drawn from a link RNG seeded with the run's index, and Branch1 pinging the far LAN from its LAN
address once a second after each answer or 2-second timeout. The run ends when both routers have
IPsec SAs installed or after ``bound`` simulated seconds, then ``settle`` more seconds of ESP.
Interesting traffic keeps coming, so a negotiation that gave up is started again, as on IOS.

ESP accounting is exact: an :class:`EspLedger` observes each gateway's ``outbound`` (the ESP
bytes, SPI to ICV, each router sent) and ``inbound`` (the ESP bytes that arrived and the
verdict). An arriving ESP packet whose bytes no router sent is *forged* (corrupted or
tampered); one that arrives again is *replayed*. Both must always be discarded (RFC 4303
§3.4.3-3.4.4): :attr:`RunResult.forged_accepted` and :attr:`RunResult.replays_accepted`
count the ones that were not.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Deliver, Discard, Gateway, Transmit
from vpnteach.ike.records_phase1 import MainModeBegun
from vpnteach.net.sim.faults import FaultPolicy
from vpnteach.stepper.adapter import wire_of
from vpnteach.troubleshoot.attacks import EspAttacker

if TYPE_CHECKING:
    from vpnteach.lab import Lab

PING_COUNT = 1000
PING_INTERVAL = 1.0
BOUND = 600.0
SETTLE = 10.0
WITHIN = (30, 60, 120, 300, 600)
MAX_EVENTS = 20_000
"""A run that schedules more network events than this is stopped and counted as a storm
(a healthy run of 600 s needs a few thousand)."""


@dataclass(frozen=True)
class Condition:
    """A campaign condition: fault policy arguments for WAN1 and an optional ESP attacker on
    WAN2 (``"replay"`` or ``"tamper"``)."""

    name: str
    faults: tuple[tuple[str, Any], ...] = ()
    attack: str = ""


CONDITIONS = (
    Condition("loss 0%"),
    Condition("loss 10%", (("loss", 0.1),)),
    Condition("loss 20%", (("loss", 0.2),)),
    Condition("loss 30%", (("loss", 0.3),)),
    Condition("duplicate 30%", (("duplicate", 0.3), ("duplicate_gap", 0.01))),
    Condition("reorder 30%", (("reorder", 0.3), ("reorder_delay", 0.05))),
    Condition("corrupt 10%", (("corrupt", 0.1),)),
    Condition(
        "mixed 10/10/10/5",
        (("loss", 0.1), ("duplicate", 0.1), ("reorder", 0.1), ("corrupt", 0.05)),
    ),
    Condition("ESP replay attacker", attack="replay"),
    Condition("ESP tamper attacker", attack="tamper"),
)


@dataclass
class EspLedger:
    """Every ESP packet each gateway sent and received, by its ESP bytes (SPI to ICV)."""

    sent: set[bytes] = field(default_factory=set)
    seen: set[bytes] = field(default_factory=set)
    received: int = 0
    forged: int = 0
    forged_accepted: int = 0
    replays: int = 0
    replays_accepted: int = 0
    rejected: int = 0

    def watch(self, gw: Gateway) -> None:
        """Observe ``gw``'s ``outbound`` and ``inbound`` (instance attributes wrap them)."""
        outbound, inbound = gw.outbound, gw.inbound

        def observe_out(packet: bytes, interface: str, now: float) -> Transmit | Discard:
            verdict = outbound(packet, interface, now)
            if isinstance(verdict, Transmit) and verdict.protected:
                self.sent.add(_esp(verdict.packet))
            return verdict

        def observe_in(packet: bytes, interface: str, now: float) -> Deliver | Discard:
            verdict = inbound(packet, interface, now)
            if interface == gw.interface and wire_of(packet) is not None:
                self._arrived(_esp(packet), isinstance(verdict, Deliver) and verdict.decrypted)
            return verdict

        setattr(gw, "outbound", observe_out)  # noqa: B010 - an instance-level observer
        setattr(gw, "inbound", observe_in)  # noqa: B010

    def _arrived(self, esp: bytes, accepted: bool) -> None:
        if not esp:
            return
        self.received += 1
        self.rejected += not accepted
        if esp not in self.sent:
            self.forged += 1
            self.forged_accepted += accepted
        elif esp in self.seen:
            self.replays += 1
            self.replays_accepted += accepted
        self.seen.add(esp)


def _esp(packet: bytes) -> bytes:
    wire = wire_of(packet)
    return wire.data if wire is not None and wire.kind == "ESP" else b""


@dataclass(frozen=True)
class RunResult:
    """One run: did both phases complete, when, with how many retransmissions; ESP ledger."""

    completed: bool
    seconds: float | None
    retransmissions: int
    main_modes: int
    esp_received: int
    forged: int
    forged_accepted: int
    replays: int
    replays_accepted: int
    rejected: int
    attacker_attempts: int
    storm: bool = False
    """The run hit :data:`MAX_EVENTS` (packets bouncing without end) and was cut short."""
    half_open: bool = False
    """At the end one router has IPsec SAs and the other none (e.g. QM3 lost for good)."""


def _up(lab: Lab) -> bool:
    gws = [lab.branch1.gateway, lab.branch2.gateway]
    return all(g is not None and g.installed for g in gws)


def run_once(condition: Condition, index: int, *, bound: float = BOUND) -> RunResult:
    """One seeded run of ``condition`` (see the module docstring)."""
    from vpnteach.lab import Lab

    lab = Lab.seed(auth="pre-share", trace=False)
    link = lab.network.link("WAN1")
    link.rng = SeededRng(f"campaign/{condition.name}/{index}")
    link.faults = FaultPolicy(**dict(condition.faults))
    ledger = EspLedger()
    for router in (lab.branch1, lab.branch2):
        assert router.gateway is not None
        ledger.watch(router.gateway)
    attacker = EspAttacker.install(lab, "WAN2", condition.attack) if condition.attack else None
    start, first = lab.network.now, len(lab.network.log)

    def calm() -> bool:
        return len(lab.network.log) - first < MAX_EVENTS

    lab.branch1.node.ping(
        "192.168.22.1", PING_COUNT, timeout=2.0, source="192.168.11.1", interval=PING_INTERVAL
    )
    lab.run_while(lambda: not _up(lab) and calm(), bound)
    up = _up(lab)
    seconds = lab.network.now - start if up else None
    lab.run_while(calm, SETTLE)
    return _result(lab, up, seconds, ledger, attacker, storm=not calm())


def _result(
    lab: Lab, up: bool, seconds: float | None, ledger: EspLedger, attacker: EspAttacker | None,
    *, storm: bool,
) -> RunResult:  # fmt: skip
    gws = [g for g in (lab.branch1.gateway, lab.branch2.gateway) if g is not None]
    return RunResult(
        up, seconds,
        sum(g.ike.stats["retransmissions"] for g in gws),
        sum(1 for g in gws for r in g.ike.recorder.records if isinstance(r, MainModeBegun)),
        ledger.received, ledger.forged, ledger.forged_accepted, ledger.replays,
        ledger.replays_accepted, ledger.rejected,
        attacker.attempts if attacker is not None else 0, storm,
        sum(bool(g.installed) for g in gws) == 1,
    )  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """A condition over many runs."""

    condition: str
    runs: int
    completed: int
    seconds_median: float | None
    seconds_max: float | None
    retransmissions: dict[str, float]
    retransmission_histogram: dict[int, int]
    main_modes_max: int
    esp_received: int
    forged: int
    forged_accepted: int
    replays: int
    replays_accepted: int
    rejected: int
    attacker_attempts: int
    storms: int = 0
    half_open: int = 0
    completed_within: dict[int, int] = field(default_factory=dict)
    """Runs whose both phases completed within 30, 60, 120, 300, 600 simulated seconds."""

    @property
    def completion_rate(self) -> float:
        """The share of runs where both phases completed within the bound."""
        return self.completed / self.runs if self.runs else 0.0


ESP_TOTALS = (
    "esp_received", "forged", "forged_accepted", "replays", "replays_accepted", "rejected",
    "attacker_attempts",
)  # fmt: skip


def summarize(condition: Condition, results: list[RunResult]) -> Summary:
    """Aggregate the runs of one condition."""
    done = [r.seconds for r in results if r.seconds is not None]
    retx = sorted(r.retransmissions for r in results)
    hist: dict[int, int] = {}
    for n in retx:
        hist[n] = hist.get(n, 0) + 1
    totals = {f: sum(getattr(r, f) for r in results) for f in ESP_TOTALS}
    return Summary(
        condition.name, len(results), len(done),
        statistics.median(done) if done else None, max(done) if done else None,
        {"min": retx[0], "median": statistics.median(retx), "mean": statistics.fmean(retx),
         "p90": retx[min(len(retx) - 1, int(len(retx) * 0.9))], "max": retx[-1]},
        hist, max(r.main_modes for r in results),
        totals["esp_received"], totals["forged"], totals["forged_accepted"], totals["replays"],
        totals["replays_accepted"], totals["rejected"], totals["attacker_attempts"],
        sum(r.storm for r in results), sum(r.half_open for r in results),
        {b: sum(1 for t in done if t <= b) for b in WITHIN},
    )  # fmt: skip


def campaign(
    condition: Condition,
    runs: int,
    *,
    bound: float = BOUND,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """``runs`` seeded runs of ``condition`` (run ``i`` uses link seed ``i``), summarized."""
    results = []
    for index in range(runs):
        results.append(run_once(condition, index, bound=bound))
        if progress is not None:
            progress(index)
    return summarize(condition, results)
