"""``crypto pki enroll NAME`` on a lab router: the PKCSReq over the network, the CertRep back.

The messages are RFC 8894's (:mod:`vpnteach.pki.scep.client` builds and checks them), carried
as HTTP/1.0 over the simulated network (:mod:`vpnteach.labs.scep_udp`).

The dialogue is IOS 12.4's (Cisco IOS Security Configuration Guide, "Configuring Certificate
Enrollment for a PKI"), answered the way the seed's operator answered it: no serial number, no
IP address in the subject, yes to the request. The certificate is checked against the
router's clock when it arrives (a router whose clock is not in sync sees "not yet valid":
that is why the seed configures ``ntp server 192.168.1.9``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding

from vpnteach.ike.debuglog import ios_time
from vpnteach.labs.exec import ExecError
from vpnteach.pki import scep
from vpnteach.pki.der import load_csr
from vpnteach.pki.errors import PkiError
from vpnteach.pki.keys import fork
from vpnteach.pki.show import fingerprint

if TYPE_CHECKING:
    from vpnteach.labs.router import LabRouter
    from vpnteach.pki.scep.client import ScepRequester

_DER = Encoding.DER

_PROLOGUE = """%
% Start certificate enrollment ..
% Create a challenge password. You will need to verbally provide this
   password to the CA Administrator in order to revoke your certificate.
   For security reasons your password will not be saved in the configuration.
   Please make a note of it.

% The subject name in the certificate will include: {fqdn}
% Include the router serial number in the subject name? [yes/no]: no
% Include an IP address in the subject name? [no]: no
Request certificate from CA? [yes/no]: yes
% Certificate request sent to Certificate Authority
% The 'show crypto pki certificate verbose {tp}' commandwill show the fingerprint.
"""


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


def enroll(router: LabRouter, name: str) -> str:
    """Both halves of ``crypto pki enroll``, the CA reached through the simulated network."""
    try:
        answer = send_pkcs_req(router, name)
        now = router.clock()
        check = router.pki.accept_certificate(name, answer, now)
    except PkiError as exc:
        raise ExecError(str(exc)) from None
    stamp = ios_time(now.timestamp(), router.timezone)
    lines = [_PROLOGUE.format(fqdn=router.pki.fqdn, tp=name).rstrip("\n")]
    tp = router.pki.trustpoint(name)
    if tp.certificate is not None:
        md5, sha1 = fingerprint(tp.certificate, "md5"), fingerprint(tp.certificate, "sha1")
        lines += [
            f"{stamp}: CRYPTO_PKI:  Certificate Fingerprint MD5: {md5}",
            f"{stamp}: CRYPTO_PKI:  Certificate Fingerprint SHA1: {sha1}",
            f"{stamp}: %PKI-6-CERTRET: Certificate received from Certificate Authority",
        ]
        router.pki_changed()
    else:
        reasons = "; ".join(item.reason for item in check.failed)
        lines.append(f"{stamp}: %PKI-2-CERT_ENROLL_FAIL: Certificate enrollment failed: {reasons}")
    return "\n".join(lines) + "\n"
