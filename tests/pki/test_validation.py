"""Every check of validate_certificate, passing and failing, with the reason it gives."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.pki.conftest import NOW, Lab, make_lab
from vpnteach.pki import CertificateCheck, validate_certificate

DER = serialization.Encoding.DER


def _leaf(lab: Lab) -> x509.Certificate:
    cert = lab.router.trustpoints["CA"].certificate
    assert cert is not None
    return cert


def _check(
    lab: Lab, cert: x509.Certificate | bytes, now: dt.datetime = NOW, **kw: object
) -> CertificateCheck:
    return validate_certificate(cert, lab.ca.certificate, now, **kw)


def test_a_fresh_certificate_passes_every_check(lab: Lab) -> None:
    lab.router.trustpoints["CA"].crl = lab.ca.publish_crl(NOW)
    check = lab.router.validate_peer("CA", _leaf(lab), NOW, "Branch1.amit.com")
    assert check.ok, str(check)
    assert [i.name for i in check.items] == [
        "chain",
        "validity",
        "revocation",
        "key usage",
        "identity",
    ]


def test_expired_certificate_fails_validity(lab: Lab) -> None:
    item = _check(lab, _leaf(lab), NOW + dt.timedelta(days=400)).item("validity")
    assert not item.passed and item.reason.startswith("expired")


def test_router_clock_behind_the_ca_gets_a_not_yet_valid_certificate() -> None:
    # The router's clock is a day behind (no NTP): its new certificate starts in its future.
    lab = make_lab(enroll=False)
    reply = lab.ca.get_ca_cert(lab.router.get_ca_cert_request("CA"))
    lab.router.authenticate("CA", reply)
    req = lab.router.enrollment_request("CA")
    check = lab.router.accept_certificate(
        "CA",
        lab.ca.handle(req, NOW),
        NOW - dt.timedelta(days=1),
    )
    item = check.item("validity")
    assert not item.passed and "not yet valid" in item.reason and "ntp" in item.reason
    assert lab.router.trustpoints["CA"].certificate is not None  # stored, as IOS does


def test_certificate_from_another_ca_fails_the_chain_check(lab: Lab) -> None:
    other = make_lab(99, hostname="Branch2")
    item = _check(lab, _leaf(other)).item("chain")
    # Same CA name, different key: the issuer matches, the signature does not.
    assert not item.passed and "signature does not verify" in item.reason


def test_certificate_from_a_differently_named_ca_fails_the_chain_check(lab: Lab) -> None:
    from vpnteach.crypto.rng import SeededRng
    from vpnteach.pki import seed_ca

    item = validate_certificate(
        _leaf(lab), seed_ca(SeededRng(3), key_bits=1024).certificate, NOW
    ).item("chain")
    assert not item.passed and "not by the trusted CA" in item.reason


def test_tampered_signature_fails_the_chain_check(lab: Lab) -> None:
    der = bytearray(_leaf(lab).public_bytes(DER))
    der[-1] ^= 0x01  # last byte of the signature value
    item = _check(lab, bytes(der)).item("chain")
    assert not item.passed and "tampered" in item.reason


def test_revoked_certificate_fails_with_a_fresh_crl_fetched_from_the_cdp(lab: Lab) -> None:
    leaf = _leaf(lab)
    lab.ca.revoke(leaf.serial_number, NOW)
    lab.ca.publish_crl(NOW)
    request = lab.router.crl_request("CA", leaf)
    assert request.url == "http://ca.amit.com/TESTCA.crl"
    lab.router.store_crl("CA", lab.ca.handle(request, NOW))
    item = lab.router.validate_peer("CA", leaf, NOW + dt.timedelta(hours=1)).item("revocation")
    assert not item.passed and item.reason.startswith("revoked on")


def test_revocation_is_not_seen_until_the_ca_publishes_a_new_crl(lab: Lab) -> None:
    leaf = _leaf(lab)
    crl = lab.ca.publish_crl(NOW)
    lab.ca.revoke(leaf.serial_number, NOW)
    item = _check(lab, leaf, crl=crl, revocation_check="crl").item("revocation")
    assert item.passed


def test_stale_crl_fails_the_revocation_check(lab: Lab) -> None:
    crl = lab.ca.publish_crl(NOW)
    later = NOW + dt.timedelta(days=8)  # nextUpdate is a week after thisUpdate
    item = _check(lab, _leaf(lab), later, crl=crl, revocation_check="crl").item("revocation")
    assert not item.passed and item.reason.startswith("stale CRL")


def test_missing_crl_with_revocation_check_crl_fails_naming_the_distribution_point(
    lab: Lab,
) -> None:
    item = _check(lab, _leaf(lab), revocation_check="crl").item("revocation")
    assert not item.passed and "http://ca.amit.com/TESTCA.crl" in item.reason


def test_revocation_check_none_passes_without_a_crl(lab: Lab) -> None:
    item = _check(lab, _leaf(lab), revocation_check="none").item("revocation")
    assert item.passed and "revocation-check none" in item.reason


def test_crl_signed_by_another_ca_is_rejected(lab: Lab) -> None:
    crl = make_lab(99).ca.publish_crl(NOW)
    item = _check(lab, _leaf(lab), crl=crl, revocation_check="crl").item("revocation")
    assert not item.passed and "CRL signature" in item.reason


def test_wrong_fqdn_identity_fails(lab: Lab) -> None:
    item = _check(lab, _leaf(lab), identity="Branch2.amit.com").item("identity")
    assert not item.passed and "Branch2.amit.com" in item.reason


def test_fqdn_identity_matches_case_insensitively(lab: Lab) -> None:
    assert _check(lab, _leaf(lab), identity="BRANCH1.amit.com").item("identity").passed


def test_ipv4_identity_not_in_certificate_fails_like_ios_addr_not_in_cert(lab: Lab) -> None:
    addr = ipaddress.IPv4Address("10.1.1.1")
    assert not _check(lab, _leaf(lab), identity=addr).item("identity").passed
    assert not lab.router.my_id_in_certificate("CA", addr)
    assert lab.router.my_id_in_certificate("CA", "Branch1.amit.com")


def test_ipv4_identity_passes_when_the_trustpoint_enrolled_with_ip_address() -> None:
    lab = make_lab(enroll=False)
    lab.router.trustpoints["CA"].ip_address = ipaddress.IPv4Address("10.1.1.1")
    lab.router.authenticate(
        "CA",
        lab.ca.handle(lab.router.get_ca_cert_request("CA"), NOW),
    )
    lab.router.enroll("CA", lambda r: lab.ca.pkcs_req(r, NOW), NOW)
    check = _check(lab, _leaf(lab), identity=ipaddress.IPv4Address("10.1.1.1"))
    assert check.item("identity").passed


def test_der_dn_identity_matches_the_subject_bytes(lab: Lab) -> None:
    leaf = _leaf(lab)
    assert _check(lab, leaf, identity=leaf.subject.public_bytes()).item("identity").passed
    assert (
        not _check(lab, leaf, identity=lab.ca.certificate.subject.public_bytes())
        .item("identity")
        .passed
    )


def test_certificate_without_digital_signature_fails_key_usage(lab: Lab) -> None:
    leaf = _leaf(lab)
    builder = (
        x509.CertificateBuilder()
        .subject_name(leaf.subject)
        .issuer_name(leaf.issuer)
        .public_key(leaf.public_key())
        .serial_number(42)
        .not_valid_before(leaf.not_valid_before_utc)
        .not_valid_after(leaf.not_valid_after_utc)
        .add_extension(
            x509.KeyUsage(False, False, True, False, False, False, False, False, False),
            critical=True,
        )
    )
    cert = builder.sign(lab.ca.private_key, hashes.SHA256())
    check = _check(lab, cert)
    assert check.item("chain").passed
    assert (
        not check.item("key usage").passed and "digitalSignature" in check.item("key usage").reason
    )


def test_malformed_certificate_bytes_give_a_failed_parse_check_not_an_exception(
    lab: Lab,
) -> None:
    check = _check(lab, _leaf(lab).public_bytes(DER)[:100])
    assert not check.ok and check.items[0].name == "parse"
    assert "malformed certificate" in check.items[0].reason


def test_unauthenticated_trustpoint_fails_the_chain_check(lab: Lab) -> None:
    item = validate_certificate(_leaf(lab), None, NOW).item("chain")
    assert not item.passed and "not authenticated" in item.reason


def test_failed_lists_only_the_failed_checks_and_str_is_a_checklist(lab: Lab) -> None:
    check = _check(lab, _leaf(lab), NOW + dt.timedelta(days=400), identity="x.amit.com")
    assert [i.name for i in check.failed] == ["validity", "identity"]
    assert "[FAIL] validity: expired" in str(check)
