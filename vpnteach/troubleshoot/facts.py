"""What a run left behind, per router, as the diagnosis reads it.

Nothing here parses log text: :class:`RouterFacts` holds the gateway's events (notifications
sent and received, failed negotiations, completed phases, SA lifetimes), the IKE records by
type (``Retransmitted``, ``RetransmissionsExhausted``, ``BadMessage``, ``ProposalProblem``),
the recorded facts (the certificate checklist), the ESP counters and the router's
configuration. :func:`gather` builds one per lab router; :func:`owner` maps an address to the
router whose crypto interface has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from vpnteach.esp.sa import SaCounters, SoftLifetimeExpired
from vpnteach.gateway.dpd import PeerDead
from vpnteach.ike.events import (
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    Phase1Complete,
    Phase2Complete,
)
from vpnteach.ike.records import LogLine
from vpnteach.pki.validation import CertificateCheck
from vpnteach.trace import FactKind
from vpnteach.wire.constants import NotifyMessageType

L = TypeVar("L", bound=LogLine)

if TYPE_CHECKING:
    from vpnteach.gateway import GatewayEvent
    from vpnteach.ios import RouterConfig
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter


def notify_name(notify_type: int) -> str:
    """``NO_PROPOSAL_CHOSEN`` for 14 (RFC 2408 §3.14.1); the number if unknown."""
    try:
        return NotifyMessageType(notify_type).name
    except ValueError:
        return str(notify_type)


@dataclass
class RouterFacts:
    """One router's side of the run (see the module docstring)."""

    name: str
    router: LabRouter
    events: list[GatewayEvent] = field(default_factory=list)
    lines: list[LogLine] = field(default_factory=list)
    checks: list[CertificateCheck] = field(default_factory=list)
    counters: list[SaCounters] = field(default_factory=list)

    @property
    def config(self) -> RouterConfig:
        """The running configuration."""
        return self.router.config

    @property
    def address(self) -> str | None:
        """The crypto interface's address (``None``: no crypto map applied)."""
        gw = self.router.gateway
        return gw.local_address if gw is not None else None

    def of(self, kind: type) -> Iterator[object]:
        """The gateway events of class ``kind``, in order."""
        return (e for e in self.events if isinstance(e, kind))

    def sent(self) -> list[NotificationSent]:
        """Notifications this router sent."""
        return [e for e in self.events if isinstance(e, NotificationSent)]

    def received(self) -> list[NotificationReceived]:
        """Notifications this router received (INITIAL-CONTACT left out: not a complaint)."""
        return [
            e
            for e in self.events
            if isinstance(e, NotificationReceived)
            and e.notify_type != NotifyMessageType.INITIAL_CONTACT
        ]

    def failures(self) -> list[NegotiationFailed]:
        """Exchanges this router abandoned."""
        return [e for e in self.events if isinstance(e, NegotiationFailed)]

    def count(self, kind: type[LogLine]) -> int:
        """How many IKE records of ``kind`` (``Retransmitted``, ``BadMessage``...) it logged."""
        return sum(1 for line in self.lines if isinstance(line, kind))

    def first(self, kind: type[L]) -> L | None:
        """The first IKE record of ``kind``."""
        return next((line for line in self.lines if isinstance(line, kind)), None)

    @property
    def phase1_done(self) -> bool:
        """Main Mode completed at least once."""
        return any(isinstance(e, Phase1Complete) for e in self.events)

    @property
    def phase2_done(self) -> int:
        """How many Quick Modes completed."""
        return sum(1 for e in self.events if isinstance(e, Phase2Complete))

    def dead_peers(self) -> list[PeerDead]:
        """Peers Dead Peer Detection gave up on (RFC 3706 §5.4)."""
        return [e for e in self.events if isinstance(e, PeerDead)]

    @property
    def peer_dead(self) -> bool:
        """DPD declared the peer dead and no Quick Mode completed since (the tunnel is down)."""
        for e in reversed(self.events):
            if isinstance(e, PeerDead):
                return True
            if isinstance(e, Phase2Complete):
                return False
        return False

    @property
    def soft_expiries(self) -> int:
        """Soft lifetime expiries of its IPsec SAs (each starts a rekey)."""
        return sum(1 for e in self.events if isinstance(e, SoftLifetimeExpired))

    def esp_total(self, name: str) -> int:
        """The sum of ESP counter ``name`` over every SA (a counter object is shared by an
        SA and its rekeyed successors: counted once)."""
        return sum(int(getattr(c, name)) for c in self.counters)


def gather(lab: Lab) -> dict[str, RouterFacts]:
    """The facts of every router that runs (or ran) IPsec, by name."""
    return {name: _facts(name, router) for name, router in lab.routers.items()}


def _facts(name: str, router: LabRouter) -> RouterFacts:
    facts = RouterFacts(name, router, list(router.events))
    gw = router.gateway
    if gw is None:
        return facts
    facts.lines = [r for r in gw.ike.recorder.records if isinstance(r, LogLine)]
    facts.checks = [
        f.value
        for f in gw.ike.trace
        if f.kind is FactKind.CERTIFICATE_CHECK and isinstance(f.value, CertificateCheck)
    ]
    seen: set[int] = set()
    for sa in gw.installed:
        if id(sa.counters) not in seen:
            seen.add(id(sa.counters))
            facts.counters.append(sa.counters)
    return facts


def owner(views: dict[str, RouterFacts], address: str) -> RouterFacts | None:
    """The router whose crypto interface (or any interface) has ``address``."""
    for view in views.values():
        if view.address == address:
            return view
    for view in views.values():
        if view.router.node.owns(address):
            return view
    return None


def tunnel_up(views: dict[str, RouterFacts]) -> bool:
    """Both ends installed IPsec SAs (and neither has since declared the other dead)."""
    ends = [v for v in views.values() if v.router.gateway is not None]
    return len(ends) >= 2 and all(v.phase2_done and not v.peer_dead for v in ends)
