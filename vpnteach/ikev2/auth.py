"""IKE_AUTH authentication: the signed octets and one authenticator per method (RFC 7296 §2.15).

Each side proves that it sent its own IKE_SA_INIT message, saw the peer's nonce, and holds the
key for the identity it claims::

    InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
    MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
    ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
    MACedIDForR = prf(SK_pr, RestOfRespIDPayload)

``RestOf...IDPayload`` is the ID payload without its generic header. With a pre-shared key::

    AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <InitiatorSignedOctets>)

With certificates (Auth Method 1, §3.8) AUTH is an RSASSA-PKCS1-v1_5 signature of the octets
with SHA-1 (the hash method 1 implies, as strongSwan and IOS compute it); RFC 7427's method
14 names the algorithm inside the AUTH payload instead (an ASN.1 AlgorithmIdentifier before
the signature): we sign RSASSA-PSS with SHA-256 there and verify PKCS#1 v1.5 and PSS.
As in strongSwan's ``authenticators/``, each method is an object with ``build`` and ``verify``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vpnteach.ikev2.config import CertCredential, Credential, PskCredential
from vpnteach.ikev2.transforms import Prf
from vpnteach.pki.validation import parse_certificate, validate_certificate
from vpnteach.trace import Trace
from vpnteach.wire.ikev2.constants import AuthMethod, CertEncoding, IdType, NotifyType
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import (
    AuthPayload,
    CertPayload,
    CertReqPayload,
    IdPayload,
    id_body,
)

KEY_PAD = b"Key Pad for IKEv2"
_RFC = "RFC 7296 §2.15"

# RFC 7427 §3 / Appendix A: AlgorithmIdentifier DER of the schemes method 14 carries.
# sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL parameters
SHA256_WITH_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
# id-RSASSA-PSS (1.2.840.113549.1.1.10) with hashAlgorithm [0] sha256,
# maskGenAlgorithm [1] mgf1(sha256), saltLength [2] 32
RSASSA_PSS_SHA256 = bytes.fromhex(
    "304106092a864886f70d01010a3034a00f300d06096086480165030402010500"
    "a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120"
)


class AuthenticationError(ValueError):
    """The peer's AUTH (or certificate) does not prove its identity."""

    notify = NotifyType.AUTHENTICATION_FAILED


def signed_octets(
    prf: Prf,
    real_message: bytes,
    other_nonce: bytes,
    sk_p: bytes,
    id_payload: IdPayload,
    *,
    initiator: bool,
    trace: Trace,
) -> bytes:
    """``InitiatorSignedOctets`` (``initiator``) or ``ResponderSignedOctets`` (§2.15)."""
    who, sk, nonce, real = ("I", "SK_pi", "NonceRData", "RealMessage1")
    if not initiator:
        who, sk, nonce, real = ("R", "SK_pr", "NonceIData", "RealMessage2")
    rest = id_body(id_payload)
    # MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
    maced = trace.derived(
        f"MACedIDFor{who}",
        f"prf({sk}, RestOf{'Init' if initiator else 'Resp'}IDPayload)",
        prf(sk_p, rest),
        rfc=_RFC,
        id_body=rest,
    )
    name = "InitiatorSignedOctets" if initiator else "ResponderSignedOctets"
    # InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
    return trace.derived(
        name, f"{real} | {nonce} | MACedIDFor{who}", real_message + other_nonce + maced, rfc=_RFC
    )


@dataclass(frozen=True)
class PskAuthenticator:
    """Auth Method 2, Shared Key Message Integrity Code."""

    secret: bytes
    method = AuthMethod.SHARED_KEY_MIC

    def _auth(self, prf: Prf, octets: bytes, trace: Trace, who: str) -> bytes:
        # AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
        pad_key = prf(self.secret, KEY_PAD)
        return trace.derived(
            f"AUTH_{who}",
            'prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)',
            prf(pad_key, octets),
            rfc=_RFC,
            signed_octets=octets,
        )

    def build(self, prf: Prf, octets: bytes, trace: Trace, who: str) -> list[Payload]:
        """Our AUTH payload."""
        return [AuthPayload(self.method, self._auth(prf, octets, trace, f"{who} (ours)"))]

    def verify(
        self,
        prf: Prf,
        octets: bytes,
        inbound: tuple[Payload, ...],
        peer_id: IdPayload,
        now: float,
        trace: Trace,
        who: str,
    ) -> None:
        """Check the peer's AUTH; raise :class:`AuthenticationError`."""
        auth = _auth_payload(inbound, self.method)
        expected = self._auth(prf, octets, trace, f"{who} (expected)")
        if not hmac.compare_digest(expected, auth.authentication_data):
            raise AuthenticationError("AUTH does not match: a different pre-shared key?")


@dataclass(frozen=True)
class CertAuthenticator:
    """Auth Method 1 (RSA, PKCS#1 v1.5 with SHA-1) or 14 (RFC 7427, RSASSA-PSS SHA-256),
    with our certificate in a CERT payload (encoding 4, X.509 signature)."""

    credential: CertCredential

    @property
    def method(self) -> int:
        """The Auth Method we send."""
        return self.credential.method

    def build(self, prf: Prf, octets: bytes, trace: Trace, who: str) -> list[Payload]:
        """Our CERT and AUTH payloads."""
        key = self.credential.private_key
        if self.method == AuthMethod.DIGITAL_SIGNATURE:
            pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
            data = bytes([len(RSASSA_PSS_SHA256)]) + RSASSA_PSS_SHA256
            data += key.sign(octets, pss, hashes.SHA256())
            formula = "len | AlgorithmIdentifier | RSASSA-PSS-Sign(SHA-256, <SignedOctets>)"
        else:
            data = key.sign(octets, padding.PKCS1v15(), hashes.SHA1())
            formula = "RSASSA-PKCS1-v1_5-Sign(SHA-1, <SignedOctets>)"
        auth = trace.derived(f"AUTH_{who} (ours)", formula, data, rfc="RFC 7296 §3.8, RFC 7427 §3")
        der = self.credential.certificate.public_bytes(serialization.Encoding.DER)
        return [CertPayload(CertEncoding.X509_SIGNATURE, der), AuthPayload(self.method, auth)]

    def verify(
        self,
        prf: Prf,
        octets: bytes,
        inbound: tuple[Payload, ...],
        peer_id: IdPayload,
        now: float,
        trace: Trace,
        who: str,
    ) -> None:
        """Validate the peer's certificate against our CA and ID, then its signature."""
        cert = _peer_certificate(inbound)
        when = dt.datetime.fromtimestamp(now, tz=dt.timezone.utc)
        check = validate_certificate(
            cert, self.credential.ca_certificate, when, identity=_identity(peer_id)
        )
        trace.derived(
            "certificate check", "validate(CERT, CA, now, ID)", check, rfc="RFC 7296 §3.6"
        )
        if not check.ok:
            reasons = "; ".join(str(i) for i in check.failed)
            raise AuthenticationError(f"peer certificate refused: {reasons}")
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise AuthenticationError("the peer certificate has no RSA key")
        auth = next((p for p in inbound if isinstance(p, AuthPayload)), None)
        if auth is None:
            raise AuthenticationError("no AUTH payload")
        ok = verify_signature(public, auth, octets)
        trace.derived(
            f"AUTH_{who} signature valid", "RSA-Verify(peer key, AUTH, <SignedOctets>)", ok
        )
        if not ok:
            raise AuthenticationError(f"AUTH signature (method {auth.auth_method}) does not verify")


def verify_signature(public: rsa.RSAPublicKey, auth: AuthPayload, octets: bytes) -> bool:
    """``auth`` is a valid signature of ``octets`` by ``public``: method 1 (PKCS#1 v1.5 with
    SHA-1, §3.8) or method 14 with sha256WithRSAEncryption or RSASSA-PSS SHA-256 (RFC 7427)."""
    data = auth.authentication_data
    try:
        if auth.auth_method == AuthMethod.RSA_DIGITAL_SIGNATURE:
            public.verify(data, octets, padding.PKCS1v15(), hashes.SHA1())
            return True
        if auth.auth_method != AuthMethod.DIGITAL_SIGNATURE or not data:
            return False
        length = data[0]
        algorithm, signature = data[1 : 1 + length], data[1 + length :]
        if algorithm == SHA256_WITH_RSA:
            public.verify(signature, octets, padding.PKCS1v15(), hashes.SHA256())
            return True
        if algorithm == RSASSA_PSS_SHA256:
            public.verify(
                signature, octets, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
            )
            return True
        return False
    except InvalidSignature:
        return False


def _auth_payload(inbound: tuple[Payload, ...], method: int) -> AuthPayload:
    auth = next((p for p in inbound if isinstance(p, AuthPayload)), None)
    if auth is None:
        raise AuthenticationError("no AUTH payload")
    if auth.auth_method != method:
        raise AuthenticationError(f"peer used Auth Method {auth.auth_method}, we expect {method}")
    return auth


def _peer_certificate(inbound: tuple[Payload, ...]) -> x509.Certificate:
    cert = next((p for p in inbound if isinstance(p, CertPayload) and p.cert_encoding == 4), None)
    if cert is None:
        raise AuthenticationError("no CERT payload with an X.509 certificate (encoding 4)")
    try:
        return parse_certificate(cert.certificate_data)
    except ValueError as exc:
        raise AuthenticationError(f"CERT payload does not parse: {exc}") from None


def _identity(peer_id: IdPayload) -> str | bytes | None:
    if peer_id.id_type == IdType.ID_FQDN:
        return peer_id.identification_data.decode("ascii", "replace")
    return None


def cert_request(ca: x509.Certificate) -> CertReqPayload:
    """A CERTREQ naming ``ca`` by the SHA-1 hash of its SubjectPublicKeyInfo (§3.7)."""
    spki = ca.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return CertReqPayload(CertEncoding.X509_SIGNATURE, hashlib.sha1(spki).digest())


Authenticator = PskAuthenticator | CertAuthenticator


def authenticator(credential: Credential) -> Authenticator:
    """The authenticator object for a configured credential."""
    if isinstance(credential, PskCredential):
        return PskAuthenticator(credential.secret)
    return CertAuthenticator(credential)
