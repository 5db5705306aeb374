"""What every phase 1 authenticator shares: the IOS ID rule, the ID payload dump, the flow of
MM5/MM6 (RFC 2409 §5.1: ``IDx`` then the proof of ``HASH_I``/``HASH_R``).

An :class:`Authenticator` is the one place where an authentication method differs (strongSwan's
``src/libcharon/sa/ikev1/authenticators/`` has one unit per method too): which nonce and ID
payloads MM3/MM4 carry, how SKEYID is made, what proves ``HASH_I``/``HASH_R`` in MM5/MM6 (or
AM2/AM3) and how the peer's proof is checked. The handlers call it; they never ask which
method was negotiated. Subclasses: :mod:`.pre_share` (strongSwan's ``psk_v1_authenticator``),
:mod:`.rsa_sig` (its ``pubkey_v1_authenticator``), :mod:`.rsa_encr` (no strongSwan counterpart:
it has no IKEv1 public key encryption). As there, one object per SA is made once the method is
negotiated, and the exchange code only calls it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import ClassVar

from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.debuglog import id_payload_body
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.records_endpoint import PayloadProcessing
from vpnteach.ike.records_phase1 import (
    AuthMethodChosen,
    IdPayloadLogged,
    NoProfileMatched,
    PeerWantsCert,
    TotalLength,
    TrustpointChosen,
)
from vpnteach.ike.sa import IsakmpSa, P, PeerIdentity
from vpnteach.pki.certinfo import certificate_info
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import IdType, NotifyMessageType, PayloadType
from vpnteach.wire.payloads import CertReqPayload, IdPayload, NoncePayload
from vpnteach.wire.payloads import id_ipv4_address as id_ipv4

UDP = 17


@dataclass(frozen=True)
class HashOf:
    """``HASH_I`` or ``HASH_R`` (``name``) over an ID payload body (RFC 2409 §5)."""

    name: str
    compute: Callable[[bytes], bytes]

    def __call__(self, id_b: bytes) -> bytes:
        """The hash over ``id_b``."""
        return self.compute(id_b)


def ios_dn(name_rfc4514: str) -> str:
    """``cn=WIN2003,dc=amit,dc=com``: the DN as IOS prints it (attribute names lower-case)."""
    return re.sub(
        r"(^|,)([A-Za-z]+)=", lambda m: m.group(1) + m.group(2).lower() + "=", name_rfc4514
    )


def log_id_payload(ctx: Context, payload: IdPayload, next_payload: int) -> None:
    """The multi-line "ID payload" dump IOS prints for sent and received IDs."""
    value = payload.value
    if payload.id_type == IdType.ID_FQDN:
        field = ("FQDN name", str(value))
    elif payload.id_type == IdType.ID_IPV4_ADDR:
        field = ("address", str(value))
    else:
        field = ("data", payload.identification_data.hex())
    length = 8 + len(payload.identification_data)
    rows = [field, ("protocol", str(payload.protocol_id)), ("port", str(payload.port))]
    body = id_payload_body(next_payload, payload.id_type, [*rows, ("length", str(length))])
    ctx.log(IdPayloadLogged(body=body))


def identity_text(payload: IdPayload) -> str:
    """The peer identity as text (``Branch2.amit.com``, ``10.2.2.1``, a DN's hex)."""
    value = payload.value
    return value.hex() if isinstance(value, bytes) else str(value)


def checked_id(payload: IdPayload) -> IdPayload:
    """``payload`` once its identification data decodes (RFC 2407 §4.6.2), else
    INVALID-ID-INFORMATION."""
    try:
        payload.value  # noqa: B018 - decodes the identification data
    except ValueError as exc:
        raise IkeError(f"peer ID: {exc}", NotifyMessageType.INVALID_ID_INFORMATION) from None
    return payload


def receive_cert_requests(ctx: Context, inbound: list[Payload]) -> None:
    """Log the peer's CERT_REQ payloads (RFC 2408 §3.10) and which trustpoint answers them."""
    tp = ctx.config.trustpoint()
    for cr in inbound:
        if not isinstance(cr, CertReqPayload):
            continue
        ctx.log(PayloadProcessing(payload="CERT_REQ", mid=0))
        if tp is not None and tp.ca_certificate is not None:
            issuer = ios_dn(certificate_info(tp.ca_certificate).subject_dn)
            ctx.log(PeerWantsCert(issuer=issuer))
            ctx.log(TrustpointChosen(trustpoint=tp.name))


def first_payload(inbound: list[Payload], kind: type[P]) -> P:
    """The first payload of ``kind`` (the payload rules, ``rules.py``, require one)."""
    for payload in inbound:
        if isinstance(payload, kind):
            return payload
    raise IkeError(f"{kind.__name__} missing", NotifyMessageType.PAYLOAD_MALFORMED)


def read_peer_id(ctx: Context, inbound: list[Payload]) -> PeerIdentity:
    """The peer's ID payload in MM5/MM6 or AM1/AM2, logged as IOS logs it."""
    peer_id = first_payload(inbound, IdPayload)
    ctx.log(PayloadProcessing(payload="ID", mid=0))
    index = inbound.index(peer_id)
    nxt = inbound[index + 1].payload_type if index + 1 < len(inbound) else 0
    checked_id(peer_id)
    log_id_payload(ctx, peer_id, nxt)
    ctx.log(NoProfileMatched())
    return PeerIdentity(payload_body(peer_id), identity_text(peer_id), peer_id)


class Authenticator(ABC):
    """One phase 1 authentication method (RFC 2409 §5.1-§5.4), for one ISAKMP SA."""

    #: The IOS ``authentication`` keyword of the method.
    keyword: ClassVar[str]
    #: How IOS names it in "SA is doing <method> authentication using id type ...".
    ios_text: ClassVar[str]
    #: The payload that follows our ID in MM5/MM6 (the ID dump logs it as next payload).
    proof_payload: ClassVar[PayloadType] = PayloadType.HASH

    def __repr__(self) -> str:
        # the method only: a pre-shared key must not show up in a repr of the SA
        return f"{type(self).__name__}()"

    @classmethod
    @abstractmethod
    def unusable_reason(cls, ctx: Context, peer: str) -> str | None:
        """Why the method cannot be used with ``peer`` (``None``: it can)."""

    @classmethod  # noqa: B027 - an optional hook: most methods explain nothing
    def explain_unusable(cls, ctx: Context, policy: IsakmpPolicy, reason: str) -> None:
        """Log why ``policy`` is left out of our offer (silent unless a method says)."""

    @classmethod
    def create(cls, ctx: Context, peer: str) -> Authenticator:
        """The authenticator for an SA with ``peer`` that negotiated this method."""
        return cls()

    # ------------------------------------------------------------------ MM3/MM4

    def cert_requests(self, ctx: Context) -> list[CertReqPayload]:
        """CERT_REQ payloads for MM3/MM4 (and AM1/AM2); none unless certificates are used."""
        return []

    def nonce_payloads(self, ctx: Context, sa: IsakmpSa, nonce: bytes) -> list[Payload]:
        """Our nonce (RFC 2409 §5.1: ``Ni_b``/``Nr_b`` in clear)."""
        return [NoncePayload(nonce)]

    def receive_nonce(self, ctx: Context, sa: IsakmpSa, inbound: list[Payload]) -> bytes:
        """The peer's nonce from MM3/MM4 (AM1/AM2)."""
        ctx.log(PayloadProcessing(payload="NONCE", mid=0))
        return first_payload(inbound, NoncePayload).nonce_data

    @abstractmethod
    def skeyid(
        self, ctx: Context, sa: IsakmpSa, h: HashAlgorithm, ni_b: bytes, nr_b: bytes, g_xy: bytes
    ) -> bytes:
        """SKEYID by the method's formula (RFC 2409 §5)."""

    def keys_derived(self, ctx: Context) -> None:  # noqa: B027 - optional hook
        """Called once SKEYID and the rest exist (what IOS logs then)."""

    # ------------------------------------------------------------------ MM5/MM6, AM2/AM3

    def my_id(self, ctx: Context, sa: IsakmpSa) -> IdPayload:
        """Our ID: the interface address (IOS ``crypto isakmp identity address``)."""
        port = 500 if sa.local_port == 500 else 0
        ctx.log(AuthMethodChosen(method=self.ios_text, id_type="ID_IPV4_ADDR"))
        return id_ipv4(IPv4Address(ctx.config.local_address), UDP, port)

    def aggressive_id(self, ctx: Context, sa: IsakmpSa) -> IdPayload:
        """Our ID in AM1/AM2 (the same rule as in Main Mode unless a method says otherwise)."""
        return self.my_id(ctx, sa)

    def auth_payloads(self, ctx: Context, sa: IsakmpSa, hash_of: HashOf) -> list[Payload]:
        """MM5/MM6: our ID, then the proof of our HASH over its body."""
        my_id = self.my_id(ctx, sa)
        sa.my_id_b = payload_body(my_id)
        log_id_payload(ctx, my_id, self.proof_payload)
        ctx.log(TotalLength(length=8 + len(my_id.identification_data)))
        return [my_id, *self.proof(ctx, hash_of(sa.my_id_b))]

    @abstractmethod
    def proof(self, ctx: Context, hash_x: bytes) -> list[Payload]:
        """The payloads that prove ``hash_x`` (our HASH_I or HASH_R)."""

    def receive_auth(
        self, ctx: Context, sa: IsakmpSa, inbound: list[Payload], hash_of: HashOf
    ) -> None:
        """MM5/MM6: the peer's ID and its proof of the peer's HASH over that ID."""
        sa.peer_id = read_peer_id(ctx, inbound)
        self.verify(ctx, sa, inbound, sa.peer_id, hash_of(sa.peer_id.id_b))

    @abstractmethod
    def verify(
        self,
        ctx: Context,
        sa: IsakmpSa,
        inbound: list[Payload],
        peer: PeerIdentity,
        expected: bytes,
    ) -> None:
        """Check the peer's proof of ``expected``; raise :class:`IkeError` if it fails."""

    def show_offline_guess_material(self, ctx: Context, sa: IsakmpSa) -> None:  # noqa: B027
        """Aggressive Mode: record what a passive observer can do with AM1/AM2 (nothing
        unless the method makes it a dictionary attack)."""
