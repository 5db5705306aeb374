"""The router process's packet counters, bounded whatever arrives.

``show router counters`` prints a counter per kind of event; some kinds are built from what a
datagram carries (the reason an ESP packet was dropped names its SPI), so forged packets with
random SPIs would otherwise add one counter each, for good (20,000 bogus SPIs made the output
955 KB). :class:`BoundedCounter` keeps at most ``limit`` distinct names: once full, a new name
is counted under :data:`OTHER` instead.
"""

from __future__ import annotations

from collections import Counter

OTHER = "other (counter table full)"
"""The bucket of every name that came after the table was full."""
COUNTER_LIMIT = 256
"""How many distinct counters the router process keeps (its own names are a few dozen)."""


class BoundedCounter(Counter[str]):
    """A :class:`collections.Counter` of at most ``limit`` names plus :data:`OTHER`.

    ``counter[name] += n`` works as on a ``Counter``: for a new name once the table is full,
    the ``n`` is added to :data:`OTHER`.
    """

    def __init__(self, limit: int = COUNTER_LIMIT) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError(f"a counter table holds at least 1 name, not {limit}")
        self.limit = limit

    def __setitem__(self, key: str, value: int) -> None:
        if key in self or key == OTHER or len(self) - (OTHER in self) < self.limit:
            super().__setitem__(key, value)
        else:  # ``value`` is 0 + the increment: a missing name reads as 0
            super().__setitem__(OTHER, self.get(OTHER, 0) + value)
