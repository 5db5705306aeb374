"""The simulated clock: wall-clock time for a learner, float seconds for the engines.

The engines take ``now`` as a float (seconds, monotonic); the learner sees dates (certificate
validity, ``show clock``, pcap timestamps). :class:`SimClock` holds both: an aware ``start``
datetime (by default the seed tutorial's ``Jun 6 2010 10:21:50`` AEST) and ``now``, the
seconds elapsed since then. Only the scheduler moves it, and only forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vpnteach._html import HtmlRepr

AEST = timezone(timedelta(hours=10), "AEST")
SEED_START = datetime(2010, 6, 6, 10, 21, 50, tzinfo=AEST)
"""The time of the seed tutorial's first log line."""


class ClockError(ValueError):
    """The clock was given a naive datetime or asked to run backwards."""


class SimClock(HtmlRepr):
    """Simulated time: ``now`` seconds after the aware datetime ``start``."""

    def __init__(self, start: datetime = SEED_START) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ClockError(f"the clock needs an aware start datetime, got naive {start!r}")
        self.start = start
        self.now = 0.0

    def advance_to(self, t: float) -> None:
        """Move to ``t`` seconds after start; ``ClockError`` if that is in the past."""
        if t < self.now:
            raise ClockError(f"the clock cannot run backwards from {self.now} s to {t} s")
        self.now = t

    def datetime_at(self, t: float) -> datetime:
        """The aware datetime ``t`` seconds after start."""
        return self.start + timedelta(seconds=t)

    @property
    def datetime(self) -> datetime:
        """The current simulated wall-clock time (aware)."""
        return self.datetime_at(self.now)

    def epoch_ns(self, t: float) -> int:
        """Nanoseconds since the Unix epoch at simulated time ``t`` (pcap timestamps)."""
        start_ns = int(self.start.timestamp()) * 1_000_000_000 + self.start.microsecond * 1000
        return start_ns + round(t * 1e9)

    def __repr__(self) -> str:
        return f"SimClock({self.datetime.isoformat()}, now={self.now:.6f})"
