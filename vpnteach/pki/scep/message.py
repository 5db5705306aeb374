"""The SCEP pkiMessage (RFC 8894 §3.2) and the bodies it carries.

A pkiMessage is a CMS SignedData (RFC 8894 §3.2.1) whose signed attributes say what it is:
``messageType`` (PKCSReq 19, CertPoll 20, GetCert 21, GetCRL 22, CertRep 3),
``transactionID``, ``senderNonce`` and, in a CertRep, ``recipientNonce`` (the request's
senderNonce echoed), ``pkiStatus`` and ``failInfo``. Its content is the *pkcsPKIEnvelope*
(§3.2.2), an EnvelopedData whose plaintext is the *messageData*:

=============  =========================================================  ===========
messageType    messageData                                                 RFC 8894
=============  =========================================================  ===========
PKCSReq        PKCS#10 CSR with the challengePassword attribute            §3.3.1
CertPoll       IssuerAndSubject (the CA's name, the requested subject)     §3.3.3
GetCert        IssuerAndSerialNumber of the wanted certificate             §3.3.4
GetCRL         IssuerAndSerialNumber of a certificate the CRL covers       §3.3.4
CertRep        certs-only SignedData (the certificate, or the CRL)         §3.3.2
=============  =========================================================  ===========

A request is signed with the requester's key -- before enrollment by a throwaway self-signed
certificate of the same key (§2.3) -- and enveloped to the CA's (in RA mode: the RA's)
encryption certificate. A CertRep is signed by the CA (or RA signing) certificate and
enveloped to the requester's signing certificate. GetCACaps (§3.5.2) and GetCACert (§4.2)
are plain HTTP GETs outside CMS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from asn1crypto import core
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AttributeOID

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.pki.der import PARSE_ERRORS
from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep import (
    OID_FAIL_INFO,
    OID_MESSAGE_TYPE,
    OID_PKI_STATUS,
    OID_RECIPIENT_NONCE,
    OID_SENDER_NONCE,
    OID_TRANSACTION_ID,
    FailInfo,
    MessageType,
    PkiStatus,
)
from vpnteach.pki.scep.cms import Signer, envelope, open_envelope, read_signed, sign
from vpnteach.pki.scep.der import DerNode, walk_der

CA_CAPS = (
    "POSTPKIOperation",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA-1",
    "AES",
    "DES3",
    "SCEPStandard",
)
"""GetCACaps answer (RFC 8894 §3.5.2): one keyword a line. NDES on Windows 2003 offered far
fewer (no POST, no SHA-2); this server offers the modern set and still accepts the old.
strongSwan 5.9.8's ``pki --scep`` tests these flags by index instead of by bit (its issue
#1607), so it sees AES and SHA-256 only through the bit that "SHA-384" sets: listing every
digest this server verifies keeps that client working."""

CA_RA_CERT = "application/x-x509-ca-ra-cert"  # RFC 8894 §4.2.1.2: CA + RA certificates
CA_CERT = "application/x-x509-ca-cert"  # §4.2.1.1: the CA certificate alone
PKI_MESSAGE = "application/x-pki-message"  # §4.3: a pkiMessage
NONCE_SIZE = 16  # §3.2.1.5: 16 random bytes
_BAD_CHECK = FailInfo.BAD_MESSAGE_CHECK


@dataclass(frozen=True)
class PkiMessage(HtmlRepr):
    """A decoded pkiMessage: the signed attributes, the opened envelope, the checks.

    Attributes:
        message_type: what the message is (§3.2.1.2).
        transaction_id: the requester's transaction identifier (§3.2.1.1).
        sender_nonce: 16 random bytes of the sender (§3.2.1.5).
        recipient_nonce: in a CertRep, the request's senderNonce.
        pki_status / fail_info: a CertRep's status and failure reason (§3.2.1.3, §3.2.1.4).
        message_data: the decrypted pkcsPKIEnvelope content (b"" if none or not opened).
        signer: the certificate that signed it (the requester's self-signed one, or the RA's).
        problem: why it cannot be trusted or used ("" when fine).
        fail_hint: the failInfo a CA answers ``problem`` with.
        der: the message's bytes (``tree()`` walks them).
    """

    message_type: MessageType
    transaction_id: str
    sender_nonce: bytes
    recipient_nonce: bytes = b""
    pki_status: PkiStatus | None = None
    fail_info: FailInfo | None = None
    message_data: bytes = b""
    signer: x509.Certificate | None = None
    problem: str = ""
    fail_hint: FailInfo | None = None
    der: bytes = field(default=b"", repr=False)

    def tree(self) -> DerNode:
        """The message as DER nodes with offsets (for an annotated hex dump)."""
        return walk_der(self.der, self.message_type.name)


def _printable(text: str) -> core.PrintableString:
    return core.PrintableString(text)


def encode_pki_message(
    message_type: MessageType,
    transaction_id: str,
    signer: Signer,
    now: dt.datetime,
    rng: Rng,
    *,
    message_data: bytes | None = None,
    recipient: x509.Certificate | None = None,
    cipher: str = "aes128",
    recipient_nonce: bytes = b"",
    pki_status: PkiStatus | None = None,
    fail_info: FailInfo | None = None,
    sender_nonce: bytes | None = None,
) -> bytes:
    """A pkiMessage: ``message_data`` enveloped to ``recipient``, signed by ``signer``.

    Without ``message_data`` (a FAILURE or PENDING CertRep) the content is empty.
    """
    attributes: list[tuple[str, core.Asn1Value]] = [
        (OID_MESSAGE_TYPE, _printable(str(message_type.value))),
        (OID_TRANSACTION_ID, _printable(transaction_id)),
        (OID_SENDER_NONCE, core.OctetString(sender_nonce or rng.random_bytes(NONCE_SIZE))),
    ]
    if recipient_nonce:
        attributes.append((OID_RECIPIENT_NONCE, core.OctetString(recipient_nonce)))
    if pki_status is not None:
        attributes.append((OID_PKI_STATUS, _printable(str(pki_status.value))))
    if fail_info is not None:
        attributes.append((OID_FAIL_INFO, _printable(str(fail_info.value))))
    content = b""
    if message_data is not None:
        if recipient is None:
            raise ScepError("a messageData needs a recipient certificate", message_type.name)
        content = envelope(message_data, recipient, rng, cipher)
    return sign(content, signer, attributes, now)


def _text(attributes: dict[str, core.Asn1Value], oid: str, name: str, what: str) -> str | None:
    value = attributes.get(oid)
    if value is None:
        return None
    native = value.native
    if not isinstance(native, str):
        raise ScepError(f"{name} is not a PrintableString", f"{what}.{name}")
    return native


def _octets(attributes: dict[str, core.Asn1Value], oid: str, name: str, what: str) -> bytes:
    value = attributes.get(oid)
    native = b"" if value is None else value.native
    if not isinstance(native, bytes):
        raise ScepError(f"{name} is not an OCTET STRING", f"{what}.{name}")
    return native


def _enum(kind: type[MessageType] | type[PkiStatus] | type[FailInfo], text: str, what: str) -> int:
    try:
        return int(kind(int(text)).value)
    except ValueError:
        raise ScepError(f"unknown value {text!r}", what, FailInfo.BAD_REQUEST.value) from None


def decode_pki_message(
    der: bytes,
    *,
    private_key: rsa.RSAPrivateKey | None = None,
    trusted: tuple[x509.Certificate, ...] = (),
    what: str = "pkiMessage",
) -> PkiMessage:
    """Decode a pkiMessage; open its envelope with ``private_key`` when given.

    A bad signature or an envelope that does not open is reported in ``problem`` (with the
    ``fail_hint`` a CA answers with): the transactionID is still needed for the CertRep.

    Raises:
        ScepError: not a SignedData, or a missing/ill-typed SCEP attribute (§3.2.1).
    """
    signed = read_signed(der, trusted, what)
    attrs = signed.attributes
    type_text = _text(attrs, OID_MESSAGE_TYPE, "messageType", what)
    transaction_id = _text(attrs, OID_TRANSACTION_ID, "transactionID", what)
    if type_text is None or transaction_id is None:
        raise ScepError("no messageType or transactionID signed attribute", what)
    message_type = MessageType(_enum(MessageType, type_text, f"{what}.messageType"))
    status_text = _text(attrs, OID_PKI_STATUS, "pkiStatus", what)
    fail_text = _text(attrs, OID_FAIL_INFO, "failInfo", what)
    status = None if status_text is None else PkiStatus(_enum(PkiStatus, status_text, what))
    fail = None if fail_text is None else FailInfo(_enum(FailInfo, fail_text, what))
    problem, hint, data = signed.problem, _BAD_CHECK if signed.problem else None, b""
    if signed.signer is None and not problem:
        problem, hint = "the message has no signer", _BAD_CHECK
    if not problem and private_key is not None and signed.content:
        try:
            data = open_envelope(signed.content, private_key, f"{what}.pkcsPKIEnvelope")
        except ScepError as exc:
            problem, hint = str(exc), FailInfo(exc.fail_info or _BAD_CHECK.value)
    return PkiMessage(
        message_type,
        transaction_id,
        _octets(attrs, OID_SENDER_NONCE, "senderNonce", what),
        _octets(attrs, OID_RECIPIENT_NONCE, "recipientNonce", what),
        status,
        fail,
        data,
        signed.signer,
        problem,
        hint,
        bytes(der),
    )


# -- messageData bodies (RFC 8894 §3.3) -------------------------------------------------------


def build_csr(
    private_key: rsa.RSAPrivateKey,
    subject: x509.Name,
    challenge_password: str,
    san: list[x509.GeneralName] | None = None,
) -> bytes:
    """A PKCS#10 request (RFC 2986) with the challengePassword attribute (RFC 8894 §2.2)."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if challenge_password:
        builder = builder.add_attribute(
            AttributeOID.CHALLENGE_PASSWORD, challenge_password.encode()
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def challenge_password(csr: x509.CertificateSigningRequest) -> str:
    """The CSR's challengePassword (PKCS#9, RFC 2985 §5.4.1), "" if it has none."""
    try:
        value = csr.attributes.get_attribute_for_oid(AttributeOID.CHALLENGE_PASSWORD).value
    except x509.AttributeNotFound:
        return ""
    return value.decode("utf-8", errors="replace")


def self_signed(
    private_key: rsa.RSAPrivateKey, subject: x509.Name, now: dt.datetime, serial: int
) -> x509.Certificate:
    """The throwaway certificate a requester signs its first request with (RFC 8894 §2.3)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(private_key, hashes.SHA256())
    )


def issuer_and_subject(issuer: x509.Name, subject: x509.Name) -> bytes:
    """CertPoll's messageData: ``IssuerAndSubject ::= SEQUENCE { issuer, subject }`` (§3.3.3)."""
    seq = core.Sequence()
    seq.contents = issuer.public_bytes() + subject.public_bytes()
    return bytes(seq.dump())


def issuer_and_serial(issuer: x509.Name, serial: int) -> bytes:
    """GetCert / GetCRL messageData: IssuerAndSerialNumber (RFC 5652 §10.2.4, RFC 8894 §3.3.4)."""
    seq = core.Sequence()
    seq.contents = issuer.public_bytes() + core.Integer(serial).dump()
    return bytes(seq.dump())


def read_issuer_and(data: bytes, what: str) -> tuple[x509.Name, x509.Name | int]:
    """(issuer, subject Name or serial number) of an IssuerAndSubject/IssuerAndSerialNumber."""
    node = walk_der(data, what)
    if node.tag != 0x30 or len(node.children) != 2 or node.children[0].tag != 0x30:
        raise ScepError("expected SEQUENCE { issuer Name, subject or serial }", what)
    first, second = node.children
    try:
        issuer = _name(data[first.offset : first.end])
        if second.tag == 0x02:
            return issuer, int(core.Integer.load(data[second.offset : second.end]).native)
        return issuer, _name(data[second.offset : second.end])
    except (ValueError, TypeError) as exc:
        raise ScepError(f"bad Name or serial ({exc})", what) from None


def _name(der: bytes) -> x509.Name:
    parsed = ax509.Name.load(der, strict=True)
    return x509.Name(
        [
            x509.RelativeDistinguishedName(
                [
                    x509.NameAttribute(
                        x509.ObjectIdentifier(a["type"].dotted), str(a["value"].native)
                    )
                    for a in rdn
                ]
            )
            for rdn in parsed.chosen
        ]
    )


def ca_certificates(body: bytes, content_type: str) -> tuple[x509.Certificate, ...]:
    """GetCACert's answer (§4.2.1): one DER certificate, or CA + RA certs in certs-only CMS."""
    if content_type.startswith(CA_CERT):
        try:
            return (x509.load_der_x509_certificate(body),)
        except ValueError as exc:
            raise ScepError(f"not a DER certificate ({exc})", "GetCACert") from None
    if not content_type.startswith(CA_RA_CERT):
        raise ScepError(f"unexpected content type {content_type!r}", "GetCACert")
    certs = read_signed(body, (), "GetCACert").certificates
    if not certs:
        raise ScepError("the certs-only SignedData carries no certificate", "GetCACert")
    return certs


def ra_roles(
    certs: tuple[x509.Certificate, ...],
) -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
    """(CA, RA signing, RA encryption) certificates, told apart by basicConstraints and
    keyUsage as a client does (RFC 8894 §2.2); without RA the CA plays all three."""
    ca = next((c for c in certs if _is_ca(c)), certs[0])
    ras = [c for c in certs if c is not ca]
    sig = next((c for c in ras if _usage(c, "digital_signature")), ca)
    enc = next((c for c in ras if _usage(c, "key_encipherment")), ca)
    return ca, sig, enc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
    except PARSE_ERRORS:
        return False


def _usage(cert: x509.Certificate, name: str) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    except PARSE_ERRORS:
        return False
    return bool(getattr(usage, name))
