"""Simultaneous IKE SA rekeys (RFC 7296 §2.8.2) and the other collisions of an IKE SA rekey
(§2.25.2).

Both ends may decide to rekey the IKE SA at the same moment: each sends a CREATE_CHILD_SA
proposing a new IKE SA, and each request reaches the other end while that end's own is still
unanswered::

    Host A                                   Host B
    req1: SA(..,SPIa1,..), Ni1, KEi  -->
                                  <--  req2: SA(..,SPIb1,..), Ni2, KEi
    recv req2, send resp2: SA(..,SPIa2,..), Nr1  -->
                                       recv req1, send resp1: SA(..,SPIb2,..), Nr2
    recv resp1                         recv resp2

Both requests are answered (§2.25.2: "reply as usual"), so two new IKE SAs exist: SPIa1/SPIb2
from A's exchange (nonces Ni1, Nr2) and SPIb1/SPIa2 from B's (Ni2, Nr1). §2.8.2 keeps one:
the new IKE SA "containing the lowest nonce" is deleted by the end that created it (the
initiator of that exchange), and "the other surviving new IKE SA MUST inherit all the Child
SAs". Both ends compare the same four nonces, so they agree without a word. As strongSwan
does (``ike_rekey.c``, ``collision_lost``), the end whose own exchange made the survivor
deletes the old IKE SA as after any rekey; the other end deletes its redundant one and waits
for that Delete of the old one. The nonces compare as octet strings, as ``bytes`` compare
(strongSwan: ``memcmp``; ours are 32 octets both ways).

If one end finishes its rekey before the other's request reaches it (it noticed nothing), it
is already deleting the old IKE SA and answers that request with TEMPORARY_FAILURE (§2.8.2,
§2.25.2); the other end, which noticed, gets the Delete of the old IKE SA, and the new IKE SA
it answered is the only one.

An IKE SA rekey also collides with a Child SA exchange of the same IKE SA (§2.25.2): a
request to rekey the IKE SA while we create, rekey or delete a Child SA, and a request to
create or rekey a Child SA while we rekey the IKE SA, are answered with TEMPORARY_FAILURE
(strongSwan: ``have_half_open_children`` in ``ike_rekey.c``, "unable to create CHILD_SA
while rekeying IKE_SA" in ``child_create.c``); the peer tries again later (§2.25).
"""

from __future__ import annotations

from vpnteach.ikev2.context import Context, Received
from vpnteach.ikev2.events import IkeSaRekeyCollision
from vpnteach.ikev2.sa import IkeRekeyCollision, IkeSa, PendingCreate
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, ProtocolId
from vpnteach.wire.ikev2.payloads import DeletePayload, NotifyPayload

INFO = ExchangeType.INFORMATIONAL


def rekeying_ike(sa: IkeSa) -> bool:
    """Our rekey of ``sa`` (the IKE SA) is in flight, its answer not yet received."""
    return sa.pending_create is not None and sa.pending_create.ike


def busy_with_child(sa: IkeSa) -> bool:
    """We create or rekey a Child SA of ``sa``, or delete one (§2.25.2)."""
    pending = sa.pending_create
    return (pending is not None and not pending.ike) or bool(sa.deleting)


def answered(ctx: Context, sa: IkeSa, their_ni: bytes, our_nr: bytes, theirs: IkeSa) -> None:
    """We answered the peer's rekey of ``sa`` and made ``theirs``; ``sa`` is replaced (the
    peer, or the collision's winner, deletes it), and if our own rekey of it is in flight,
    the two collide (§2.8.2): settled when our answer arrives."""
    sa.superseded_at = ctx.now
    if rekeying_ike(sa):
        sa.ike_rekey_collision = IkeRekeyCollision(their_ni, our_nr, theirs)


def ours_is_redundant(collision: IkeRekeyCollision, our_ni: bytes, their_nr: bytes) -> bool:
    """§2.8.2: the lowest of the four nonces is in our exchange (our Ni or the peer's Nr)."""
    return min(our_ni, their_nr) < min(collision.their_ni, collision.our_nr)


def settle(
    ctx: Context,
    old: IkeSa,
    ours: IkeSa,
    pending: PendingCreate,
    their_nr: bytes,
    collision: IkeRekeyCollision,
) -> State:
    """Our rekey of ``old`` made ``ours`` and the peer's made ``collision.theirs``: keep one,
    give it the Child SAs; delete ours if it is the redundant one (the old IKE SA then waits
    for the peer's Delete), else delete the old IKE SA and wait for the peer's Delete of the
    redundant one. Returns the old IKE SA's next state."""
    theirs = collision.theirs
    lost = ours_is_redundant(collision, pending.ni, their_nr)
    kept, redundant = (theirs, ours) if lost else (ours, theirs)
    kept.children, redundant.children = list(old.children), []
    old.children, old.superseded_at = [], ctx.now
    redundant.superseded_at = ctx.now
    ctx.emit(_record(old, kept, redundant, pending.ni, their_nr, collision, lost))
    if lost:  # we created the redundant IKE SA: we delete it, on itself (§2.8.2)
        redundant.state = State.DELETE
        ctx.send_request(redundant, INFO, [DeletePayload(ProtocolId.IKE, 0)])
        return State.READY
    ctx.send_request(old, INFO, [DeletePayload(ProtocolId.IKE, 0)])
    return State.DELETE


def _record(
    old: IkeSa,
    kept: IkeSa,
    redundant: IkeSa,
    our_ni: bytes,
    their_nr: bytes,
    collision: IkeRekeyCollision,
    lost: bool,
) -> IkeSaRekeyCollision:
    return IkeSaRekeyCollision(
        old.peer,
        old.spi_i,
        old.spi_r,
        kept.spi_i,
        kept.spi_r,
        redundant.spi_i,
        redundant.spi_r,
        our_ni,
        their_nr,
        collision.their_ni,
        collision.our_nr,
        lost,
    )


def refuse_create_child_sa(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """A CREATE_CHILD_SA request on an IKE SA we are deleting (after our own rekey of it,
    or a Delete): TEMPORARY_FAILURE (§2.8.2, §2.25.2); its successor, if any, will do."""
    assert rx is not None
    ctx.stats["create_child_sa_refused_while_deleting"] += 1
    temporary = NotifyPayload(NotifyType.TEMPORARY_FAILURE, b"")
    ctx.send_response(sa, ExchangeType.CREATE_CHILD_SA, rx.message_id, [temporary])
    return sa.state
