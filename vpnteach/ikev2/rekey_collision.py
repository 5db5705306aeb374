"""Simultaneous Child SA rekeys (RFC 7296 §2.8.1) and a rekey of a pair being deleted (§2.25.1).

Both ends may start a CREATE_CHILD_SA rekey of the same Child SA at once: each request reaches
the other end while that end's own request is still unanswered, both are answered, and two new
pairs replace the old one. §2.8.1 keeps one: "the SA created with the lowest of the four
nonces used in the two exchanges" is redundant, and the end that created it (the initiator of
that exchange) deletes it; the other end, whose pair survives, deletes the old one as after
any rekey (§2.8). Both ends compare the same four nonces, so they agree without a word.

The nonces are compared as octet strings (lexicographically, as ``bytes`` compare), the way
strongSwan compares them (``memcmp`` over the shorter length; ours are 32 octets both ways).

A rekey request for a pair that we already replaced and are deleting is answered with
TEMPORARY_FAILURE (§2.25.1): the peer's pair will go with our Delete.
"""

from __future__ import annotations

from vpnteach.ikev2.sa import ChildSa, IkeSa, RekeyCollision


def colliding(sa: IkeSa, old: ChildSa) -> bool:
    """Our own rekey of ``old`` is in flight (its answer not yet received)."""
    pending = sa.pending_create
    return (
        pending is not None
        and not pending.ike
        and pending.rekeyed is not None
        and pending.rekeyed.spi_in == old.spi_in
    )


def being_deleted(sa: IkeSa, old: ChildSa) -> bool:
    """``old`` waits for, or is in, our Delete (§2.25.1)."""
    return any(c.spi_in == old.spi_in for c in (*sa.delete_queue, *sa.deleting))


def ours_is_redundant(collision: RekeyCollision, our_ni: bytes, their_nr: bytes) -> bool:
    """§2.8.1: the lowest of the four nonces is in our exchange (our Ni or the peer's Nr)."""
    return min(our_ni, their_nr) < min(collision.their_ni, collision.our_nr)
