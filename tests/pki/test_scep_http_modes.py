"""``vpnteach ca serve`` modes judged by outside clients: SHA-1 like Windows 2003, manual
approval (PENDING, then strongSwan polls), and certmonger as a second SCEP client."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from tests.conftest import require
from tests.pki.scep_server_process import CaProcess, start_ca
from tests.pki.test_scep_http import CURL_PLUGIN, _enroll, _run


@pytest.fixture
def scep_pki(strongswan_pki: str) -> str:
    require(CURL_PLUGIN.exists(), "pki --scep needs strongSwan's curl plugin")
    return strongswan_pki


@pytest.fixture
def sha1_ca(tmp_path: Path) -> Iterator[CaProcess]:
    server = start_ca(tmp_path / "srv", "--sha1")
    yield server
    assert server.stop() == 0


@pytest.fixture
def manual_ca(tmp_path: Path) -> Iterator[CaProcess]:
    server = start_ca(tmp_path / "srv", "--manual")
    yield server
    assert server.stop() == 0


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_sha1_option_issues_sha1_with_rsa_that_strongswan_and_openssl_accept(
    sha1_ca: CaProcess, scep_pki: str, openssl: str, tmp_path: Path
) -> None:
    assert "sha1WithRSAEncryption (WEAK" in sha1_ca.banner  # flagged where it is shown
    work = _mkdir(tmp_path / "client")
    out = _enroll(scep_pki, sha1_ca, work, sha1_ca.password())
    assert out.returncode == 0, out.stderr
    assert "Issued certificate is trusted" in out.stderr  # strongSwan checked the SHA-1 chain
    (work / "cert.pem").write_text(out.stdout)
    (work / "ca.pem").write_bytes((sha1_ca.folder / "ca.pem").read_bytes())
    text = _run(openssl, "x509", "-in", "cert.pem", "-noout", "-text", cwd=work).stdout
    assert "Signature Algorithm: sha1WithRSAEncryption" in text
    verify = _run(openssl, "verify", "-CAfile", "ca.pem", "cert.pem", cwd=work)
    assert verify.stdout.strip() == "cert.pem: OK", verify.stderr


def test_manual_approval_pending_then_strongswan_polls_until_approved(
    manual_ca: CaProcess, scep_pki: str, tmp_path: Path
) -> None:
    work = _mkdir(tmp_path / "client")
    result: list[subprocess.CompletedProcess[str]] = []
    import threading

    thread = threading.Thread(
        target=lambda: result.append(
            _enroll(
                scep_pki,
                manual_ca,
                work,
                manual_ca.password(),
                "p.amit.com",
                "--interval",
                "1",
                "--maxpolltime",
                "60",
            )
        )
    )
    thread.start()
    tid = ""
    deadline = time.monotonic() + 30
    while not tid and time.monotonic() < deadline:
        found = re.search(r"PKCS_REQ (\w+): PENDING", manual_ca.log())
        tid = found.group(1) if found else ""
        time.sleep(0.2)
    assert tid, manual_ca.log()
    page = manual_ca.request("GET", "/certsrv/mscep_admin/")[2].decode()
    full = re.search(rf"<code>({tid}\w*)</code> CN=p.amit.com", page)
    assert full is not None, page  # the admin page lists the pending request
    time.sleep(1.5)  # let strongSwan poll at least once while PENDING
    status, _, _, _ = manual_ca.request(
        "POST", f"/certsrv/mscep_admin/approve?tid={full.group(1)}", b""
    )
    assert status == 200
    thread.join(timeout=90)
    (out,) = result
    assert out.returncode == 0, out.stderr
    assert "SCEP request pending, polling" in out.stderr
    assert (
        x509.load_pem_x509_certificate(out.stdout.encode()).subject.rfc4514_string()
        == "CN=p.amit.com"
    )
    assert "PENDING still" in manual_ca.log() and "SUCCESS (after poll)" in manual_ca.log()


def test_certmonger_enrolls_over_get_pkioperation(tmp_path: Path, openssl: str) -> None:
    """certmonger (Debian) on a private D-Bus session bus: no system bus needed."""
    for tool in ("certmonger", "getcert", "dbus-daemon"):
        require(shutil.which(tool) is not None, f"needs {tool} (Debian certmonger, dbus-daemon)")
    server = start_ca(tmp_path / "srv")
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    address, pid = bus.stdout.split()[:2]
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    nick = f"vpnteach{os.getpid()}"  # certmonger keeps CAs in ~/.config: removed at the end
    monger = subprocess.Popen(
        ["certmonger", "-s", "-n"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    work = _mkdir(tmp_path / "cm")
    (work / "ca.pem").write_bytes((server.folder / "ca.pem").read_bytes())

    def getcert(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["getcert", *args], capture_output=True, text=True, env=env, check=False, timeout=90
        )

    try:
        deadline = time.monotonic() + 20
        while getcert("list-cas", "-s").returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        added = getcert(
            "add-scep-ca", "-s", "-c", nick, "-u", server.url, "-R", str(work / "ca.pem")
        )
        assert added.returncode == 0, added.stdout + added.stderr
        req = getcert(
            "request",
            "-s",
            "-c",
            nick,
            "-f",
            str(work / "cert.pem"),
            "-k",
            str(work / "key.pem"),
            "-L",
            server.password(),
            "-N",
            "CN=sun.amit.com",
            "-w",
        )
        assert req.returncode == 0, req.stdout + req.stderr
        verify = _run(openssl, "verify", "-CAfile", "ca.pem", "cert.pem", cwd=work)
        assert verify.stdout.strip() == "cert.pem: OK", getcert("list", "-s").stdout
        assert "operation=PKIOperation&message=" in server.log()  # certmonger uses GET
    finally:
        getcert("stop-tracking", "-s", "-f", str(work / "cert.pem"))
        getcert("remove-ca", "-s", "-c", nick)
        monger.terminate()
        monger.wait(timeout=10)
        os.kill(int(pid), 15)
        assert server.stop() == 0
