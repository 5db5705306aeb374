"""SCEP messages (RFC 8894 §3): built by vpnteach, judged by openssl; bad input -> ScepError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pki.scep_parties import NOW, PASSWORD, Parties, make_parties
from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep import FailInfo, MessageType, PkiStatus
from vpnteach.pki.scep.cms import certs_only, read_signed
from vpnteach.pki.scep.der import der_spans, walk_der
from vpnteach.pki.scep.message import (
    challenge_password,
    decode_pki_message,
    encode_pki_message,
    issuer_and_serial,
    issuer_and_subject,
    read_issuer_and,
)


@pytest.fixture(scope="module")
def parties() -> Parties:
    return make_parties()


def _pkcs_req(p: Parties, password: str = PASSWORD, cipher: str = "aes128") -> bytes:
    return encode_pki_message(
        MessageType.PKCS_REQ,
        "7A3F",
        p.client,
        NOW,
        p.rng,
        message_data=p.csr(password),
        recipient=p.ca.certificate,
        cipher=cipher,
    )


def _run(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, input=data, capture_output=True, check=False, timeout=30)


@pytest.mark.parametrize("cipher", ["aes128", "aes256", "3des"])
def test_pkcsreq_round_trip_opens_to_the_csr_with_its_challenge_password(
    parties: Parties, cipher: str
) -> None:
    der = _pkcs_req(parties, cipher=cipher)
    msg = decode_pki_message(der, private_key=parties.ca.private_key)
    assert msg.message_type is MessageType.PKCS_REQ
    assert msg.transaction_id == "7A3F"
    assert len(msg.sender_nonce) == 16
    assert msg.problem == ""
    assert msg.signer == parties.client_cert
    csr = x509.load_der_x509_csr(msg.message_data)
    assert challenge_password(csr) == PASSWORD
    assert csr.subject == parties.subject


def test_openssl_verifies_the_signature_and_decrypts_the_envelope(
    parties: Parties, tmp_path: Path, openssl: str
) -> None:
    der = _pkcs_req(parties)
    (tmp_path / "req.der").write_bytes(der)
    signed = _run(
        openssl,
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "req.der"),
        "-noverify",
        "-binary",
        "-out",
        str(tmp_path / "env.der"),
    )
    assert signed.returncode == 0, signed.stderr
    key = parties.ca.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "ra.key").write_bytes(key)
    opened = _run(
        openssl,
        "cms",
        "-decrypt",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "env.der"),
        "-inkey",
        str(tmp_path / "ra.key"),
        "-binary",
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == parties.csr()  # openssl's plaintext is the CSR we enveloped


def test_openssl_prints_every_kind_of_message(
    parties: Parties, tmp_path: Path, openssl: str
) -> None:
    p = parties
    issued = p.ca.issue(p.csr(), NOW)
    messages = {
        "PKCSReq": _pkcs_req(p),
        "CertPoll": encode_pki_message(
            MessageType.CERT_POLL,
            "7A3F",
            p.client,
            NOW,
            p.rng,
            recipient=p.ca.certificate,
            message_data=issuer_and_subject(p.ca.certificate.subject, p.subject),
        ),
        "GetCert": encode_pki_message(
            MessageType.GET_CERT,
            "7A40",
            p.client,
            NOW,
            p.rng,
            recipient=p.ca.certificate,
            message_data=issuer_and_serial(p.ca.certificate.subject, issued.serial_number),
        ),
        "CertRep": encode_pki_message(
            MessageType.CERT_REP,
            "7A3F",
            p.ca_signer,
            NOW,
            p.rng,
            recipient=p.client_cert,
            message_data=certs_only([issued]),
            pki_status=PkiStatus.SUCCESS,
            recipient_nonce=b"n" * 16,
        ),
        "CertRepFailure": encode_pki_message(
            MessageType.CERT_REP,
            "7A3F",
            p.ca_signer,
            NOW,
            p.rng,
            pki_status=PkiStatus.FAILURE,
            fail_info=FailInfo.BAD_REQUEST,
        ),
        "GetCACert": certs_only([p.ca.certificate]),
    }
    for name, der in messages.items():
        path = tmp_path / f"{name}.der"
        path.write_bytes(der)
        printed = _run(openssl, "cms", "-inform", "DER", "-in", str(path), "-cmsout", "-print")
        assert printed.returncode == 0, (name, printed.stderr)
        assert b"pkcs7-signedData" in printed.stdout
        parsed = _run(openssl, "asn1parse", "-inform", "DER", "-in", str(path))
        assert parsed.returncode == 0, (name, parsed.stderr)
        if name != "GetCACert":
            # openssl prints the SCEP attribute OIDs it does not know as dotted numbers
            assert b"2.16.840.1.113733.1.9.2" in printed.stdout


def test_certrep_carries_status_failinfo_and_the_echoed_nonce(parties: Parties) -> None:
    p = parties
    der = encode_pki_message(
        MessageType.CERT_REP,
        "T1",
        p.ca_signer,
        NOW,
        p.rng,
        pki_status=PkiStatus.FAILURE,
        fail_info=FailInfo.BAD_CERT_ID,
        recipient_nonce=b"\x01" * 16,
    )
    msg = decode_pki_message(der, trusted=(p.ca.certificate,))
    assert (msg.pki_status, msg.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_CERT_ID)
    assert msg.recipient_nonce == b"\x01" * 16
    assert msg.problem == ""


def test_certrep_success_opens_to_the_issued_certificate(parties: Parties) -> None:
    p = parties
    issued = p.ca.issue(p.csr(), NOW)
    der = encode_pki_message(
        MessageType.CERT_REP,
        "T2",
        p.ca_signer,
        NOW,
        p.rng,
        recipient=p.client_cert,
        message_data=certs_only([issued]),
        pki_status=PkiStatus.SUCCESS,
    )
    msg = decode_pki_message(der, private_key=p.client_key)
    assert read_signed(msg.message_data).certificates == (issued,)


def test_a_flipped_signature_bit_is_reported_as_bad_message_check(parties: Parties) -> None:
    der = bytearray(_pkcs_req(parties))
    der[-5] ^= 0x01  # the last bytes are the RSA signature
    msg = decode_pki_message(bytes(der), private_key=parties.ca.private_key)
    assert msg.transaction_id == "7A3F"  # still readable, so the CA can answer FAILURE
    assert "does not verify" in msg.problem
    assert msg.fail_hint is FailInfo.BAD_MESSAGE_CHECK
    assert msg.message_data == b""  # nothing opened from an unauthenticated message


def test_an_envelope_for_another_key_is_bad_message_check(parties: Parties) -> None:
    other = make_parties(seed=99)
    msg = decode_pki_message(_pkcs_req(parties), private_key=other.ca.private_key)
    assert msg.fail_hint is FailInfo.BAD_MESSAGE_CHECK
    # PKCS#1 v1.5 with the wrong key yields a random "key" (implicit rejection): usually of
    # the wrong length (encryptedKey), now and then of the right one (then the padding fails)
    assert "pkcsPKIEnvelope" in msg.problem and (
        "encryptedKey" in msg.problem or "padding" in msg.problem
    )
    assert msg.message_data == b""


def test_spans_tile_the_message_and_name_the_scep_attributes(parties: Parties) -> None:
    der = _pkcs_req(parties)
    tree = walk_der(der, "PKCSReq")
    spans = der_spans(tree)
    leaves = [s for s in spans if s.leaf]
    assert [s.offset for s in leaves] == [
        sum(x.length for x in leaves[:i]) for i in range(len(leaves))
    ]
    assert sum(s.length for s in leaves) == len(der)
    names = " ".join(s.name for s in spans)
    for attribute in ("messageType", "transactionID", "senderNonce", "envelopedData"):
        assert f"SEQUENCE({attribute})" in names
    (mt,) = [
        s
        for s in spans
        if "SEQUENCE(messageType)" in s.name
        and s.name.endswith("value")
        and "PrintableString" in s.name
    ]
    assert mt.meaning == "'19'"
    assert der[mt.offset : mt.offset + mt.length] == b"19"


def test_issuer_and_subject_round_trip(parties: Parties) -> None:
    data = issuer_and_subject(parties.ca.certificate.subject, parties.subject)
    assert read_issuer_and(data, "CertPoll") == (parties.ca.certificate.subject, parties.subject)
    data = issuer_and_serial(parties.ca.certificate.subject, 0x614C662A000000000009)
    assert read_issuer_and(data, "GetCert")[1] == 0x614C662A000000000009


def test_every_truncation_raises_scep_error_naming_where(parties: Parties) -> None:
    der = certs_only([parties.ca.certificate])
    for cut in range(len(der)):
        with pytest.raises(ScepError):
            decode_pki_message(der[:cut])
    with pytest.raises(ScepError, match=r"at offset 0: .*declares"):
        walk_der(der[:100], "GetCACert")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"\x30\x80\x00\x00", "indefinite length"),
        (b"\x30\x81\x05\x02\x01\x00\x05\x00", r"minimal form"),
        (b"\x30\x03\x02\x01\x00\xff", "1 bytes after the end"),
        (b"\x30\x03\x02\x01\x00", "not a CMS ContentInfo"),
    ],
)
def test_malformed_der_is_a_scep_error(data: bytes, match: str) -> None:
    with pytest.raises(ScepError, match=match):
        decode_pki_message(data)


def test_wrong_content_type_is_named(parties: Parties) -> None:
    from vpnteach.pki.scep.cms import envelope

    enveloped = envelope(b"hello", parties.ca.certificate, parties.rng)
    with pytest.raises(
        ScepError, match=r"pkiMessage.contentType: .*enveloped_data, expected signed_data"
    ):
        decode_pki_message(enveloped)


def test_a_signed_message_without_scep_attributes_is_refused(parties: Parties) -> None:
    from vpnteach.pki.scep.cms import sign

    der = sign(b"x", parties.client, [], NOW)
    with pytest.raises(ScepError, match="no messageType or transactionID"):
        decode_pki_message(der)


def test_an_unknown_message_type_is_bad_request(parties: Parties) -> None:
    from asn1crypto import core

    from vpnteach.pki.scep import OID_MESSAGE_TYPE, OID_TRANSACTION_ID
    from vpnteach.pki.scep.cms import sign

    attrs = [
        (OID_MESSAGE_TYPE, core.PrintableString("99")),
        (OID_TRANSACTION_ID, core.PrintableString("t")),
    ]
    with pytest.raises(ScepError, match="unknown value '99'") as info:
        decode_pki_message(sign(b"", parties.client, attrs, NOW))
    assert info.value.fail_info == FailInfo.BAD_REQUEST.value


def test_import_vpnteach_does_not_import_asn1crypto() -> None:
    code = "import sys, vpnteach, vpnteach.pki; print('asn1crypto' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_der_spans_are_the_isakmp_codecs_spans() -> None:
    from vpnteach.pki.scep.der import Span as DerSpan
    from vpnteach.wire.buffer import Span

    assert DerSpan is Span


_PARTIES = make_parties()
_VALID: list[bytes] = []


def _valid_message() -> bytes:
    if not _VALID:
        _VALID.append(_pkcs_req(_PARTIES))
    return _VALID[0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_corruption_decodes_or_raises_scep_error(data: st.DataObject) -> None:
    """Flip, cut or overwrite bytes of a valid PKCSReq: a result or a ScepError, nothing else."""
    der = bytearray(_valid_message())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(der) - 1))
        der[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        der = der[: data.draw(st.integers(0, len(der)))]
    try:
        message = decode_pki_message(bytes(der), private_key=_PARTIES.ca.private_key)
    except ScepError:
        return
    message.tree()  # the walker reads what the decoder accepted


def test_an_octet_string_that_only_looks_like_der_is_read_as_bytes() -> None:
    """A nonce or an encrypted key is random: it may begin like a SEQUENCE of exactly its own
    length (30 03 ...) and still not be DER inside. It is an OCTET STRING's value, not an error
    (the lab's enrollment failed about once in 30,000 random values before)."""
    fake = b"\x30\x03\x31\x05\x00"  # "SEQUENCE, 3 bytes: a SET of 5 bytes" with 1 byte left
    octets = b"\x04" + bytes([len(fake)]) + fake
    node = walk_der(b"\x30" + bytes([len(octets)]) + octets)
    (inner,) = node.children
    assert inner.tag == 0x04 and inner.children == () and inner.meaning == "5 bytes"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=2, max_size=120).map(lambda b: bytes([0x30, len(b) - 2]) + b[2:]))
def test_any_octet_string_contents_walk(contents: bytes) -> None:
    octets = b"\x04" + bytes([len(contents)]) + contents
    node = walk_der(b"\x30" + bytes([len(octets)]) + octets)
    assert node.children[0].length == len(contents)
