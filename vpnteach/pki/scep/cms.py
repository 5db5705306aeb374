"""CMS (RFC 5652) as SCEP uses it: SignedData, certs-only SignedData and EnvelopedData.

asn1crypto builds and parses the structures; ``cryptography`` signs, verifies and encrypts:

* **SignedData** (RFC 5652 §5): one SignerInfo identified by issuerAndSerialNumber, signed
  attributes (contentType, signingTime, messageDigest and the SCEP attributes of RFC 8894
  §3.2.1) signed with RSA PKCS#1 v1.5. The signature covers the DER of the attributes as a
  ``SET OF`` (§5.4), so they are sorted by encoding as DER requires (X.690 §11.6): OpenSSL
  re-encodes them before verifying.
* **degenerate certs-only SignedData** (RFC 8894 §4.2.1.2, §3.4): no content, no signers,
  just certificates and/or CRLs -- GetCACert's answer and the body of a CertRep.
* **EnvelopedData** (RFC 5652 §6): a fresh content-encryption key (AES-CBC, or 3DES-CBC for
  old clients, RFC 8894 §3.5.2), RSA-encrypted (PKCS#1 v1.5, KeyTransRecipientInfo) to the
  recipient certificate: the RA's encryption certificate for a request, the requester's
  self-signed certificate for a CertRep.

Randomness (content keys, IVs) comes in as an :class:`~vpnteach.crypto.rng.Rng`; time as an
argument. Every malformed input raises :class:`~vpnteach.pki.errors.ScepError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import algos, cms, core
from asn1crypto import crl as acrl
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vpnteach.crypto.cipher import CipherAlgorithm, CipherInputError, get_cipher
from vpnteach.crypto.rng import Rng
from vpnteach.pki.der import PARSE_ERRORS
from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep import FailInfo
from vpnteach.pki.scep.der import walk_der

#: asn1crypto's digest names -> ``cryptography`` hashes (RFC 8894 §3.5.2 lists them).
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
#: Content-encryption ciphers: asn1crypto algorithm name -> project cipher name.
CIPHERS = {"aes128_cbc": "aes128", "aes192_cbc": "aes192", "aes256_cbc": "aes256"}
CIPHERS |= {"tripledes_3key": "3des"}
_RSA_SIGNATURE = {"rsassa_pkcs1v15", "sha1_rsa", "sha224_rsa", "sha256_rsa"}
_RSA_SIGNATURE |= {"sha384_rsa", "sha512_rsa"}
# asn1crypto parses lazily (errors surface on access); cryptography's loaders add their own
_ASN1_ERRORS: tuple[type[Exception], ...] = (*PARSE_ERRORS, KeyError, AttributeError, IndexError)
_BAD_ALG, _BAD_CHECK = FailInfo.BAD_ALG.value, FailInfo.BAD_MESSAGE_CHECK.value


@dataclass(frozen=True)
class Signer:
    """Who signs a SignedData: a certificate and its RSA private key, and the digest."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    digest: str = "sha256"


_DER = serialization.Encoding.DER


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(_DER)


def _issuer_and_serial(cert: x509.Certificate) -> cms.IssuerAndSerialNumber:
    """RFC 5652 §10.2.4: the certificate's issuer Name and serialNumber."""
    parsed = ax509.Certificate.load(_der(cert))
    return cms.IssuerAndSerialNumber(
        {"issuer": parsed.issuer, "serial_number": parsed.serial_number}
    )


def _content_info(content_type: str, content: core.Asn1Value) -> bytes:
    return bytes(cms.ContentInfo({"content_type": content_type, "content": content}).dump())


def certs_only(
    certificates: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList] = ()
) -> bytes:
    """A degenerate SignedData (RFC 8894 §3.4): certificates and CRLs, no content, no signer."""
    fields: dict[str, object] = {
        "version": "v1",
        "digest_algorithms": [],
        "encap_content_info": {"content_type": "data"},
        "signer_infos": [],
    }
    if certificates:
        fields["certificates"] = [ax509.Certificate.load(_der(c)) for c in certificates]
    if crls:
        fields["crls"] = [
            cms.RevocationInfoChoice(
                name="crl", value=acrl.CertificateList.load(c.public_bytes(_DER))
            )
            for c in crls
        ]
    return _content_info("signed_data", cms.SignedData(fields))


def _sorted_attributes(attributes: list[cms.CMSAttribute]) -> cms.CMSAttributes:
    """A SET OF in DER order: sorted by the encodings (X.690 §11.6)."""
    return cms.CMSAttributes(sorted(attributes, key=lambda a: a.dump()))


def sign(
    content: bytes,
    signer: Signer,
    attributes: Sequence[tuple[str, core.Asn1Value]],
    now: dt.datetime,
    certificates: Sequence[x509.Certificate] = (),
) -> bytes:
    """A SignedData over ``content`` (id-data) with the signer's certificate included.

    ``attributes`` are extra signed attributes as (dotted OID, value) pairs; contentType,
    signingTime and messageDigest (RFC 5652 §11) are added here.
    """
    if signer.digest not in HASHES:
        raise ScepError(f"unknown digest {signer.digest!r}", "SignedData", _BAD_ALG)
    digest = hashlib.new(signer.digest, content).digest()
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute(
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=now)]}
        ),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
    ]
    attrs += [cms.CMSAttribute({"type": oid, "values": [value]}) for oid, value in attributes]
    signed_attrs = _sorted_attributes(attrs)
    signature = signer.private_key.sign(
        signed_attrs.dump(), padding.PKCS1v15(), HASHES[signer.digest]()
    )
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number", value=_issuer_and_serial(signer.certificate)
            ),
            "digest_algorithm": {"algorithm": signer.digest},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": "rsassa_pkcs1v15"},
            "signature": signature,
        }
    )
    certs = [signer.certificate, *certificates]
    signed = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": signer.digest}],
            "encap_content_info": {"content_type": "data", "content": content},
            "certificates": [ax509.Certificate.load(_der(c)) for c in certs],
            "signer_infos": [signer_info],
        }
    )
    return _content_info("signed_data", signed)


@dataclass(frozen=True)
class SignedMessage:
    """A parsed SignedData: content, certificates, the signer and the signed attributes.

    Attributes:
        content: the eContent bytes (``None`` when absent, as in a FAILURE CertRep).
        certificates: the certificates carried (the signer's first, usually).
        crls: the CRLs carried (a GetCRL answer's body).
        attributes: signed attributes, dotted OID -> the attribute's first value.
        signer: the certificate whose key verified the signature, ``None`` if none did.
        digest: the digest algorithm's name (``"sha256"``).
        problem: why the signature did not verify ("" when it did or there is no signer).
    """

    content: bytes | None
    certificates: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]
    attributes: dict[str, core.Asn1Value]
    signer: x509.Certificate | None
    digest: str
    problem: str

    @property
    def verified(self) -> bool:
        """A signer was found and both the signature and messageDigest check out."""
        return self.signer is not None and not self.problem


def _load_content_info(der: bytes, expected: str, what: str) -> core.Asn1Value:
    """The ``content`` of a ContentInfo of type ``expected`` (RFC 5652 §3)."""
    walk_der(der, what)  # structural errors with offsets first
    try:
        info = cms.ContentInfo.load(der, strict=True)
        content_type = info["content_type"].native
        content = info["content"]
        content.native  # noqa: B018 - force asn1crypto's lazy parse now, inside the try
    except _ASN1_ERRORS as exc:
        raise ScepError(f"not a CMS ContentInfo ({exc})", what) from None
    if content_type != expected:
        raise ScepError(
            f"content type is {content_type}, expected {expected}", f"{what}.contentType"
        )
    return content


def read_signed(
    der: bytes, trusted: Sequence[x509.Certificate] = (), what: str = "SignedData"
) -> SignedMessage:
    """Parse a SignedData and check its one signature (RFC 5652 §5.6).

    The signer is looked up by issuerAndSerialNumber among the carried certificates and
    ``trusted``. A bad signature is *reported* (``problem``), not raised: a CA must answer
    it with CertRep FAILURE badMessageCheck, which needs the transactionID.

    Raises:
        ScepError: not DER, not a SignedData, or fields of the wrong type.
    """
    signed = _load_content_info(der, "signed_data", what)
    try:
        return _read_signed(signed, trusted)
    except _ASN1_ERRORS as exc:
        raise ScepError(f"malformed SignedData field ({exc})", what) from None


def _read_signed(signed: cms.SignedData, trusted: Sequence[x509.Certificate]) -> SignedMessage:
    encap = signed["encap_content_info"]
    content = None if encap["content"].native is None else bytes(encap["content"].native)
    certs = tuple(
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in (signed["certificates"] or [])
        if c.name == "certificate"
    )
    crls = tuple(
        x509.load_der_x509_crl(c.chosen.dump()) for c in (signed["crls"] or []) if c.name == "crl"
    )
    infos = list(signed["signer_infos"])
    if not infos:
        return SignedMessage(content, certs, crls, {}, None, "", "")
    info = infos[0]
    attributes = {
        a["type"].dotted: a["values"][0] for a in (info["signed_attrs"] or []) if len(a["values"])
    }
    digest = info["digest_algorithm"]["algorithm"].native
    signer, problem = _verify(info, content, (*certs, *trusted))
    return SignedMessage(content, certs, crls, attributes, signer, digest, problem)


def _verify(
    info: cms.SignerInfo, content: bytes | None, candidates: Sequence[x509.Certificate]
) -> tuple[x509.Certificate | None, str]:
    """The signer's certificate, and "" or what failed (RFC 5652 §5.4, §5.6)."""
    sid = info["sid"]
    if sid.name != "issuer_and_serial_number":
        return None, "signer identified by subjectKeyIdentifier, not issuerAndSerialNumber"
    serial = sid.chosen["serial_number"].native
    issuer = sid.chosen["issuer"].dump()
    signer = next(
        (c for c in candidates if c.serial_number == serial and c.issuer.public_bytes() == issuer),
        None,
    )
    if signer is None:
        return None, f"no certificate with the signer's issuer and serial 0x{serial:X}"
    digest = info["digest_algorithm"]["algorithm"].native
    algorithm = info["signature_algorithm"]["algorithm"].native
    if digest not in HASHES or algorithm not in _RSA_SIGNATURE:
        return signer, f"unsupported algorithm {digest} / {algorithm}"
    if info["signed_attrs"].native is None:
        return signer, "no signed attributes"
    key = signer.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return signer, "the signer's key is not RSA"
    signed_attrs = cms.CMSAttributes.load(info["signed_attrs"].untag().dump(force=True))
    try:
        key.verify(
            info["signature"].native,
            signed_attrs.dump(),
            padding.PKCS1v15(),
            HASHES[digest](),
        )
    except InvalidSignature:
        return signer, "the signature over the signed attributes does not verify"
    expected = hashlib.new(digest, content or b"").digest()
    found = [a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"]
    if found != [expected]:
        return signer, "messageDigest does not match the content"
    return signer, ""


def envelope(
    content: bytes, recipient: x509.Certificate, rng: Rng, cipher: str = "aes128"
) -> bytes:
    """An EnvelopedData (RFC 5652 §6) of ``content`` for ``recipient``'s RSA key.

    ``cipher``: ``aes128``/``aes192``/``aes256`` (CBC) or ``3des`` (RFC 8894 §3.5.2).
    """
    names = {v: k for k, v in CIPHERS.items()}
    if cipher not in names:
        raise ScepError(f"unknown content cipher {cipher!r}", "EnvelopedData", _BAD_ALG)
    algo = get_cipher(cipher)
    key, iv = rng.random_bytes(algo.key_size), rng.random_bytes(algo.block_size)
    pad = algo.block_size - len(content) % algo.block_size
    encrypted = algo.encrypt(key, iv, content + bytes([pad]) * pad)  # RFC 5652 §6.3 padding
    public = recipient.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise ScepError("the recipient certificate has no RSA key", "EnvelopedData", _BAD_ALG)
    ktri = cms.KeyTransRecipientInfo(
        {
            "version": "v0",
            "rid": cms.RecipientIdentifier(
                name="issuer_and_serial_number", value=_issuer_and_serial(recipient)
            ),
            "key_encryption_algorithm": {"algorithm": "rsaes_pkcs1v15"},
            "encrypted_key": public.encrypt(key, padding.PKCS1v15()),
        }
    )
    enveloped = cms.EnvelopedData(
        {
            "version": "v0",
            "recipient_infos": [cms.RecipientInfo(name="ktri", value=ktri)],
            "encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": algos.EncryptionAlgorithm(
                    {"algorithm": names[cipher], "parameters": core.OctetString(iv)}
                ),
                "encrypted_content": encrypted,
            },
        }
    )
    return _content_info("enveloped_data", enveloped)


def open_envelope(der: bytes, private_key: rsa.RSAPrivateKey, what: str = "EnvelopedData") -> bytes:
    """The content of an EnvelopedData, decrypted with ``private_key`` (RFC 5652 §6.2.1).

    Raises:
        ScepError: malformed, an unsupported algorithm (failInfo badAlg), or not decryptable
            with this key (badMessageCheck).
    """
    enveloped = _load_content_info(der, "enveloped_data", what)
    try:
        infos = [r.chosen for r in enveloped["recipient_infos"] if r.name == "ktri"]
        encrypted_info = enveloped["encrypted_content_info"]
        algorithm = encrypted_info["content_encryption_algorithm"]
        name = algorithm["algorithm"].native
        iv = algorithm["parameters"].native
        encrypted = encrypted_info["encrypted_content"].native
    except _ASN1_ERRORS as exc:
        raise ScepError(f"malformed EnvelopedData field ({exc})", what) from None
    if not infos:
        raise ScepError("no key transport (RSA) recipient", f"{what}.recipientInfos", _BAD_ALG)
    if name not in CIPHERS:
        raise ScepError(f"unsupported content cipher {name}", f"{what}.algorithm", _BAD_ALG)
    algo = get_cipher(CIPHERS[name])
    key = _unwrap_key(infos, private_key, what)
    if len(key) != algo.key_size:
        # PKCS#1 v1.5 decryption with the wrong key yields random bytes (implicit rejection)
        raise ScepError(
            f"the content key is not encrypted to our key ({len(key)} bytes, not the "
            f"{algo.key_size} of {algo.name})",
            f"{what}.encryptedKey",
            _BAD_CHECK,
        )
    return _decrypt(algo, key, iv, encrypted, what)


def _unwrap_key(
    infos: list[cms.KeyTransRecipientInfo], private_key: rsa.RSAPrivateKey, what: str
) -> bytes:
    for info in infos:
        try:
            return private_key.decrypt(info["encrypted_key"].native, padding.PKCS1v15())
        except (ValueError, TypeError):
            continue
    raise ScepError(
        "the content key is not encrypted to our key", f"{what}.encryptedKey", _BAD_CHECK
    )


def _decrypt(algo: CipherAlgorithm, key: bytes, iv: object, encrypted: object, what: str) -> bytes:
    if not isinstance(iv, bytes) or not isinstance(encrypted, bytes):
        raise ScepError("missing IV or encrypted content", what, _BAD_CHECK)
    try:
        plain = algo.decrypt(key, iv, encrypted)
    except CipherInputError as exc:
        raise ScepError(str(exc), f"{what}.encryptedContent", _BAD_CHECK) from None
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= algo.block_size or plain[-pad:] != bytes([pad]) * pad:
        raise ScepError("bad padding after decryption (wrong key?)", what, _BAD_CHECK)
    return plain[:-pad]
