"""Main Mode authenticated with public key encryption, IOS ``authentication rsa-encr``.

RFC 2409 §5.2 (authentication method 4, "Encryption with RSA")::

    Initiator                          Responder
    MM1/MM2  HDR, SA  (as for every method)
    MM3  HDR, KE, [HASH(1),] <IDii_b>PubKey_r, <Ni_b>PubKey_r -->
                                  <--  MM4  HDR, KE, <IDir_b>PubKey_i, <Nr_b>PubKey_i
    MM5  HDR*, HASH_I -->
                                  <--  MM6  HDR*, HASH_R

The ID and nonce payloads keep their generic headers in clear; their *bodies* are RSA-encrypted
(PKCS#1 v1.5, :mod:`vpnteach.crypto.pke`) with the peer's public key, which each side must know
before MM3: IOS takes it from ``crypto key pubkey-chain rsa`` / ``addressed-key``
(:class:`~vpnteach.ike.config.PeerPublicKey`). Only the holder of the matching private key
learns the other side's nonce, and ``SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)`` needs
both nonces: a peer that produces the right HASH_I/HASH_R (the pre-share formulas, over the
decrypted ID bodies) has proven it holds its private key. No certificate or signature travels.

HASH(1), the hash of the certificate whose key encrypted MM3, only helps a responder with
several keys choose one. We decide, as IOS does with keys from its pubkey chain (there is no
certificate to hash), not to send it; a received HASH(1) is logged and recorded, not required.

The ``debug crypto isakmp`` lines follow IOS's wording for the other methods ("processing ID
payload", "SKEYID state generated", "SA has been authenticated with ..."); no public IOS log of
an rsa-encr exchange was at hand, so their exact order within MM3/MM4 is our approximation.
strongSwan has no IKEv1 rsa-encr, so the tests judge it with openssl and hashlib instead.
:class:`RsaEncrAuthenticator` is what the Main Mode handlers call for this method.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto import pke
from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike import keymat
from vpnteach.ike.authenticators.base import (
    Authenticator,
    HashOf,
    first_payload,
    identity_text,
    log_id_payload,
)
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.records_endpoint import PayloadProcessing
from vpnteach.ike.records_phase1 import (
    PkeFailed,
    RsaEncrUnusable,
    SaAuthenticated,
    SkeyidGenerated,
    TotalLength,
)
from vpnteach.ike.sa import IsakmpSa, PeerIdentity, Role
from vpnteach.wire.buffer import Buffer
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import NotifyMessageType, PayloadType
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.payloads import HashPayload, IdPayload, NoncePayload, UnknownPayload, pull_id

RFC = "RFC 2409 §5.2"
PKCS1 = "PKCS#1 v1.5, RFC 8017 §7.2"


def _names(role: Role) -> tuple[str, str, str]:
    """Our ID body, our nonce and the peer's key in RFC 2409 notation."""
    if role is Role.INITIATOR:
        return "IDii_b", "Ni_b", "PubKey_r"
    return "IDir_b", "Nr_b", "PubKey_i"


def _peer_names(role: Role) -> tuple[str, str, str]:
    """The peer's ID body, the peer's nonce and our key in RFC 2409 notation."""
    if role is Role.INITIATOR:
        return "IDir_b", "Nr_b", "PubKey_i"
    return "IDii_b", "Ni_b", "PubKey_r"


class RsaEncrAuthenticator(Authenticator):
    """Public key encryption: ID and nonce bodies encrypted in MM3/MM4, HASH in MM5/MM6."""

    keyword = "rsa-encr"
    ios_text = "RSA encryption"

    @classmethod
    def unusable_reason(cls, ctx: Context, peer: str) -> str | None:
        """rsa-encr needs the peer's public key and a key pair of our own."""
        if ctx.config.public_key_for(peer) is None:
            return f"no public key for {peer} (crypto key pubkey-chain rsa, addressed-key {peer})"
        if ctx.config.own_private_key() is None:
            return "no RSA key pair of our own to decrypt with (crypto key generate rsa)"
        return None

    @classmethod
    def explain_unusable(cls, ctx: Context, policy: IsakmpPolicy, reason: str) -> None:
        """IOS-style remark: the rsa-encr policy is left out, and why."""
        ctx.log(RsaEncrUnusable(priority=policy.priority, reason=reason))

    # ----------------------------------------------------------------- MM3 / MM4

    def nonce_payloads(self, ctx: Context, sa: IsakmpSa, nonce: bytes) -> list[Payload]:
        """``<IDx_b>PubKey_y, <Nx_b>PubKey_y`` for MM3 (initiator) or MM4 (responder)."""
        public_key = ctx.config.public_key_for(sa.peer[0])
        if public_key is None:
            raise IkeError(f"rsa-encr: {self.unusable_reason(ctx, sa.peer[0])}", None)
        my_id = self.my_id(ctx, sa)
        my_id_b = sa.my_id_b = payload_body(my_id)
        log_id_payload(ctx, my_id, PayloadType.NONCE)
        ctx.log(TotalLength(length=8 + len(my_id.identification_data)))
        id_name, nonce_name, key_name = _names(sa.role)
        id_c = _encrypt(ctx, public_key, my_id_b, id_name, key_name)
        nonce_c = _encrypt(ctx, public_key, nonce, nonce_name, key_name)
        # The ID body is ciphertext: sent as opaque bytes under the ID payload type.
        return [UnknownPayload(PayloadType.ID, id_c), NoncePayload(nonce_c)]

    def receive_nonce(self, ctx: Context, sa: IsakmpSa, inbound: list[Payload]) -> bytes:
        """Decrypt the peer's ID and nonce bodies: set ``sa.peer_id``, return the nonce.
        Raise :class:`IkeError` (AUTHENTICATION-FAILED when a body does not decrypt with our
        private key, INVALID-ID-INFORMATION for an ID that is no ID)."""
        private_key = ctx.config.own_private_key()
        if private_key is None:
            raise IkeError(
                f"rsa-encr: {self.unusable_reason(ctx, sa.peer[0])}",
                NotifyMessageType.AUTHENTICATION_FAILED,
            )
        _receive_hash_1(ctx, inbound)
        id_name, nonce_name, key_name = _peer_names(sa.role)
        ctx.log(PayloadProcessing(payload="ID", mid=0))
        id_c = payload_body(first_payload(inbound, IdPayload))
        id_b = _decrypt(ctx, private_key, id_c, id_name, key_name)
        peer_id = _id_from_body(id_b)
        log_id_payload(ctx, peer_id, PayloadType.NONCE)
        ctx.log(PayloadProcessing(payload="NONCE", mid=0))
        nonce_c = first_payload(inbound, NoncePayload)
        nonce = _decrypt(ctx, private_key, nonce_c.nonce_data, nonce_name, key_name)
        sa.peer_id = PeerIdentity(id_b, identity_text(peer_id))
        return nonce

    def skeyid(
        self, ctx: Context, sa: IsakmpSa, h: HashAlgorithm, ni_b: bytes, nr_b: bytes, g_xy: bytes
    ) -> bytes:
        """``SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)`` (RFC 2409 §5)."""
        return keymat.skeyid_pke(h, ni_b, nr_b, sa.cky_i, sa.cky_r, ctx.trace)

    def keys_derived(self, ctx: Context) -> None:
        """IOS says "SKEYID state generated" once the keys exist."""
        ctx.log(SkeyidGenerated())

    # ----------------------------------------------------------------- MM5 / MM6

    def auth_payloads(self, ctx: Context, sa: IsakmpSa, hash_of: HashOf) -> list[Payload]:
        """HASH_I/HASH_R only: the ID went (encrypted) in MM3/MM4."""
        if sa.my_id_b is None:
            raise IkeError("rsa-encr: MM5/MM6 before our ID was sent", None)
        return self.proof(ctx, hash_of(sa.my_id_b))

    def proof(self, ctx: Context, hash_x: bytes) -> list[Payload]:
        """The hash itself in a HASH payload."""
        return [HashPayload(hash_x)]

    def receive_auth(
        self, ctx: Context, sa: IsakmpSa, inbound: list[Payload], hash_of: HashOf
    ) -> None:
        """The peer's HASH over the ID body it sent (encrypted) in MM3/MM4."""
        if sa.peer_id is None:
            raise IkeError("rsa-encr: MM5/MM6 before the peer's ID arrived", None)
        _verify_hash(ctx, sa, inbound, hash_of.name, hash_of(sa.peer_id.id_b))

    def verify(
        self,
        ctx: Context,
        sa: IsakmpSa,
        inbound: list[Payload],
        peer: PeerIdentity,
        expected: bytes,
    ) -> None:
        """Compare the peer's HASH_I/HASH_R with ours; AUTHENTICATION-FAILED if they differ."""
        _verify_hash(ctx, sa, inbound, "HASH", expected)


def _verify_hash(
    ctx: Context, sa: IsakmpSa, inbound: list[Payload], hash_name: str, expected: bytes
) -> None:
    ctx.log(PayloadProcessing(payload="HASH", mid=0))
    got = next((p.hash_data for p in inbound if isinstance(p, HashPayload)), b"")
    if not hmac.compare_digest(got, expected):
        raise IkeError(
            f"rsa-encr: {hash_name} does not match: the peer could not decrypt our nonce "
            "(a wrong public key for us in its pubkey chain?)",
            NotifyMessageType.AUTHENTICATION_FAILED,
        )
    ctx.log(SaAuthenticated(peer=sa.peer[0]))


def _encrypt(
    ctx: Context, public_key: rsa.RSAPublicKey, body: bytes, name: str, key_name: str
) -> bytes:
    # RFC 2409 §5.2: <b> indicates the body; PubKey_r the responder's key (PKCS #1 encrypted)
    return ctx.trace.derived(
        f"<{name}>{key_name}",
        f"RSA-encrypt({key_name}, {name}), {PKCS1}",
        pke.encrypt(public_key, body, ctx.rng),
        rfc=RFC,
        **{name.lower(): body, "modulus_bits": public_key.key_size},
    )


def _receive_hash_1(ctx: Context, inbound: list[Payload]) -> None:
    """RFC 2409 §5.2 HASH(1): recorded; we hold one key pair, so it chooses nothing."""
    for payload in inbound:
        if isinstance(payload, HashPayload):
            ctx.log(PayloadProcessing(payload="HASH", mid=0))
            ctx.trace.derived(
                "HASH(1)",
                "hash(CERT) of the certificate whose key encrypted MM3",
                payload.hash_data,
                rfc=RFC,
            )


def _decrypt(
    ctx: Context, private_key: rsa.RSAPrivateKey, ciphertext: bytes, name: str, key_name: str
) -> bytes:
    try:
        plain = pke.decrypt(private_key, ciphertext)
    except pke.PkeError as exc:
        ctx.log(PkeFailed(payload=name, reason=str(exc)))
        raise IkeError(
            f"rsa-encr: <{name}>{key_name} does not decrypt with our private key: {exc}",
            NotifyMessageType.AUTHENTICATION_FAILED,
        ) from None
    return ctx.trace.derived(
        name,
        f"RSA-decrypt(our private key, <{name}>{key_name}), {PKCS1}",
        plain,
        rfc=RFC,
        **{f"encrypted_{name.lower()}": ciphertext},
    )


def _id_from_body(body: bytes) -> IdPayload:
    """The decrypted ``IDx_b`` as an ID payload (RFC 2407 §4.6.2), checked."""
    try:
        payload = pull_id(Buffer(body))
        payload.value  # noqa: B018 - decodes the identification data
    except (DecodeError, ValueError) as exc:
        raise IkeError(
            f"rsa-encr: the decrypted ID is no ID payload body: {exc}",
            NotifyMessageType.INVALID_ID_INFORMATION,
        ) from None
    return payload
