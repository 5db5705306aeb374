"""What vpnteach issues, judged by outside tools: openssl and strongSwan's ``pki``.

openssl checks validity against the real clock, so seed-era checks pass ``-attime`` (the
seed's clock, Jun 6 2010 10:21:50 AEST).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.x509 import Certificate, CertificateRevocationList

from tests.pki.conftest import NOW, Lab
from vpnteach.pki import SeedPki
from vpnteach.pki.seed import SEED_CLOCK
from vpnteach.pki.show import fingerprint

PEM = serialization.Encoding.PEM
SEED_EPOCH = str(int(SEED_CLOCK.timestamp()))


def _write(path: Path, obj: Certificate | CertificateRevocationList) -> str:
    path.write_bytes(obj.public_bytes(PEM))
    return str(path)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=30)


def _seed_files(seeded: SeedPki, tmp_path: Path) -> tuple[str, str]:
    cert = seeded.routers["Branch1"].trustpoints["WIN2003"].certificate
    assert cert is not None
    return _write(tmp_path / "ca.pem", seeded.ca.certificate), _write(tmp_path / "b1.pem", cert)


def test_openssl_prints_the_seed_fields_of_branch1s_certificate(
    seeded: SeedPki, tmp_path: Path, openssl: str
) -> None:
    _, cert = _seed_files(seeded, tmp_path)
    out = _run(openssl, "x509", "-in", cert, "-noout", "-text", "-nameopt", "RFC2253")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Serial Number:\n            61:4c:66:2a:00:00:00:00:00:09" in text
    assert "Issuer: CN=WIN2003,DC=amit,DC=com" in text  # RFC 2253: last RDN first
    assert "Subject: unstructuredName=Branch1.amit.com" in text
    assert "Not Before: Jun  4 18:00:18 2010 GMT" in text  # 04:00:18 AEST Jun 5 2010
    assert "Not After : Jun  4 18:10:18 2011 GMT" in text
    assert "Digital Signature, Key Encipherment" in text
    assert "DNS:Branch1.amit.com" in text
    assert "URI:http://amit-ed0d48583a.amit.com/CertEnroll/WIN2003.crl" in text
    assert "Public%20Key%20Services" in text and "Public-Key: (1024 bit)" in text


def test_openssl_verifies_branch_certificates_against_the_ca_at_the_seed_time(
    seeded: SeedPki, tmp_path: Path, openssl: str
) -> None:
    ca, cert = _seed_files(seeded, tmp_path)
    out = _run(openssl, "verify", "-attime", SEED_EPOCH, "-CAfile", ca, cert)
    assert out.returncode == 0 and f"{cert}: OK" in out.stdout, out.stdout + out.stderr


def test_openssl_rejects_the_seed_certificate_today_as_expired(
    seeded: SeedPki, tmp_path: Path, openssl: str
) -> None:
    ca, cert = _seed_files(seeded, tmp_path)
    out = _run(openssl, "verify", "-CAfile", ca, cert)
    assert out.returncode != 0 and "certificate has expired" in out.stdout + out.stderr


def test_openssl_fingerprints_equal_those_crypto_pki_authenticate_shows(
    seeded: SeedPki, tmp_path: Path, openssl: str
) -> None:
    ca, _ = _seed_files(seeded, tmp_path)
    for algo in ("md5", "sha1"):
        out = _run(openssl, "x509", "-in", ca, "-noout", "-fingerprint", f"-{algo}")
        theirs = out.stdout.strip().split("=", 1)[1].replace(":", "")
        assert fingerprint(seeded.ca.certificate, algo).replace(" ", "") == theirs


def test_openssl_crl_check_accepts_a_good_cert_and_rejects_a_revoked_one(
    lab: Lab, tmp_path: Path, openssl: str
) -> None:
    cert = lab.router.trustpoints["CA"].certificate
    assert cert is not None
    ca = _write(tmp_path / "ca.pem", lab.ca.certificate)
    leaf = _write(tmp_path / "leaf.pem", cert)
    at = str(int((NOW + dt.timedelta(hours=1)).timestamp()))
    crl = _write(tmp_path / "crl.pem", lab.ca.publish_crl(NOW))
    good = _run(
        openssl, "verify", "-attime", at, "-crl_check", "-CAfile", ca, "-CRLfile", crl, leaf
    )
    assert good.returncode == 0, good.stdout + good.stderr
    lab.ca.revoke(cert.serial_number, NOW)
    crl = _write(tmp_path / "crl2.pem", lab.ca.publish_crl(NOW))
    bad = _run(openssl, "verify", "-attime", at, "-crl_check", "-CAfile", ca, "-CRLfile", crl, leaf)
    assert bad.returncode != 0 and "certificate revoked" in bad.stdout + bad.stderr


def test_openssl_parses_the_crl_and_lists_the_revoked_serial(
    lab: Lab, tmp_path: Path, openssl: str
) -> None:
    cert = lab.router.trustpoints["CA"].certificate
    assert cert is not None
    lab.ca.revoke(cert.serial_number, NOW)
    crl = _write(tmp_path / "crl.pem", lab.ca.publish_crl(NOW))
    ca = _write(tmp_path / "ca.pem", lab.ca.certificate)
    out = _run(openssl, "crl", "-in", crl, "-noout", "-text", "-CAfile", ca)
    assert out.returncode == 0, out.stderr
    assert f"Serial Number: {cert.serial_number:020X}" in out.stdout
    assert "verify OK" in out.stderr + out.stdout


def test_strongswan_pki_prints_the_certificate_with_its_fqdn_alt_name(
    seeded: SeedPki, tmp_path: Path, strongswan_pki: str
) -> None:
    _, cert = _seed_files(seeded, tmp_path)
    out = _run(strongswan_pki, "--print", "--type", "x509", "--in", cert)
    assert out.returncode == 0, out.stderr
    assert "altNames:  Branch1.amit.com" in out.stdout
    assert 'issuer:   "DC=com, DC=amit, CN=WIN2003"' in out.stdout  # X.509 order, as Windows
    assert "flags:     ikeIntermediate" in out.stdout
    assert "614c662a000000000009" in out.stdout.replace(":", "")


def _lab_at_real_time() -> Lab:
    """A PKI issued *now* (real clock, in the test only): strongSwan checks the real time."""
    from tests.pki.conftest import make_lab_at

    return make_lab_at(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))


def test_strongswan_pki_verifies_the_chain_and_the_fresh_crl(
    tmp_path: Path, strongswan_pki: str
) -> None:
    lab = _lab_at_real_time()
    leaf = lab.router.trustpoints["CA"].certificate
    assert leaf is not None
    ca = _write(tmp_path / "ca.pem", lab.ca.certificate)
    cert = _write(tmp_path / "leaf.pem", leaf)
    now = leaf.not_valid_before_utc + dt.timedelta(minutes=10)
    crl = _write(tmp_path / "crl.pem", lab.ca.publish_crl(now))
    good = _run(strongswan_pki, "--verify", "--in", cert, "--cacert", ca, "--crl", crl)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "certificate trusted, lifetimes valid, certificate not revoked" in good.stdout
    lab.ca.revoke(leaf.serial_number, now)
    crl = _write(tmp_path / "crl2.pem", lab.ca.publish_crl(now))
    bad = _run(strongswan_pki, "--verify", "--in", cert, "--cacert", ca, "--crl", crl)
    assert bad.returncode != 0 and "certificate was revoked" in bad.stdout + bad.stderr


def test_openssl_strict_verify_with_crl_check_at_the_real_time(
    tmp_path: Path, openssl: str
) -> None:
    lab = _lab_at_real_time()
    leaf = lab.router.trustpoints["CA"].certificate
    assert leaf is not None
    now = leaf.not_valid_before_utc + dt.timedelta(minutes=10)
    ca = _write(tmp_path / "ca.pem", lab.ca.certificate)
    cert = _write(tmp_path / "leaf.pem", leaf)
    crl = _write(tmp_path / "crl.pem", lab.ca.publish_crl(now))
    out = _run(
        openssl, "verify", "-x509_strict", "-crl_check", "-CAfile", ca, "-CRLfile", crl, cert
    )
    assert out.returncode == 0 and f"{cert}: OK" in out.stdout, out.stdout + out.stderr
