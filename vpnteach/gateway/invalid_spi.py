"""How often ESP for an unknown SPI may be answered with an INVALID-SPI notification.

IOS's invalid-SPI recovery (``crypto isakmp invalid-spi-recovery``) tells the peer, over the
ISAKMP SA, that an SPI it uses is not ours (RFC 2408 §3.14.1, INVALID-SPI), so that it drops
the stale SA pair and negotiates afresh. Each notification is an encrypted IKE message the
router builds for a packet anyone can forge (the SPI is in the clear and unauthenticated), so
the answers are limited twice:

* per (peer, SPI): at most one every :data:`INVALID_SPI_HOLDDOWN` seconds;
* for the whole router: at most :data:`INVALID_SPI_BURST` in any
  :data:`INVALID_SPI_WINDOW` seconds, whatever the SPIs (5,000 spoofed packets with random
  SPIs would otherwise make 5,000 notifications).

The remembered (peer, SPI) pairs are those answered within the hold-down, so there are never
more than :data:`INVALID_SPI_BURST` of them.
"""

from __future__ import annotations

from collections import deque

INVALID_SPI_HOLDDOWN = 10.0
"""Seconds between two INVALID-SPI notifications for the same SPI and peer."""
INVALID_SPI_BURST = 10
"""At most this many INVALID-SPI notifications (all SPIs, all peers) ..."""
INVALID_SPI_WINDOW = INVALID_SPI_HOLDDOWN
"""... in any window of this many seconds."""


class InvalidSpiLimiter:
    """The two limits of the module docstring; times are the caller's ``now`` (seconds)."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int], float] = {}  # (peer, spi) -> when answered
        self._recent: deque[float] = deque()  # when each notification of the window went out
        self.suppressed = 0

    def __len__(self) -> int:
        """How many (peer, SPI) pairs are remembered."""
        return len(self._last)

    def allow(self, peer: str, spi: int, now: float) -> bool:
        """May an INVALID-SPI for ``spi`` go to ``peer`` at ``now``? (Counts refusals.)"""
        self._expire(now)
        if (peer, spi) in self._last or len(self._recent) >= INVALID_SPI_BURST:
            self.suppressed += 1
            return False
        return True

    def sent(self, peer: str, spi: int, now: float) -> None:
        """One notification went out."""
        self._last[(peer, spi)] = now
        self._recent.append(now)

    def _expire(self, now: float) -> None:
        while self._recent and now - self._recent[0] >= INVALID_SPI_WINDOW:
            self._recent.popleft()
        stale = [key for key, when in self._last.items() if now - when >= INVALID_SPI_HOLDDOWN]
        for key in stale:
            del self._last[key]
