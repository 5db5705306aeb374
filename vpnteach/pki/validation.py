"""Certificate validation as a checklist: one item per check, passed or failed, with the reason.

What IOS checks before it accepts a peer's certificate in Main Mode (MM5/MM6), after RFC 5280
§6 (path validation, here a one-level path to a trusted root) and RFC 4945 §5 (IKE's use of
PKIX):

1. **chain**: issued by the trusted CA, signature verifies with the CA's key (RFC 5280 §6.1.3);
2. **validity**: ``notBefore <= now <= notAfter`` on the *router's* clock (RFC 5280 §4.1.2.5);
3. **revocation**: per the trustpoint's ``revocation-check``: ``none``, or the CRL fetched from
   the CRL distribution point, which must verify, be current and not list the serial
   (RFC 5280 §6.3);
4. **key usage**: digitalSignature for an IKE signature (RFC 4945 §5.1.3.2);
5. **identity**: the IKE ID (FQDN, DER DN or IPv4 address) appears in the subject or the
   subjectAltName (RFC 4945 §3.1).

:func:`validate_certificate` never raises for a bad certificate: the IKE engine reads the
:class:`CertificateCheck` and decides (IOS: "certificate validation failed", INVALID_CERT...).
What the certificate itself says (names, validity window, keyUsage, subjectAltName) is read
once per certificate (:mod:`vpnteach.pki.certinfo`); the checks themselves run on every call.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from vpnteach._html import HtmlRepr
from vpnteach.pki.certinfo import CertificateInfo, certificate_info
from vpnteach.pki.der import PARSE_ERRORS, load_certificate
from vpnteach.pki.errors import MalformedInputError

SHA1_WITH_RSA = SignatureAlgorithmOID.RSA_WITH_SHA1

Identity = str | bytes | ipaddress.IPv4Address | x509.Name
"""An IKE ID: an FQDN (``"Branch2.amit.com"``), a DER DN (bytes or Name), or an IPv4 address."""

CHAIN, VALIDITY, REVOCATION, KEY_USAGE, IDENTITY = (
    "chain",
    "validity",
    "revocation",
    "key usage",
    "identity",
)


@dataclass(frozen=True)
class CheckItem(HtmlRepr):
    """One check: its name, whether it passed, and why."""

    name: str
    passed: bool
    reason: str

    def __str__(self) -> str:
        return f"[{'PASS' if self.passed else 'FAIL'}] {self.name}: {self.reason}"


# Check items whose reason names nothing of the call: one shared (immutable) object each.
_NOT_CHECKED = CheckItem(REVOCATION, True, "not checked (revocation-check none)")
_ANY_USAGE = CheckItem(KEY_USAGE, True, "no keyUsage extension: any usage allowed")
_SIGNING_ALLOWED = CheckItem(KEY_USAGE, True, "digitalSignature allowed")
_SIGNING_NOT_ALLOWED = CheckItem(
    KEY_USAGE, False, "keyUsage lacks digitalSignature: the key may not sign IKE messages"
)


@dataclass(frozen=True)
class CertificateCheck(HtmlRepr):
    """The result of validating one certificate: every check, in order."""

    subject: str
    serial: int
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(item.passed for item in self.items)

    @property
    def failed(self) -> tuple[CheckItem, ...]:
        """The checks that failed."""
        return tuple(item for item in self.items if not item.passed)

    def item(self, name: str) -> CheckItem:
        """The check called ``name`` (``chain``, ``validity``, ...)."""
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"no check named {name!r}; have {[i.name for i in self.items]}")

    def __str__(self) -> str:
        head = f"certificate {self.subject} (serial 0x{self.serial:X}):"
        return "\n".join([head, *(f"  {item}" for item in self.items)])


def validate_certificate(
    cert: x509.Certificate | bytes,
    trusted_ca: x509.Certificate | None,
    now: dt.datetime,
    *,
    identity: Identity | None = None,
    crl: x509.CertificateRevocationList | None = None,
    revocation_check: str = "none",
) -> CertificateCheck:
    """Check a peer certificate against the trustpoint's CA at ``now`` (the router's clock).

    Args:
        cert: the certificate (object or DER/PEM bytes, e.g. a CERT payload's data).
        trusted_ca: the trustpoint's CA certificate (``None``: not authenticated).
        now: the validating router's clock, timezone-aware.
        identity: the peer's IKE ID to match, or ``None`` to skip that check.
        crl: the CRL fetched from the distribution point (``revocation_check="crl"``).
        revocation_check: ``"none"`` or ``"crl"``, as configured on the trustpoint.
    """
    if not isinstance(cert, x509.Certificate):
        try:
            cert = parse_certificate(cert)
        except MalformedInputError as exc:
            return CertificateCheck("?", 0, (CheckItem("parse", False, str(exc)),))
    info = certificate_info(cert)
    if info.parse_problem:
        return CertificateCheck("?", 0, (CheckItem("parse", False, info.parse_problem),))
    items: tuple[CheckItem, ...] = (
        check_chain(cert, trusted_ca),
        check_validity(cert, now),
        check_revocation(cert, trusted_ca, now, crl, revocation_check),
        check_key_usage(cert),
    )
    if identity is not None:
        items += (check_identity(cert, identity),)
    return CertificateCheck(info.subject_dn, info.serial, items)


def parse_certificate(der: bytes) -> x509.Certificate:
    """:func:`~vpnteach.pki.der.load_certificate`, remembered by the exact bytes.

    IOS keeps a peer's public key once seen ("peer's pubkey isn't cached" the first time); here
    the parsed certificate is kept, keyed by its DER, so a peer that sends the same certificate
    in every Main Mode is parsed once. Only the parsing is reused: every check (chain,
    validity, revocation, key usage, identity) still runs on each call of
    :func:`validate_certificate`. Malformed input is never cached (it raises each time).
    """
    if type(der) is not bytes:
        return load_certificate(der)
    return _parse_cached(der)


@functools.lru_cache(maxsize=256)
def _parse_cached(der: bytes) -> x509.Certificate:
    return load_certificate(der)


def check_chain(cert: x509.Certificate, ca: x509.Certificate | None) -> CheckItem:
    """Issued by ``ca`` and signed with its key (RFC 5280 §6.1.3 (a)(1), (a)(4))."""
    if ca is None:
        return CheckItem(CHAIN, False, "no trusted CA certificate: trustpoint not authenticated")
    info, ca_info = certificate_info(cert), certificate_info(ca)
    # Equal DER is equal names; different DER may still be equal names (string types differ)
    if info.issuer_der != ca_info.subject_der and info.issuer != ca_info.subject:
        return CheckItem(
            CHAIN,
            False,
            f"issued by {info.issuer_dn}, not by the trusted CA {ca_info.subject_dn}",
        )
    try:
        _verify_issued_by(info, ca, ca_info)
    except InvalidSignature:
        return CheckItem(
            CHAIN,
            False,
            "signature does not verify with the key of "
            f"{ca_info.subject_dn} (tampered, or signed by another CA)",
        )
    except (ValueError, TypeError) as exc:
        return CheckItem(CHAIN, False, f"cannot verify the signature: {exc}")
    weak = " (sha1WithRSAEncryption: WEAK)" if cert.signature_algorithm_oid == SHA1_WITH_RSA else ""
    return CheckItem(CHAIN, True, f"signature verifies with {ca_info.subject_dn}'s key{weak}")


def _verify_issued_by(
    info: CertificateInfo, ca: x509.Certificate, ca_info: CertificateInfo
) -> None:
    """The issuer's signature verifies with ``ca``'s key (RFC 5280 §6.1.3 (a)(1)); a success
    is remembered for this pair of certificates (see :mod:`vpnteach.pki.certinfo`)."""
    if ca_info.der in info.verified_by:
        return
    cert = info.certificate
    if cert.signature_algorithm_oid == SHA1_WITH_RSA:
        _verify_sha1_rsa(ca.public_key(), cert.signature, cert.tbs_certificate_bytes)
    else:
        cert.verify_directly_issued_by(ca)
    info.verified_by.add(ca_info.der)


def _verify_sha1_rsa(key: object, signature: bytes, tbs: bytes) -> None:
    """sha1WithRSAEncryption (RFC 3279 §2.2.1), which ``cryptography``'s certificate and CRL
    checks refuse: the seed's Windows 2003 CA signs with it, so routers must still check it
    (it is flagged weak where shown). Raises InvalidSignature like the library does."""
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidSignature
    key.verify(signature, tbs, padding.PKCS1v15(), hashes.SHA1())


def check_validity(cert: x509.Certificate, now: dt.datetime) -> CheckItem:
    """``notBefore <= now <= notAfter`` (RFC 5280 §4.1.2.5), on the validating router's clock."""
    info = certificate_info(cert)
    start, end = info.validity
    if now < start:
        return CheckItem(
            VALIDITY,
            False,
            f"not yet valid: starts {start:%Y-%m-%d %H:%M:%S} UTC, "
            f"clock says {now.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC "
            "(is the clock in sync? ntp server)",
        )
    if now > end:
        return CheckItem(VALIDITY, False, f"expired: ended {end:%Y-%m-%d %H:%M:%S} UTC")
    return CheckItem(VALIDITY, True, info.validity_text)


def check_revocation(
    cert: x509.Certificate,
    ca: x509.Certificate | None,
    now: dt.datetime,
    crl: x509.CertificateRevocationList | None,
    mode: str,
) -> CheckItem:
    """Revocation status per ``revocation-check none|crl`` (RFC 5280 §6.3)."""
    if mode == "none":
        return _NOT_CHECKED
    if mode != "crl":
        return CheckItem(REVOCATION, False, f"revocation-check {mode} is not supported here")
    if crl is None:
        return CheckItem(
            REVOCATION,
            False,
            "no CRL: could not fetch it from the distribution "
            f"point(s) {', '.join(crl_urls(cert)) or '(none in certificate)'}",
        )
    try:  # cryptography parses the CRL's names, entries and extensions lazily
        problem = _crl_problem(crl, ca, now)
        serial = cert.serial_number
        entry = None if problem else crl.get_revoked_certificate_by_serial_number(serial)
    except PARSE_ERRORS as exc:
        problem = f"malformed CRL: {exc}"
    if problem:
        return CheckItem(REVOCATION, False, problem)
    if entry is not None:
        return CheckItem(
            REVOCATION, False, f"revoked on {entry.revocation_date_utc:%Y-%m-%d %H:%M:%S} UTC"
        )
    return CheckItem(REVOCATION, True, "not listed in the CRL (current, signed by the CA)")


def _crl_signed(crl: x509.CertificateRevocationList, key: rsa.RSAPublicKey) -> bool:
    if crl.signature_algorithm_oid != SHA1_WITH_RSA:
        return crl.is_signature_valid(key)
    try:
        _verify_sha1_rsa(key, crl.signature, crl.tbs_certlist_bytes)
    except InvalidSignature:
        return False
    return True


def _crl_problem(
    crl: x509.CertificateRevocationList, ca: x509.Certificate | None, now: dt.datetime
) -> str:
    if ca is None or crl.issuer != ca.subject:
        return "CRL not issued by the trusted CA"
    key = ca.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or not _crl_signed(crl, key):
        return "CRL signature does not verify with the CA's key"
    if crl.next_update_utc is not None and now > crl.next_update_utc:
        return (
            f"stale CRL: nextUpdate {crl.next_update_utc:%Y-%m-%d %H:%M:%S} UTC has "
            "passed; fetch a fresh one"
        )
    if now < crl.last_update_utc:
        return "CRL not yet valid: thisUpdate is in the future of the router's clock"
    return ""


def check_key_usage(cert: x509.Certificate) -> CheckItem:
    """digitalSignature must be allowed to sign IKE messages (RFC 4945 §5.1.3.2)."""
    usage = certificate_info(cert).key_usage
    if usage is None:
        return _ANY_USAGE
    if usage.digital_signature or usage.content_commitment:
        return _SIGNING_ALLOWED
    return _SIGNING_NOT_ALLOWED


def check_identity(cert: x509.Certificate, identity: Identity) -> CheckItem:
    """The IKE ID matches the certificate (RFC 4945 §3.1): FQDN, DN or IPv4 address."""
    found, where = identity_in_certificate(cert, identity)
    if found:
        return CheckItem(IDENTITY, True, f"ID {_show_id(identity)} found in {where}")
    return CheckItem(
        IDENTITY,
        False,
        f"ID {_show_id(identity)} not in the certificate "
        f"(subject {certificate_info(cert).subject_dn}, subjectAltName {where})",
    )


def identity_in_certificate(cert: x509.Certificate, identity: Identity) -> tuple[bool, str]:
    """Whether ``identity`` is in ``cert``, and where it was found (or what was there)."""
    if isinstance(identity, ipaddress.IPv4Address):
        return ipv4_in_certificate(cert, identity)
    if isinstance(identity, (bytes, x509.Name)):
        # ID_DER_ASN1_DN carries the subject's DER encoding (RFC 4945 §3.1.5): compare bytes.
        der = identity.public_bytes() if isinstance(identity, x509.Name) else identity
        same = der == certificate_info(cert).subject_der
        return same, "subject DN" if same else "-"
    return fqdn_in_certificate(cert, identity)


def fqdn_in_certificate(cert: x509.Certificate, fqdn: str) -> tuple[bool, str]:
    """FQDN in subjectAltName dNSName, or in the subject's unstructuredName / CN (IOS)."""
    want = fqdn.rstrip(".").lower()
    info = certificate_info(cert)
    dns = info.san_dns_lower
    if want in dns:
        return True, "subjectAltName dNSName"
    for oid in (NameOID.UNSTRUCTURED_NAME, NameOID.COMMON_NAME):
        for attr in info.subject.get_attributes_for_oid(oid):
            if str(attr.value).lower() == want:
                return True, f"subject {attr.rfc4514_string()}"
    return False, ", ".join(dns) or "(no dNSName)"


def ipv4_in_certificate(cert: x509.Certificate, addr: ipaddress.IPv4Address) -> tuple[bool, str]:
    """IPv4 address in subjectAltName iPAddress (IOS: "Addr not in Cert!" when absent)."""
    addrs = [a for a in certificate_info(cert).san_ips if isinstance(a, ipaddress.IPv4Address)]
    if addr in addrs:
        return True, "subjectAltName iPAddress"
    return False, ", ".join(str(a) for a in addrs) or "(no iPAddress)"


def crl_urls(cert: x509.Certificate) -> list[str]:
    """The URLs of the certificate's CRL distribution points (RFC 5280 §4.2.1.13), in order."""
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        n.value
        for dp in cdp
        for n in (dp.full_name or [])
        if isinstance(n, x509.UniformResourceIdentifier)
    ]


def _show_id(identity: Identity) -> str:
    if isinstance(identity, bytes):
        return f"DER DN ({len(identity)} bytes)"
    if isinstance(identity, x509.Name):
        return f"DN {identity.rfc4514_string()}"
    return f"{'IPv4' if isinstance(identity, ipaddress.IPv4Address) else 'FQDN'} {identity}"
