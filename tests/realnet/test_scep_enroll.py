"""The real router enrolls over real HTTP (RFC 8894) in a network namespace, then brings up a
tunnel with that certificate against strongSwan, whose certificate came from the same
``vpnteach ca serve`` through strongSwan's own SCEP client (``pki --scep``).

Namespaces (netns.Topology): left = Branch1 (vpnteach router, WAN 10.1.1.1), right = Branch2
(charon, WAN 10.2.2.1) where the CA also runs (port 8080, all addresses of that namespace).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require
from tests.pki.test_scep_http import CURL_PLUGIN
from tests.realnet.harness import (
    Router,
    bring_up,
    ping_both_ways,
    start_strongswan,
    write_configs,
)
from vpnteach.net import netns

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
MSCEP = "/certsrv/mscep/mscep.dll"


def _in_ns(ns: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                          check=False, timeout=120, env=ENV, cwd=cwd)  # fmt: skip


def _start_ca(ns: str, work: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """``vpnteach ca serve`` inside ``ns``; (process, CA SHA1 fingerprint from its banner)."""
    log = open(work / "ca.log", "w")  # noqa: SIM115 - written by the child until it stops
    proc = subprocess.Popen(
        ["ip", "netns", "exec", ns, sys.executable, "-m", "vpnteach", "ca", "serve",
         "--dir", str(work / "ca"), "--host", "0.0.0.0", "--port", "8080", "--key-bits", "1024",
         *extra],
        stdout=subprocess.PIPE, stderr=log, text=True, env=ENV,
    )  # fmt: skip
    assert proc.stdout is not None
    banner = ""
    while "listening on" not in banner:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"ca serve did not start: {banner}")
        banner += line
    found = re.search(r"fingerprint SHA1: ([0-9A-F ]+)", banner)
    assert found is not None, banner
    return proc, found.group(1).replace(" ", "")


def _password(ns: str, work: Path) -> str:
    code = (
        "import re,urllib.request;p=urllib.request.urlopen('http://127.0.0.1:8080"
        "/certsrv/mscep_admin/').read();print(re.search(rb'password is: <b>(\\w+)',p)[1].decode())"
    )
    out = _in_ns(ns, sys.executable, "-c", code, cwd=work)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _strongswan_enrolls(ns: str, pki: Path, password: str) -> None:
    """Branch2's key and certificate through strongSwan's SCEP client."""
    url = f"http://127.0.0.1:8080{MSCEP}"
    got = _in_ns(ns, "pki", "--scepca", "--url", url, "--caout", "sw-ca.der",
                 "--raout", "sw-ra.der", cwd=pki)  # fmt: skip
    assert got.returncode == 0, got.stderr
    key = _in_ns(ns, "pki", "--gen", "--type", "rsa", "--size", "1024", "--outform", "pem", cwd=pki)
    (pki / "branch2.key.pem").write_text(key.stdout)
    ras = [pki / "sw-ra.der", pki / "sw-ra-2.der"]
    for enc, sig in (ras, ras[::-1]):  # which RA certificate is which: let the CA say
        out = _in_ns(ns, "pki", "--scep", "--url", url, "--in", "branch2.key.pem",
                     "--dn", "CN=Branch2.amit.com", "--san", "Branch2.amit.com",
                     "--password", password, "--cacert-enc", str(enc), "--cacert-sig", str(sig),
                     "--cacert", "sw-ca.der", "--outform", "pem", cwd=pki)  # fmt: skip
        if out.returncode == 0:
            (pki / "branch2.cert.pem").write_text(out.stdout)
            return
        password = _password(ns, pki)  # the failed attempt may have used it up
    raise AssertionError(out.stderr + (pki.parent / "ca.log").read_text())


@pytest.mark.parametrize("sha1", [False, True], ids=["sha256", "sha1-like-windows-2003"])
def test_router_enrolls_over_http_then_tunnels_with_strongswan(
    realnet: Path, strongswan: Path, sha1: bool
) -> None:
    require(CURL_PLUGIN.exists(), "pki --scep needs strongSwan's curl plugin")
    openssl = shutil.which("openssl")
    require(openssl is not None, "needs the openssl command line tool")
    assert openssl is not None
    work, pki = realnet, realnet / "pki"
    pki.mkdir()
    with netns.Topology() as topo:
        ca, fingerprint = _start_ca(topo.right.ns, work, *(["--sha1"] if sha1 else []))
        try:
            configs = write_configs(work, "Branch1")
            url = f"http://{topo.right.wan_ip}:8080{MSCEP}"
            wrong = _in_ns(topo.left.ns, sys.executable, "-m", "vpnteach", "router", "enroll",
                           "--scep", url, "--config", str(configs[0]), "--pki", str(pki),
                           "--password", "x", "--fingerprint", "00" * 20, cwd=work)  # fmt: skip
            assert wrong.returncode == 1 and "refused" in wrong.stderr
            enrolled = _in_ns(topo.left.ns, sys.executable, "-m", "vpnteach", "router", "enroll",
                              "--scep", url, "--config", str(configs[0]), "--pki", str(pki),
                              "--password", _password(topo.right.ns, work),
                              "--fingerprint", fingerprint, cwd=work)  # fmt: skip
            assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
            assert "Certificate received from Certificate Authority" in enrolled.stdout
            _strongswan_enrolls(topo.right.ns, pki, _password(topo.right.ns, work))
            b1 = Router(topo.left.ns, configs, pki, work, "branch1", True)
            charon = start_strongswan(topo.right.ns, work, pki)
            with charon, b1:
                bring_up(b1, charon)
                there, back = ping_both_ways(topo, 3)
            assert there[:2] == (3, 3) and back[:2] == (3, 3), (there[2], back[2])
            text = subprocess.run(
                [openssl, "x509", "-in", str(pki / "branch1.cert.pem"), "-noout", "-text"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            algorithm = "sha1WithRSAEncryption" if sha1 else "sha256WithRSAEncryption"
            assert f"Signature Algorithm: {algorithm}" in text  # and strongSwan authenticated it
        finally:
            ca.terminate()
            assert ca.wait(timeout=10) == 0
