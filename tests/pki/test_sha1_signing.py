"""The SHA-1 option: certificates and CRLs signed sha1WithRSAEncryption like a Windows 2003 CA."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.pki.scep_parties import NOW
from vpnteach.crypto.rng import SeededRng
from vpnteach.pki.ca import CaServer
from vpnteach.pki.keys import rsa_private_key
from vpnteach.pki.scep.message import build_csr
from vpnteach.pki.sha1_signing import signature_text

PEM = serialization.Encoding.PEM


def _sha1_ca() -> CaServer:
    return CaServer.create(
        "WIN2003",
        "cn=WIN2003,dc=amit,dc=com",
        NOW - dt.timedelta(days=1),
        SeededRng(4),
        key_bits=1024,
        cdp_urls=("http://127.0.0.1/CertEnroll/WIN2003.crl",),
        sign_sha1=True,
    )


def test_sha1_certificates_verify_and_openssl_names_sha1_with_rsa(
    tmp_path: Path, openssl: str
) -> None:
    ca = _sha1_ca()
    key = rsa_private_key(1024, SeededRng(8))
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Branch1.amit.com")])
    cert = ca.issue(build_csr(key, subject, ""), NOW)
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA1)
    ca.certificate.public_key().verify(  # type: ignore[call-arg]
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1()
    )
    assert "WEAK" in signature_text(cert)
    (tmp_path / "ca.pem").write_bytes(ca.certificate.public_bytes(PEM))
    (tmp_path / "b1.pem").write_bytes(cert.public_bytes(PEM))
    text = subprocess.run(
        [openssl, "x509", "-in", str(tmp_path / "b1.pem"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert text.count("Signature Algorithm: sha1WithRSAEncryption") == 2  # TBS and outer
    verify = subprocess.run(
        [openssl, "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "b1.pem")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    crl = ca.publish_crl(NOW)
    assert isinstance(crl.signature_hash_algorithm, hashes.SHA1)
    (tmp_path / "ca.crl").write_bytes(crl.public_bytes(PEM))
    checked = subprocess.run(
        [
            openssl,
            "crl",
            "-in",
            str(tmp_path / "ca.crl"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-noout",
            "-text",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # cryptography's is_signature_valid() refuses SHA-1: openssl judges
    assert "verify OK" in checked.stderr + checked.stdout
    assert "Signature Algorithm: sha1WithRSAEncryption" in checked.stdout


def test_sha256_stays_the_default() -> None:
    ca = CaServer.create(
        "X", "cn=X", NOW, SeededRng(4), key_bits=1024, cdp_urls=("http://x/x.crl",)
    )
    assert isinstance(ca.certificate.signature_hash_algorithm, hashes.SHA256)
    assert signature_text(ca.certificate) == "sha256WithRSAEncryption"


def test_routers_validate_sha1_certificates_and_crls_flagged_weak() -> None:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from vpnteach.pki.validation import check_revocation, validate_certificate

    ca = _sha1_ca()
    key = rsa_private_key(1024, SeededRng(8))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Branch1.amit.com")])
    cert = ca.issue(build_csr(key, subject, ""), NOW)
    chain = validate_certificate(cert, ca.certificate, NOW).item("chain")
    assert chain.passed and "sha1WithRSAEncryption: WEAK" in chain.reason
    other = _sha1_ca_of_seed(5)  # same names, another key: the signature must not verify
    assert not validate_certificate(cert, other.certificate, NOW).item("chain").passed
    item = check_revocation(cert, ca.certificate, NOW, ca.publish_crl(NOW), "crl")
    assert item.passed, item.reason  # the SHA-1 CRL's signature verified


def _sha1_ca_of_seed(seed: int) -> CaServer:
    return CaServer.create(
        "WIN2003",
        "cn=WIN2003,dc=amit,dc=com",
        NOW - dt.timedelta(days=1),
        SeededRng(seed),
        key_bits=1024,
        cdp_urls=("http://127.0.0.1/CertEnroll/WIN2003.crl",),
        sign_sha1=True,
    )
