"""Phase 1 authentication: which ID we send, and the SIG/HASH and CERT payloads of MM5/MM6.

RFC 2409 §5.1 (signatures) and §5.4 (pre-shared key): the initiator proves ``HASH_I``, the
responder ``HASH_R``, computed over the SA, the DH values, the cookies and the sender's own ID
payload body. With rsa-sig the hash is signed (PKCS#1 v1.5 type 1, no DigestInfo) and the
certificate travels in a CERT payload (encoding 4, X.509 signature, RFC 2408 §3.9); with
pre-share the hash itself is the HASH payload.

The IOS ID rule (seed log): the identity is the interface address (``crypto isakmp identity
address``), but with rsa-sig, if that address is not in our certificate, IOS says "My ID
configured as IPv4 Addr, but Addr not in Cert! Using FQDN as My ID" and sends ID_FQDN.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from ipaddress import IPv4Address

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vpnteach.crypto.rsa_sig import ikev1_sign, ikev1_verify
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.debuglog import id_payload_body
from vpnteach.ike.records_endpoint import PayloadProcessing
from vpnteach.ike.records_phase1 import (
    AuthMethodChosen,
    CertConstructed,
    CertProcessing,
    CertReqConstructed,
    CertWithoutDn,
    CertWithoutOu,
    IdNotInCert,
    IdPayloadLogged,
    NoProfileMatched,
    PeerWantsCert,
    PubkeyNotCached,
    SaAuthenticated,
    SendBufferGrown,
    SigningKeypair,
    TrustpointChosen,
)
from vpnteach.ike.sa import IsakmpSa
from vpnteach.pki.certinfo import certificate_info
from vpnteach.pki.validation import CHAIN, CertificateCheck, parse_certificate
from vpnteach.trace import FactKind
from vpnteach.wire.constants import AuthenticationMethod, CertEncoding, IdType, NotifyMessageType
from vpnteach.wire.payloads import (
    CertPayload,
    CertReqPayload,
    HashPayload,
    IdPayload,
    SigPayload,
    id_fqdn,
)
from vpnteach.wire.payloads import id_ipv4_address as id_ipv4

RSA_SIG = AuthenticationMethod.RSA_SIGNATURES
PRE_SHARE = AuthenticationMethod.PRE_SHARED_KEY
UDP = 17
#: How IOS names the method in "SA is doing <method> authentication using id type ...".
METHOD_TEXT: dict[int, str] = {
    RSA_SIG: "RSA signature",
    PRE_SHARE: "pre-shared key",
    AuthenticationMethod.RSA_ENCRYPTION: "RSA encryption",
}


def ios_dn(name_rfc4514: str) -> str:
    """``cn=WIN2003,dc=amit,dc=com``: the DN as IOS prints it (attribute names lower-case)."""
    return re.sub(
        r"(^|,)([A-Za-z]+)=", lambda m: m.group(1) + m.group(2).lower() + "=", name_rfc4514
    )


def cert_request_payloads(ctx: Context, sa: IsakmpSa) -> list[CertReqPayload]:
    """MM3/MM4 with rsa-sig: a CERT_REQ naming our CA (RFC 2408 §3.10), as IOS sends it."""
    tp = ctx.config.trustpoint()
    assert sa.suite is not None
    if sa.suite.authentication != RSA_SIG or tp is None or tp.ca_certificate is None:
        return []
    ca = certificate_info(tp.ca_certificate)
    ctx.log(CertReqConstructed(issuer=ios_dn(ca.subject_dn)))
    return [CertReqPayload(CertEncoding.X509_SIGNATURE, ca.subject_der)]


def receive_cert_requests(ctx: Context, sa: IsakmpSa) -> None:
    """Note the peer's CERT_REQ payloads and log which trustpoint answers them."""
    tp = ctx.config.trustpoint()
    for cr in sa.inbound:
        if not isinstance(cr, CertReqPayload):
            continue
        ctx.log(PayloadProcessing(payload="CERT_REQ", mid=0))
        sa.peer_wants_ca.append(cr.certificate_authority)
        if tp is not None and tp.ca_certificate is not None:
            issuer = ios_dn(certificate_info(tp.ca_certificate).subject_dn)
            ctx.log(PeerWantsCert(issuer=issuer))
            ctx.log(TrustpointChosen(trustpoint=tp.name))


def my_id_payload(ctx: Context, sa: IsakmpSa) -> IdPayload:
    """Our phase-1 ID payload, by the IOS rule, logging as IOS does."""
    assert sa.suite is not None
    port = 500 if sa.local_port == 500 else 0
    address = IPv4Address(ctx.config.local_address)
    if sa.suite.authentication == RSA_SIG and ctx.config.pki is not None:
        pki = ctx.config.pki
        tp = ctx.config.trustpoint()
        if tp is not None and not pki.my_id_in_certificate(tp.name, address):
            ctx.log(IdNotInCert())
            ctx.log(AuthMethodChosen(method="RSA signature", id_type="ID_FQDN"))
            return id_fqdn(pki.fqdn, UDP, port)
    method = METHOD_TEXT.get(sa.suite.authentication, "pre-shared key")
    ctx.log(AuthMethodChosen(method=method, id_type="ID_IPV4_ADDR"))
    return id_ipv4(address, UDP, port)


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


def auth_payloads(
    ctx: Context, sa: IsakmpSa, hash_x: bytes
) -> list[CertPayload | SigPayload | HashPayload]:
    """CERT + SIG (rsa-sig) or HASH (pre-share) proving ``hash_x`` (HASH_I or HASH_R)."""
    assert sa.suite is not None
    if sa.suite.authentication == PRE_SHARE:
        return [HashPayload(hash_x)]
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
        rfc="RFC 2409 §5.1",
        hash=hash_x,
        subject=subject,
    )
    return [CertPayload(CertEncoding.X509_SIGNATURE, der), SigPayload(signature)]


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


def verify_peer(ctx: Context, sa: IsakmpSa, peer_id: IdPayload, expected: bytes) -> None:
    """Check the peer's proof of ``expected`` (HASH_I or HASH_R); raise :class:`IkeError`."""
    assert sa.suite is not None
    if sa.suite.authentication == PRE_SHARE:
        _verify_hash(sa, expected)
    else:
        _verify_signature(ctx, sa, peer_id, expected)
    ctx.log(SaAuthenticated(peer=sa.peer[0]))


def _verify_hash(sa: IsakmpSa, expected: bytes) -> None:
    got = next((p.hash_data for p in sa.inbound if isinstance(p, HashPayload)), b"")
    if not hmac.compare_digest(got, expected):
        raise IkeError(
            "pre-shared key HASH does not match: different keys configured?",
            NotifyMessageType.AUTHENTICATION_FAILED,
        )


def _verify_signature(ctx: Context, sa: IsakmpSa, peer_id: IdPayload, expected: bytes) -> None:
    certs = [p for p in sa.inbound if isinstance(p, CertPayload)]
    sig = next((p for p in sa.inbound if isinstance(p, SigPayload)), None)
    if not certs or sig is None:
        raise IkeError(
            "rsa-sig: CERT or SIG payload missing", NotifyMessageType.CERTIFICATE_UNAVAILABLE
        )
    ctx.log(PayloadProcessing(payload="CERT", mid=0))
    ctx.log(CertProcessing())
    _log_cert_remarks(ctx, certs[0].certificate_data)
    check = _validate(ctx, certs[0].certificate_data, peer_id)
    if not check.ok:
        chain_failed = any(i.name == CHAIN and not i.passed for i in check.items)
        notify = (
            NotifyMessageType.INVALID_CERT_AUTHORITY
            if chain_failed
            else NotifyMessageType.INVALID_CERTIFICATE
        )
        reasons = "; ".join(str(i) for i in check.failed)
        raise IkeError(f"peer certificate refused: {reasons}", notify)
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
        rfc="RFC 2409 §5.1",
        hash=expected,
    )
    if not result.ok:
        raise IkeError(
            f"signature does not verify: {result.reason}", NotifyMessageType.INVALID_SIGNATURE
        )


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


def _validate(ctx: Context, cert_der: bytes, peer_id: IdPayload) -> CertificateCheck:
    pki = ctx.config.pki
    tp = ctx.config.trustpoint()
    if pki is None or tp is None:
        raise IkeError(
            "no trustpoint to validate the peer certificate",
            NotifyMessageType.INVALID_CERT_AUTHORITY,
        )
    now = dt.datetime.fromtimestamp(ctx.now, tz=dt.timezone.utc)
    value = peer_id.value
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
