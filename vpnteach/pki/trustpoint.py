"""A router's PKI state and the IOS commands that change it (seed tutorial, first half).

::

    hostname Branch1 / ip domain-name amit.com   -> RouterPki("Branch1", "amit.com")
    crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable
                                                 -> pki.generate_key("BRANCH_KEY", 1024, True, rng)
    crypto pki trustpoint WIN2003 (enrollment url ..., enrollment mode ra, rsakeypair BRANCH_KEY,
    revocation-check none)                       -> pki.add_trustpoint(Trustpoint(...))
    crypto pki authenticate WIN2003              -> pki.authenticate("WIN2003", response)
    crypto pki enroll WIN2003                    -> pki.enrollment_request("WIN2003"), then
                                                    pki.accept_certificate("WIN2003", reply, now)
    show crypto pki certificates                 -> pki.show_certificates()
    show crypto pki trustpoints                  -> pki.show_trustpoints()

Enrollment is SCEP (RFC 8894): GetCACert, then PKCSReq carrying a PKCS#10 CSR (RFC 2986) whose
subject is the router's FQDN as PKCS#9 unstructuredName (IOS prints it ``hostname=...``) and
whose extensionRequest asks for subjectAltName dNSName = FQDN (so non-IOS peers such as
strongSwan can match an FQDN ID). Nothing here does I/O: the caller carries the messages.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AttributeOID, NameOID

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.pki import scep, show
from vpnteach.pki.ca import AEST
from vpnteach.pki.der import load_certificate, load_crl
from vpnteach.pki.errors import EnrollmentError, KeyNotFoundError, TrustpointError
from vpnteach.pki.keys import KeyPair, generate_key_pair
from vpnteach.pki.validation import (
    CertificateCheck,
    Identity,
    crl_urls,
    identity_in_certificate,
    validate_certificate,
)

NOT_AUTHENTICATED = (
    "% You must authenticate the Certificate Authority before you can enroll with it."
)


@dataclass
class Trustpoint(HtmlRepr):
    """``crypto pki trustpoint NAME``: where to enroll, with which key, and what was obtained."""

    name: str
    enrollment_url: str = ""
    enrollment_mode_ra: bool = False
    rsakeypair: str = ""
    revocation_check: str = "crl"  # IOS default; the seed configures "none"
    ip_address: ipaddress.IPv4Address | None = None  # "ip-address" puts it in the CSR
    ca_certificate: x509.Certificate | None = None
    ra_certificates: tuple[x509.Certificate, ...] = ()
    certificate: x509.Certificate | None = None
    crl: x509.CertificateRevocationList | None = None

    @property
    def authenticated(self) -> bool:
        """``crypto pki authenticate`` accepted a CA certificate."""
        return self.ca_certificate is not None


@dataclass(frozen=True)
class AuthenticateResult(HtmlRepr):
    """What ``crypto pki authenticate`` showed and whether the CA certificate was stored."""

    ca_certificate: x509.Certificate
    md5: str
    sha1: str
    accepted: bool

    @property
    def text(self) -> str:
        """The dialogue as in the seed."""
        answer = "yes" if self.accepted else "no"
        last = (
            "Trustpoint CA certificate accepted."
            if self.accepted
            else ("% Certificate not accepted: trustpoint CA certificate not stored.")
        )
        return "\n".join(
            [
                "Certificate has the following attributes:",
                f"Fingerprint MD5: {self.md5}",
                f"Fingerprint SHA1: {self.sha1}",
                f"% Do you accept this certificate? [yes/no]: {answer}",
                last,
            ]
        )


@dataclass
class RouterPki(HtmlRepr):
    """One router's keys and trustpoints, with methods named after the IOS commands."""

    hostname: str
    domain: str = ""
    timezone: dt.tzinfo = AEST
    keys: dict[str, KeyPair] = field(default_factory=dict)
    trustpoints: dict[str, Trustpoint] = field(default_factory=dict)

    @property
    def fqdn(self) -> str:
        """``hostname`` + ``ip domain-name``: ``Branch1.amit.com``."""
        return f"{self.hostname}.{self.domain}" if self.domain else self.hostname

    def generate_key(self, label: str, modulus: int, exportable: bool, rng: Rng) -> KeyPair:
        """``crypto key generate rsa general-keys modulus M label L [exportable]``."""
        if not self.domain:
            raise TrustpointError("% Please define a domain-name first.")
        pair = generate_key_pair(label, modulus, exportable, rng)
        self.keys[label] = pair
        return pair

    def add_trustpoint(self, trustpoint: Trustpoint) -> Trustpoint:
        """``crypto pki trustpoint NAME`` and its sub-commands."""
        self.trustpoints[trustpoint.name] = trustpoint
        return trustpoint

    def trustpoint(self, name: str) -> Trustpoint:
        """The trustpoint called ``name`` (IOS error text if there is none)."""
        try:
            return self.trustpoints[name]
        except KeyError:
            raise TrustpointError(f"% Could not find trustpoint {name}") from None

    def get_ca_cert_request(self, name: str) -> scep.GetCACert:
        """The SCEP GetCACert request ``crypto pki authenticate NAME`` sends."""
        tp = self.trustpoint(name)
        if not tp.enrollment_url:
            raise TrustpointError(f"% Trustpoint {name}: no enrollment url configured")
        return scep.GetCACert(tp.enrollment_url, name)

    def authenticate(
        self, name: str, response: scep.CACertResponse, accept: bool = True
    ) -> AuthenticateResult:
        """``crypto pki authenticate NAME``: show the CA's fingerprints; store it if accepted."""
        tp = self.trustpoint(name)
        certs = [load_certificate(der) for der in response.certificates_der]
        roots = [c for c in certs if c.issuer == c.subject]
        if not roots:
            raise TrustpointError("% No self-signed CA certificate in the CA's GetCACert answer")
        ras = tuple(c for c in certs if c not in roots)
        if tp.enrollment_mode_ra and not ras:
            raise TrustpointError("% enrollment mode ra, but the CA sent no RA certificate")
        ca = roots[0]
        result = AuthenticateResult(
            ca, show.fingerprint(ca, "md5"), show.fingerprint(ca, "sha1"), accept
        )
        if accept:
            tp.ca_certificate, tp.ra_certificates = ca, ras
        return result

    def enrollment_request(self, name: str) -> scep.PKCSReq:
        """``crypto pki enroll NAME``, first half: the PKCSReq with the router's CSR.

        Raises:
            TrustpointError: the trustpoint is not authenticated (IOS's message).
            KeyNotFoundError: the trustpoint's ``rsakeypair`` names no generated key.
        """
        tp = self.trustpoint(name)
        if not tp.authenticated:
            raise TrustpointError(NOT_AUTHENTICATED)
        pair = self.keys.get(tp.rsakeypair or self.fqdn)
        if pair is None:
            raise KeyNotFoundError(
                f"% Key label {tp.rsakeypair or self.fqdn} not found for trustpoint {name}: "
                "generate it with 'crypto key generate rsa general-keys label "
                f"{tp.rsakeypair or self.fqdn}'"
            )
        return scep.PKCSReq(
            tp.enrollment_url,
            build_csr(self.fqdn, pair, tp.ip_address),
            transaction_id=f"{self.hostname}-{name}",
        )

    def accept_certificate(
        self, name: str, response: scep.CertRep, now: dt.datetime
    ) -> CertificateCheck:
        """``crypto pki enroll NAME``, second half: store the certificate of a CertRep.

        The certificate is checked against the router's clock ``now``; a check that fails
        (e.g. "not yet valid" when the clock is not in sync) is returned, not raised.
        """
        tp = self.trustpoint(name)
        if response.status is not scep.PkiStatus.SUCCESS:
            raise EnrollmentError(f"% Certificate request failed: {response.reason}")
        cert = load_certificate(response.certificate_der)
        check = validate_certificate(cert, tp.ca_certificate, now, identity=self.fqdn)
        if check.item("chain").passed:
            tp.certificate = cert
        return check

    def enroll(
        self, name: str, send: Callable[[scep.PKCSReq], scep.CertRep], now: dt.datetime
    ) -> CertificateCheck:
        """Both halves of ``crypto pki enroll``, with ``send`` carrying the PKCSReq."""
        return self.accept_certificate(name, send(self.enrollment_request(name)), now)

    def crl_request(self, name: str, cert: x509.Certificate | None = None) -> scep.GetCRL:
        """GetCRL for the first HTTP distribution point of ``cert`` (default: our own)."""
        tp = self.trustpoint(name)
        cert = cert if cert is not None else tp.certificate or tp.ca_certificate
        urls = crl_urls(cert) if cert is not None else []
        http = [u for u in urls if u.startswith("http")]
        if not http:
            raise TrustpointError(f"% Trustpoint {name}: no HTTP CRL distribution point")
        return scep.GetCRL(http[0])

    def store_crl(self, name: str, response: scep.CRLResponse) -> x509.CertificateRevocationList:
        """Keep the fetched CRL in the trustpoint's cache (IOS's CRL cache)."""
        tp = self.trustpoint(name)
        if not response.found:
            raise TrustpointError(f"% CRL not found at the distribution point ({name})")
        tp.crl = load_crl(response.crl_der)
        return tp.crl

    def validate_peer(
        self,
        name: str,
        cert: x509.Certificate | bytes,
        now: dt.datetime,
        identity: Identity | None = None,
    ) -> CertificateCheck:
        """Validate a peer's certificate with trustpoint ``name`` (CA, CRL, revocation-check)."""
        tp = self.trustpoint(name)
        return validate_certificate(
            cert,
            tp.ca_certificate,
            now,
            identity=identity,
            crl=tp.crl,
            revocation_check=tp.revocation_check,
        )

    def my_id_in_certificate(self, name: str, identity: Identity) -> bool:
        """Whether our own certificate carries ``identity`` (IOS: "My ID configured as IPv4
        Addr, but Addr not in Cert! Using FQDN as My ID" when an address is not)."""
        tp = self.trustpoint(name)
        return tp.certificate is not None and identity_in_certificate(tp.certificate, identity)[0]

    def show_certificates(
        self, width: int | None = 80, *, verbose: bool = False, trustpoint: str | None = None
    ) -> str:
        """``show crypto pki certificates [verbose [TRUSTPOINT]]`` (router certificate first,
        then the CA's; ``verbose`` adds the key, signature algorithm, fingerprints and
        extensions; ``trustpoint`` limits it to one trustpoint, an unknown name is an error)."""
        lines: list[tuple[int, str]] = []
        chosen = [self.trustpoint(trustpoint)] if trustpoint else self.trustpoints.values()
        for tp in chosen:
            if tp.certificate is not None:
                lines += self._block("Certificate", tp.certificate, tp, verbose)
            if tp.ca_certificate is not None:
                lines += self._block("CA Certificate", tp.ca_certificate, tp, verbose)
        return show.render(lines, width)

    def _block(
        self, title: str, cert: x509.Certificate, tp: Trustpoint, verbose: bool
    ) -> list[tuple[int, str]]:
        if not verbose:
            return show.certificate_block(title, cert, [tp.name], self.timezone)
        label = (tp.rsakeypair or self.fqdn) if title == "Certificate" else ""
        return show.verbose_block(title, cert, [tp.name], self.timezone, label)

    def show_trustpoints(self) -> str:
        """``show crypto pki trustpoints``."""
        lines: list[tuple[int, str]] = []
        for tp in self.trustpoints.values():
            lines.append((0, f"Trustpoint {tp.name}:"))
            if tp.ca_certificate is not None:
                lines.append((4, "Subject Name:"))
                lines += [(4, line) for line in show.dn_lines(tp.ca_certificate.subject)]
                serial = show.ios_serial(tp.ca_certificate.serial_number)[2:]
                lines += [(10, f"Serial Number (hex): {serial}"), (4, "Certificate configured.")]
            else:
                lines.append((4, "Not authenticated."))
            if tp.enrollment_url:
                lines.append((4, f"SCEP URL: {tp.enrollment_url}"))
            if tp.ra_certificates:
                lines.append((4, "RA certificate configured."))
        return show.render(lines, None)


UNSTRUCTURED_ADDRESS = x509.ObjectIdentifier("1.2.840.113549.1.9.8")
"""PKCS#9 unstructuredAddress (RFC 2985 §5.2.3): the IP address IOS puts in the subject."""


def ios_subject(
    fqdn: str, ip: ipaddress.IPv4Address | None = None, serial_number: str | None = None
) -> x509.Name:
    """The subject IOS requests: ``unstructuredName=<fqdn>`` (IOS prints ``hostname=``),
    with ``unstructuredAddress`` and the chassis ``serialNumber`` (X.520) when the operator
    said yes to them, all in one multi-valued RDN (IOS prints it
    ``serialNumber=...+ipaddress=...+hostname=...``)."""
    attributes = [x509.NameAttribute(NameOID.UNSTRUCTURED_NAME, fqdn)]
    if ip is not None:
        attributes.append(x509.NameAttribute(UNSTRUCTURED_ADDRESS, str(ip)))
    if serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name([x509.RelativeDistinguishedName(attributes)])


def build_csr(
    fqdn: str,
    pair: KeyPair,
    ip: ipaddress.IPv4Address | None,
    challenge_password: str = "",
    serial_number: str | None = None,
) -> bytes:
    """The router's PKCS#10 request (RFC 2986), DER, signed with its key (proof of possession).

    Subject :func:`ios_subject`, extensionRequest subjectAltName dNSName = FQDN (and
    iPAddress with an address), and the challengePassword attribute when one is given
    (RFC 8894 §2.2).
    """
    names: list[x509.GeneralName] = [x509.DNSName(fqdn)]
    if ip is not None:
        names.append(x509.IPAddress(ip))
    builder = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(ios_subject(fqdn, ip, serial_number))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
    )
    if challenge_password:
        builder = builder.add_attribute(
            AttributeOID.CHALLENGE_PASSWORD, challenge_password.encode()
        )
    return builder.sign(pair.private_key, hashes.SHA256()).public_bytes(_DER)


_DER = serialization.Encoding.DER
