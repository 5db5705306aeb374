"""``crypto pki enroll NAME`` on a lab router: the PKCSReq over the network, the CertRep back.

The messages are RFC 8894's (:mod:`vpnteach.pki.scep.client` builds and checks them), carried
as HTTP/1.0 over the simulated network (:mod:`vpnteach.labs.scep_udp`).

The dialogue is the console's (:func:`vpnteach.ios.console.dialogs.enroll`, IOS 12.4's text:
Cisco IOS Security Configuration Guide, "Configuring Certificate Enrollment for a PKI"): the
console asks a learner, :func:`enroll` answers it the way the seed's operator did (a challenge
password, no serial number, no IP address in the subject, yes to the request). Either way
:func:`request_certificate` sends the request and installs the certificate. The certificate
is checked against the router's clock when it arrives (a router whose clock is not in sync
sees "not yet valid": that is why the seed configures ``ntp server 192.168.1.9``).

Console messages, as IOS prints them (timestamped, unsolicited): right after the request
``CRYPTO_PKI:  Certificate Request Fingerprint MD5/SHA1`` -- the fingerprints of the PKCS#10
request, which the CA's administrator can compare before approving it -- then, when the
CertRep arrives, ``%PKI-6-CERTRET: Certificate received from Certificate Authority`` (IOS
before 12.3(7)T: ``%CRYPTO-6-CERTRET``) or ``%PKI-2-CERT_ENROLL_FAIL``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding

from vpnteach.ike.debuglog import ios_time
from vpnteach.ios.console import EnrollAnswers
from vpnteach.ios.console.dialogs import enroll as enroll_dialogue
from vpnteach.ios.console.dialogs import script
from vpnteach.labs.exec import ExecError
from vpnteach.pki import scep
from vpnteach.pki.der import load_csr
from vpnteach.pki.errors import PkiError
from vpnteach.pki.keys import fork
from vpnteach.pki.show import der_fingerprint
from vpnteach.pki.trustpoint import build_csr

if TYPE_CHECKING:
    from vpnteach.labs.router import LabRouter
    from vpnteach.pki.scep.client import ScepRequester

_DER = Encoding.DER

SEED_CHALLENGE = "cisco123"
"""A challenge password (the seed does not show its own; IOS never echoes it)."""
SEED_ANSWERS = (SEED_CHALLENGE, SEED_CHALLENGE, "no", "no", "yes")
"""The seed operator's answers: password twice, no serial number, no IP address, request."""


def _requester(router: LabRouter, name: str, csr_der: bytes) -> ScepRequester:
    """The SCEP client state of this enrollment: the key, the CA and RA certificates."""
    from vpnteach.pki.scep.client import ScepRequester

    tp = router.pki.trustpoint(name)
    pair = router.pki.keys[tp.rsakeypair or router.pki.fqdn]
    assert tp.ca_certificate is not None  # enrollment_request checked authentication
    subject = load_csr(csr_der).subject
    certs = (tp.ca_certificate, *tp.ra_certificates)
    return ScepRequester(pair.private_key, subject, certs, fork(router.rng, f"scep/{name}"))


def send_pkcs_req(router: LabRouter, name: str, csr_der: bytes | None = None) -> scep.CertRep:
    """PKCSReq as RFC 8894 has it -- the CSR enveloped to the RA, signed with a self-signed
    certificate of the router's key -- then the CertRep checked (RA signature, our nonce)
    and opened with the router's key. ``csr_der``: a CSR of the console's dialogue (e.g. with
    the IP address in the subject) instead of the trustpoint's default one."""
    request = router.pki.enrollment_request(name)
    if csr_der is not None:
        request = replace(request, csr_der=csr_der)
    requester = _requester(router, name, request.csr_der)
    message = requester.pkcs_req(request.csr_der, router.clock())
    answer = router.scep_exchange(replace(request, pki_message=message))
    if not isinstance(answer, scep.CertRep):
        raise ExecError(f"% The CA answered PKCSReq with {type(answer).__name__}")
    if not answer.pki_message:
        return answer  # an HTTP error, already a FAILURE with its reason
    result = requester.read_cert_rep(answer.pki_message)
    fail = result.fail_info.rfc_name if result.fail_info else ""
    der = b"" if result.certificate is None else result.certificate.public_bytes(_DER)
    return scep.CertRep(result.status, der, result.fail_info, fail, result.transaction_id)


def _csr(router: LabRouter, answers: EnrollAnswers) -> bytes:
    """The PKCS#10 request the answers ask for (serial number, IP address in the subject)."""
    pki = router.pki
    pair = pki.keys.get(pki.trustpoint(answers.trustpoint).rsakeypair or pki.fqdn)
    if pair is None:  # check_enrollment refused this before any question
        raise ExecError(f"% No key pair for trustpoint {answers.trustpoint}")
    ip = IPv4Address(answers.ip_address) if answers.ip_address is not None else None
    serial = router.serial_number if answers.serial_number else None
    return build_csr(pki.fqdn, pair, ip, serial_number=serial)


def request_certificate(router: LabRouter, answers: EnrollAnswers) -> tuple[str, list[str]]:
    """Send the request the dialogue's ``answers`` describe and install the certificate;
    IOS's text at once, and the console lines printed later (request fingerprints, then
    certificate received or enrollment failed)."""
    name = answers.trustpoint
    try:
        csr = _csr(router, answers)
        sent_at = router.clock()
        answer = send_pkcs_req(router, name, csr)
        now = router.clock()
        check = router.pki.accept_certificate(name, answer, now)
    except PkiError as exc:
        raise ExecError(str(exc)) from None
    sent = (
        "% Certificate request sent to Certificate Authority\n"
        f"% The 'show crypto pki certificate verbose {name}' command"
        "will show the fingerprint.\n"  # IOS 12.4 prints the two words glued
    )
    asked = _stamp(router, sent_at)
    later = [
        f"{asked}: CRYPTO_PKI:  Certificate Request Fingerprint MD5: {der_fingerprint(csr, 'md5')}",
        f"{asked}: CRYPTO_PKI:  Certificate Request Fingerprint SHA1: "
        f"{der_fingerprint(csr, 'sha1')}",
    ]
    if router.pki.trustpoint(name).certificate is not None:
        later.append(f"{_stamp(router, now)}: %PKI-6-CERTRET: Certificate received from "
                     "Certificate Authority")  # fmt: skip
        router.pki_changed()
    else:
        reasons = "; ".join(item.reason for item in check.failed)
        later.append(f"{_stamp(router, now)}: %PKI-2-CERT_ENROLL_FAIL: Certificate enrollment "
                     f"failed: {reasons}")  # fmt: skip
    return sent, later


def _stamp(router: LabRouter, when: dt.datetime) -> str:
    return ios_time(when.timestamp(), router.timezone)


def enroll(router: LabRouter, name: str, answers: tuple[str, ...] = SEED_ANSWERS) -> str:
    """``crypto pki enroll NAME`` answered with ``answers`` (default: as in the seed): the
    console's dialogue, then the lines the router prints when the certificate arrives."""
    from vpnteach.labs.console import LabDevice

    device = LabDevice(router)
    text = script(enroll_dialogue(device, name), answers)
    return text + "".join(line + "\n" for line in device.pending)
