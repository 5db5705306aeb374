"""IKE_AUTH (RFC 7296 §1.2), both roles: identities, AUTH, and the first Child SA.

::

    Initiator                         Responder
    HDR, SK {IDi, [CERT,] [N(INITIAL_CONTACT),]
        [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}  -->
                          <--  HDR, SK {IDr, [CERT,] AUTH, SAr2, TSi, TSr}

Everything travels inside the SK payload, so the identities are hidden from a passive
observer (only the responder could be probed by an active one). Each side's AUTH covers its
own IKE_SA_INIT message, the peer's nonce and its ID (:mod:`vpnteach.ikev2.auth`). The
Child SA's keys come from SK_d and the IKE_SA_INIT nonces (§2.17): no second Diffie-Hellman.
A Child SA that cannot be agreed (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) does not undo the IKE
SA (§1.2); a failed AUTH does (AUTHENTICATION_FAILED, §2.21.2).
"""

from __future__ import annotations

from dataclasses import replace

from vpnteach.ikev2.auth import AuthenticationError, authenticator, cert_request, signed_octets
from vpnteach.ikev2.config import CertCredential, Identity, PeerConfig
from vpnteach.ikev2.context import NAT_T_PORT, Context, Received
from vpnteach.ikev2.events import (
    ChildSaEstablished,
    ChildSaFailed,
    IkeSaEstablished,
    NegotiationFailed,
)
from vpnteach.ikev2.keymat import derive_child_sa_keys
from vpnteach.ikev2.proposals import choose_esp, esp_proposal_of, esp_proposal_payload, esp_suite
from vpnteach.ikev2.sa import ChildSa, IkeSa, InitResult
from vpnteach.ikev2.selectors import narrowed_network, responder_selectors, ts_payload
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, PayloadType
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import AuthPayload, IdPayload, NotifyPayload, TsPayload
from vpnteach.wire.ikev2.sa import SaPayload

AUTH = ExchangeType.IKE_AUTH


def send_auth_request(ctx: Context, sa: IkeSa) -> None:
    """Our IKE_AUTH request; moves to UDP 4500 first if a NAT was detected (§2.23)."""
    init, cfg = sa.init, sa.config
    assert init is not None
    if init.nat_detected:
        sa.local_port, sa.peer = NAT_T_PORT, (sa.peer[0], NAT_T_PORT)
    idi = cfg.local_id.payload(PayloadType.IDi)
    octets = _signed_octets(ctx, init, idi, "i")
    auth = authenticator(cfg.credential).build(init.suite.prf, octets, ctx.trace, "i")
    sa.pending_child_spi = ctx.rng.random_bytes(4)
    esp = tuple(
        esp_proposal_payload(p, i, sa.pending_child_spi, False)
        for i, p in enumerate(cfg.esp_proposals, 1)
    )
    payloads: list[Payload] = [idi, *auth[:-1], NotifyPayload(NotifyType.INITIAL_CONTACT)]
    if isinstance(cfg.credential, CertCredential):
        payloads.append(cert_request(cfg.credential.ca_certificate))
    if cfg.remote_id is not None:
        payloads.append(cfg.remote_id.payload(PayloadType.IDr))
    payloads += [auth[-1], SaPayload(esp)]
    payloads += [
        ts_payload(cfg.local_ts, PayloadType.TSi),
        ts_payload(cfg.remote_ts, PayloadType.TSr),
    ]
    ctx.send_request(sa, AUTH, payloads)


def _check_identity(cfg: PeerConfig, peer_id: IdPayload) -> None:
    if cfg.remote_id is not None and not cfg.remote_id.matches_payload(peer_id):
        raise AuthenticationError(
            f"peer identity {Identity.of(peer_id)} is not the configured {cfg.remote_id}"
        )


def _signed_octets(ctx: Context, init: InitResult, id_payload: IdPayload, side: str) -> bytes:
    """What side ``"i"`` or ``"r"`` signs (RFC 7296 §2.15): its IKE_SA_INIT message, the
    other side's nonce and prf(SK_p, ID') of its identity."""
    if side == "i":
        msg, nonce, sk_p = init.message1, init.nr, init.keys.sk_pi
    else:
        msg, nonce, sk_p = init.message2, init.ni, init.keys.sk_pr
    return signed_octets(
        init.suite.prf, msg, nonce, sk_p, id_payload, initiator=side == "i", trace=ctx.trace
    )


def _verify_peer(ctx: Context, sa: IkeSa, rx: Received, id_payload: IdPayload, side: str) -> None:
    """Check the peer's identity against the configuration and its AUTH (RFC 7296 §2.15).

    Raises:
        AuthenticationError: naming what did not match.
    """
    init, cfg = sa.init, sa.config
    assert init is not None
    octets = _signed_octets(ctx, init, id_payload, side)
    _check_identity(cfg, id_payload)
    authenticator(cfg.credential).verify(
        init.suite.prf, octets, rx.payloads, id_payload, ctx.now, ctx.trace, side
    )


def receive_auth_request(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """Verify the initiator's AUTH; answer with ours and the first Child SA."""
    assert rx is not None
    init, cfg = sa.init, sa.config
    assert init is not None
    idi = rx.need(IdPayload, "IDi")
    try:
        _verify_peer(ctx, sa, rx, idi, "i")
    except AuthenticationError as exc:
        ctx.send_response(
            sa, AUTH, rx.message_id, [NotifyPayload(NotifyType.AUTHENTICATION_FAILED)]
        )
        ctx.emit(NegotiationFailed(sa.peer, str(exc), NotifyType.AUTHENTICATION_FAILED))
        return State.EXIT
    sa.peer_identity = str(Identity.of(idi))
    idr = cfg.local_id.payload(PayloadType.IDr)
    octets_r = _signed_octets(ctx, init, idr, "r")
    payloads: list[Payload] = [
        idr,
        *authenticator(cfg.credential).build(init.suite.prf, octets_r, ctx.trace, "r"),
    ]
    _ike_established(ctx, sa)
    child, child_payloads = _respond_child(ctx, sa, rx)
    ctx.send_response(sa, AUTH, rx.message_id, payloads + child_payloads)
    _child_established(ctx, sa, child)
    return State.READY


def _respond_child(ctx: Context, sa: IkeSa, rx: Received) -> tuple[ChildSa | None, list[Payload]]:
    """The responder's Child SA: chosen proposal and narrowed selectors, or a refusal notify."""
    cfg, init = sa.config, sa.init
    assert init is not None
    sa_payload = rx.first(SaPayload)
    tsi, tsr = ts_of(rx, PayloadType.TSi), ts_of(rx, PayloadType.TSr)
    if sa_payload is None or tsi is None or tsr is None:
        return None, []
    spi_in = ctx.rng.random_bytes(4)
    choice = choose_esp(sa_payload, cfg.esp_proposals, spi_in, pfs=False)
    if choice is None:
        ctx.emit(
            ChildSaFailed(sa.peer, "no ESP proposal acceptable", NotifyType.NO_PROPOSAL_CHOSEN)
        )
        return None, [NotifyPayload(NotifyType.NO_PROPOSAL_CHOSEN)]
    selectors = responder_selectors(tsi, tsr, cfg.local_ts, cfg.remote_ts)
    if selectors is None:
        ctx.emit(
            ChildSaFailed(
                sa.peer, "traffic selectors outside our policy", NotifyType.TS_UNACCEPTABLE
            )
        )
        return None, [NotifyPayload(NotifyType.TS_UNACCEPTABLE)]
    local, remote = selectors
    answer, proposal, spi_out = choice
    suite = esp_suite(proposal)
    keys = derive_child_sa_keys(
        init.suite.prf, init.keys.sk_d, init.ni, init.nr, suite.encr, suite.integ, trace=ctx.trace
    )
    child = ChildSa(spi_in, spi_out, suite, keys, local, remote)
    payloads: list[Payload] = [
        SaPayload((answer,)),
        ts_payload(remote, PayloadType.TSi),
        ts_payload(local, PayloadType.TSr),
    ]
    return child, payloads


def ts_of(rx: Received, payload_type: int) -> TsPayload | None:
    """The TSi or TSr payload of ``rx``."""
    return next(
        (p for p in rx.payloads if isinstance(p, TsPayload) and p.payload_type == payload_type),
        None,
    )


def receive_auth_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """Verify the responder's AUTH; install the Child SA it agreed to."""
    assert rx is not None
    if rx.first(AuthPayload) is None:
        error = rx.error_notify()
        kind = error.notify_message_type if error is not None else 0
        ctx.emit(NegotiationFailed(sa.peer, f"IKE_AUTH refused (notify {kind})", kind))
        return State.EXIT
    idr = rx.need(IdPayload, "IDr")
    try:
        _verify_peer(ctx, sa, rx, idr, "r")
    except AuthenticationError as exc:
        ctx.emit(NegotiationFailed(sa.peer, str(exc), NotifyType.AUTHENTICATION_FAILED))
        return State.EXIT
    sa.peer_identity = str(Identity.of(idr))
    _ike_established(ctx, sa)
    _child_established(ctx, sa, _accept_child(ctx, sa, rx))
    return State.READY


def _accept_child(ctx: Context, sa: IkeSa, rx: Received) -> ChildSa | None:
    """The initiator's Child SA from the responder's SAr2, TSi, TSr, if it agreed."""
    cfg, init = sa.config, sa.init
    assert init is not None
    sa_payload = rx.first(SaPayload)
    tsi, tsr = ts_of(rx, PayloadType.TSi), ts_of(rx, PayloadType.TSr)
    error = rx.error_notify()
    if sa_payload is None or tsi is None or tsr is None:
        kind = error.notify_message_type if error is not None else 0
        ctx.emit(ChildSaFailed(sa.peer, f"responder created no Child SA (notify {kind})", kind))
        return None
    answer = sa_payload.proposals[0] if len(sa_payload.proposals) == 1 else None
    try:
        proposal = esp_proposal_of(answer) if answer is not None else None
    except ValueError:
        proposal = None
    local, remote = narrowed_network(tsi, cfg.local_ts), narrowed_network(tsr, cfg.remote_ts)
    offered = {replace(p, dh=None) for p in cfg.esp_proposals}  # no DH in IKE_AUTH (§1.2)
    if answer is None or proposal not in offered or len(answer.spi) != 4:
        ctx.emit(ChildSaFailed(sa.peer, "responder chose an ESP proposal we did not offer", 0))
        return None
    if local is None or remote is None:
        ctx.emit(ChildSaFailed(sa.peer, "responder's traffic selectors are outside ours", 0))
        return None
    assert proposal is not None
    suite = esp_suite(proposal)
    keys = derive_child_sa_keys(
        init.suite.prf, init.keys.sk_d, init.ni, init.nr, suite.encr, suite.integ, trace=ctx.trace
    )
    return ChildSa(sa.pending_child_spi, answer.spi, suite, keys, local, remote)


def _ike_established(ctx: Context, sa: IkeSa) -> None:
    init = sa.init
    assert init is not None
    ctx.emit(
        IkeSaEstablished(
            sa.peer,
            sa.role,
            sa.spi_i,
            sa.spi_r,
            init.suite.text,
            sa.peer_identity,
            init.nat_detected,
        )
    )


def _child_established(ctx: Context, sa: IkeSa, child: ChildSa | None) -> None:
    if child is not None:
        sa.children.append(child)
        ctx.emit(child_event(sa, child))


def child_event(
    sa: IkeSa, child: ChildSa, pfs_group: int | None = None, *, we_initiated: bool | None = None
) -> ChildSaEstablished:
    """The event announcing ``child`` with our inbound/outbound keys.

    KEYMAT's initiator-to-responder keys come first (§2.17), "initiator" meaning whoever sent
    the request of the exchange that created the Child SA: the IKE SA's initiator for
    IKE_AUTH, either end for CREATE_CHILD_SA (``we_initiated``).
    """
    keys = child.keys
    initiated = sa.initiator if we_initiated is None else we_initiated
    if initiated:  # initiator-to-responder keys protect what we send
        enc_out, int_out, enc_in, int_in = keys.encr_i, keys.integ_i, keys.encr_r, keys.integ_r
    else:
        enc_in, int_in, enc_out, int_out = keys.encr_i, keys.integ_i, keys.encr_r, keys.integ_r
    p = child.suite.proposal
    nat = sa.init.nat_detected if sa.init is not None else False
    return ChildSaEstablished(
        sa.peer,
        sa.role,
        child.spi_in,
        child.spi_out,
        p.encr,
        p.key_bits,
        p.integ,
        enc_in,
        int_in,
        enc_out,
        int_out,
        child.local_ts,
        child.remote_ts,
        nat,
        pfs_group,
    )
