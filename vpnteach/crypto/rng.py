"""Random sources: the OS source for real use, a seeded one for replayable runs.

Every engine takes an :class:`Rng` argument instead of calling ``os.urandom`` itself
(DESIGN.md principle 5). :class:`SeededRng` is a deterministic generator (SHA-256 in counter
mode over the seed): the same seed gives the same cookies, nonces, DH private values, SPIs and
RSA keys on every machine and Python version, which makes runs replayable (the stepper's
``back()``) and exercises per-learner. It is *not* a CSPRNG for production secrets.
"""

from __future__ import annotations

import hashlib
import os
from typing import Protocol, runtime_checkable


@runtime_checkable
class Rng(Protocol):
    """A source of random bytes."""

    def random_bytes(self, n: int) -> bytes:
        """Return ``n`` random bytes."""
        ...


class OsRng:
    """The operating system's random source (the default)."""

    def random_bytes(self, n: int) -> bytes:
        """Return ``n`` bytes from ``os.urandom``."""
        return os.urandom(n)


class SeededRng:
    """A deterministic random source: SHA-256(seed | label | counter) blocks, concatenated.

    ``fork(label)`` gives an independent stream, so adding a draw in one component does not
    shift the values another component sees.
    """

    def __init__(self, seed: int | str | bytes, label: str = "") -> None:
        if isinstance(seed, int):
            seed_b = seed.to_bytes((seed.bit_length() + 8) // 8, "big", signed=True)
        elif isinstance(seed, str):
            seed_b = seed.encode()
        else:
            seed_b = bytes(seed)
        self._seed = seed_b
        self._label = label
        self._counter = 0
        self._pool = b""

    def random_bytes(self, n: int) -> bytes:
        """Return the next ``n`` bytes of the stream."""
        if n < 0:
            raise ValueError(f"cannot draw a negative number of bytes ({n})")
        while len(self._pool) < n:
            block = hashlib.sha256(
                len(self._seed).to_bytes(4, "big")
                + self._seed
                + self._label.encode()
                + self._counter.to_bytes(8, "big")
            ).digest()
            self._counter += 1
            self._pool += block
        out, self._pool = self._pool[:n], self._pool[n:]
        return out

    def fork(self, label: str) -> SeededRng:
        """An independent stream derived from the same seed and ``label``."""
        return SeededRng(self._seed, f"{self._label}/{label}")


def random_int_below(rng: Rng, bound: int) -> int:
    """A uniform integer in ``[0, bound)`` by rejection sampling over ``rng``."""
    if bound <= 0:
        raise ValueError(f"bound must be positive, got {bound}")
    nbytes = (bound.bit_length() + 7) // 8 + 8  # 64 extra bits make rejection rare
    limit = (1 << (8 * nbytes)) - ((1 << (8 * nbytes)) % bound)
    while True:
        x = int.from_bytes(rng.random_bytes(nbytes), "big")
        if x < limit:
            return x % bound
