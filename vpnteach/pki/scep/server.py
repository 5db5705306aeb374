"""The CA side of SCEP (RFC 8894), sans-IO: what the HTTP server calls for each request.

Modelled on Windows NDES (the "SCEP add-on" of the seed's Windows 2003 CA) in RA mode:

* **Two RA certificates** (RFC 8894 §2.1.1.1): requests are *encrypted* to the RA
  encryption certificate (keyEncipherment), CertReps are *signed* with the RA signing
  certificate (digitalSignature). GetCACert returns the CA certificate followed by both.
* **One-time challenge passwords** (§2.2 and NDES's admin page): the operator fetches a
  password, the requester puts it in its CSR's challengePassword; it is used up by the first
  request that presents it and expires after an hour (NDES's default).
* **Manual approval** (optional, §3.3.2 PENDING): a valid request waits in a queue; the
  requester polls with CertPoll (GetCertInitial) until the operator approves or rejects it.
* **failInfo** (§3.2.1.4): a bad signature or an envelope that does not open ->
  ``badMessageCheck``; a wrong or used password, a key mismatch or an unparsable CSR ->
  ``badRequest``; an unknown transaction or certificate -> ``badCertId``.

Every answer to a decodable pkiMessage is a CertRep (signed, the request's senderNonce echoed
as recipientNonce, the transactionID copied); input too broken to answer raises
:class:`~vpnteach.pki.errors.ScepError` (the HTTP layer turns it into ``400``).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ObjectIdentifier

from vpnteach.crypto.rng import Rng
from vpnteach.pki.ca import CaServer
from vpnteach.pki.errors import PkiError, ScepError
from vpnteach.pki.keys import fork, rsa_private_key
from vpnteach.pki.scep import FailInfo, MessageType, PkiStatus
from vpnteach.pki.scep.cms import Signer, certs_only
from vpnteach.pki.scep.csr import read_csr
from vpnteach.pki.scep.message import (
    CA_CAPS,
    CA_RA_CERT,
    PkiMessage,
    decode_pki_message,
    encode_pki_message,
    read_issuer_and,
)

PASSWORD_LIFETIME = dt.timedelta(minutes=60)  # NDES's default password validity
# NDES's RA templates: "Exchange Enrollment Agent (Offline request)" and "CEP Encryption"
CERT_REQUEST_AGENT = ObjectIdentifier("1.3.6.1.4.1.311.20.2.1")
_DER = serialization.Encoding.DER


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=not sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class RaKeys:
    """The RA's two key pairs and certificates (NDES: signing and encryption)."""

    sign_key: rsa.RSAPrivateKey
    sign_cert: x509.Certificate
    enc_key: rsa.RSAPrivateKey
    enc_cert: x509.Certificate

    @classmethod
    def create(cls, ca: CaServer, now: dt.datetime, rng: Rng, bits: int = 2048) -> RaKeys:
        """Generate both key pairs and have ``ca`` certify them (``<CA>-MSCEP-RA``)."""
        name = f"{ca.name}-MSCEP-RA"
        sign_key = rsa_private_key(bits, fork(rng, "ra-sign"))
        enc_key = rsa_private_key(bits, fork(rng, "ra-enc"))
        sign_cert = ca.issue_ra(
            name, sign_key.public_key(), now, (_usage(sign=True), [CERT_REQUEST_AGENT])
        )
        enc_cert = ca.issue_ra(name, enc_key.public_key(), now, (_usage(sign=False), []))
        return cls(sign_key, sign_cert, enc_key, enc_cert)


@dataclass
class PendingRequest:
    """A request waiting for the operator (manual approval), by transactionID."""

    transaction_id: str
    csr_der: bytes
    requester: x509.Certificate
    subject: str
    received: dt.datetime


@dataclass
class ScepService:
    """NDES-like SCEP service in front of a :class:`~vpnteach.pki.ca.CaServer`.

    Args:
        ca: issues the certificates.
        ra: the RA keys, or ``None`` for a CA that signs and decrypts itself.
        rng: nonces, content keys, passwords.
        manual_approval: requests wait as PENDING until :meth:`approve`.
        require_password: ``False`` as with the Windows 2003 SCEP add-on installed without
            "Require SCEP Challenge Phrase to Enroll" (the seed's routers type none).
    """

    ca: CaServer
    ra: RaKeys | None
    rng: Rng
    manual_approval: bool = False
    require_password: bool = True
    passwords: dict[str, dt.datetime] = field(default_factory=dict)
    pending: dict[str, PendingRequest] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)
    issued: dict[str, x509.Certificate] = field(default_factory=dict)
    on_change: Callable[[], None] = field(default=lambda: None, repr=False)

    # -- GET operations (RFC 8894 §4.1, §4.2) -------------------------------------------------

    def ca_caps(self) -> str:
        """GetCACaps: the capabilities, one a line (§3.5.2)."""
        return "\n".join(CA_CAPS) + "\n"

    def ca_certs(self) -> tuple[bytes, str]:
        """GetCACert: (body, content type) -- CA then RA signing and encryption certificates
        (one RA certificate once when it plays both roles, as the lab's General Purpose one)."""
        if self.ra is None:
            return self.ca.certificate.public_bytes(_DER), "application/x-x509-ca-cert"
        certs = list(dict.fromkeys([self.ca.certificate, self.ra.sign_cert, self.ra.enc_cert]))
        return certs_only(certs), CA_RA_CERT

    def crl(self, now: dt.datetime) -> bytes:
        """The current CRL, DER (published when none is, or the last one has expired)."""
        crl = self.ca.crl
        if crl is None or crl.next_update_utc is None or crl.next_update_utc <= now:
            crl = self.ca.publish_crl(now)
        return crl.public_bytes(_DER)

    # -- the operator (NDES admin page) -------------------------------------------------------

    def new_password(self, now: dt.datetime) -> str:
        """A one-time challenge password, 16 hex digits as NDES shows it, valid one hour."""
        password = self.rng.random_bytes(8).hex().upper()
        self.passwords[password] = now + PASSWORD_LIFETIME
        self.on_change()
        return password

    def approve(self, transaction_id: str, now: dt.datetime) -> x509.Certificate:
        """Issue a pending request (the requester's next CertPoll gets it)."""
        request = self.pending.pop(transaction_id, None)
        if request is None:
            raise PkiError(f"no pending request with transactionID {transaction_id!r}")
        csr = read_csr(request.csr_der)
        cert = self.ca.issue_for(csr.subject, csr.public_key, csr.san, now)
        self.issued[transaction_id] = cert
        self.on_change()
        return cert

    def reject(self, transaction_id: str) -> None:
        """Deny a pending request (its next CertPoll gets FAILURE badRequest)."""
        if self.pending.pop(transaction_id, None) is None:
            raise PkiError(f"no pending request with transactionID {transaction_id!r}")
        self.rejected.add(transaction_id)
        self.on_change()

    # -- PKIOperation (RFC 8894 §3.3, §4.3) ---------------------------------------------------

    @property
    def _signer(self) -> Signer:
        if self.ra is None:
            return Signer(self.ca.certificate, self.ca.private_key)
        return Signer(self.ra.sign_cert, self.ra.sign_key)

    @property
    def _decryption_key(self) -> rsa.RSAPrivateKey:
        return self.ca.private_key if self.ra is None else self.ra.enc_key

    def pki_operation(self, der: bytes, now: dt.datetime) -> tuple[bytes, PkiMessage, str]:
        """Answer one pkiMessage: (CertRep DER, the decoded request, a log line).

        Raises:
            ScepError: the input is not a pkiMessage at all (no CertRep can answer it).
        """
        request = decode_pki_message(der, private_key=self._decryption_key, what="request")
        if request.problem:
            hint = request.fail_hint or FailInfo.BAD_MESSAGE_CHECK
            return self._fail(request, hint, request.problem, now)
        handlers = {
            MessageType.PKCS_REQ: self._pkcs_req,
            MessageType.CERT_POLL: self._cert_poll,
            MessageType.GET_CERT: self._get_cert,
            MessageType.GET_CRL: self._get_crl,
        }
        handler = handlers.get(request.message_type)
        if handler is None:
            text = f"{request.message_type.name} is not a request this server answers"
            return self._fail(request, FailInfo.BAD_REQUEST, text, now)
        return handler(request, now)

    def _reply(
        self,
        request: PkiMessage,
        now: dt.datetime,
        status: PkiStatus,
        *,
        body: bytes | None = None,
        fail: FailInfo | None = None,
    ) -> bytes:
        """A CertRep (§3.3.2): signed by the RA, the nonce echoed, the body enveloped."""
        return encode_pki_message(
            MessageType.CERT_REP,
            request.transaction_id,
            self._signer,
            now,
            self.rng,
            message_data=body,
            recipient=request.signer,
            recipient_nonce=request.sender_nonce,
            pki_status=status,
            fail_info=fail,
        )

    def _fail(
        self, request: PkiMessage, fail: FailInfo, reason: str, now: dt.datetime
    ) -> tuple[bytes, PkiMessage, str]:
        reply = self._reply(request, now, PkiStatus.FAILURE, fail=fail)
        return reply, request, f"FAILURE {fail.rfc_name}: {reason}"

    def _success(
        self, request: PkiMessage, now: dt.datetime, body: bytes, what: str
    ) -> tuple[bytes, PkiMessage, str]:
        return self._reply(request, now, PkiStatus.SUCCESS, body=body), request, f"SUCCESS {what}"

    def _pkcs_req(self, request: PkiMessage, now: dt.datetime) -> tuple[bytes, PkiMessage, str]:
        """PKCSReq (§3.3.1): check the CSR and the password, then issue or queue."""
        tid = request.transaction_id
        # A transactionID seen before (the same key enrolling again, e.g. after a revocation)
        # is a new request: a Windows CA gives every request a new request ID and certificate.
        try:
            csr = read_csr(request.message_data)
        except PkiError as exc:
            return self._fail(request, FailInfo.BAD_REQUEST, str(exc), now)
        if not _same_key(csr.public_key, request.signer):
            reason = "the CSR's key is not the key that signed the message (RFC 8894 §2.3)"
            return self._fail(request, FailInfo.BAD_REQUEST, reason, now)
        if self.require_password and not self._use_password(csr.challenge_password, now):
            reason = "challenge password wrong, used or expired"
            return self._fail(request, FailInfo.BAD_REQUEST, reason, now)
        if self.manual_approval:
            subject = csr.subject.rfc4514_string()
            assert request.signer is not None
            self.pending[tid] = PendingRequest(
                tid, request.message_data, request.signer, subject, now
            )
            self.on_change()
            reply = self._reply(request, now, PkiStatus.PENDING)
            return reply, request, f"PENDING {subject}: waits for approval"
        try:
            cert = self.ca.issue_for(csr.subject, csr.public_key, csr.san, now)
        except PkiError as exc:
            return self._fail(request, FailInfo.BAD_REQUEST, str(exc), now)
        self.issued[tid] = cert
        self.on_change()
        return self._success(request, now, certs_only([cert]), f"serial 0x{cert.serial_number:X}")

    def _use_password(self, password: str, now: dt.datetime) -> bool:
        """Consume a one-time password (compared in constant time)."""
        for known, expires in list(self.passwords.items()):
            if hmac.compare_digest(known.encode(), password.encode()):
                del self.passwords[known]
                return expires > now
        return False

    def _cert_poll(self, request: PkiMessage, now: dt.datetime) -> tuple[bytes, PkiMessage, str]:
        """CertPoll / GetCertInitial (§3.3.3): PENDING until the operator decides."""
        tid = request.transaction_id
        if tid in self.issued:
            return self._success(request, now, certs_only([self.issued[tid]]), "(after poll)")
        if tid in self.pending:
            return self._reply(request, now, PkiStatus.PENDING), request, "PENDING still"
        if tid in self.rejected:
            return self._fail(request, FailInfo.BAD_REQUEST, "rejected by the operator", now)
        return self._fail(request, FailInfo.BAD_CERT_ID, f"unknown transaction {tid!r}", now)

    def _get_cert(self, request: PkiMessage, now: dt.datetime) -> tuple[bytes, PkiMessage, str]:
        """GetCert (§3.3.4): a certificate by issuer and serial number."""
        cert, reason = self._by_serial(request)
        if cert is None:
            return self._fail(request, FailInfo.BAD_CERT_ID, reason, now)
        return self._success(request, now, certs_only([cert]), f"GetCert {reason}")

    def _get_crl(self, request: PkiMessage, now: dt.datetime) -> tuple[bytes, PkiMessage, str]:
        """GetCRL (§3.3.4): the CRL covering the named certificate."""
        cert, reason = self._by_serial(request)
        if cert is None:
            return self._fail(request, FailInfo.BAD_CERT_ID, reason, now)
        crl = x509.load_der_x509_crl(self.crl(now))
        return self._success(request, now, certs_only((), (crl,)), "GetCRL")

    def _by_serial(self, request: PkiMessage) -> tuple[x509.Certificate | None, str]:
        try:
            issuer, serial = read_issuer_and(request.message_data, "IssuerAndSerialNumber")
        except ScepError as exc:
            return None, str(exc)
        if not isinstance(serial, int) or issuer != self.ca.certificate.subject:
            return None, "not an IssuerAndSerialNumber of this CA"
        cert = self.ca.issued.get(serial)
        return (cert, f"serial 0x{serial:X}") if cert else (None, f"no serial 0x{serial:X}")


def _same_key(key: rsa.RSAPublicKey, signer: x509.Certificate | None) -> bool:
    """The CSR's public key is the one of the (self-signed) signer certificate (§2.3)."""
    if signer is None:
        return False
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_bytes(_DER, spki) == signer.public_key().public_bytes(_DER, spki)
