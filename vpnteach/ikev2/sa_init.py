"""IKE_SA_INIT (RFC 7296 §1.2), both roles: proposals, Diffie-Hellman, nonces, NAT detection.

::

    Initiator                         Responder
    HDR, SAi1, KEi, Ni,
      [N(NAT_DETECTION_*)]  -->
                          <--  HDR, SAr1, KEr, Nr, [CERTREQ], [N(NAT_DETECTION_*)]

The responder picks one proposal; if the initiator guessed another DH group for its KE it
answers INVALID_KE_PAYLOAD naming the right one, and the initiator starts again with it
(§1.2). Under load (§2.6) the responder keeps no state for a new request and answers
N(COOKIE); the initiator repeats its request with that cookie first. Whoever returns the
cookie receives at the address it claims, but may still be many: beyond
``max_in_negotiation`` half-open SAs a request is dropped (IOS's in-negotiation limit).
After this exchange both sides hold g^ir and derive SKEYSEED and the SK_* keys (§2.14);
nothing is authenticated yet.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from vpnteach.crypto.dh import DhComputation, DhPublicValueError
from vpnteach.crypto.modp import get_group
from vpnteach.ikev2.auth import cert_request
from vpnteach.ikev2.config import CertCredential, IkeProposal
from vpnteach.ikev2.context import Context, ProtocolError, Received
from vpnteach.ikev2.events import NegotiationFailed
from vpnteach.ikev2.ike_auth import send_auth_request
from vpnteach.ikev2.keymat import derive_ike_sa_keys
from vpnteach.ikev2.nat import nat_detected, nat_notifies
from vpnteach.ikev2.proposals import choose_ike, ike_proposal_of, ike_sa_payload, ike_suite
from vpnteach.ikev2.sa import IkeSa, InitResult
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import KePayload, NoncePayload, NotifyPayload
from vpnteach.wire.ikev2.sa import SaPayload

NONCE_SIZE = 32
MAX_RETRIES = 3  # INVALID_KE_PAYLOAD / COOKIE answers we follow before giving up
SA_INIT = ExchangeType.IKE_SA_INIT


def _start_dh(ctx: Context, group: int, name: str) -> DhComputation:
    try:
        modp = get_group(group)
    except (KeyError, ValueError):
        raise ProtocolError("unsupported_group", f"DH group {group} is not implemented") from None
    return DhComputation.start(modp, ctx.rng, name=name, trace=ctx.trace)


def _local(ctx: Context, sa: IkeSa) -> tuple[str, int]:
    return ctx.config.local_address, sa.local_port


def send_sa_init(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Send (or send again, with another group or a cookie) our IKE_SA_INIT request."""
    cfg = sa.config
    group = sa.dh_group or cfg.ike_proposals[0].dh
    # a retry after COOKIE repeats every other payload unchanged (§2.6): same KE and Ni
    dh = sa.pending_dh
    if dh is None or dh.group.number != group:
        dh = _start_dh(ctx, group, "g^i")
    ni = sa.pending_ni or ctx.trace.derived(
        "Ni", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §2.10"
    )
    payloads: list[Payload] = []
    if sa.cookie:  # §2.6: the COOKIE notify comes first
        payloads.append(NotifyPayload(NotifyType.COOKIE, sa.cookie))
    payloads += [
        ike_sa_payload(_group_first(cfg.ike_proposals, group)),
        KePayload(group, dh.public_value),
        NoncePayload(ni),
    ]
    if cfg.nat_traversal:
        payloads += nat_notifies(sa.spi_i, bytes(8), _local(ctx, sa), sa.peer)
    if cfg.fragmentation:
        payloads.append(NotifyPayload(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED))
    sa.next_request_id = 0
    sa.pending_dh, sa.pending_ni = dh, ni
    sa.pending_message1 = ctx.send_request(sa, SA_INIT, payloads)
    return State.I_WAIT_INIT


def _group_first(proposals: tuple[IkeProposal, ...], group: int) -> tuple[IkeProposal, ...]:
    """Our proposals, those with the KE's group first (a responder takes the first it likes)."""
    return tuple(sorted(proposals, key=lambda p: p.dh != group))


def receive_sa_init_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """The responder's answer: a retry request (INVALID_KE_PAYLOAD, COOKIE), an error, or the
    SA: then derive the keys and send IKE_AUTH (:mod:`vpnteach.ikev2.ike_auth`)."""
    assert rx is not None
    retry = _retry(ctx, sa, rx)
    if retry is not None:
        return retry
    error = rx.error_notify()
    if error is not None:
        reason = f"peer answered IKE_SA_INIT with {_name(error.notify_message_type)}"
        ctx.emit(NegotiationFailed(sa.peer, reason, error.notify_message_type))
        return State.EXIT
    sa_payload = rx.need(SaPayload, "SA")
    ke, nr = rx.need(KePayload, "KE"), rx.need(NoncePayload, "Nonce")
    if len(sa_payload.proposals) != 1:
        raise ProtocolError("bad_proposal", "the answer must carry exactly one proposal")
    try:
        chosen = ike_proposal_of(sa_payload.proposals[0])
    except ValueError as exc:
        raise ProtocolError("bad_proposal", str(exc)) from None
    if chosen not in sa.config.ike_proposals:
        raise ProtocolError("bad_proposal", "the responder chose a proposal we did not offer")
    dh = sa.pending_dh
    if dh is None or ke.dh_group_num != chosen.dh or dh.group.number != chosen.dh:
        raise ProtocolError("bad_ke", f"KE group {ke.dh_group_num} is not the chosen {chosen.dh}")
    if rx.message.header.spi_r == bytes(8):
        raise ProtocolError("bad_spi", "responder SPI is zero")
    spi_r = rx.message.header.spi_r
    init = _complete(ctx, sa, chosen, dh, ke, sa.pending_ni, nr.nonce_data, spi_r, rx)
    sa.spi_r, sa.init = spi_r, init
    sa.fragmentation = _fragmentation(sa, rx)
    sa.retransmit = None
    send_auth_request(ctx, sa)
    return State.I_WAIT_AUTH


def _retry(ctx: Context, sa: IkeSa, rx: Received) -> State | None:
    """Follow an INVALID_KE_PAYLOAD or COOKIE answer (§1.2, §2.6) by sending again."""
    cookie = rx.notify(NotifyType.COOKIE)
    invalid_ke = rx.notify(NotifyType.INVALID_KE_PAYLOAD)
    if cookie is None and invalid_ke is None:
        return None
    sa.retries += 1
    if sa.retries > MAX_RETRIES:
        ctx.emit(NegotiationFailed(sa.peer, "too many IKE_SA_INIT retries", 0))
        return State.EXIT
    if cookie is not None:
        sa.cookie = cookie.notification_data
    if invalid_ke is not None:
        data = invalid_ke.notification_data
        group = int.from_bytes(data[:2], "big") if len(data) >= 2 else 0
        if group not in {p.dh for p in sa.config.ike_proposals}:
            reason = f"peer wants DH group {group}, which we do not propose"
            ctx.emit(NegotiationFailed(sa.peer, reason, NotifyType.INVALID_KE_PAYLOAD))
            return State.EXIT
        sa.dh_group = group
    ctx.stats["sa_init_retries"] += 1
    return send_sa_init(ctx, sa, None)


def _complete(
    ctx: Context,
    sa: IkeSa,
    chosen: IkeProposal,
    dh: DhComputation,
    ke: KePayload,
    ni: bytes,
    nr: bytes,
    spi_r: bytes,
    rx: Received,
) -> InitResult:
    """g^ir, SKEYSEED and SK_* (§2.14), and whether a NAT sits between us (§2.23)."""
    suite = ike_suite(chosen)
    try:
        dh = dh.complete(ke.key_exchange_data, trace=ctx.trace)
    except DhPublicValueError as exc:
        raise ProtocolError("bad_ke", str(exc)) from None
    assert dh.shared_secret is not None
    g_ir = ctx.trace.derived(
        "g^ir", "(g^r)^i mod p = (g^i)^r mod p", dh.shared_secret, rfc="RFC 7296 §2.14"
    )
    keys = derive_ike_sa_keys(
        suite.prf,
        suite.integ,
        suite.encr,
        g_ir,
        ni,
        nr,
        sa.spi_i,
        spi_r,
        trace=ctx.trace,
    )
    nat_spi_r = spi_r if sa.initiator else bytes(8)
    nat = nat_detected(rx.notifies(), sa.spi_i, nat_spi_r, rx.addr, _local(ctx, sa), ctx.trace)
    # RealMessage1/2 as AUTH signs them (§2.15); the responder's own message2 is filled in
    # once it is encoded
    message1, message2 = (sa.pending_message1, rx.data) if sa.initiator else (rx.data, b"")
    return InitResult(suite, dh, ni, nr, message1, message2, keys, nat)


def cookie_for(secret: bytes, ni: bytes, addr: str, spi_i: bytes) -> bytes:
    """Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>) (§2.6)."""
    digest = hashlib.sha256(ni + addr.encode() + spi_i + secret).digest()
    return b"\x00" + digest[:16]


def receive_sa_init_request(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """A new IKE_SA_INIT: choose a proposal, check the KE group, answer (§1.2)."""
    assert rx is not None
    cfg = sa.config
    sa_payload, ke = rx.need(SaPayload, "SA"), rx.need(KePayload, "KE")
    ni = rx.need(NoncePayload, "Nonce").nonce_data
    if not 16 <= len(ni) <= 256:
        raise ProtocolError("bad_nonce", f"nonce of {len(ni)} bytes (RFC 7296 §2.10: 16..256)")
    if ctx.half_open >= ctx.config.max_half_open:  # §2.6: under load, ask for a cookie
        expected = cookie_for(ctx.cookie_secret, ni, rx.addr[0], sa.spi_i)
        got = rx.notify(NotifyType.COOKIE)
        if got is None or not hmac.compare_digest(got.notification_data, expected):
            ctx.stats["cookie_sent"] += 1
            return _stateless(ctx, sa, rx, NotifyType.COOKIE, expected)
    if ctx.half_open >= ctx.config.max_in_negotiation:  # a hard bound, cookie or not
        raise ProtocolError("half_open_limit", f"{ctx.half_open} IKE SAs half open already")
    choice = choose_ike(sa_payload, cfg.ike_proposals)
    if choice is None:
        return _refuse(ctx, sa, NotifyType.NO_PROPOSAL_CHOSEN, b"", "no IKE proposal acceptable")
    answer, chosen = choice
    if ke.dh_group_num != chosen.dh:
        group = chosen.dh.to_bytes(2, "big")
        ctx.stats["invalid_ke_sent"] += 1
        return _stateless(ctx, sa, rx, NotifyType.INVALID_KE_PAYLOAD, group)
    dh = _start_dh(ctx, chosen.dh, "g^r")
    nr = ctx.trace.derived(
        "Nr", "random nonce", ctx.rng.random_bytes(NONCE_SIZE), rfc="RFC 7296 §2.10"
    )
    spi_r = ctx.rng.random_bytes(8)
    init = _complete(ctx, sa, chosen, dh, ke, ni, nr, spi_r, rx)
    sa.spi_r = spi_r
    payloads: list[Payload] = [
        SaPayload((answer,)),
        KePayload(chosen.dh, dh.public_value),
        NoncePayload(nr),
    ]
    if cfg.nat_traversal and rx.notify(NotifyType.NAT_DETECTION_SOURCE_IP) is not None:
        payloads += nat_notifies(
            sa.spi_i, spi_r, (ctx.config.local_address, rx.local_port), rx.addr
        )
    if isinstance(cfg.credential, CertCredential):
        payloads.append(cert_request(cfg.credential.ca_certificate))
    sa.fragmentation = _fragmentation(sa, rx)
    if sa.fragmentation:
        payloads.append(NotifyPayload(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED))
    message2 = ctx.send_response(sa, SA_INIT, rx.message_id, payloads)
    sa.init = replace(init, message2=message2)
    return State.R_WAIT_AUTH


def _fragmentation(sa: IkeSa, rx: Received) -> bool:
    """Both ends announced IKE fragmentation (RFC 7383 §2.3)."""
    supported = rx.notify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) is not None
    return sa.config.fragmentation and supported


def _stateless(ctx: Context, sa: IkeSa, rx: Received, kind: int, data: bytes) -> State:
    """An answer that keeps no state (INVALID_KE_PAYLOAD, COOKIE): SPIr stays zero (§2.6)."""
    ctx.send_response(sa, SA_INIT, rx.message_id, [NotifyPayload(kind, data)])
    return State.EXIT


def _refuse(ctx: Context, sa: IkeSa, kind: int, data: bytes, reason: str) -> State:
    ctx.send_response(sa, SA_INIT, 0, [NotifyPayload(kind, data)])
    ctx.emit(NegotiationFailed(sa.peer, reason, kind))
    return State.EXIT


def _name(kind: int) -> str:
    try:
        return NotifyType(kind).name
    except ValueError:
        return f"notify {kind}"
