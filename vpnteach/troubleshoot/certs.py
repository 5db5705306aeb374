"""Certificate failures in Main Mode: which check of the checklist failed, and what fixes it.

The checklist is the one the refusing router recorded as a fact (``certificate check``,
:class:`~vpnteach.pki.validation.CertificateCheck`); when tracing was off it is computed again
the same way (the peer's certificate, the refusing router's trustpoint and clock). The verdict
then depends on the failed item (RFC 5280 §6, RFC 4945 §5):

* **chain**: the refusing router has no CA certificate (never authenticated the CA), or the
  peer's certificate comes from another CA;
* **validity**: if the router's clock is far from the true time it is *clock skew* (fix the
  clock: NTP or ``clock set``), otherwise the certificate really expired (re-enroll);
* **revocation**: the CRL lists the serial (re-enroll the peer), or no CRL could be had;
* **identity**: the peer's ID (its FQDN) is not in its certificate (the domain or host name
  changed after enrollment).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

from vpnteach.ike.records_endpoint import NegotiationError
from vpnteach.pki.trustpoint import Trustpoint
from vpnteach.pki.validation import CertificateCheck
from vpnteach.troubleshoot.finding import Finding

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.troubleshoot.facts import RouterFacts

SKEW_TOLERANCE = dt.timedelta(minutes=5)
UNSTRUCTURED_NAME = ObjectIdentifier("1.2.840.113549.1.9.2")


def trustpoint(v: RouterFacts) -> Trustpoint | None:
    """The trustpoint IKE uses (the first one, as the lab's IKE configuration does)."""
    return next(iter(v.router.pki.trustpoints.values()), None)


def uses_rsa_sig(v: RouterFacts) -> bool:
    """Some ISAKMP policy of the router authenticates with certificates."""
    return any(p.authentication == "rsa-sig" for p in v.config.policies_by_priority())


def missing_ca(v: RouterFacts) -> Finding | None:
    """rsa-sig configured but no CA certificate (or no own certificate) on the trustpoint."""
    tp = trustpoint(v)
    if not uses_rsa_sig(v) or tp is None or (tp.ca_certificate and tp.certificate):
        return None
    if tp.ca_certificate is None:
        what, fix = "CA certificate", (f"crypto pki authenticate {tp.name}",)
    else:
        what, fix = "certificate of its own", (f"crypto pki enroll {tp.name}",)
    return Finding(
        "ca_not_authenticated", "CA not authenticated (no certificate to use)", 1, v.name,
        f"no usable rsa-sig policy: trustpoint {tp.name} holds no {what}",
        f"{v.name}'s only ISAKMP policy says rsa-sig, but trustpoint {tp.name} has no {what}: "
        f"{v.name} can neither check a peer's certificate nor ask for one, so it cannot use "
        "that policy: as responder it finds no acceptable proposal (NO-PROPOSAL-CHOSEN for "
        "MM1), as initiator it has nothing to propose.",
        v.name, (), fix, (), marker=(v.name, NegotiationError),
    )  # fmt: skip


def _peer_certificate(peer: RouterFacts) -> x509.Certificate | None:
    tp = trustpoint(peer)
    return tp.certificate if tp is not None else None


def failed_check(v: RouterFacts, peer: RouterFacts) -> CertificateCheck | None:
    """The refusing router's failed checklist (recorded, or computed again)."""
    failed = [c for c in v.checks if not c.ok]
    if failed:
        return failed[-1]
    tp, cert = trustpoint(v), _peer_certificate(peer)
    if tp is None or cert is None:
        return None
    check = v.router.pki.validate_peer(
        tp.name, cert, v.router.clock().astimezone(dt.timezone.utc), identity=peer.router.pki.fqdn
    )
    return None if check.ok else check


def certificate_finding(lab: Lab, v: RouterFacts, peer: RouterFacts, notify: str) -> Finding:
    """The finding for a certificate ``v`` refused from ``peer`` (``notify`` it sent)."""
    check = failed_check(v, peer)
    item = check.failed[0] if check is not None else None
    if item is None:
        return _generic(v, peer, notify)
    handler = {
        "chain": _chain,
        "validity": _validity,
        "revocation": _revocation,
        "identity": _identity,
    }.get(item.name)
    if handler is None:
        return _generic(v, peer, notify, str(item))
    return handler(lab, v, peer, f"{notify}: [FAIL] {item.name}: {item.reason}")


def _generic(v: RouterFacts, peer: RouterFacts, notify: str, why: str = "") -> Finding:
    return Finding(
        "certificate_refused", "Peer certificate refused", 1, v.name, notify,
        f"{v.name} refused {peer.name}'s certificate in Main Mode. {why}".strip(),
        marker=(v.name, "cert"),
    )  # fmt: skip


def _chain(lab: Lab, v: RouterFacts, peer: RouterFacts, check: str) -> Finding:
    tp = trustpoint(v)
    if tp is not None and tp.ca_certificate is None:
        return Finding(
            "ca_not_authenticated", "CA not authenticated", 1, v.name, check,
            f"{v.name} has no CA certificate on trustpoint {tp.name}, so it cannot verify who "
            f"signed {peer.name}'s certificate.",
            v.name, (), (f"crypto pki authenticate {tp.name}",), (), marker=(v.name, "cert"),
        )  # fmt: skip
    cert = _peer_certificate(peer)
    issuer = cert.issuer.rfc4514_string() if cert is not None else "another CA"
    name = tp.name if tp else "WIN2003"
    if tp is not None and lab.ca is not None and tp.ca_certificate != lab.ca.certificate:
        return Finding(  # v accepted an impostor's CA certificate (fingerprint not compared)
            "untrusted_ca", "Certificate from an untrusted CA", 1, v.name, check,
            f"{v.name}'s trustpoint {name} holds a CA certificate named like the CA but with "
            f"another key (its fingerprint differs from the CA's own): {peer.name}'s "
            "certificate, signed by the real CA, does not verify with it. Authenticate the CA "
            "again and compare the fingerprint with the CA administrator's before saying yes.",
            v.name, (), (f"crypto pki authenticate {name}",), (), marker=(v.name, "cert"),
        )  # fmt: skip
    return Finding(
        "untrusted_ca", "Certificate from an untrusted CA", 1, v.name, check,
        f"{peer.name}'s certificate was issued by {issuer}, which is not the CA {v.name} "
        "trusts: both routers must enroll with (or authenticate) the same CA.",
        peer.name, (), (f"crypto pki enroll {name}",), (),
        marker=(v.name, "cert"),
    )  # fmt: skip


def _ios_clock(when: dt.datetime) -> str:
    return f"clock set {when:%H:%M:%S} {when:%b} {when.day} {when.year}"


def _validity(lab: Lab, v: RouterFacts, peer: RouterFacts, check: str) -> Finding:
    clock, truth = v.router.clock(), lab.now.astimezone(v.router.timezone)
    skew = clock - truth
    if abs(skew) > SKEW_TOLERANCE:
        days = abs(skew).total_seconds() / 86400
        side = "behind" if skew < dt.timedelta(0) else "ahead of"
        ntp = v.config.ntp_servers
        return Finding(
            "clock_skew", "Clock skew: certificate not valid on this router's clock", 1,
            v.name, check,
            f"{v.name}'s clock reads {clock:%b %d %Y %H:%M:%S}, {days:.1f} days {side} the "
            "real time: it judges certificate validity by that clock, so a good certificate "
            "looks " + ("not yet valid" if skew < dt.timedelta(0) else "expired") + ". "
            "Certificates need synchronised clocks: NTP "
            + (f"({ntp[0]} is configured but not synchronised)" if ntp else "is not configured")
            + ", so set the clock (or make NTP work).",
            v.name, () if ntp else ("ntp server 192.168.1.9",), (_ios_clock(truth),), (),
            marker=(v.name, "cert"),
        )  # fmt: skip
    cert = _peer_certificate(peer)
    tp = trustpoint(peer)
    ended = cert is not None and truth > cert.not_valid_after_utc
    own = _peer_certificate(v)
    also = (
        f" {v.name}'s own certificate has expired too: re-enroll it as well."
        if own is not None and truth > own.not_valid_after_utc
        else ""
    )
    return Finding(
        "certificate_expired" if ended else "certificate_not_yet_valid",
        "Expired certificate" if ended else "Certificate not yet valid", 1, v.name, check,
        f"{v.name}'s clock is right, and {peer.name}'s certificate "
        + (f"ended on {cert.not_valid_after_utc:%b %d %Y} (UTC)" if ended and cert else
           "is outside its validity period")
        + f": {peer.name} needs a new certificate from the CA."
        + also,
        peer.name, (), (f"crypto pki enroll {tp.name if tp else 'WIN2003'}",), (),
        marker=(v.name, "cert"),
    )  # fmt: skip


def _revocation(lab: Lab, v: RouterFacts, peer: RouterFacts, check: str) -> Finding:
    tp, cert = trustpoint(v), _peer_certificate(peer)
    crl = tp.crl if tp is not None else None
    listed = (
        crl is not None
        and cert is not None
        and (crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None)
    )
    if listed and cert is not None:
        ptp = trustpoint(peer)
        return Finding(
            "certificate_revoked", "Revoked certificate", 1, v.name, check,
            f"{v.name} checks revocation (revocation-check crl) and the CA's CRL lists "
            f"{peer.name}'s certificate (serial 0x{cert.serial_number:X}): the CA withdrew "
            f"it. {peer.name} needs a new certificate.",
            peer.name, (), (f"crypto pki enroll {ptp.name if ptp else 'WIN2003'}",), (),
            marker=(v.name, "cert"),
        )  # fmt: skip
    name = tp.name if tp else "WIN2003"
    return Finding(
        "crl_unavailable", "No usable CRL", 1, v.name, check,
        f"{v.name} must check revocation but has no current CRL from the CA's distribution "
        "point: it refuses every certificate until it gets one (or stops checking).",
        v.name, (f"crypto pki trustpoint {name}", " revocation-check none"), (), (),
        marker=(v.name, "cert"),
    )  # fmt: skip


def certificate_fqdn(cert: x509.Certificate) -> str | None:
    """The router FQDN a certificate names (unstructuredName, else a SAN DNS name)."""
    for attr in cert.subject.get_attributes_for_oid(UNSTRUCTURED_NAME):
        return str(attr.value)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    names = san.get_values_for_type(x509.DNSName)
    return names[0] if names else None


def _identity(lab: Lab, v: RouterFacts, peer: RouterFacts, check: str) -> Finding:
    cert = _peer_certificate(peer)
    named = certificate_fqdn(cert) if cert is not None else None
    sent = peer.router.pki.fqdn
    lines: tuple[str, ...] = ()
    if named is not None:
        host, _, domain = named.partition(".")
        sent_host, _, sent_domain = sent.partition(".")
        if domain.lower() != sent_domain.lower():
            lines = (f"ip domain-name {domain}",)
        elif host.lower() != sent_host.lower():
            lines = (f"hostname {host}",)
    return Finding(
        "id_mismatch", "ID does not match the certificate", 1, v.name, check,
        f"{peer.name} identifies itself as {sent} (ID_FQDN in MM5), but its certificate "
        f"names {named or 'something else'}: {v.name} cannot tie the certificate to that "
        "identity and refuses it (RFC 4945 §3.1).",
        peer.name, lines, (), (), marker=(v.name, "cert"),
    )  # fmt: skip
