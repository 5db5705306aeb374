"""The anti-replay sliding window (RFC 4303 §3.4.3), 64 packets wide by default.

The receiver remembers the highest sequence number it has accepted (``top``) and a bitmap of
which of the ``size`` numbers ending at ``top`` it has seen (bit ``i`` = ``top - i``). A new
number is

* **new** if it is above ``top`` (the window slides right),
* **in window** if ``top - size < seq <= top`` and its bit is clear,
* a **duplicate** if its bit is set, **too old** if it is left of the window.

RFC 4303 §3.4.3 orders the work: the duplicate check may be done before the ICV check (cheap
rejection), but the window is *updated only after the ICV verified*, so a forged packet can
never move it. Hence two methods: :meth:`ReplayWindow.check` (no side effect) and
:meth:`ReplayWindow.accept` (after the ICV). Sequence number 0 is never sent (§3.3.3: the first
packet carries 1) and is rejected. Our own code, from the RFC text (the RFC's Appendix A2
describes a bitmap in the same spirit).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DEFAULT_WINDOW_SIZE = 64
"""IOS's and the RFC's default window (RFC 4303 §3.4.3: "a minimum window size of 32 ...
MUST be supported ... a window size of 64 SHOULD be employed as the default")."""


class ReplayVerdict(Enum):
    """The window's answer for a sequence number."""

    NEW = "new: above the window's right edge"
    IN_WINDOW = "in window, not seen before"
    DUPLICATE = "duplicate: already received"
    TOO_OLD = "too old: left of the window"
    ZERO = "sequence number 0 is never sent (RFC 4303 §3.3.3)"

    @property
    def ok(self) -> bool:
        """The packet may proceed to the ICV check."""
        return self in (ReplayVerdict.NEW, ReplayVerdict.IN_WINDOW)


@dataclass
class ReplayWindow:
    """A sliding window of ``size`` sequence numbers (RFC 4303 §3.4.3)."""

    size: int = DEFAULT_WINDOW_SIZE
    top: int = 0
    bitmap: int = 0

    def __post_init__(self) -> None:
        if self.size < 32:
            raise ValueError(f"replay window of {self.size}: RFC 4303 §3.4.3 requires >= 32")

    def check(self, seq: int) -> ReplayVerdict:
        """Classify ``seq`` without changing the window."""
        if seq == 0:
            return ReplayVerdict.ZERO
        if seq > self.top:
            return ReplayVerdict.NEW
        offset = self.top - seq
        if offset >= self.size:
            return ReplayVerdict.TOO_OLD
        if self.bitmap >> offset & 1:
            return ReplayVerdict.DUPLICATE
        return ReplayVerdict.IN_WINDOW

    def accept(self, seq: int) -> ReplayVerdict:
        """Record ``seq`` as received (call only after its ICV verified); return the verdict."""
        verdict = self.check(seq)
        if verdict is ReplayVerdict.NEW:
            shift = seq - self.top
            self.bitmap = ((self.bitmap << shift) | 1) & ((1 << self.size) - 1)
            self.top = seq
        elif verdict is ReplayVerdict.IN_WINDOW:
            self.bitmap |= 1 << (self.top - seq)
        return verdict

    def received(self) -> list[int]:
        """The sequence numbers in the window already received, highest first (for display)."""
        return [self.top - i for i in range(min(self.size, self.top)) if self.bitmap >> i & 1]
