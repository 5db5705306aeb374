"""Child SA rekeys that could not go out or were refused, tried again (RFC 7296 §2.3, §2.25).

A rekey (§1.3.3) that comes due at a bad moment is not dropped, which would leave the pair to
run to its hard lifetime and be replaced with a short loss:

* our request window is busy (§2.3, window size 1: an INFORMATIONAL of ours, a liveness
  check, an INVALID_SPI notify or a Delete, or another exchange awaits its answer): the rekey
  goes out as soon as the answer comes, as a new Child SA waits for the window;
* the peer answers N(TEMPORARY_FAILURE) (§2.25: it is, for instance, rekeying the IKE SA at
  that moment, :mod:`~vpnteach.ikev2.ike_rekey_collision`); §2.25 has the initiator try
  again later, after a random delay: here :data:`RETRY_DELAY` s.

Either retry is given up when the pair being rekeyed is gone by then (deleted, replaced, or
removed from the SAD at its hard lifetime): the gateway checks before it tries again.
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.crypto.rng import Rng, random_int_below

RETRY_DELAY = (1.0, 5.0)
"""The random delay, from and to, in seconds, before a refused rekey is tried again (local
policy: §2.25 asks for a random delay and gives no figure)."""


class RekeyRetries:
    """The rekeys waiting to be tried again, by the inbound SPI of the pair they rekey."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self._waiting: dict[int, tuple[str, float | None]] = {}  # SPI -> (peer, due or None)

    def __len__(self) -> int:
        return len(self._waiting)

    def when_free(self, spi_in: int, peer: str) -> None:
        """Retry once our request window with ``peer`` is free (§2.3)."""
        self._waiting[spi_in] = (peer, None)

    def later(self, spi_in: int, peer: str, now: float) -> float:
        """Retry after a random delay (§2.25); returns when."""
        low, high = RETRY_DELAY
        due = now + low + (high - low) * random_int_below(self.rng, 1001) / 1000
        self._waiting[spi_in] = (peer, due)
        return due

    def timer(self) -> float | None:
        """The earliest delayed retry."""
        return min((due for _, due in self._waiting.values() if due is not None), default=None)

    def due(self, now: float, window_free: Callable[[str], bool]) -> list[int]:
        """The SPIs to retry now (each returned once): the delayed ones whose time has come,
        and the ones waiting for a window that ``window_free`` says is free."""
        found = [
            spi
            for spi, (peer, due) in self._waiting.items()
            if (due is None and window_free(peer)) or (due is not None and due <= now)
        ]
        for spi in found:
            del self._waiting[spi]
        return found
