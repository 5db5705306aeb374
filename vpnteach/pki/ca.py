"""The CA server of the seed: a Windows Server 2003 enterprise CA ``WIN2003`` with the SCEP add-on.

It issues X.509 v3 certificates (RFC 5280) from PKCS#10 requests (RFC 2986), revokes them and
publishes CRLs (RFC 5280 §5). :meth:`CaServer.handle` answers the SCEP-style requests of
:mod:`vpnteach.pki.scep`; it never does I/O: the simulated network carries the messages.

Rules inferred from the seed's ``show crypto pki certificates`` output:

* **Serial numbers** of issued certificates are 10 bytes, as a Windows CA makes them:
  ``tick(4) | ca_index(2) | request_id(4)``. ``tick`` is the CA host's millisecond uptime
  counter mod 2^32 (Branch2's 0x614AE084 and Branch1's 0x614C662A differ by 99 750 ms, the
  ~100 s between their validity starts), ``ca_index`` is 0 for the first CA key, and
  ``request_id`` is the CA database's request counter (8 for Branch2, 9 for Branch1).
* **Validity** of an issued certificate: ``notBefore = issue time - 10 min`` (the Windows
  CA's ``ClockSkewMinutes`` backdating) and ``notAfter = issue time + 1 year``, hence the seed's
  spans of one year and ten minutes (04:00:18 Jun 5 2010 .. 04:10:18 Jun 5 2011).
* The **CA certificate** has a 16-byte random serial and a 10-year life; its exact span in the
  seed (03:31:18 May 21 2010 .. 03:40:13 May 21 2020) follows no rule we could infer, so the
  seed profile sets both dates explicitly.
* **Signatures** are sha256WithRSAEncryption by default: the seed's CA signed with sha1RSA,
  which the ``cryptography`` builder refuses. ``sign_sha1=True`` signs as Windows 2003 did
  (:mod:`vpnteach.pki.sha1_signing`, flagged weak). Certificate fingerprints differ from the
  seed's either way (the seed's keys are unknown).
* **CRLs** are valid for a week (the Windows CA default); a revocation appears in the next
  published CRL only, as on a real CA.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.pki import scep
from vpnteach.pki.der import PARSE_ERRORS, load_csr
from vpnteach.pki.errors import EnrollmentError, MalformedInputError, PkiError
from vpnteach.pki.keys import fork, rsa_private_key
from vpnteach.trace import NULL_TRACE, Trace

AEST = dt.timezone(dt.timedelta(hours=10), "AEST")
"""The seed routers' clock zone (Australian Eastern Standard Time, UTC+10)."""

SEED_CA_NAME = "WIN2003"
SEED_CA_DN = "cn=WIN2003,dc=amit,dc=com"
SEED_ENROLLMENT_URL = "http://192.168.1.9/certsrv/mscep/mscep.dll"
# The seed's two CRL distribution points, the wrapped LDAP lines joined.
SEED_CDP_URLS = (
    "ldap:///CN=WIN2003,CN=amit-ed0d48583a,CN=CDP,CN=Public%20Key%20Services,CN=Services,"
    "CN=Configuration,DC=amit,DC=com?certificateRevocationList?base?"
    "objectClass=cRLDistributionPoint",
    "http://amit-ed0d48583a.amit.com/CertEnroll/WIN2003.crl",
)
SEED_CA_SERIAL = 0x6462CFFA77B593A74DB4E13D530CBC02
SEED_CA_NOT_BEFORE = dt.datetime(2010, 5, 21, 3, 31, 18, tzinfo=AEST)
SEED_CA_NOT_AFTER = dt.datetime(2020, 5, 21, 3, 40, 13, tzinfo=AEST)
# Branch1's request reached the CA at 04:10:18.000 AEST Jun 5 2010 with tick 0x614C662A.
SEED_CA_BOOT = dt.datetime(2010, 6, 5, 4, 10, 18, tzinfo=AEST) - dt.timedelta(
    milliseconds=0x614C662A
)
SEED_NEXT_REQUEST_ID = 8  # Branch2 got request 8, Branch1 request 9

SignatureHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
"""Signature hashes. Windows 2003 signed with SHA-1; ``cryptography`` no longer signs with it."""

CLOCK_SKEW = dt.timedelta(minutes=10)
CRL_PERIOD = dt.timedelta(days=7)  # Windows CA default base CRL publication interval
_MS_CA_VERSION = ObjectIdentifier("1.3.6.1.4.1.311.21.1")  # Microsoft "CA Version" extension
# RFC 4945 §5.1.3.12 / RFC 4809: id-kp-ipsecIKE; Windows' IPSec templates use 1.3.6.1.5.5.8.2.2.
IKE_INTERMEDIATE = ObjectIdentifier("1.3.6.1.5.5.8.2.2")


def windows_serial(tick_ms: int, ca_index: int, request_id: int) -> int:
    """A Windows CA serial number: ``tick(4 bytes) | ca_index(2) | request_id(4)``."""
    return ((tick_ms % 2**32) << 48) | ((ca_index & 0xFFFF) << 32) | (request_id & 0xFFFFFFFF)


def add_years(when: dt.datetime, years: int) -> dt.datetime:
    """``when`` plus whole calendar years (Feb 29 becomes Feb 28)."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def parse_dn(text: str) -> x509.Name:
    """``cn=WIN2003,dc=amit,dc=com`` (IOS / LDAP order, most specific first) as an X.509 Name."""
    oids = {
        "cn": NameOID.COMMON_NAME,
        "dc": NameOID.DOMAIN_COMPONENT,
        "o": NameOID.ORGANIZATION_NAME,
        "ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "c": NameOID.COUNTRY_NAME,
    }
    attrs = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or key.strip().lower() not in oids:
            raise PkiError(f"cannot parse DN component {part!r} in {text!r}")
        attrs.append(x509.NameAttribute(oids[key.strip().lower()], value.strip()))
    return x509.Name(list(reversed(attrs)))  # X.509 order: least specific (dc=com) first


@dataclass
class CaServer(HtmlRepr):
    """A certification authority with a SCEP front end (RA mode as the seed's Windows CA).

    Build one with :meth:`create` (or :func:`seed_ca`); then :meth:`handle` requests.
    """

    name: str
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    cdp_urls: tuple[str, ...]
    enrollment_url: str
    boot_time: dt.datetime
    next_request_id: int = 1
    ca_index: int = 0
    ra_mode: bool = True
    ra_certificate: x509.Certificate | None = None
    ra_private_key: rsa.RSAPrivateKey | None = field(default=None, repr=False)
    hash_algorithm: SignatureHash = field(default_factory=hashes.SHA256)
    issued: dict[int, x509.Certificate] = field(default_factory=dict)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    crl: x509.CertificateRevocationList | None = None
    crl_number: int = 0
    validity_years: int = 1
    sign_sha1: bool = False
    trace: Trace = field(default=NULL_TRACE, repr=False)

    @classmethod
    def create(
        cls,
        name: str,
        dn: str,
        now: dt.datetime,
        rng: Rng,
        *,
        key_bits: int = 2048,
        serial: int | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        cdp_urls: tuple[str, ...] = (),
        enrollment_url: str = "",
        ra_mode: bool = True,
        hash_algorithm: SignatureHash | None = None,
        sign_sha1: bool = False,
    ) -> CaServer:
        """Install a root CA at ``now``: key pair, self-signed certificate (10 years)."""
        key = rsa_private_key(key_bits, fork(rng, "ca-key"))
        if serial is None:
            serial = int.from_bytes(rng.random_bytes(16), "big") >> 1  # positive, 16 bytes
        algo = hash_algorithm or hashes.SHA256()
        subject = parse_dn(dn)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(not_before or now - CLOCK_SKEW)
            .not_valid_after(not_after or add_years(now, 10))
            .add_extension(_key_usage(ca=True), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(x509.UnrecognizedExtension(_MS_CA_VERSION, b"\x02\x01\x00"), False)
        )
        builder = _with_cdp(builder, cdp_urls)
        cert = builder.sign(key, algo)
        if sign_sha1:
            cert = _resign_sha1(cert, key)
        ca = cls(
            name, key, cert, cdp_urls, enrollment_url, now, ra_mode=ra_mode, hash_algorithm=algo
        )
        ca.sign_sha1 = sign_sha1
        if ra_mode:
            ca.ra_certificate = ca._issue_ra(now, rng)
        return ca

    # -- issuing -----------------------------------------------------------------------------

    def issue(self, csr_der: bytes, now: dt.datetime) -> x509.Certificate:
        """Issue a certificate for a PKCS#10 request (RFC 2986) received at ``now``.

        Raises:
            MalformedInputError: the CSR does not parse.
            EnrollmentError: the CSR's self-signature does not verify (RFC 2986 §3: proof of
                possession of the private key).
        """
        csr = load_csr(csr_der)
        try:  # cryptography parses the key, names and extensions lazily, on first use
            signature_ok = csr.is_signature_valid
            subject, public_key, san = csr.subject, csr.public_key(), _requested_san(csr)
            subject.rfc4514_string()
        except PARSE_ERRORS as exc:
            raise MalformedInputError(f"malformed certificate request: {exc}") from None
        if not signature_ok:
            raise EnrollmentError(
                "certificate request signature does not verify "
                "(no proof of possession of the private key)"
            )
        return self.issue_for(subject, public_key, san, now)

    def issue_for(
        self,
        subject: x509.Name,
        public_key: object,
        san: x509.SubjectAlternativeName | None,
        now: dt.datetime,
    ) -> x509.Certificate:
        """Issue for a request whose proof of possession the caller has checked (the SCEP
        front end reads CSRs that ``cryptography`` refuses, see :mod:`vpnteach.pki.scep.csr`)."""
        tick = self._tick(now)
        serial = self.trace.derived(
            "serial",
            "tick_ms(4 bytes) | ca_index(2) | request_id(4)",
            windows_serial(tick, self.ca_index, self.next_request_id),
            rfc="RFC 5280 §4.1.2.2 (Windows CA layout)",
            tick_ms=tick,
            ca_index=self.ca_index,
            request_id=self.next_request_id,
        )
        self.next_request_id += 1
        cert = self._build(subject, public_key, serial, now, san)
        self.issued[serial] = cert
        return cert

    def _build(
        self,
        subject: x509.Name,
        public_key: object,
        serial: int,
        now: dt.datetime,
        san: x509.SubjectAlternativeName | None,
        usage: tuple[x509.KeyUsage, list[ObjectIdentifier]] | None = None,
    ) -> x509.Certificate:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise EnrollmentError("only RSA keys can be certified by this CA")
        not_before = self.trace.derived(
            "notBefore",
            "issue time - ClockSkewMinutes (10 min)",
            (now - CLOCK_SKEW).replace(microsecond=0),
            rfc="RFC 5280 §4.1.2.5",
            issue_time=now,
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(self._not_after(now))
            .add_extension(usage[0] if usage else _key_usage(ca=False), critical=True)
        )
        ekus = usage[1] if usage else [IKE_INTERMEDIATE]
        if ekus:  # SIZE (1..MAX): an RA encryption certificate has none
            builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), False
        ).add_extension(self._aki(), critical=False)
        builder = _with_cdp(builder, self.cdp_urls)
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        cert = builder.sign(self.private_key, self.hash_algorithm)
        return _resign_sha1(cert, self.private_key) if self.sign_sha1 else cert

    def issue_ra(
        self,
        common_name: str,
        public_key: rsa.RSAPublicKey,
        now: dt.datetime,
        usage: tuple[x509.KeyUsage, list[ObjectIdentifier]],
    ) -> x509.Certificate:
        """An RA certificate (RFC 8894 §2.1.1.1) with the key usage of its role: NDES has one
        for signing CertReps and one that requests are encrypted to."""
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        serial = windows_serial(self._tick(now), self.ca_index, self.next_request_id)
        self.next_request_id += 1
        cert = self._build(subject, public_key, serial, now, None, usage)
        self.issued[serial] = cert
        return cert

    def _not_after(self, now: dt.datetime) -> dt.datetime:
        return self.trace.derived(
            "notAfter",
            "issue time + validity period (1 year)",
            add_years(now, self.validity_years).replace(microsecond=0),
            rfc="RFC 5280 §4.1.2.5",
            issue_time=now,
            years=self.validity_years,
        )

    def _issue_ra(self, now: dt.datetime, rng: Rng) -> x509.Certificate:
        """The SCEP add-on's RA certificate (``CN=<ca>-MSCEP-RA``), sent with GetCACert."""
        key = rsa_private_key(1024, fork(rng, "ra-key"))
        self.ra_private_key = key  # decrypts PKCSReqs and signs CertReps (RFC 8894 §2.1.1.1)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name}-MSCEP-RA")])
        serial = windows_serial(self._tick(now), self.ca_index, self.next_request_id)
        self.next_request_id += 1
        return self._build(subject, key.public_key(), serial, now, None)

    def _tick(self, now: dt.datetime) -> int:
        return ((now - self.boot_time) // dt.timedelta(milliseconds=1)) % 2**32

    def _aki(self) -> x509.AuthorityKeyIdentifier:
        ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)

    # -- revocation --------------------------------------------------------------------------

    def revoke(self, serial: int, now: dt.datetime) -> None:
        """Revoke an issued certificate. The next :meth:`publish_crl` lists it (not before)."""
        if serial not in self.issued:
            raise PkiError(f"the CA issued no certificate with serial 0x{serial:X}")
        self.revoked[serial] = now

    def publish_crl(self, now: dt.datetime) -> x509.CertificateRevocationList:
        """Sign and publish a CRL (RFC 5280 §5) valid for a week from ``now``."""
        self.crl_number += 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now.replace(microsecond=0))
            .next_update((now + CRL_PERIOD).replace(microsecond=0))
            .add_extension(self._aki(), critical=False)
            .add_extension(x509.CRLNumber(self.crl_number), critical=False)
        )
        for serial, when in sorted(self.revoked.items()):
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(when.replace(microsecond=0))
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        crl = builder.sign(self.private_key, self.hash_algorithm)
        if self.sign_sha1:
            from vpnteach.pki.sha1_signing import resign_crl_sha1

            crl = resign_crl_sha1(crl, self.private_key)
        self.crl = crl
        return crl

    # -- SCEP front end ----------------------------------------------------------------------

    def handle(self, request: scep.ScepRequest, now: dt.datetime) -> scep.ScepResponse:
        """Answer one SCEP-style request received at ``now`` (the sans-IO entry point)."""
        if isinstance(request, scep.GetCACert):
            return self.get_ca_cert(request)
        if isinstance(request, scep.PKCSReq):
            return self.pkcs_req(request, now)
        return self.get_crl(request, now)

    def get_ca_cert(self, request: scep.GetCACert) -> scep.CACertResponse:
        """GetCACert: the CA certificate, then (RA mode) the RA certificate."""
        certs = [self.certificate]
        if self.ra_mode and self.ra_certificate is not None:
            certs.append(self.ra_certificate)
        return scep.CACertResponse(tuple(c.public_bytes(_DER) for c in certs))

    def pkcs_req(self, request: scep.PKCSReq, now: dt.datetime) -> scep.CertRep:
        """PKCSReq: issue, or answer FAILURE with the reason (never raises for bad input)."""
        try:
            cert = self.issue(request.csr_der, now)
        except PkiError as exc:
            return scep.CertRep(
                scep.PkiStatus.FAILURE,
                fail_info=scep.FailInfo.BAD_REQUEST,
                reason=str(exc),
                transaction_id=request.transaction_id,
            )
        return scep.CertRep(
            scep.PkiStatus.SUCCESS, cert.public_bytes(_DER), transaction_id=request.transaction_id
        )

    def get_crl(self, request: scep.GetCRL, now: dt.datetime) -> scep.CRLResponse:
        """GetCRL by distribution point URL: the last published CRL (publishing one if none)."""
        if request.url not in self.cdp_urls:
            return scep.CRLResponse(b"", found=False)
        crl = self.crl if self.crl is not None else self.publish_crl(now)
        return scep.CRLResponse(crl.public_bytes(_DER))


_DER = serialization.Encoding.DER


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """CA: digitalSignature, keyCertSign, cRLSign ("Signature" in IOS); router: General
    Purpose = digitalSignature + keyEncipherment (RFC 5280 §4.2.1.3)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _resign_sha1(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> x509.Certificate:
    """Re-sign with sha1WithRSAEncryption (imported here: asn1crypto is slow to import)."""
    from vpnteach.pki.sha1_signing import resign_certificate_sha1

    return resign_certificate_sha1(cert, key)


def _with_cdp(builder: x509.CertificateBuilder, urls: tuple[str, ...]) -> x509.CertificateBuilder:
    """One distribution point listing every URL, as a Windows CA writes it (RFC 5280 §4.2.1.13);
    no extension at all when the CA publishes no CRL (an empty one is not valid DER)."""
    if not urls:
        return builder
    names = [x509.UniformResourceIdentifier(u) for u in urls]
    cdp = x509.CRLDistributionPoints([x509.DistributionPoint(names, None, None, None)])
    return builder.add_extension(cdp, critical=False)


def _requested_san(csr: x509.CertificateSigningRequest) -> x509.SubjectAlternativeName | None:
    """The subjectAltName the router asked for in its extensionRequest (PKCS#9), if any."""
    try:
        return csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def seed_ca(rng: Rng, *, key_bits: int = 2048) -> CaServer:
    """The seed's CA ``WIN2003`` exactly as its certificate shows (names, serial, dates)."""
    ca = CaServer.create(
        SEED_CA_NAME,
        SEED_CA_DN,
        SEED_CA_NOT_BEFORE,
        rng,
        key_bits=key_bits,
        serial=SEED_CA_SERIAL,
        not_before=SEED_CA_NOT_BEFORE,
        not_after=SEED_CA_NOT_AFTER,
        cdp_urls=SEED_CDP_URLS,
        enrollment_url=SEED_ENROLLMENT_URL,
    )
    ca.boot_time = SEED_CA_BOOT
    ca.next_request_id = SEED_NEXT_REQUEST_ID
    return ca
