"""Dead Peer Detection scheduling (RFC 3706), on demand as IOS ``crypto isakmp keepalive``.

The IKE endpoint only sends R-U-THERE and answers it; *when* to ask is decided here, from
the traffic the gateway sees. RFC 3706 §5.4: a peer need not be asked while its traffic keeps
arriving; IOS's on-demand mode asks only when it has ESP to send to the peer and has received
nothing from it for ``seconds`` (an idle tunnel is never asked, and a reply sent right after
a request does not raise a doubt); in periodic mode (IOS ``periodic``) it asks whenever the
peer has been silent that long, traffic or not. Each R-U-THERE carries the next sequence number
(RFC 3706 §6.2); unanswered, it is repeated every ``retry`` seconds, and after
:data:`DPD_LIMIT` unanswered ones the peer is declared dead (RFC 3706 §5.4).

Only *authenticated* traffic proves the peer alive (RFC 3706 §5.4-5.5 count "IPSec traffic" and
authenticated IKE, not datagrams from the peer's address, which anyone can send): ESP that
passed its ICV, a completed Phase 1 or Quick Mode, and an R-U-THERE-ACK whose sequence number
is one of the R-U-THERE messages now outstanding (§5.3, §6.1: the ACK echoes the sequence of the
request it answers; the request travelled encrypted, so a forger cannot know it).

::

    dpd = DpdTracker(seconds=10, retry=2, first_sequence=0x1234)
    dpd.established(peer, now)      # an ISAKMP SA with the peer is up: watch it
    dpd.received(peer, now)         # authenticated ESP or IKE from the peer: it lives
    dpd.answered(peer, seq, now)    # an R-U-THERE-ACK: it lives if seq is one we sent
    dpd.sent(peer, now)             # ESP to the peer
    for action in dpd.due(now): ... # Probe(peer, sequence, attempt) | Dead(peer)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vpnteach._html import HtmlRepr

DPD_LIMIT = 5
"""Unanswered R-U-THERE messages before the peer is dead (IOS: "(5/5)")."""


@dataclass(frozen=True)
class Probe(HtmlRepr):
    """Send R-U-THERE number ``attempt`` (1..:data:`DPD_LIMIT`) with ``sequence``."""

    peer: str
    sequence: int
    attempt: int


@dataclass(frozen=True)
class Dead(HtmlRepr):
    """``peer`` left :data:`DPD_LIMIT` R-U-THERE messages unanswered."""

    peer: str


@dataclass(frozen=True)
class PeerDead(HtmlRepr):
    """Gateway event: DPD declared ``peer`` dead; its ISAKMP and IPsec SAs are deleted."""

    peer: str
    unanswered: int
    reason: str = "DPD"


@dataclass
class _Liveness:
    """What is known of one peer's liveness."""

    last_received: float
    unanswered: int = 0
    next_retry: float | None = None  # when the next R-U-THERE (or the verdict) is due
    outstanding: set[int] = field(default_factory=set)  # sequences of this round's probes


class DpdTracker:
    """Per-peer DPD state for one gateway (see the module docstring)."""

    def __init__(
        self, seconds: float, retry: float, first_sequence: int, *, periodic: bool = False
    ) -> None:
        self.seconds, self.retry, self.periodic = seconds, retry, periodic
        self.sequence = first_sequence & 0x7FFFFFFF  # RFC 3706 §6.2: high bit 0, room to grow
        self.peers: dict[str, _Liveness] = {}

    def established(self, peer: str, now: float) -> None:
        """Watch ``peer`` from now (its ISAKMP SA just came up: that is hearing from it)."""
        self.peers[peer] = _Liveness(now)

    def forget(self, peer: str) -> None:
        """Stop watching ``peer`` (its ISAKMP SA is gone)."""
        self.peers.pop(peer, None)

    def received(self, peer: str, now: float) -> None:
        """Something authentic came from ``peer``: it is alive, no question pending."""
        live = self.peers.get(peer)
        if live is not None:
            live.last_received, live.unanswered, live.next_retry = now, 0, None
            live.outstanding.clear()

    def answered(self, peer: str, sequence: int, now: float) -> bool:
        """An R-U-THERE-ACK with ``sequence`` came from ``peer``: it counts (``True``) only
        if it answers an R-U-THERE of the current round (RFC 3706 §6.1)."""
        live = self.peers.get(peer)
        if live is None or sequence not in live.outstanding:
            return False
        self.received(peer, now)
        return True

    def sent(self, peer: str, now: float) -> bool:
        """We send ESP to ``peer``: if it has been silent for ``seconds``, its liveliness is
        in doubt and an R-U-THERE is due now. ``True`` if so (the caller's timer moves)."""
        live = self.peers.get(peer)
        if live is None or live.next_retry is not None:
            return False
        if now - live.last_received < self.seconds:
            return False
        live.next_retry = now
        return True

    def _due_at(self, live: _Liveness) -> float | None:
        if live.next_retry is None and self.periodic:  # ask whenever silent that long
            return live.last_received + self.seconds
        return live.next_retry

    def timer(self) -> float | None:
        """When :meth:`due` has something to do next (``None``: nothing pending)."""
        times = [t for live in self.peers.values() if (t := self._due_at(live)) is not None]
        return min(times) if times else None

    def due(self, now: float) -> list[Probe | Dead]:
        """What to do at ``now``: R-U-THERE to send, peers to declare dead."""
        actions: list[Probe | Dead] = []
        for peer, live in list(self.peers.items()):
            at = self._due_at(live)
            if at is None or at > now:
                continue
            if live.unanswered >= DPD_LIMIT:
                del self.peers[peer]
                actions.append(Dead(peer))
                continue
            live.unanswered += 1
            live.next_retry = now + self.retry
            self.sequence = (self.sequence + 1) & 0xFFFFFFFF
            live.outstanding.add(self.sequence)
            actions.append(Probe(peer, self.sequence, live.unanswered))
        return actions
