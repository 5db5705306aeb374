"""CA behaviour (RA mode, CRL publication, recorded facts) and the trustpoints view."""

from __future__ import annotations

import datetime as dt
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.pki.conftest import NOW, Lab, make_lab
from tests.pki.scep_parties import make_parties
from vpnteach.crypto.rng import SeededRng
from vpnteach.pki import GetCRL, SeedPki, load_crl, seed_ca, validate_certificate
from vpnteach.pki.ca import SEED_CDP_URLS, CaServer
from vpnteach.trace import Trace


def test_ra_mode_get_ca_cert_answers_the_ca_certificate_then_the_ra_certificate(
    seeded: SeedPki,
) -> None:
    reply = seeded.ca.get_ca_cert(seeded.routers["Branch1"].get_ca_cert_request("WIN2003"))
    certs = [x509.load_der_x509_certificate(d) for d in reply.certificates_der]
    assert [c.subject.rfc4514_string() for c in certs] == [
        "CN=WIN2003,DC=amit,DC=com",
        "CN=WIN2003-MSCEP-RA",
    ]
    assert seeded.routers["Branch1"].trustpoints["WIN2003"].ra_certificates == (certs[1],)


def test_the_seed_crl_is_fetched_from_its_http_distribution_point(seeded: SeedPki) -> None:
    router = seeded.routers["Branch2"]
    peer = seeded.routers["Branch1"].trustpoints["WIN2003"].certificate
    request = router.crl_request("WIN2003", peer)
    assert request == GetCRL("http://amit-ed0d48583a.amit.com/CertEnroll/WIN2003.crl")
    assert request.url == SEED_CDP_URLS[1]
    crl = load_crl(seeded.ca.get_crl(request, NOW).crl_der)
    assert crl.issuer == seeded.ca.certificate.subject
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=7)


def test_seed_peer_certificate_validates_at_the_seed_clock_with_the_fqdn_id(
    seeded: SeedPki,
) -> None:
    from vpnteach.pki.seed import SEED_CLOCK

    peer = seeded.routers["Branch2"].trustpoints["WIN2003"].certificate
    assert peer is not None
    check = seeded.routers["Branch1"].validate_peer("WIN2003", peer, SEED_CLOCK, "Branch2.amit.com")
    assert check.ok, str(check)
    assert check.item("revocation").reason == "not checked (revocation-check none)"


def test_issue_records_serial_and_validity_as_facts() -> None:
    ca = seed_ca(SeededRng(0))
    ca.trace = Trace("WIN2003")
    lab = make_lab(enroll=False)
    lab.router.authenticate("CA", ca.get_ca_cert(lab.router.get_ca_cert_request("CA")))
    when = dt.datetime(2010, 6, 4, 18, 10, 18, tzinfo=dt.timezone.utc)
    ca.pkcs_req(lab.router.enrollment_request("CA"), when)
    fact = ca.trace.find("serial")
    assert fact.value == 0x614C662A000000000008 and fact.inputs["request_id"] == 8
    assert ca.trace.find("notBefore").value == when - dt.timedelta(minutes=10)


def test_unsupported_revocation_check_mode_fails_rather_than_passing(lab: Lab) -> None:
    leaf = lab.router.trustpoints["CA"].certificate
    assert leaf is not None
    check = validate_certificate(leaf, lab.ca.certificate, NOW, revocation_check="ocsp")
    assert not check.item("revocation").passed


def test_show_trustpoints_names_the_ca_and_the_scep_url(seeded: SeedPki) -> None:
    text = seeded.routers["Branch1"].show_trustpoints()
    assert text.splitlines()[:5] == [
        "Trustpoint WIN2003:",
        "    Subject Name:",
        "    cn=WIN2003",
        "    dc=amit",
        "    dc=com",
    ]
    assert "Serial Number (hex): 6462CFFA77B593A74DB4E13D530CBC02" in text
    assert "SCEP URL: http://192.168.1.9/certsrv/mscep/mscep.dll" in text


def test_a_ca_without_a_crl_location_issues_certificates_without_a_cdp() -> None:
    """No CDP URL: no CRLDistributionPoints extension (an empty one is invalid DER, RFC 5280
    §4.2.1.13: at least one DistributionPoint), read by openssl as such."""
    ca = CaServer.create("NOCRL", "cn=NOCRL", NOW, SeededRng(3), key_bits=1024, cdp_urls=())
    csr = make_parties().csr()
    cert = ca.issue(csr, NOW)
    for c in (ca.certificate, cert):
        text = subprocess.run(
            ["openssl", "x509", "-noout", "-text"],
            input=c.public_bytes(serialization.Encoding.PEM), capture_output=True, check=True,
        ).stdout.decode()  # fmt: skip
        assert "Subject Key Identifier" in text and "CRL Distribution Points" not in text
