"""What is read once per certificate, and what is still checked on every validation."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.pki.conftest import NOW, Lab, make_lab
from vpnteach.pki import certinfo, validate_certificate
from vpnteach.pki.certinfo import certificate_info
from vpnteach.pki.der import load_certificate
from vpnteach.pki.validation import CHAIN, REVOCATION

DER = serialization.Encoding.DER


def _leaf(lab: Lab) -> x509.Certificate:
    cert = lab.router.trustpoints["CA"].certificate
    assert cert is not None
    return cert


def test_info_says_what_cryptography_reads_from_the_certificate(lab: Lab) -> None:
    leaf = _leaf(lab)
    info = certificate_info(leaf)
    assert info.parse_problem == ""
    assert info.subject_dn == leaf.subject.rfc4514_string()
    assert info.issuer_dn == leaf.issuer.rfc4514_string() == "CN=TESTCA,DC=amit,DC=com"
    assert info.subject_der == leaf.subject.public_bytes()
    assert info.issuer_der == lab.ca.certificate.subject.public_bytes()
    assert info.der == leaf.public_bytes(DER)
    assert info.serial == leaf.serial_number
    assert info.validity == (leaf.not_valid_before_utc, leaf.not_valid_after_utc)
    assert info.san_dns == ("Branch1.amit.com",)
    assert info.san_dns_lower == ("branch1.amit.com",)
    assert info.san_ips == ()
    assert info.key_usage is not None and info.key_usage.digital_signature


def test_each_certificate_object_has_its_own_info(lab: Lab) -> None:
    leaf, ca = _leaf(lab), lab.ca.certificate
    assert certificate_info(leaf) is certificate_info(leaf)
    assert certificate_info(leaf) is not certificate_info(ca)
    assert certificate_info(ca).subject_dn == "CN=TESTCA,DC=amit,DC=com"
    copy = load_certificate(leaf.public_bytes(DER))  # same bytes, another object
    assert certificate_info(copy).certificate is copy


def test_a_certificate_revoked_after_it_passed_fails_the_next_validation(lab: Lab) -> None:
    leaf = _leaf(lab)
    first = validate_certificate(
        leaf, lab.ca.certificate, NOW, crl=lab.ca.publish_crl(NOW), revocation_check="crl"
    )
    assert first.ok, str(first)
    lab.ca.revoke(leaf.serial_number, NOW)
    later = NOW + dt.timedelta(hours=1)
    crl = lab.ca.publish_crl(later)
    second = validate_certificate(leaf, lab.ca.certificate, later, crl=crl, revocation_check="crl")
    assert not second.item(REVOCATION).passed
    assert second.item(REVOCATION).reason.startswith("revoked on")


def test_a_tampered_copy_of_a_validated_certificate_fails_the_chain_check(lab: Lab) -> None:
    der = _leaf(lab).public_bytes(DER)
    assert validate_certificate(der, lab.ca.certificate, NOW).ok
    tampered = bytearray(der)
    tampered[-1] ^= 0x01  # last byte of the signature value
    item = validate_certificate(bytes(tampered), lab.ca.certificate, NOW).item(CHAIN)
    assert not item.passed and "tampered" in item.reason


def test_a_validated_certificate_is_checked_against_another_ca_every_time(lab: Lab) -> None:
    other = make_lab(99, hostname="Branch2")  # same CA name, another key
    leaf = _leaf(lab)
    assert validate_certificate(leaf, lab.ca.certificate, NOW).item(CHAIN).passed
    assert not validate_certificate(leaf, other.ca.certificate, NOW).item(CHAIN).passed
    assert validate_certificate(leaf, lab.ca.certificate, NOW).item(CHAIN).passed


def test_the_cache_keeps_at_most_its_bound_and_drops_the_oldest(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certinfo, "_MAX_ENTRIES", 2)
    monkeypatch.setattr(certinfo, "_INFO", {})
    der = _leaf(lab).public_bytes(DER)
    certs = [load_certificate(der) for _ in range(3)]
    infos = [certificate_info(c) for c in certs]
    assert len(certinfo._INFO) == 2
    assert certificate_info(certs[2]) is infos[2]
    again = certificate_info(certs[0])  # dropped, read again, still about certs[0]
    assert again is not infos[0] and again.certificate is certs[0]
    assert again.subject_dn == infos[0].subject_dn


def test_only_a_verified_issuer_signature_is_remembered_and_only_for_that_ca(lab: Lab) -> None:
    other = make_lab(98, hostname="Branch2")  # same CA name, another key
    leaf = load_certificate(_leaf(lab).public_bytes(DER))  # a fresh object: a fresh info
    info = certificate_info(leaf)
    assert not validate_certificate(leaf, other.ca.certificate, NOW).item(CHAIN).passed
    assert info.verified_by == set()  # a failure is checked again next time
    assert validate_certificate(leaf, lab.ca.certificate, NOW).item(CHAIN).passed
    assert info.verified_by == {lab.ca.certificate.public_bytes(DER)}
