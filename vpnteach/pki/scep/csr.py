"""A PKCS#10 request as a SCEP CA reads it (RFC 2986, RFC 8894 §2.2, §3.3.1).

``cryptography`` parses DER strictly; some SCEP clients send requests that are valid BER but
not DER -- strongSwan 5.9.8's ``pki --scep`` puts challengePassword and extensionRequest in
the attributes ``SET OF`` unsorted (X.690 §11.6 wants them sorted), and ``cryptography``
refuses it (``InvalidSetOrdering``). A CA accepts what it can verify, so the fallback reads the
request with asn1crypto and checks the self-signature over the *received* bytes of
``certificationRequestInfo`` (RFC 2986 §4.2: the signature covers that encoding).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from asn1crypto import csr as acsr
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ObjectIdentifier

from vpnteach.pki.ca import _requested_san
from vpnteach.pki.der import PARSE_ERRORS, load_csr
from vpnteach.pki.errors import EnrollmentError, MalformedInputError
from vpnteach.pki.scep.cms import HASHES
from vpnteach.pki.scep.message import challenge_password

_LOAD_ERRORS: tuple[type[Exception], ...] = (MalformedInputError, *PARSE_ERRORS)
_LENIENT_ERRORS: tuple[type[Exception], ...] = (*PARSE_ERRORS, KeyError)
_NOT_SIGNED = "certificate request signature does not verify (no proof of possession)"


@dataclass(frozen=True)
class CertRequest:
    """What a CA takes from a verified CSR."""

    subject: x509.Name
    public_key: rsa.RSAPublicKey
    san: x509.SubjectAlternativeName | None
    challenge_password: str


def read_csr(der: bytes) -> CertRequest:
    """Parse and verify a CSR (strictly, else leniently as described above).

    Raises:
        MalformedInputError: neither parser reads it.
        EnrollmentError: the self-signature does not verify, or the key is not RSA.
    """
    try:
        csr = load_csr(der)
        valid = csr.is_signature_valid
        parts = (csr.subject, csr.public_key(), _requested_san(csr), challenge_password(csr))
        parts[0].rfc4514_string()
    except _LOAD_ERRORS:
        return _read_lenient(der)
    if not valid:
        raise EnrollmentError(_NOT_SIGNED)
    if not isinstance(parts[1], rsa.RSAPublicKey):
        raise EnrollmentError("only RSA keys can be certified by this CA")
    return CertRequest(parts[0], parts[1], parts[2], parts[3])


def _read_lenient(der: bytes) -> CertRequest:
    try:
        csr = acsr.CertificationRequest.load(der)
        info = csr["certification_request_info"]
        key = serialization.load_der_public_key(info["subject_pk_info"].dump())
        digest = csr["signature_algorithm"].hash_algo
        signature = csr["signature"].native
        info_der = info.dump()
        subject = _name(info["subject"])
        attributes = {a["type"].dotted: a["values"] for a in info["attributes"]}
    except _LENIENT_ERRORS as exc:
        raise MalformedInputError(f"malformed certificate request (PKCS#10 CSR): {exc}") from None
    if not isinstance(key, rsa.RSAPublicKey) or digest not in HASHES:
        raise EnrollmentError("only RSA keys with SHA-1/SHA-2 signatures are certified here")
    try:
        key.verify(signature, info_der, padding.PKCS1v15(), HASHES[digest]())
    except InvalidSignature:
        raise EnrollmentError(_NOT_SIGNED) from None
    password = attributes.get("1.2.840.113549.1.9.7")
    text = str(password[0].native) if password else ""
    return CertRequest(subject, key, _san(attributes.get("1.2.840.113549.1.9.14")), text)


def _name(name: object) -> x509.Name:
    rdns = []
    for rdn in name.chosen:  # type: ignore[attr-defined]
        attrs = [
            x509.NameAttribute(ObjectIdentifier(a["type"].dotted), str(a["value"].native))
            for a in rdn
        ]
        rdns.append(x509.RelativeDistinguishedName(attrs))
    return x509.Name(rdns)


def _san(values: object) -> x509.SubjectAlternativeName | None:
    """subjectAltName from an extensionRequest: dNSName, iPAddress, rfc822Name entries."""
    if not values:
        return None
    names: list[x509.GeneralName] = []
    for extensions in values:  # type: ignore[attr-defined]
        for ext in extensions:
            if ext["extn_id"].native != "subject_alt_name":
                continue
            for general in ext["extn_value"].parsed:
                if general.name == "dns_name":
                    names.append(x509.DNSName(general.native))
                elif general.name == "ip_address":
                    names.append(x509.IPAddress(ipaddress.ip_address(general.native)))
                elif general.name == "rfc822_name":
                    names.append(x509.RFC822Name(general.native))
    return x509.SubjectAlternativeName(names) if names else None
