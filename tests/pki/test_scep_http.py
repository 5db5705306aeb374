"""``vpnteach ca serve`` on loopback, judged by strongSwan's SCEP client and openssl.

strongSwan 5.9.8's ``pki --scepca`` / ``pki --scep`` (its curl fetcher plugin, Debian
libstrongswan-extra-plugins) talk to the server over real HTTP on 127.0.0.1; openssl checks
the certificate it gets and reads every message the server captured.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import require
from tests.pki.scep_server_process import MSCEP, CaProcess, start_ca
from vpnteach.pki.scep import FailInfo, MessageType, PkiStatus
from vpnteach.pki.scep.der import der_spans, walk_der
from vpnteach.pki.scep.message import challenge_password, decode_pki_message

CURL_PLUGIN = Path("/usr/lib/ipsec/plugins/libstrongswan-curl.so")


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaProcess]:
    server = start_ca(tmp_path_factory.mktemp("ca"))
    yield server
    assert server.stop() == 0  # serves until stopped, then exits cleanly
    assert "Traceback" not in server.log()


@pytest.fixture
def scep_pki(strongswan_pki: str) -> str:
    require(
        CURL_PLUGIN.exists(),
        "pki --scep needs strongSwan's curl plugin (libstrongswan-extra-plugins)",
    )
    return strongswan_pki


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=120, cwd=cwd)


def _scepca(pki: str, ca: CaProcess, cwd: Path) -> tuple[Path, Path, Path]:
    """``pki --scepca``: (CA, RA encryption, RA signing) certificate files."""
    out = _run(pki, "--scepca", "--url", ca.url, "--caout", "ca.der", "--raout", "ra.der", cwd=cwd)
    assert out.returncode == 0, out.stderr
    ras = [
        x509.load_der_x509_certificate(p.read_bytes()) for p in (cwd / "ra.der", cwd / "ra-2.der")
    ]
    usage = [r.extensions.get_extension_for_class(x509.KeyUsage).value for r in ras]
    enc, sig = (cwd / "ra.der", cwd / "ra-2.der")
    if usage[0].digital_signature:
        enc, sig = sig, enc
    return cwd / "ca.der", enc, sig


def _enroll(
    pki: str, ca: CaProcess, cwd: Path, password: str, cn: str = "moon.amit.com", *extra: str
) -> subprocess.CompletedProcess[str]:
    ca_der, enc, sig = _scepca(pki, ca, cwd)
    key = _run(pki, "--gen", "--type", "rsa", "--size", "1024", "--outform", "pem", cwd=cwd)
    (cwd / "key.pem").write_text(key.stdout)
    return _run(
        pki,
        "--scep",
        "--url",
        ca.url,
        "--in",
        "key.pem",
        "--dn",
        f"CN={cn}",
        "--password",
        password,
        "--cacert-enc",
        str(enc),
        "--cacert-sig",
        str(sig),
        "--cacert",
        str(ca_der),
        "--outform",
        "pem",
        *extra,
        cwd=cwd,
    )


def test_pki_scepca_retrieves_the_ca_and_both_ra_certificates(
    ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    ca_der, enc, sig = _scepca(scep_pki, ca, tmp_path)
    assert ca_der.read_bytes() == x509.load_pem_x509_certificate(
        (ca.folder / "ca.pem").read_bytes()
    ).public_bytes(serialization.Encoding.DER)
    out = _run(scep_pki, "--scepca", "--url", ca.url, cwd=tmp_path)
    assert "RA cert is trusted" in out.stderr  # both RA certificates chain to the CA
    assert enc != sig


def test_pki_scep_enrolls_and_openssl_verifies_the_certificate(
    ca: CaProcess, scep_pki: str, openssl: str, tmp_path: Path
) -> None:
    out = _enroll(scep_pki, ca, tmp_path, ca.password())
    assert out.returncode == 0, out.stderr
    (tmp_path / "moon.pem").write_text(out.stdout)
    (tmp_path / "ca.pem").write_bytes((ca.folder / "ca.pem").read_bytes())
    verify = _run(openssl, "verify", "-CAfile", "ca.pem", "moon.pem", cwd=tmp_path)
    assert verify.stdout.strip() == "moon.pem: OK", verify.stderr
    assert x509.load_pem_x509_certificate(out.stdout.encode()).subject.rfc4514_string() == (
        "CN=moon.amit.com"
    )
    assert "PKCS_REQ" in ca.log() and "SUCCESS serial" in ca.log()


def test_wrong_password_gets_failure_bad_request_and_the_server_keeps_serving(
    ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    out = _enroll(scep_pki, ca, tmp_path, "0000000000000000")
    assert out.returncode != 0
    assert "failInfo:     badRequest" in out.stderr  # strongSwan read our CertRep
    assert ca.alive()


def test_a_password_is_used_up_by_the_first_request(
    ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    password = ca.password()
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.mkdir(), second.mkdir()
    assert _enroll(scep_pki, ca, first, password, "a.amit.com").returncode == 0
    again = _enroll(scep_pki, ca, second, password, "b.amit.com")
    assert "failInfo:     badRequest" in again.stderr


def _captured(ca: CaProcess, kind: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(ca.capture.glob(f"*-{kind}.der"))]


def test_tampered_signature_gets_bad_message_check(
    ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    assert _enroll(scep_pki, ca, tmp_path, ca.password(), "t.amit.com").returncode == 0
    request = bytearray(_captured(ca, "request")[-1])  # strongSwan's own PKCSReq
    request[-4] ^= 0x10  # inside the RSA signature, the last field of the SignerInfo
    status, _, body, headers = ca.request("POST", f"{MSCEP}?operation=PKIOperation", bytes(request))
    assert (status, headers["Content-Type"]) == (200, "application/x-pki-message")
    reply = decode_pki_message(body)
    assert (reply.pki_status, reply.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_MESSAGE_CHECK)
    assert ca.alive()


def test_unknown_transaction_poll_gets_bad_cert_id(ca: CaProcess, tmp_path: Path) -> None:
    from vpnteach.crypto.rng import SeededRng
    from vpnteach.pki.keys import rsa_private_key
    from vpnteach.pki.scep.client import ScepRequester
    from vpnteach.pki.scep.message import ca_certificates

    _, _, body, headers = ca.request("GET", f"{MSCEP}?operation=GetCACert")
    certs = ca_certificates(body, headers["Content-Type"])
    subject = x509.Name.from_rfc4514_string("CN=nobody.amit.com")
    requester = ScepRequester(rsa_private_key(1024, SeededRng(3)), subject, certs, SeededRng(4))
    from datetime import datetime, timezone

    poll = requester.cert_poll(datetime.now(timezone.utc))
    status, _, body, _ = ca.request("POST", f"{MSCEP}?operation=PKIOperation", poll)
    assert status == 200
    result = requester.read_cert_rep(body)  # checks the RA signature and the nonce
    assert (result.status, result.fail_info) == (PkiStatus.FAILURE, FailInfo.BAD_CERT_ID)


def test_strongswan_messages_decode_in_vpnteach(
    ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    password = ca.password()
    assert _enroll(scep_pki, ca, tmp_path, password, "d.amit.com").returncode == 0
    ra_key = serialization.load_pem_private_key((ca.folder / "ra-enc.key").read_bytes(), None)
    request_der = _captured(ca, "request")[-1]
    request = decode_pki_message(request_der, private_key=ra_key)  # type: ignore[arg-type]
    assert request.message_type is MessageType.PKCS_REQ and request.problem == ""
    csr = x509.load_der_x509_csr(request.message_data)
    assert challenge_password(csr) == password
    assert csr.subject.rfc4514_string() == "CN=d.amit.com"
    leaves = [s for s in der_spans(walk_der(request_der, "PKCSReq")) if s.leaf]
    assert sum(s.length for s in leaves) == len(request_der)


def test_openssl_reads_every_message_the_server_produced(
    ca: CaProcess, scep_pki: str, openssl: str, tmp_path: Path
) -> None:
    assert _enroll(scep_pki, ca, tmp_path, ca.password(), "o.amit.com").returncode == 0
    _, _, ca_ra, _ = ca.request("GET", f"{MSCEP}?operation=GetCACert")
    _, _, crl, _ = ca.request("GET", "/CertEnroll/WIN2003.crl")
    produced = [*_captured(ca, "reply"), ca_ra]
    for i, der in enumerate(produced):
        path = tmp_path / f"m{i}.der"
        path.write_bytes(der)
        printed = _run(
            openssl, "cms", "-inform", "DER", "-in", path.name, "-cmsout", "-print", cwd=tmp_path
        )
        assert printed.returncode == 0 and "pkcs7-signedData" in printed.stdout, printed.stderr
        parsed = _run(openssl, "asn1parse", "-inform", "DER", "-in", path.name, cwd=tmp_path)
        assert parsed.returncode == 0, parsed.stderr
    (tmp_path / "ca.crl").write_bytes(crl)
    (tmp_path / "ca.pem").write_bytes((ca.folder / "ca.pem").read_bytes())
    checked = _run(
        openssl,
        "crl",
        "-inform",
        "DER",
        "-in",
        "ca.crl",
        "-CAfile",
        "ca.pem",
        "-noout",
        cwd=tmp_path,
    )
    assert "verify OK" in checked.stderr + checked.stdout


def test_state_folder_keeps_private_keys_0600(ca: CaProcess) -> None:
    for name in ("ca.key", "ra-sign.key", "ra-enc.key", "state.json"):
        assert (ca.folder / name).stat().st_mode & 0o777 == 0o600, name
    assert ca.folder.stat().st_mode & 0o777 == 0o700
