"""When an IKE endpoint next has work: a heap of the ISAKMP SAs' due times.

An SA needs :meth:`~vpnteach.ike.endpoint.IkeEndpoint.handle_timer` when the message it (or
one of its Quick Mode exchanges) last sent goes unanswered for the retransmission interval
(RFC 2408 §2.5.6 leaves the schedule to the implementation; IOS backs off), or when its
lifetime ends (RFC 2407 §4.5). A hub has one SA per spoke, so ``get_timer`` must not scan
them all for every datagram: :class:`TimerIndex` keeps the due times in a heap.
"""

from __future__ import annotations

import heapq
from itertools import count

from vpnteach.ike.sa import IsakmpSa, Messages


def holders(sa: IsakmpSa) -> list[Messages]:
    """The messages of the SA (first) and of its Quick Mode nodes: all that may await an
    answer."""
    return [sa.messages, *(node.messages for node in sa.nodes.values())]


def dues(sa: IsakmpSa) -> list[float]:
    """The times ``sa`` needs ``handle_timer``: its retransmissions and its lifetime's end."""
    if sa.dead:
        return []
    found = [h.retransmit.due for h in holders(sa) if h.retransmit is not None]
    return [*found, sa.expires] if sa.expires is not None else found


class TimerIndex:
    """The SAs' due times in a heap, so that ``get_timer`` does not scan every SA.

    Lazy deletion: an entry ``(due, seq, CKY-I)`` is checked against the SA when it reaches
    the top and dropped if that due time is gone (answered, backed off, SA dead or deleted).
    The endpoint *touches* every SA it hands to a handler; touched SAs' due times are pushed
    before the heap is read. ``order`` keeps ``sas``' insertion order for ``due``.
    """

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, bytes]] = []
        self.pushed: dict[bytes, set[float]] = {}  # the due times each SA has in the heap
        self.dirty: set[bytes] = set()
        self.order: dict[bytes, int] = {}
        self._seq = count()

    def add(self, key: bytes) -> None:
        """A new key in ``sas`` (its place in the dict's order)."""
        self.order[key] = next(self._seq)
        self.dirty.add(key)

    def remove(self, key: bytes) -> None:
        """``key`` left ``sas``; its heap entries go stale and are dropped when reached."""
        self.order.pop(key, None)
        self.pushed.pop(key, None)
        self.dirty.discard(key)

    def touch(self, key: bytes) -> None:
        """The SA's due times may have changed."""
        self.dirty.add(key)

    def earliest(self, sas: dict[bytes, IsakmpSa]) -> float | None:
        """The earliest due time of any live SA in ``sas`` (``None``: no timer)."""
        self._flush(sas)
        heap = self.heap
        while heap:
            due, _, key = heap[0]
            sa = sas.get(key)
            if sa is not None and due in dues(sa):
                return due
            heapq.heappop(heap)
            self._forget(key, due)
        return None

    def due(self, sas: dict[bytes, IsakmpSa], now: float) -> list[IsakmpSa]:
        """The SAs with something due at ``now``, in ``sas`` order; they count as touched."""
        keys: set[bytes] = set()
        while (due := self.earliest(sas)) is not None and due <= now:
            _, _, key = heapq.heappop(self.heap)
            self._forget(key, due)
            keys.add(key)
        self.dirty |= keys  # re-read after handle_timer ran (or if it did not act)
        return [sas[k] for k in sorted(keys, key=lambda k: self.order.get(k, -1))]

    def _flush(self, sas: dict[bytes, IsakmpSa]) -> None:
        if len(self.heap) > 64 + 8 * len(sas):  # mostly stale entries: rebuild
            self.heap, self.pushed, self.dirty = [], {}, set(sas)
        for key in self.dirty:
            sa = sas.get(key)
            if sa is None:
                continue
            pushed = self.pushed.setdefault(key, set())
            for due in dues(sa):
                if due not in pushed:
                    pushed.add(due)
                    heapq.heappush(self.heap, (due, next(self._seq), key))
        self.dirty = set()

    def _forget(self, key: bytes, due: float) -> None:
        pushed = self.pushed.get(key)
        if pushed is not None:
            pushed.discard(due)
            if not pushed:
                del self.pushed[key]
