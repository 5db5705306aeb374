"""Loading DER/PEM certificates, CSRs and CRLs with errors that say what was wrong.

``cryptography`` raises a bare ``ValueError`` with an ASN.1 parser message; a learner pasting a
truncated certificate should instead read *which* object failed and *why*.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from vpnteach.pki.errors import MalformedInputError

T = TypeVar("T")

#: What cryptography raises for bad DER, at load time or when a lazily parsed part (names,
#: extensions, key) is first used: not all of them are ``ValueError`` subclasses.
PARSE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,  # e.g. a Name attribute of the wrong ASN.1 string type
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.InvalidVersion,
    x509.UnsupportedGeneralNameType,
)


def _load(what: str, data: bytes, der: Callable[[bytes], T], pem: Callable[[bytes], T]) -> T:
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedInputError(f"malformed {what}: expected bytes, got {type(data).__name__}")
    if not data:
        raise MalformedInputError(f"malformed {what}: empty input")
    loader = pem if bytes(data).lstrip().startswith(b"-----BEGIN") else der
    try:
        return loader(bytes(data))
    except PARSE_ERRORS as exc:
        form = "PEM" if loader is pem else "DER"
        raise MalformedInputError(
            f"malformed {what} ({len(data)} bytes of {form}): {exc}"
        ) from None


def load_certificate(data: bytes) -> x509.Certificate:
    """An X.509 certificate (RFC 5280 §4) from DER or PEM bytes."""
    return _load(
        "certificate", data, x509.load_der_x509_certificate, x509.load_pem_x509_certificate
    )


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    """A PKCS#10 certificate request (RFC 2986) from DER or PEM bytes."""
    return _load(
        "certificate request (PKCS#10 CSR)", data, x509.load_der_x509_csr, x509.load_pem_x509_csr
    )


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A certificate revocation list (RFC 5280 §5) from DER or PEM bytes."""
    return _load("CRL", data, x509.load_der_x509_crl, x509.load_pem_x509_crl)
