"""What a certificate says, read once: names, validity window, extensions.

An X.509 certificate (RFC 5280 §4.1) is immutable: its subject, issuer, validity, serial number
and extensions are fixed by the signed DER. ``cryptography`` hands them out as fresh Python
objects on every access, and ``Name.rfc4514_string()`` walks the name again each time; a router
validating the same peer certificate in every Main Mode (RFC 4945 §5) would redo that work per
message. :func:`certificate_info` keeps one :class:`CertificateInfo` per certificate object;
each field is computed on first use and then reused.

Only what the DER alone determines is kept here, and the outcome of one check that depends on
two DERs only: that the issuer's signature verifies with a given CA certificate's key (RFC 5280
§6.1.3; a success is remembered per CA certificate, a failure is checked again). Whatever
depends on the caller stays out: the clock (validity against ``now``, RFC 5280 §4.1.2.5), the
CRL (RFC 5280 §6.3) and the identity to match run on every validation.
A field whose parsing fails raises each time it is asked for (nothing is remembered for it), so
a malformed certificate reports the same error on every use.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vpnteach.pki.der import PARSE_ERRORS

E = TypeVar("E", bound=x509.ExtensionType)

_MAX_ENTRIES = 256
"""How many certificates are remembered: a router meets a handful of peers and CAs."""


class CertificateInfo:
    """The parts of one certificate that never change, each read on first use.

    Attributes:
        certificate: the certificate these facts are about (kept alive by this object).
    """

    def __init__(self, certificate: x509.Certificate) -> None:
        self.certificate = certificate
        #: DER of the CA certificates whose key this certificate's signature verified with
        #: (RFC 5280 §6.1.3 (a)(1)): a fixed fact of two immutable certificates, so, as
        #: strongSwan's certificate cache does, it is checked once. Failures are not kept.
        self.verified_by: set[bytes] = set()

    @cached_property
    def parse_problem(self) -> str:
        """``""``, or why a lazily parsed part (names, extensions) is malformed."""
        try:
            self.certificate.extensions  # noqa: B018 - the access is the parse
            self.subject_dn  # noqa: B018
            self.issuer_dn  # noqa: B018
        except PARSE_ERRORS as exc:
            return f"malformed certificate: {exc}"
        return ""

    @cached_property
    def subject(self) -> x509.Name:
        """The subject name (RFC 5280 §4.1.2.6)."""
        return self.certificate.subject

    @cached_property
    def issuer(self) -> x509.Name:
        """The issuer name (RFC 5280 §4.1.2.4)."""
        return self.certificate.issuer

    @cached_property
    def subject_dn(self) -> str:
        """The subject as an RFC 4514 string (``CN=WIN2003,DC=amit,DC=com``)."""
        return self.subject.rfc4514_string()

    @cached_property
    def issuer_dn(self) -> str:
        """The issuer as an RFC 4514 string."""
        return self.issuer.rfc4514_string()

    @cached_property
    def subject_der(self) -> bytes:
        """The subject's DER encoding (what ID_DER_ASN1_DN carries, RFC 4945 §3.1.5)."""
        return self.subject.public_bytes()

    @cached_property
    def issuer_der(self) -> bytes:
        """The issuer's DER encoding."""
        return self.issuer.public_bytes()

    @cached_property
    def serial(self) -> int:
        """The serial number (RFC 5280 §4.1.2.2)."""
        return self.certificate.serial_number

    @cached_property
    def der(self) -> bytes:
        """The certificate's DER encoding (what a CERT payload carries, RFC 2408 §3.9)."""
        return self.certificate.public_bytes(Encoding.DER)

    @cached_property
    def validity(self) -> tuple[dt.datetime, dt.datetime]:
        """``(notBefore, notAfter)`` in UTC (RFC 5280 §4.1.2.5)."""
        return self.certificate.not_valid_before_utc, self.certificate.not_valid_after_utc

    @cached_property
    def validity_text(self) -> str:
        """``valid <notBefore> .. <notAfter> UTC``, as the validity check reports a pass."""
        start, end = self.validity
        return f"valid {start:%Y-%m-%d %H:%M:%S} .. {end:%Y-%m-%d %H:%M:%S} UTC"

    @cached_property
    def key_usage(self) -> x509.KeyUsage | None:
        """The keyUsage extension (RFC 5280 §4.2.1.3), ``None`` when absent."""
        return self._extension(x509.KeyUsage)

    @cached_property
    def san_dns(self) -> tuple[str, ...]:
        """subjectAltName dNSName entries (RFC 5280 §4.2.1.6), in order."""
        san = self._extension(x509.SubjectAlternativeName)
        return () if san is None else tuple(san.get_values_for_type(x509.DNSName))

    @cached_property
    def san_dns_lower(self) -> tuple[str, ...]:
        """:attr:`san_dns` in lower case (DNS names compare case-insensitively, RFC 4343)."""
        return tuple(name.lower() for name in self.san_dns)

    @cached_property
    def san_ips(self) -> tuple[object, ...]:
        """subjectAltName iPAddress entries (RFC 5280 §4.2.1.6), in order."""
        san = self._extension(x509.SubjectAlternativeName)
        return () if san is None else tuple(san.get_values_for_type(x509.IPAddress))

    def _extension(self, kind: type[E]) -> E | None:
        try:
            return self.certificate.extensions.get_extension_for_class(kind).value
        except x509.ExtensionNotFound:
            return None


_INFO: dict[int, CertificateInfo] = {}


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    """The :class:`CertificateInfo` of ``cert``, the same object for the same certificate object.

    Keyed by the object's identity: each entry keeps its certificate alive, so an id cannot be
    reused by another certificate while its entry exists. Bounded (oldest entry dropped first).
    """
    info = _INFO.get(id(cert))
    if info is not None and info.certificate is cert:
        return info
    info = CertificateInfo(cert)
    if len(_INFO) >= _MAX_ENTRIES:
        _INFO.pop(next(iter(_INFO)), None)
    _INFO[id(cert)] = info
    return info
