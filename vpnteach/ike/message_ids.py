"""The Message IDs an ISAKMP SA has used: a replayed exchange is recognised and dropped.

RFC 2408 §3.1: the Message ID "uniquely identifies" an exchange in phase 2 (Quick Mode,
informational exchanges); it is chosen at random by the side starting the exchange and never
reused on the same ISAKMP SA. An encrypted informational message (RFC 2409 §5.7) is one
message with no answer, so nothing but its Message ID tells a copy recorded on the wire and
sent again later from the genuine one: its HASH(1) verifies just as well. IOS and strongSwan
refuse a Message ID they have already seen on the SA; so does :class:`MessageIds`.

The set is bounded (the peer, who alone can make IDs that verify, starts a new exchange every
few seconds at most for DPD): beyond :data:`MESSAGE_ID_MEMORY` the oldest are forgotten, which
only means a replay of a very old message is processed again, and such a message can no longer
move the SA (see :mod:`vpnteach.ike.endpoint`, "never from a replay").
"""

from __future__ import annotations

from collections import deque

from vpnteach.wire.errors import InputError

MESSAGE_ID_MEMORY = 4096
"""How many Message IDs an SA remembers (about 16 hours of DPD every 15 s)."""


class ReplayedMessageError(InputError):
    """An authenticated message whose Message ID was already used on this ISAKMP SA: a
    replay (RFC 2408 §3.1). It is counted and dropped; it changes nothing."""


class MessageIds:
    """The phase 2 Message IDs seen on one ISAKMP SA, oldest first, at most ``limit``."""

    def __init__(self, limit: int = MESSAGE_ID_MEMORY) -> None:
        self.limit = limit
        self._order: deque[int] = deque()
        self._seen: set[int] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, mid: object) -> bool:
        return mid in self._seen

    def use(self, mid: int, what: str) -> None:
        """Record ``mid`` (a verified ``what``); raise :class:`ReplayedMessageError` if it was
        already used."""
        self.refuse_used(mid, what)
        self.add(mid)

    def refuse_used(self, mid: int, what: str) -> None:
        """Raise :class:`ReplayedMessageError` if ``mid`` was already used."""
        if mid in self._seen:
            raise ReplayedMessageError(
                f"replayed {what}: message ID {mid:08X} already used on this ISAKMP SA "
                "(RFC 2408 §3.1)"
            )

    def add(self, mid: int) -> None:
        """Record ``mid`` as used (forgetting the oldest beyond ``limit``)."""
        if mid in self._seen:
            return
        self._seen.add(mid)
        self._order.append(mid)
        if len(self._order) > self.limit:
            self._seen.discard(self._order.popleft())
