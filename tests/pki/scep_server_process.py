"""``vpnteach ca serve`` as a child process on loopback, and small HTTP helpers for its tests."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import terminate

ROOT = Path(__file__).resolve().parents[2]
MSCEP = "/certsrv/mscep/mscep.dll"


@dataclass
class CaProcess:
    """A running ``vpnteach ca serve`` (stopped by its pid with :meth:`stop`)."""

    proc: subprocess.Popen[str]
    port: int
    folder: Path
    capture: Path
    banner: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MSCEP}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, reason, body, headers) of one HTTP request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.reason, resp.read(), dict(resp.getheaders())
        finally:
            conn.close()

    def password(self) -> str:
        """A one-time challenge password from the NDES-like admin page."""
        status, _, page, _ = self.request("GET", "/certsrv/mscep_admin/")
        assert status == 200
        found = re.search(rb"challenge password is: <b>([0-9A-F]{16})</b>", page)
        assert found is not None, page
        return found.group(1).decode()

    def alive(self) -> bool:
        """Still running and answering GetCACaps."""
        if self.proc.poll() is not None:
            return False
        return self.request("GET", f"{MSCEP}?operation=GetCACaps")[0] == 200

    def log(self) -> str:
        return (self.folder.parent / "serve.log").read_text()

    def stop(self) -> int:
        """SIGTERM by pid, wait; the exit status (0: a clean stop)."""
        return terminate(self.proc, 10)


def start_ca(tmp: Path, *extra: str) -> CaProcess:
    """Start ``vpnteach ca serve`` on a free loopback port with 1024-bit keys (fast)."""
    tmp.mkdir(parents=True, exist_ok=True)
    folder, capture = tmp / "ca", tmp / "capture"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    log = open(tmp / "serve.log", "w")  # noqa: SIM115 - the child writes it until stopped
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vpnteach",
            "ca",
            "serve",
            "--dir",
            str(folder),
            "--port",
            "0",
            "--key-bits",
            "1024",
            "--capture",
            str(capture),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        cwd=tmp,
    )
    assert proc.stdout is not None
    banner, deadline = "", time.monotonic() + 60
    while "listening on" not in banner and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner += line
    found = re.search(r"listening on 127\.0\.0\.1:(\d+)", banner)
    if found is None:
        proc.kill()
        raise AssertionError(f"ca serve did not start: {banner}")
    return CaProcess(proc, int(found.group(1)), folder, capture, banner)
