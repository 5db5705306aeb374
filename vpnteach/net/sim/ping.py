"""An IOS-style ping: ICMP echo requests one at a time, each answered or timed out (RFC 792).

Like IOS ``ping``, the next echo request is sent as soon as the previous one is answered or
its timeout (2 s by default) expires, and ``size`` is the whole IP packet (100 bytes by
default: 20 IP + 8 ICMP + 72 bytes of the 0xABCD pattern). Each request is sent from a
:class:`~vpnteach.net.sim.events.TimerFired` event, so the stepper sees "ping seq 3" as a step.
Results fill in as simulated time runs: ``marks`` gives IOS's ``.!!!!`` and
``round_trip_ms`` its ``min/avg/max``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpnteach._html import HtmlRepr
from vpnteach.net.sim.scheduler import Scheduled
from vpnteach.wire.ip import icmp_echo

if TYPE_CHECKING:
    from vpnteach.net.sim.node import Node

HEADERS = 28  # IPv4 header (20) + ICMP echo header (8)


class PingError(ValueError):
    """A ping asked for an impossible size or count."""


@dataclass(frozen=True)
class EchoResult(HtmlRepr):
    """One echo request: when it was sent and when its reply came (None: timed out)."""

    sequence: int
    sent_at: float
    reply_at: float | None

    @property
    def ok(self) -> bool:
        """Whether a reply came in time (IOS ``!``; a timeout is ``.``)."""
        return self.reply_at is not None

    @property
    def rtt(self) -> float | None:
        """Round-trip time in seconds, or None."""
        return None if self.reply_at is None else self.reply_at - self.sent_at


class Ping(HtmlRepr):
    """A running or finished ping from ``src`` to ``dst``; see :meth:`Node.ping`."""

    def __init__(
        self, node: Node, src: str, dst: str, count: int, size: int, timeout: float,
        interval: float, identifier: int,
    ) -> None:  # fmt: skip
        if count < 1 or not HEADERS <= size <= 65535 or timeout <= 0:
            raise PingError(f"ping needs count >= 1, size {HEADERS}..65535, timeout > 0")
        self.node, self.src, self.dst = node, src, dst
        self.count, self.size, self.timeout, self.interval = count, size, timeout, interval
        self.identifier = identifier
        self.results: list[EchoResult] = []
        self._sent_at = 0.0
        self._timer: Scheduled | None = None

    @property
    def done(self) -> bool:
        """All ``count`` requests are answered or timed out."""
        return len(self.results) == self.count

    @property
    def marks(self) -> str:
        """IOS's progress line: ``!`` per reply, ``.`` per timeout."""
        return "".join("!" if r.ok else "." for r in self.results)

    @property
    def success_percent(self) -> int:
        """Replies as a whole percentage of requests sent so far (IOS rounds down)."""
        return 100 * sum(r.ok for r in self.results) // len(self.results) if self.results else 0

    def round_trip_ms(self) -> tuple[int, int, int] | None:
        """``(min, avg, max)`` round-trip in whole milliseconds, None without a reply."""
        rtts = [round(r.rtt * 1000) for r in self.results if r.rtt is not None]
        return (min(rtts), sum(rtts) // len(rtts), max(rtts)) if rtts else None

    def start(self) -> None:
        """Schedule the first echo request (now)."""
        self._schedule_send(self.node.scheduler.now)

    def reply_received(self, src: str, sequence: int, now: float) -> None:
        """An echo reply with this ping's identifier arrived (called by the node)."""
        if self.done or src != self.dst or sequence != len(self.results) or self._timer is None:
            return  # a late, duplicate or foreign reply: IOS ignores it too
        self._timer.cancel()
        self._finish(EchoResult(sequence, self._sent_at, now), now)

    def _schedule_send(self, at: float) -> None:
        seq = len(self.results)
        self.node.set_timer(f"ping {self.dst} seq {seq}", at, lambda now: self._send(seq, now))

    def _send(self, seq: int, now: float) -> None:
        pattern = b"\xab\xcd" * (self.size // 2 + 1)
        packet = icmp_echo(
            self.src, self.dst, identifier=self.identifier, sequence=seq,
            data=pattern[: self.size - HEADERS], ident=self.node.next_ident(),
        )  # fmt: skip
        self._sent_at = now
        self._timer = self.node.set_timer(
            f"ping {self.dst} seq {seq} timeout", now + self.timeout, self._timed_out
        )
        self.node.send_packet(packet)

    def _timed_out(self, now: float) -> None:
        self._finish(EchoResult(len(self.results), self._sent_at, None), now)

    def _finish(self, result: EchoResult, now: float) -> None:
        self._timer = None
        self.results.append(result)
        if not self.done:
            self._schedule_send(now + self.interval)

    def __repr__(self) -> str:
        return f"Ping({self.src} -> {self.dst}, {self.marks!r}, {len(self.results)}/{self.count})"
