"""Bad input: clear errors naming what is wrong, IOS wording where IOS has some, no half-state."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from tests.pki.conftest import NOW, Lab, make_lab
from vpnteach.crypto.rng import OsRng, SeededRng
from vpnteach.pki import (
    CertRep,
    EnrollmentError,
    GetCRL,
    KeyNotExportableError,
    KeyNotFoundError,
    MalformedInputError,
    PKCSReq,
    RouterPki,
    Trustpoint,
    TrustpointError,
    generate_key_pair,
    load_certificate,
    load_csr,
)
from vpnteach.pki.scep import FailInfo, PkiStatus


def test_export_of_a_non_exportable_key_is_refused_with_the_ios_message(lab: Lab) -> None:
    with pytest.raises(KeyNotExportableError, match=r"% RSA keypair K is not exportable\."):
        lab.router.keys["K"].export_pem(b"cisco123")


def test_export_of_an_exportable_key_gives_an_encrypted_pem_that_loads_back() -> None:
    pair = generate_key_pair("BRANCH_KEY", 1024, True, SeededRng(5))
    pem = pair.export_pem(b"cisco123")
    assert b"ENCRYPTED" in pem
    key = serialization.load_pem_private_key(pem, b"cisco123")
    assert key.public_key().public_numbers() == pair.public_key.public_numbers()


def test_key_generation_is_deterministic_for_a_seed_and_fresh_for_the_os_rng() -> None:
    a = generate_key_pair("K", 1024, True, SeededRng(5)).public_key.public_numbers()
    b = generate_key_pair("K", 1024, True, SeededRng(5)).public_key.public_numbers()
    c = generate_key_pair("K", 1024, True, SeededRng(6)).public_key.public_numbers()
    d = generate_key_pair("K", 1024, True, OsRng()).public_key.public_numbers()
    assert a == b and a != c and a != d and a.n.bit_length() == 1024


def test_key_generation_needs_a_domain_name_first() -> None:
    with pytest.raises(TrustpointError, match=r"% Please define a domain-name first\."):
        RouterPki("Branch1").generate_key("K", 1024, True, SeededRng(1))


def test_modulus_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="modulus 100 out of range"):
        generate_key_pair("K", 100, True, SeededRng(1))


def test_enroll_before_authenticate_gives_the_ios_message_and_stores_nothing() -> None:
    lab = make_lab(enroll=False)
    with pytest.raises(TrustpointError, match="You must authenticate the Certificate Authority"):
        lab.router.enrollment_request("CA")
    tp = lab.router.trustpoints["CA"]
    assert tp.certificate is None and tp.ca_certificate is None


def test_enroll_with_a_missing_key_label_names_the_label_and_stores_nothing() -> None:
    lab = make_lab(enroll=False)
    lab.router.add_trustpoint(Trustpoint("CA", "http://ca.amit.com/scep", True, "NOPE", "crl"))
    lab.router.authenticate(
        "CA",
        lab.ca.handle(lab.router.get_ca_cert_request("CA"), NOW),
    )
    with pytest.raises(KeyNotFoundError, match="% Key label NOPE not found"):
        lab.router.enrollment_request("CA")
    assert lab.router.trustpoints["CA"].certificate is None
    assert lab.ca.issued == {}


def test_rejecting_the_ca_fingerprint_stores_no_ca_certificate() -> None:
    lab = make_lab(enroll=False)
    reply = lab.ca.get_ca_cert(lab.router.get_ca_cert_request("CA"))
    result = lab.router.authenticate("CA", reply, accept=False)
    assert "[yes/no]: no" in result.text
    assert not lab.router.trustpoints["CA"].authenticated


def test_unknown_trustpoint_is_named() -> None:
    with pytest.raises(TrustpointError, match="trustpoint NOPE"):
        RouterPki("R", "amit.com").get_ca_cert_request("NOPE")


def test_malformed_csr_is_refused_naming_the_csr(lab: Lab) -> None:
    with pytest.raises(MalformedInputError, match=r"malformed certificate request \(PKCS#10"):
        lab.ca.issue(b"\x30\x03\x02\x01\x00", NOW)
    reply = lab.ca.handle(PKCSReq("http://ca.amit.com/scep", b"garbage"), NOW)
    assert isinstance(reply, CertRep) and reply.status is PkiStatus.FAILURE
    assert reply.fail_info is FailInfo.BAD_REQUEST and "malformed" in reply.reason


def test_csr_with_a_bad_signature_is_refused_as_no_proof_of_possession() -> None:
    lab = make_lab(enroll=False)
    lab.router.authenticate(
        "CA",
        lab.ca.handle(lab.router.get_ca_cert_request("CA"), NOW),
    )
    csr = bytearray(lab.router.enrollment_request("CA").csr_der)
    csr[-1] ^= 1
    with pytest.raises(EnrollmentError, match="proof of possession"):
        lab.ca.issue(bytes(csr), NOW)
    reply = lab.ca.handle(PKCSReq("u", bytes(csr)), NOW)
    assert isinstance(reply, CertRep)
    with pytest.raises(EnrollmentError, match="% Certificate request failed"):
        lab.router.accept_certificate("CA", reply, NOW)
    assert lab.router.trustpoints["CA"].certificate is None


def test_malformed_and_empty_certificates_say_what_is_wrong() -> None:
    with pytest.raises(MalformedInputError, match="malformed certificate: empty input"):
        load_certificate(b"")
    with pytest.raises(MalformedInputError, match=r"malformed certificate \(4 bytes of DER\)"):
        load_certificate(b"\x30\x02\x05\x00")
    with pytest.raises(MalformedInputError, match="of PEM"):
        load_csr(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----")


def test_crl_request_to_an_unknown_url_is_not_found(lab: Lab) -> None:
    reply = lab.ca.handle(GetCRL("http://elsewhere/x.crl"), NOW)
    with pytest.raises(TrustpointError, match="CRL not found"):
        lab.router.store_crl("CA", reply)


def test_revoking_an_unknown_serial_is_refused(lab: Lab) -> None:
    with pytest.raises(ValueError, match="no certificate with serial 0x2A"):
        lab.ca.revoke(42, NOW)


def test_authenticate_with_a_malformed_ca_certificate_names_it_and_stores_nothing() -> None:
    from vpnteach.pki import CACertResponse

    lab = make_lab(enroll=False)
    with pytest.raises(MalformedInputError, match="malformed certificate"):
        lab.router.authenticate("CA", CACertResponse((b"\x30\x82\x01",)))
    assert not lab.router.trustpoints["CA"].authenticated


def test_authenticate_in_ra_mode_without_an_ra_certificate_is_refused() -> None:
    from vpnteach.pki import CACertResponse

    lab = make_lab(enroll=False)
    only_ca = CACertResponse(
        (lab.ca.get_ca_cert(lab.router.get_ca_cert_request("CA")).certificates_der[0],)
    )
    with pytest.raises(TrustpointError, match="enrollment mode ra"):
        lab.router.authenticate("CA", only_ca)
    assert not lab.router.trustpoints["CA"].authenticated
