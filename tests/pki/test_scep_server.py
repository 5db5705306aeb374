"""The CA side of SCEP (RFC 8894 §3.3): RA mode, one-time passwords, approval queue, failInfo."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding

from tests.pki.scep_parties import NOW, Parties, make_parties
from vpnteach.crypto.rng import SeededRng
from vpnteach.pki.errors import PkiError, ScepError
from vpnteach.pki.keys import rsa_private_key
from vpnteach.pki.scep import FailInfo, PkiStatus
from vpnteach.pki.scep.client import ScepRequester
from vpnteach.pki.scep.message import build_csr, ca_certificates, ra_roles
from vpnteach.pki.scep.server import RaKeys, ScepService


def _service(p: Parties, *, manual: bool = False) -> ScepService:
    ra = RaKeys.create(p.ca, NOW, p.rng.fork("ra"), bits=1024)
    return ScepService(p.ca, ra, p.rng.fork("svc"), manual_approval=manual)


def _requester(p: Parties, service: ScepService, seed: int = 5) -> ScepRequester:
    body, content_type = service.ca_certs()
    certs = ca_certificates(body, content_type)
    key = rsa_private_key(1024, SeededRng(seed))
    return ScepRequester(key, p.subject, certs, SeededRng(seed + 1))


def _enroll(service: ScepService, requester: ScepRequester, password: str):  # type: ignore[no-untyped-def]
    csr = build_csr(requester.private_key, requester.subject, password)
    der, _, log = service.pki_operation(requester.pkcs_req(csr, NOW), NOW)
    return requester.read_cert_rep(der), log


@pytest.fixture
def parties() -> Parties:
    return make_parties()


def test_getcacert_gives_ca_then_ra_signing_and_encryption_certificates(parties: Parties) -> None:
    service = _service(parties)
    body, content_type = service.ca_certs()
    assert content_type == "application/x-x509-ca-ra-cert"
    certs = ca_certificates(body, content_type)
    assert len(certs) == 3  # a SET OF: DER sorts it, so roles come from the extensions
    ca, sig, enc = ra_roles(certs)
    assert ca == parties.ca.certificate
    ku_sig = sig.extensions.get_extension_for_class(x509.KeyUsage).value
    ku_enc = enc.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku_sig.digital_signature and not ku_sig.key_encipherment
    assert ku_enc.key_encipherment and not ku_enc.digital_signature
    for ra in (sig, enc):  # both certified by the CA
        parties.ca.certificate.public_key().verify(  # type: ignore[call-arg]
            ra.signature, ra.tbs_certificate_bytes, padding.PKCS1v15(), ra.signature_hash_algorithm
        )


def test_enrollment_with_a_fresh_password_issues_a_certificate(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    result, log = _enroll(service, requester, service.new_password(NOW))
    assert result.status is PkiStatus.SUCCESS, log
    assert result.certificate is not None
    assert result.certificate.subject == parties.subject
    assert result.certificate.issuer == parties.ca.certificate.subject


def test_a_password_works_once(parties: Parties) -> None:
    service = _service(parties)
    password = service.new_password(NOW)
    assert (
        _enroll(service, _requester(parties, service, 5), password)[0].status is PkiStatus.SUCCESS
    )
    again, log = _enroll(service, _requester(parties, service, 9), password)
    assert (again.status, again.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_REQUEST)
    assert "challenge password" in log


def test_wrong_and_expired_passwords_are_bad_request(parties: Parties) -> None:
    service = _service(parties)
    result, _ = _enroll(service, _requester(parties, service), "WRONG")
    assert (result.status, result.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_REQUEST)
    old = service.new_password(NOW - dt.timedelta(hours=2))
    result, _ = _enroll(service, _requester(parties, service), old)
    assert result.fail_info is FailInfo.BAD_REQUEST


def test_tampered_signature_is_bad_message_check(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    csr = build_csr(requester.private_key, requester.subject, service.new_password(NOW))
    der = bytearray(requester.pkcs_req(csr, NOW))
    der[-3] ^= 0x40
    reply, _, log = service.pki_operation(bytes(der), NOW)
    result = requester.read_cert_rep(reply)
    assert (result.status, result.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_MESSAGE_CHECK)
    assert "does not verify" in log


def test_unknown_transaction_poll_is_bad_cert_id(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    reply, _, _ = service.pki_operation(requester.cert_poll(NOW), NOW)
    result = requester.read_cert_rep(reply)
    assert (result.status, result.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_CERT_ID)


def test_manual_approval_is_pending_until_approved(parties: Parties) -> None:
    service = _service(parties, manual=True)
    requester = _requester(parties, service)
    first, _ = _enroll(service, requester, service.new_password(NOW))
    assert first.status is PkiStatus.PENDING
    poll = requester.read_cert_rep(service.pki_operation(requester.cert_poll(NOW), NOW)[0])
    assert poll.status is PkiStatus.PENDING
    service.approve(requester.transaction_id, NOW)
    done = requester.read_cert_rep(service.pki_operation(requester.cert_poll(NOW), NOW)[0])
    assert done.status is PkiStatus.SUCCESS and done.certificate is not None


def test_rejected_request_polls_to_bad_request(parties: Parties) -> None:
    service = _service(parties, manual=True)
    requester = _requester(parties, service)
    _enroll(service, requester, service.new_password(NOW))
    service.reject(requester.transaction_id)
    result = requester.read_cert_rep(service.pki_operation(requester.cert_poll(NOW), NOW)[0])
    assert result.fail_info is FailInfo.BAD_REQUEST
    with pytest.raises(PkiError, match="no pending request"):
        service.approve(requester.transaction_id, NOW)


def test_getcert_and_getcrl_by_serial(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    issued, _ = _enroll(service, requester, service.new_password(NOW))
    assert issued.certificate is not None
    serial = issued.certificate.serial_number
    got = requester.read_cert_rep(service.pki_operation(requester.get_cert(serial, NOW), NOW)[0])
    assert got.certificate == issued.certificate
    crl = requester.read_cert_rep(service.pki_operation(requester.get_crl(serial, NOW), NOW)[0])
    assert crl.crl is not None and crl.crl.issuer == parties.ca.certificate.subject
    missing = requester.read_cert_rep(service.pki_operation(requester.get_cert(12345, NOW), NOW)[0])
    assert missing.fail_info is FailInfo.BAD_CERT_ID


def test_csr_of_another_key_is_bad_request(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    other = rsa_private_key(1024, SeededRng(77))
    csr = build_csr(other, parties.subject, service.new_password(NOW))
    reply, _, log = service.pki_operation(requester.pkcs_req(csr, NOW), NOW)
    assert requester.read_cert_rep(reply).fail_info is FailInfo.BAD_REQUEST
    assert "RFC 8894 §2.3" in log


def test_garbage_is_a_scep_error_not_a_certrep(parties: Parties) -> None:
    with pytest.raises(ScepError):
        _service(parties).pki_operation(b"\x30\x03\x02\x01\x00", NOW)


def test_a_replayed_certrep_is_refused_by_the_requester(parties: Parties) -> None:
    service = _service(parties)
    requester = _requester(parties, service)
    first = service.pki_operation(requester.cert_poll(NOW), NOW)[0]
    requester.cert_poll(NOW)  # a new request: a new senderNonce
    with pytest.raises(ScepError, match="recipientNonce"):
        requester.read_cert_rep(first)
