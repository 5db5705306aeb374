"""CREATE_CHILD_SA (RFC 7296 §1.3): a new Child SA (§1.3.1) or the rekey of one (§1.3.3),
with or without PFS, both roles.

::

    Initiator                         Responder
    HDR, SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr}  -->
                          <--  HDR, SK {SA, Nr, [KEr,] TSi, TSr}

Either end of the IKE SA may start it. Without N(REKEY_SA) it opens a further Child SA on the
IKE SA (after ``clear crypto sa`` or an INVALID_SPI, the next packet of a flow needs one).
N(REKEY_SA) names the Child SA being replaced by the sender's inbound SPI (§1.3.3). The new
KEYMAT uses the *new* nonces, and with PFS a fresh Diffie-Hellman exchange (§2.17)::

    KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)

The side that started the rekey deletes the old Child SA afterwards with an INFORMATIONAL
Delete (§2.8); until then both pairs are installed, so traffic continues on the old SAs
while the new ones come up. When both ends rekey the same pair at once, the redundant new
pair is deleted by whoever created it (§2.8.1, :mod:`.rekey_collision`). A KE payload of
another group than we chose is answered with INVALID_KE_PAYLOAD (§1.3); a request while the
IKE SA is being rekeyed, with TEMPORARY_FAILURE (§2.25.2, :mod:`.ike_rekey_collision`).
"""

from __future__ import annotations

from dataclasses import replace

from vpnteach.crypto.dh import DhComputation, DhPublicValueError
from vpnteach.crypto.modp import get_group
from vpnteach.ikev2 import ike_rekey_collision, rekey_collision, rekey_ike
from vpnteach.ikev2.config import EspProposal
from vpnteach.ikev2.context import Context, ProtocolError, Received
from vpnteach.ikev2.events import ChildSaEstablished, ChildSaFailed
from vpnteach.ikev2.ike_auth import child_event, ts_of
from vpnteach.ikev2.keymat import derive_child_sa_keys
from vpnteach.ikev2.proposals import choose_esp, esp_proposal_of, esp_proposal_payload, esp_suite
from vpnteach.ikev2.sa import ChildSa, IkeSa, PendingCreate, RekeyCollision
from vpnteach.ikev2.selectors import Network, responder_selectors, ts_payload
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, PayloadType, ProtocolId
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import DeletePayload, KePayload, NoncePayload, NotifyPayload
from vpnteach.wire.ikev2.sa import Proposal, SaPayload

CREATE = ExchangeType.CREATE_CHILD_SA
NONCE_SIZE = 32


def send_rekey_child_sa(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Start rekeying the Child SA of ``sa.rekey_request`` (``None``: open a new Child SA for
    the configured selectors, §1.3.1, no N(REKEY_SA)), with PFS if a group is given."""
    assert sa.rekey_request is not None
    child, group = sa.rekey_request
    sa.rekey_request = None
    ni = ctx.trace.derived(
        "Ni", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §1.3"
    )
    spi_in = ctx.rng.random_bytes(4)
    dh = None
    if group is not None:
        dh = DhComputation.start(get_group(group), ctx.rng, name="g^i (new)", trace=ctx.trace)
    proposals = tuple(
        esp_proposal_payload(p, i, spi_in, group is not None)
        for i, p in enumerate(_pfs(sa, group), 1)
    )
    payloads: list[Payload] = []
    if child is not None:
        payloads.append(NotifyPayload(NotifyType.REKEY_SA, b"", ProtocolId.ESP, child.spi_in))
    payloads += [SaPayload(proposals), NoncePayload(ni)]
    if dh is not None and group is not None:
        payloads.append(KePayload(group, dh.public_value))
    local = child.local_ts if child is not None else sa.config.local_ts
    remote = child.remote_ts if child is not None else sa.config.remote_ts
    payloads += [ts_payload(local, PayloadType.TSi), ts_payload(remote, PayloadType.TSr)]
    mid = sa.next_request_id
    ctx.send_request(sa, CREATE, payloads)
    sa.pending_create = PendingCreate(mid, ni, spi_in, dh, child)
    return State.READY


def _pfs(sa: IkeSa, group: int | None) -> tuple[EspProposal, ...]:
    """Our ESP proposals, each with ``group`` as its PFS group (or none)."""
    return tuple(replace(p, dh=group) for p in sa.config.esp_proposals)


def pfs_groups(sa: IkeSa) -> set[int]:
    """The PFS groups we accept: those configured on our ESP proposals, else the IKE SA's."""
    configured = {p.dh for p in sa.config.esp_proposals if p.dh is not None}
    if configured:
        return configured
    assert sa.init is not None
    return {sa.init.suite.proposal.dh}


def receive_create_child_sa_request(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """Answer a peer's Child SA rekey (or new Child SA), or hand an IKE SA rekey on."""
    assert rx is not None
    sa_payload = rx.need(SaPayload, "SA")
    if any(p.protocol_id == ProtocolId.IKE for p in sa_payload.proposals):
        return rekey_ike.receive_rekey_ike_request(ctx, sa, rx, sa_payload)
    if ike_rekey_collision.rekeying_ike(sa) or sa.superseded:  # §2.25.2
        return _refuse(ctx, sa, rx, NotifyType.TEMPORARY_FAILURE, "the IKE SA is being rekeyed")
    rekey = rx.notify(NotifyType.REKEY_SA)
    old = None
    if rekey is not None:
        old = next((c for c in sa.children if c.spi_out == rekey.spi), None)
        if old is None:
            return _refuse(ctx, sa, rx, NotifyType.CHILD_SA_NOT_FOUND, "no Child SA with that SPI")
        if rekey_collision.being_deleted(sa, old):  # §2.25.1
            return _refuse(ctx, sa, rx, NotifyType.TEMPORARY_FAILURE, "that Child SA is going")
        selectors = (old.local_ts, old.remote_ts)
    else:  # a new Child SA (§1.3.1): its selectors are checked and narrowed as in IKE_AUTH
        tsi, tsr = ts_of(rx, PayloadType.TSi), ts_of(rx, PayloadType.TSr)
        found = None
        if tsi is not None and tsr is not None:
            found = responder_selectors(tsi, tsr, sa.config.local_ts, sa.config.remote_ts)
        if found is None:
            return _refuse(ctx, sa, rx, NotifyType.TS_UNACCEPTABLE, "selectors outside policy")
        selectors = found
    ke = rx.first(KePayload)
    if ke is not None and ke.dh_group_num not in pfs_groups(sa):
        ours = min(pfs_groups(sa)).to_bytes(2, "big")
        return _refuse(ctx, sa, rx, NotifyType.INVALID_KE_PAYLOAD, "another PFS group", ours)
    spi_in = ctx.rng.random_bytes(4)
    group = ke.dh_group_num if ke is not None else None
    choice = choose_esp(sa_payload, _pfs(sa, group), spi_in, ke is not None)
    if choice is None:
        return _refuse(ctx, sa, rx, NotifyType.NO_PROPOSAL_CHOSEN, "no ESP proposal acceptable")
    ni, nr = _answer(ctx, sa, rx, choice, spi_in, old, ke, selectors)
    if old is not None and rekey_collision.colliding(sa, old):  # §2.8.1: settled by our answer
        sa.rekey_collision = RekeyCollision(old.spi_in, ni, nr, spi_in)
    return State.READY


def _answer(
    ctx: Context,
    sa: IkeSa,
    rx: Received,
    choice: tuple[Proposal, EspProposal, bytes],
    spi_in: bytes,
    old: ChildSa | None,
    ke: KePayload | None,
    selectors: tuple[Network, Network],
) -> tuple[bytes, bytes]:
    """Our SA, Nr, [KEr], TSi, TSr; then the new pair is installed and announced. Returns
    the exchange's Ni and Nr."""
    init = sa.init
    assert init is not None
    answer, proposal, spi_out = choice
    ni = rx.need(NoncePayload, "Nonce").nonce_data
    nr = ctx.trace.derived(
        "Nr", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §1.3"
    )
    payloads: list[Payload] = [SaPayload((answer,)), NoncePayload(nr)]
    g_ir = None
    if ke is not None:
        dh, g_ir = _pfs_exchange(ctx, ke)
        payloads.append(KePayload(ke.dh_group_num, dh.public_value))
    suite = esp_suite(proposal)
    keys = derive_child_sa_keys(
        init.suite.prf, init.keys.sk_d, ni, nr, suite.encr, suite.integ, g_ir, trace=ctx.trace
    )
    local, remote = selectors
    payloads += [ts_payload(remote, PayloadType.TSi), ts_payload(local, PayloadType.TSr)]
    ctx.send_response(sa, CREATE, rx.message_id, payloads)
    child = ChildSa(spi_in, spi_out, suite, keys, local, remote)
    sa.children.append(child)
    group = ke.dh_group_num if ke is not None else None
    ctx.emit(_as_rekey(child_event(sa, child, group, we_initiated=False), old))
    return ni, nr


def _pfs_exchange(ctx: Context, ke: KePayload) -> tuple[DhComputation, bytes]:
    """Our half of the PFS Diffie-Hellman exchange and g^ir (new) (§1.3.3)."""
    try:
        dh = DhComputation.start(
            get_group(ke.dh_group_num), ctx.rng, name="g^r (new)", trace=ctx.trace
        )
        g_ir = dh.complete(ke.key_exchange_data, trace=ctx.trace).shared_secret
    except (KeyError, ValueError, DhPublicValueError) as exc:
        raise ProtocolError("bad_ke", str(exc)) from None
    assert g_ir is not None
    return dh, g_ir


def _as_rekey(event: ChildSaEstablished, old: ChildSa | None) -> ChildSaEstablished:
    return replace(event, rekeyed_spi=old.spi_in if old else None)


def _refuse(
    ctx: Context, sa: IkeSa, rx: Received, kind: int, reason: str, data: bytes = b""
) -> State:
    ctx.send_response(sa, CREATE, rx.message_id, [NotifyPayload(kind, data)])
    ctx.emit(ChildSaFailed(sa.peer, reason, kind))
    return State.READY


def receive_create_child_sa_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """The answer to our rekey: install the new pair, then delete the old one (§2.8)."""
    assert rx is not None
    pending, init = sa.pending_create, sa.init
    assert init is not None
    if pending is None or pending.message_id != rx.message_id:
        raise ProtocolError("unexpected_response", "no CREATE_CHILD_SA request pending")
    if pending.ike:
        reached = rekey_ike.receive_rekey_ike_response(ctx, sa, rx, pending)
        sa.pending_create = None
        return reached
    sa.pending_create = None
    collision, sa.rekey_collision = sa.rekey_collision, None
    answer = rx.first(SaPayload)
    nr = rx.first(NoncePayload)
    if answer is None or nr is None or len(answer.proposals) != 1:
        error = rx.error_notify()
        kind = error.notify_message_type if error is not None else 0
        rekeyed = pending.rekeyed.spi_in if pending.rekeyed is not None else None
        ctx.emit(ChildSaFailed(sa.peer, f"rekey refused (notify {kind})", kind, rekeyed))
        return State.READY
    try:
        proposal = esp_proposal_of(answer.proposals[0])
    except ValueError as exc:
        raise ProtocolError("bad_proposal", str(exc)) from None
    group = pending.dh.group.number if pending.dh is not None else None
    if proposal not in _pfs(sa, group) or len(answer.proposals[0].spi) != 4:
        ctx.emit(ChildSaFailed(sa.peer, "the answer is not one of our proposals", 0))
        return State.READY
    g_ir = None
    if pending.dh is not None:
        ke = rx.need(KePayload, "KE")
        try:
            g_ir = pending.dh.complete(ke.key_exchange_data, trace=ctx.trace).shared_secret
        except DhPublicValueError as exc:
            raise ProtocolError("bad_ke", str(exc)) from None
    suite = esp_suite(proposal)
    keys = derive_child_sa_keys(
        init.suite.prf,
        init.keys.sk_d,
        pending.ni,
        nr.nonce_data,
        suite.encr,
        suite.integ,
        g_ir,
        trace=ctx.trace,
    )
    old = pending.rekeyed
    local = old.local_ts if old else sa.config.local_ts
    remote = old.remote_ts if old else sa.config.remote_ts
    child = ChildSa(pending.spi_in, answer.proposals[0].spi, suite, keys, local, remote)
    sa.children.append(child)
    ctx.emit(_as_rekey(child_event(sa, child, group, we_initiated=True), old))
    if (
        old is not None
        and collision is not None
        and collision.old_spi_in == old.spi_in
        and rekey_collision.ours_is_redundant(collision, pending.ni, nr.nonce_data)
    ):
        old = child  # §2.8.1: ours holds the lowest nonce; the peer deletes the old pair
    if old is not None:
        delete = DeletePayload(ProtocolId.ESP, 4, (old.spi_in,))
        ctx.send_request(sa, ExchangeType.INFORMATIONAL, [delete])
        sa.deleting.append(old)
    return State.READY
