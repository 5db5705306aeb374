"""The requester side of SCEP (RFC 8894 §2.3, §3.3), sans-IO: build requests, check CertReps.

What ``crypto pki enroll`` does under the hood: make a throwaway self-signed certificate of
the key to enroll (the request must be signed before the requester has a certificate), pick
the transactionID (§3.2.1.1: a hash of the public key, so retries and polls match), envelope
the CSR to the RA encryption certificate, sign, and later check that the CertRep is signed
by the RA signing certificate, echoes our senderNonce (§3.2.1.5) and carries our
transactionID.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep import FailInfo, MessageType, PkiStatus
from vpnteach.pki.scep.cms import Signer, read_signed
from vpnteach.pki.scep.message import (
    NONCE_SIZE,
    decode_pki_message,
    encode_pki_message,
    issuer_and_serial,
    issuer_and_subject,
    ra_roles,
    self_signed,
)


@dataclass(frozen=True)
class CertRepResult(HtmlRepr):
    """What a CertRep said, after the checks (status, failInfo, certificate or CRL)."""

    status: PkiStatus
    fail_info: FailInfo | None
    certificate: x509.Certificate | None
    crl: x509.CertificateRevocationList | None
    transaction_id: str


def transaction_id(public_key: rsa.RSAPublicKey) -> str:
    """SHA-256 of the SubjectPublicKeyInfo, hex (RFC 8894 §3.2.1.1's recommendation)."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest().upper()


@dataclass
class ScepRequester:
    """One requester enrolling ``private_key`` as ``subject`` with a CA (and its RA).

    Args:
        ca_certs: GetCACert's certificates (CA first, then RA signing/encryption).
        cipher / digest: what GetCACaps allows (AES and SHA-256 by default).
    """

    private_key: rsa.RSAPrivateKey
    subject: x509.Name
    ca_certs: tuple[x509.Certificate, ...]
    rng: Rng
    cipher: str = "aes128"
    digest: str = "sha256"
    _nonces: dict[str, bytes] = field(default_factory=dict, repr=False)
    _signer_cert: x509.Certificate | None = field(default=None, repr=False)

    @property
    def transaction_id(self) -> str:
        """This key's transactionID."""
        return transaction_id(self.private_key.public_key())

    def _signer(self, now: dt.datetime) -> Signer:
        if self._signer_cert is None:
            serial = int(self.transaction_id[:16], 16) >> 1 or 1
            self._signer_cert = self_signed(self.private_key, self.subject, now, serial)
        return Signer(self._signer_cert, self.private_key, self.digest)

    def _request(self, kind: MessageType, data: bytes, now: dt.datetime) -> bytes:
        _, _, enc = ra_roles(self.ca_certs)
        nonce = self.rng.random_bytes(NONCE_SIZE)
        self._nonces[self.transaction_id] = nonce
        return encode_pki_message(
            kind,
            self.transaction_id,
            self._signer(now),
            now,
            self.rng,
            message_data=data,
            recipient=enc,
            cipher=self.cipher,
            sender_nonce=nonce,
        )

    def pkcs_req(self, csr_der: bytes, now: dt.datetime) -> bytes:
        """PKCSReq (§3.3.1) carrying ``csr_der`` (with its challengePassword)."""
        return self._request(MessageType.PKCS_REQ, csr_der, now)

    def cert_poll(self, now: dt.datetime) -> bytes:
        """CertPoll (§3.3.3): IssuerAndSubject of the pending request."""
        ca, _, _ = ra_roles(self.ca_certs)
        return self._request(
            MessageType.CERT_POLL, issuer_and_subject(ca.subject, self.subject), now
        )

    def get_cert(self, serial: int, now: dt.datetime) -> bytes:
        """GetCert (§3.3.4) by serial number."""
        ca, _, _ = ra_roles(self.ca_certs)
        return self._request(MessageType.GET_CERT, issuer_and_serial(ca.subject, serial), now)

    def get_crl(self, serial: int, now: dt.datetime) -> bytes:
        """GetCRL (§3.3.4) for the certificate with ``serial``."""
        ca, _, _ = ra_roles(self.ca_certs)
        return self._request(MessageType.GET_CRL, issuer_and_serial(ca.subject, serial), now)

    def read_cert_rep(self, der: bytes) -> CertRepResult:
        """Check and open a CertRep (§3.3.2).

        Raises:
            ScepError: not a CertRep, not signed by the RA, wrong transactionID or nonce.
        """
        _, sig, _ = ra_roles(self.ca_certs)
        reply = decode_pki_message(der, private_key=self.private_key, what="CertRep")
        if reply.message_type is not MessageType.CERT_REP or reply.pki_status is None:
            raise ScepError(f"a {reply.message_type.name} where a CertRep was due", "CertRep")
        if reply.problem or reply.signer != sig:
            raise ScepError(reply.problem or "not signed by the RA signing certificate", "CertRep")
        if reply.transaction_id != self.transaction_id:
            raise ScepError(f"transactionID {reply.transaction_id!r} is not ours", "CertRep")
        if reply.recipient_nonce != self._nonces.get(reply.transaction_id):
            raise ScepError("recipientNonce does not echo our senderNonce (replay?)", "CertRep")
        cert = crl = None
        if reply.pki_status is PkiStatus.SUCCESS:
            body = read_signed(reply.message_data, (), "CertRep.messageData")
            mine = self.private_key.public_key()
            ours = [c for c in body.certificates if c.public_key() == mine]
            found = ours or list(body.certificates)
            cert = found[0] if found else None
            crl = body.crls[0] if body.crls else None
        return CertRepResult(reply.pki_status, reply.fail_info, cert, crl, reply.transaction_id)
