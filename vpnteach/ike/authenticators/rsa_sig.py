"""Authentication with RSA signatures, IOS ``authentication rsa-sig`` (RFC 2409 §5.1).

``SKEYID = prf(Ni_b | Nr_b, g^xy)``; ``HASH_I``/``HASH_R`` is signed (PKCS#1 v1.5 type 1, no
DigestInfo) and our certificate travels with it in a CERT payload (encoding 4, X.509 signature,
RFC 2408 §3.9); MM3/MM4 ask for the peer's with a CERT_REQ naming our CA (§3.10). The peer's
certificate is validated against our trustpoint (RFC 5280 §6, identity per RFC 4945 §5) before
its signature is checked.

The IOS ID rule (seed log): the identity is the interface address, but if that address is not
in our certificate IOS says "My ID configured as IPv4 Addr, but Addr not in Cert! Using FQDN as
My ID" and sends ID_FQDN.
"""

from __future__ import annotations

import datetime as dt
from ipaddress import IPv4Address

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.crypto.rsa_sig import ikev1_sign, ikev1_verify
from vpnteach.ike import keymat
from vpnteach.ike.authenticators.base import UDP, Authenticator, ios_dn
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.records_endpoint import PayloadProcessing
from vpnteach.ike.records_phase1 import (
    AuthMethodChosen,
    CertConstructed,
    CertProcessing,
    CertReqConstructed,
    CertWithoutDn,
    CertWithoutOu,
    IdNotInCert,
    NoProfileMatched,
    PubkeyNotCached,
    SaAuthenticated,
    SendBufferGrown,
    SigningKeypair,
)
from vpnteach.ike.sa import IsakmpSa, PeerIdentity
from vpnteach.pki.certinfo import certificate_info
from vpnteach.pki.validation import CHAIN, CertificateCheck, parse_certificate
from vpnteach.trace import FactKind
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import CertEncoding, NotifyMessageType, PayloadType
from vpnteach.wire.payloads import CertPayload, CertReqPayload, IdPayload, SigPayload, id_fqdn

RFC = "RFC 2409 §5.1"


class RsaSigAuthenticator(Authenticator):
    """RSA signatures: certificates and SIG payloads as proofs."""

    keyword = "rsa-sig"
    ios_text = "RSA signature"
    proof_payload = PayloadType.CERT

    @classmethod
    def unusable_reason(cls, ctx: Context, peer: str) -> str | None:
        """rsa-sig needs an enrolled trustpoint."""
        return None if ctx.config.trustpoint() is not None else "no trustpoint"

    def cert_requests(self, ctx: Context) -> list[CertReqPayload]:
        """A CERT_REQ naming our CA (RFC 2408 §3.10), as IOS sends it in MM3/MM4."""
        tp = ctx.config.trustpoint()
        if tp is None or tp.ca_certificate is None:
            return []
        ca = certificate_info(tp.ca_certificate)
        ctx.log(CertReqConstructed(issuer=ios_dn(ca.subject_dn)))
        return [CertReqPayload(CertEncoding.X509_SIGNATURE, ca.subject_der)]

    def skeyid(
        self, ctx: Context, sa: IsakmpSa, h: HashAlgorithm, ni_b: bytes, nr_b: bytes, g_xy: bytes
    ) -> bytes:
        """``SKEYID = prf(Ni_b | Nr_b, g^xy)`` (RFC 2409 §5)."""
        return keymat.skeyid_sig(h, ni_b, nr_b, g_xy, ctx.trace)

    def my_id(self, ctx: Context, sa: IsakmpSa) -> IdPayload:
        """The address, or our FQDN when the address is not in our certificate (IOS rule)."""
        pki, tp = ctx.config.pki, ctx.config.trustpoint()
        address = IPv4Address(ctx.config.local_address)
        if pki is not None and tp is not None and not pki.my_id_in_certificate(tp.name, address):
            ctx.log(IdNotInCert())
            ctx.log(AuthMethodChosen(method=self.ios_text, id_type="ID_FQDN"))
            return id_fqdn(pki.fqdn, UDP, 500 if sa.local_port == 500 else 0)
        return super().my_id(ctx, sa)

    def proof(self, ctx: Context, hash_x: bytes) -> list[Payload]:
        """CERT + SIG: our certificate and ``hash_x`` signed with its private key."""
        tp = ctx.config.trustpoint()
        pki = ctx.config.pki
        if tp is None or pki is None or tp.certificate is None:
            raise IkeError("rsa-sig negotiated but no enrolled trustpoint", None)
        der, subject, ios_subject = _own_certificate(tp.certificate)
        ctx.log(CertConstructed(subject=ios_subject))
        ctx.log(SendBufferGrown())
        ctx.log(SigningKeypair(trustpoint=tp.name))
        key = pki.keys[tp.rsakeypair].private_key
        signature = ctx.trace.derived(
            "SIG",
            "RSA-sign(private key, HASH) with PKCS#1 v1.5 type 1, no DigestInfo",
            ikev1_sign(key, hash_x),
            FactKind.SIGNATURE,
            rfc=RFC,
            hash=hash_x,
            subject=subject,
        )
        return [CertPayload(CertEncoding.X509_SIGNATURE, der), SigPayload(signature)]

    def verify(
        self,
        ctx: Context,
        sa: IsakmpSa,
        inbound: list[Payload],
        peer: PeerIdentity,
        expected: bytes,
    ) -> None:
        """Validate the peer's certificate, then its signature over ``expected``."""
        certs = [p for p in inbound if isinstance(p, CertPayload)]
        sig = next((p for p in inbound if isinstance(p, SigPayload)), None)
        if not certs or sig is None:
            raise IkeError(
                "rsa-sig: CERT or SIG payload missing", NotifyMessageType.CERTIFICATE_UNAVAILABLE
            )
        ctx.log(PayloadProcessing(payload="CERT", mid=0))
        ctx.log(CertProcessing())
        _log_cert_remarks(ctx, certs[0].certificate_data)
        _require_valid(_validate(ctx, certs[0].certificate_data, peer.payload))
        ctx.log(PayloadProcessing(payload="SIG", mid=0))
        public = parse_certificate(certs[0].certificate_data).public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise IkeError("peer certificate has no RSA key", NotifyMessageType.INVALID_CERTIFICATE)
        result = ikev1_verify(public, expected, sig.signature_data)
        ctx.trace.derived(
            "signature check",
            "RSA-verify(peer public key, HASH, SIG)",
            result,
            FactKind.SIGNATURE_CHECK,
            rfc=RFC,
            hash=expected,
        )
        if not result.ok:
            raise IkeError(
                f"signature does not verify: {result.reason}", NotifyMessageType.INVALID_SIGNATURE
            )
        ctx.log(SaAuthenticated(peer=sa.peer[0]))


def _require_valid(check: CertificateCheck) -> None:
    """INVALID-CERT-AUTHORITY when the chain fails, INVALID-CERTIFICATE for anything else."""
    if check.ok:
        return
    chain_failed = any(i.name == CHAIN and not i.passed for i in check.items)
    notify = (
        NotifyMessageType.INVALID_CERT_AUTHORITY
        if chain_failed
        else NotifyMessageType.INVALID_CERTIFICATE
    )
    reasons = "; ".join(str(i) for i in check.failed)
    raise IkeError(f"peer certificate refused: {reasons}", notify)


def _own_certificate(cert: x509.Certificate) -> tuple[bytes, str, str]:
    """Our certificate as DER, its subject (RFC 4514) and as IOS prints it, read once per
    certificate (:func:`~vpnteach.pki.certinfo.certificate_info`), not in every MM5/MM6."""
    info = certificate_info(cert)
    return info.der, info.subject_dn, _ios_subject(info.subject)


def _ios_subject(subject: x509.Name) -> str:
    """``hostname=Branch1.amit.com`` for the unstructuredName subject IOS uses."""
    parts = []
    for attr in subject:
        name = (
            "hostname"
            if attr.oid.dotted_string == "1.2.840.113549.1.9.2"
            else attr.rfc4514_attribute_name
        )
        parts.append(f"{name}={attr.value!s}")
    return ",".join(parts)


def _log_cert_remarks(ctx: Context, der: bytes) -> None:
    """What IOS remarks about a router certificate whose subject is only a hostname."""
    ctx.log(PubkeyNotCached())
    try:
        subject = certificate_info(parse_certificate(der)).subject
    except ValueError:
        return
    if not subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        ctx.log(CertWithoutDn())
    if not subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        ctx.log(CertWithoutOu())
    ctx.log(NoProfileMatched())


def _validate(ctx: Context, cert_der: bytes, peer_id: IdPayload | None) -> CertificateCheck:
    pki = ctx.config.pki
    tp = ctx.config.trustpoint()
    if pki is None or tp is None:
        raise IkeError(
            "no trustpoint to validate the peer certificate",
            NotifyMessageType.INVALID_CERT_AUTHORITY,
        )
    now = dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc)
    value = peer_id.value if peer_id is not None else None
    identity = value if isinstance(value, (str, bytes, IPv4Address)) else None
    check = pki.validate_peer(tp.name, cert_der, now, identity=identity)
    ctx.trace.derived(
        "certificate check",
        "validate_certificate(CERT, trustpoint CA, now, ID)",
        check,
        FactKind.CERTIFICATE_CHECK,
        rfc="RFC 5280 §6, RFC 4945 §5",
        subject=check.subject,
    )
    return check
