"""Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18), both roles.

::

    Initiator                         Responder
    HDR, SK {SA, Ni, KEi}  -->
                          <--  HDR, SK {SA, Nr, KEr}

The SA payload proposes an IKE SA whose SPI is the sender's SPI for the *new* IKE SA; the
answer carries the responder's. Whoever started the rekey is the new SA's original initiator
(its SPI is SPIi). The new keys come from the old SA's SK_d and a fresh Diffie-Hellman
exchange, with the old SA's PRF for SKEYSEED::

    SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)

then prf+ as in §2.14 with the new SPIs. The Child SAs move to the new IKE SA, its Message
IDs start again at 0, and the rekeying side deletes the old IKE SA (INFORMATIONAL Delete).
When both ends rekey at once, :mod:`.ike_rekey_collision` keeps one of the two new IKE SAs
(§2.8.2); a rekey request while we create, rekey or delete a Child SA gets TEMPORARY_FAILURE
(§2.25.2).
"""

from __future__ import annotations

from dataclasses import replace

from vpnteach.crypto.dh import DhComputation, DhPublicValueError
from vpnteach.crypto.modp import get_group
from vpnteach.ikev2 import ike_rekey_collision
from vpnteach.ikev2.config import IkeProposal
from vpnteach.ikev2.context import Context, ProtocolError, Received
from vpnteach.ikev2.events import ChildSaFailed, IkeSaRekeyed
from vpnteach.ikev2.keymat import derive_rekeyed_ike_sa_keys
from vpnteach.ikev2.proposals import choose_ike, ike_proposal_of, ike_proposal_payload, ike_suite
from vpnteach.ikev2.sa import IkeSa, InitResult, PendingCreate
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, ProtocolId
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import DeletePayload, KePayload, NoncePayload, NotifyPayload
from vpnteach.wire.ikev2.sa import SaPayload

CREATE = ExchangeType.CREATE_CHILD_SA
NONCE_SIZE = 32


def send_rekey_ike_sa(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Propose a new IKE SA (our proposals, our new SPI, a KE in the current group)."""
    init = sa.init
    assert init is not None
    group = init.suite.proposal.dh
    spi = ctx.rng.random_bytes(8)
    ni = ctx.trace.derived(
        "Ni", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §1.3.2"
    )
    dh = DhComputation.start(get_group(group), ctx.rng, name="g^i (new)", trace=ctx.trace)
    ours = sorted(sa.config.ike_proposals, key=lambda p: p.dh != group)
    proposals = tuple(ike_proposal_payload(p, i, spi) for i, p in enumerate(ours, 1))
    payloads: list[Payload] = [
        SaPayload(proposals),
        NoncePayload(ni),
        KePayload(group, dh.public_value),
    ]
    mid = sa.next_request_id
    ctx.send_request(sa, CREATE, payloads)
    sa.pending_create = PendingCreate(mid, ni, spi, dh, None, ike=True)
    return State.READY


def receive_rekey_ike_request(
    ctx: Context, sa: IkeSa, rx: Received, sa_payload: SaPayload
) -> State:
    """Answer a peer's IKE SA rekey: choose, derive, create the new SA (we are its responder)."""
    ke, ni = rx.need(KePayload, "KE"), rx.need(NoncePayload, "Nonce").nonce_data
    if ike_rekey_collision.busy_with_child(sa):  # §2.25.2
        why = "a Child SA exchange of ours is in flight"
        return _refuse(ctx, sa, rx, NotifyType.TEMPORARY_FAILURE, b"", why)
    choice = choose_ike(sa_payload, sa.config.ike_proposals)
    if choice is None:
        return _refuse(
            ctx, sa, rx, NotifyType.NO_PROPOSAL_CHOSEN, b"", "no IKE proposal acceptable"
        )
    answer, chosen = choice
    if ke.dh_group_num != chosen.dh:
        return _refuse(
            ctx, sa, rx, NotifyType.INVALID_KE_PAYLOAD, chosen.dh.to_bytes(2, "big"), "KE group"
        )
    received = next(p for p in sa_payload.proposals if p.proposal_num == answer.proposal_num)
    if len(received.spi) != 8:
        raise ProtocolError("bad_spi", "an IKE SA proposal in CREATE_CHILD_SA needs an 8-byte SPI")
    spi_r = ctx.rng.random_bytes(8)
    nr = ctx.trace.derived(
        "Nr", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §1.3.2"
    )
    try:
        dh = DhComputation.start(get_group(chosen.dh), ctx.rng, name="g^r (new)", trace=ctx.trace)
        g_ir = dh.complete(ke.key_exchange_data, trace=ctx.trace).shared_secret
    except (KeyError, ValueError, DhPublicValueError) as exc:
        raise ProtocolError("bad_ke", str(exc)) from None
    assert g_ir is not None
    new = _new_sa(ctx, sa, "responder", received.spi, spi_r, chosen, dh, g_ir, ni, nr)
    payloads: list[Payload] = [
        SaPayload((replace(answer, spi=spi_r),)),
        NoncePayload(nr),
        KePayload(chosen.dh, dh.public_value),
    ]
    ctx.send_response(sa, CREATE, rx.message_id, payloads)
    ctx.adopted.append(new)
    ctx.emit(IkeSaRekeyed(sa.peer, sa.spi_i, sa.spi_r, new.spi_i, new.spi_r))
    ike_rekey_collision.answered(ctx, sa, ni, nr, new)  # ours of it may be in flight (§2.8.2)
    return State.READY


def receive_rekey_ike_response(
    ctx: Context, sa: IkeSa, rx: Received, pending: PendingCreate
) -> State:
    """The answer to our IKE SA rekey: create the new SA, then delete the old one (or, after
    a collision, the redundant new one, §2.8.2)."""
    collision = sa.ike_rekey_collision
    answer, nr = rx.first(SaPayload), rx.first(NoncePayload)
    if answer is None or nr is None or len(answer.proposals) != 1:
        sa.ike_rekey_collision = None  # the peer's new IKE SA is the only one
        error = rx.error_notify()
        kind = error.notify_message_type if error is not None else 0
        ctx.emit(ChildSaFailed(sa.peer, f"IKE SA rekey refused (notify {kind})", kind))
        return State.READY
    proposal = answer.proposals[0]
    try:
        chosen = ike_proposal_of(proposal)
    except ValueError as exc:
        raise ProtocolError("bad_proposal", str(exc)) from None
    if chosen not in sa.config.ike_proposals or len(proposal.spi) != 8 or pending.dh is None:
        raise ProtocolError("bad_proposal", "the answer is not one of our IKE proposals")
    ke = rx.need(KePayload, "KE")
    try:
        g_ir = pending.dh.complete(ke.key_exchange_data, trace=ctx.trace).shared_secret
    except DhPublicValueError as exc:
        raise ProtocolError("bad_ke", str(exc)) from None
    assert g_ir is not None
    sa.ike_rekey_collision = None
    new = _new_sa(
        ctx,
        sa,
        "initiator",
        pending.spi_in,
        proposal.spi,
        chosen,
        pending.dh,
        g_ir,
        pending.ni,
        nr.nonce_data,
    )
    ctx.adopted.append(new)
    ctx.emit(IkeSaRekeyed(sa.peer, sa.spi_i, sa.spi_r, new.spi_i, new.spi_r))
    if collision is not None and collision.theirs.state != State.EXIT:  # both stand (§2.8.2)
        return ike_rekey_collision.settle(ctx, sa, new, pending, nr.nonce_data, collision)
    sa.children = []  # they live on in the new SA
    ctx.send_request(sa, ExchangeType.INFORMATIONAL, [DeletePayload(ProtocolId.IKE, 0)])
    return State.DELETE


def _new_sa(
    ctx: Context,
    old: IkeSa,
    role: str,
    spi_i: bytes,
    spi_r: bytes,
    chosen: IkeProposal,
    dh: DhComputation,
    g_ir: bytes,
    ni: bytes,
    nr: bytes,
) -> IkeSa:
    """The new IKE SA (§2.18): keys from the old SK_d, the Child SAs, Message IDs from 0."""
    init = old.init
    assert init is not None
    suite = ike_suite(chosen)
    # SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old IKE SA's PRF
    keys = derive_rekeyed_ike_sa_keys(
        init.suite.prf,
        suite.prf,
        suite.integ,
        suite.encr,
        init.keys.sk_d,
        g_ir,
        ni,
        nr,
        spi_i,
        spi_r,
        trace=ctx.trace,
    )
    new = IkeSa(
        role, spi_i, old.peer, old.config, local_port=old.local_port, state=State.READY, spi_r=spi_r
    )
    new.init = InitResult(suite, dh, ni, nr, b"", b"", keys, init.nat_detected)
    new.created = ctx.now  # its Active Time starts now
    new.children = list(old.children)
    new.peer_identity, new.fragmentation, new.conn_id = (
        old.peer_identity,
        old.fragmentation,
        old.conn_id,
    )
    return new


def _refuse(ctx: Context, sa: IkeSa, rx: Received, kind: int, data: bytes, reason: str) -> State:
    ctx.send_response(sa, CREATE, rx.message_id, [NotifyPayload(kind, data)])
    ctx.emit(ChildSaFailed(sa.peer, f"IKE SA rekey refused: {reason}", kind))
    return State.READY
