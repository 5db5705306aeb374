"""CSRs as a SCEP CA reads them: strict DER, or (strongSwan 5.9.8's) unsorted attribute SETs."""

from __future__ import annotations

import pytest
from asn1crypto import core
from asn1crypto import csr as acsr
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from vpnteach.crypto.rng import SeededRng
from vpnteach.pki.der import load_csr
from vpnteach.pki.errors import EnrollmentError, MalformedInputError
from vpnteach.pki.keys import rsa_private_key
from vpnteach.pki.scep.csr import read_csr
from vpnteach.pki.scep.message import build_csr

KEY = rsa_private_key(1024, SeededRng(21))


def _length(n: int) -> bytes:
    return (
        bytes([n])
        if n < 0x80
        else bytes([0x81, n])
        if n < 0x100
        else b"\x82" + n.to_bytes(2, "big")
    )


def _unsorted_csr(password: str = "pw") -> bytes:
    """extensionRequest before challengePassword: valid BER, not DER (X.690 §11.6)."""
    spki = KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    san = ax509.Extension({"extn_id": "subject_alt_name", "extn_value": [
        ax509.GeneralName(name="dns_name", value="Branch2.amit.com")]})  # fmt: skip
    ext_req = acsr.CRIAttribute({"type": "extension_request", "values": [[san]]})
    password_attr = acsr.CRIAttribute(
        {"type": "challenge_password", "values": [core.PrintableString(password)]}
    )
    body = ext_req.dump() + password_attr.dump()  # asn1crypto would sort a SetOf: by hand
    attrs_der = b"\xa0" + _length(len(body)) + body  # implicit [0] SET OF, in this order
    info = core.Sequence()
    info.contents = (
        core.Integer(0).dump()
        + ax509.Name.build({"common_name": "Branch2.amit.com"}).dump()
        + akeys.PublicKeyInfo.load(spki).dump()
        + attrs_der
    )
    info_der = info.dump()
    signature = KEY.sign(info_der, padding.PKCS1v15(), hashes.SHA256())
    outer = core.Sequence()
    outer.contents = info_der + b"\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00"
    outer.contents += core.BitString.load(b"\x03" + bytes([0x81, 0x81, 0x00]) + signature).dump()
    return bytes(outer.dump())


def test_strict_csr_gives_subject_key_and_password() -> None:
    subject = x509.Name.from_rfc4514_string("CN=a.amit.com")
    got = read_csr(build_csr(KEY, subject, "secret"))
    assert (got.subject, got.challenge_password) == (subject, "secret")


def test_an_unsorted_attribute_set_is_refused_by_cryptography_but_read_here() -> None:
    der = _unsorted_csr()
    with pytest.raises(MalformedInputError, match="InvalidSetOrdering"):
        load_csr(der).is_signature_valid  # noqa: B018
    got = read_csr(der)
    assert got.challenge_password == "pw"
    assert got.san is not None and got.san.get_values_for_type(x509.DNSName) == ["Branch2.amit.com"]
    assert got.subject.rfc4514_string() == "CN=Branch2.amit.com"


def test_a_tampered_lenient_csr_fails_proof_of_possession() -> None:
    der = bytearray(_unsorted_csr())
    der[-1] ^= 1
    with pytest.raises(EnrollmentError, match="proof of possession"):
        read_csr(bytes(der))
