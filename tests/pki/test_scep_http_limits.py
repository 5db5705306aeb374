"""``vpnteach ca serve`` under bad input: every bad request gets a status and a reason, and the
server keeps serving (body limit, slow clients, concurrency cap, a bounded flood)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pki.scep_parties import make_parties
from tests.pki.scep_server_process import MSCEP, CaProcess, start_ca
from vpnteach.pki.scep.cms import envelope

TIMEOUT_S = 1.0
MAX_CLIENTS = 6
BODY_LIMIT = 8192


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaProcess]:
    server = start_ca(
        tmp_path_factory.mktemp("limits"),
        "--timeout",
        str(TIMEOUT_S),
        "--max-clients",
        str(MAX_CLIENTS),
        "--body-limit",
        str(BODY_LIMIT),
    )
    yield server
    assert server.stop() == 0  # serves until stopped, then exits cleanly
    assert "Traceback" not in server.log()


def _raw(port: int, data: bytes, *, pause: float = 0.0, rest: bytes = b"") -> bytes:
    """Send ``data`` (then ``rest`` after ``pause`` s) on a fresh connection; the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        if pause:
            time.sleep(pause)
            with contextlib.suppress(OSError):  # the server may have closed: check its reply
                s.sendall(rest)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status_line(reply: bytes) -> str:
    return reply.split(b"\r\n", 1)[0].decode()


def test_malformed_cms_is_400_with_the_reason(ca: CaProcess) -> None:
    status, reason, body, _ = ca.request("POST", f"{MSCEP}?operation=PKIOperation", b"\x30\x03abc")
    assert status == 400
    assert reason.startswith("not a SCEP pkiMessage") and b"offset" in body
    assert ca.alive()


def test_wrong_content_type_is_400_naming_it(ca: CaProcess) -> None:
    p = make_parties()
    wrong = envelope(b"hello", p.ca.certificate, p.rng)  # EnvelopedData, not SignedData
    status, reason, _, _ = ca.request("POST", f"{MSCEP}?operation=PKIOperation", wrong)
    assert status == 400
    assert "contentType" in reason and "enveloped_data, expected signed_data" in reason


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [
        ("GET", f"{MSCEP}?operation=Nope", 400, "unknown operation"),
        ("GET", MSCEP, 400, "missing ?operation="),
        ("GET", f"{MSCEP}?operation=PKIOperation&message=%%%", 400, "not base64"),
        ("GET", "/etc/passwd", 404, "nothing at"),
        ("POST", "/CertEnroll/WIN2003.crl", 405, "GET"),
        ("POST", "/certsrv/mscep_admin/approve?tid=NOPE", 404, "no pending request"),
    ],
)
def test_bad_requests_get_a_status_and_a_reason(
    ca: CaProcess, method: str, path: str, status: int, words: str
) -> None:
    got, reason, body, _ = ca.request(method, path, b"" if method == "POST" else None)
    assert got == status
    assert words in reason and words.encode() in body


def test_an_oversized_body_is_413_before_it_is_read(ca: CaProcess) -> None:
    head = (
        f"POST {MSCEP}?operation=PKIOperation HTTP/1.0\r\nContent-Length: {BODY_LIMIT + 1}\r\n\r\n"
    ).encode()
    reply = _raw(ca.port, head)
    assert _status_line(reply).startswith("HTTP/1.0 413 body of 8193 bytes over the 8192")
    assert ca.alive()


def test_a_post_without_length_is_411(ca: CaProcess) -> None:
    reply = _raw(ca.port, f"POST {MSCEP}?operation=PKIOperation HTTP/1.0\r\n\r\n".encode())
    assert _status_line(reply).startswith("HTTP/1.0 411")


def test_a_slow_body_is_408_and_a_silent_client_is_dropped(ca: CaProcess) -> None:
    head = f"POST {MSCEP}?operation=PKIOperation HTTP/1.0\r\nContent-Length: 100\r\n\r\n"
    reply = _raw(ca.port, head.encode() + b"x" * 10, pause=TIMEOUT_S * 2.5, rest=b"y" * 90)
    assert _status_line(reply).startswith(f"HTTP/1.0 408 body not received within {TIMEOUT_S}")
    started = time.monotonic()
    reply = _raw(ca.port, b"GET /certsrv/mscep/mscep.dll?oper")  # never finishes its line
    assert time.monotonic() - started < TIMEOUT_S * 5
    assert _status_line(reply).startswith("HTTP/1.0 408 request not received")
    assert ca.alive()


def test_more_clients_than_the_cap_get_503(ca: CaProcess) -> None:
    idle = [socket.create_connection(("127.0.0.1", ca.port)) for _ in range(MAX_CLIENTS)]
    try:
        time.sleep(0.2)  # let the server take them (each holds a slot until its timeout)
        reply = _raw(ca.port, f"GET {MSCEP}?operation=GetCACaps HTTP/1.0\r\n\r\n".encode())
        assert _status_line(reply) == "HTTP/1.0 503 Too many clients"
    finally:
        for s in idle:
            s.close()
    time.sleep(TIMEOUT_S * 1.5)
    assert ca.alive()


def test_a_bounded_flood_leaves_the_server_up(ca: CaProcess, tmp_path: Path) -> None:
    """2,000 requests from 4 threads: good ones, garbage CMS, unknown paths, bad operations."""
    kinds = [
        f"GET {MSCEP}?operation=GetCACaps HTTP/1.0\r\n\r\n".encode(),
        f"POST {MSCEP}?operation=PKIOperation HTTP/1.0\r\nContent-Length: 4\r\n\r\n".encode()
        + b"\x30\x03\x02\x01",
        b"GET /nothing HTTP/1.0\r\n\r\n",
        b"BREW / HTTP/1.0\r\n\r\n",
    ]
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(500):
            try:
                line = _status_line(_raw(ca.port, kinds[(i + n) % len(kinds)]))[9:12]
            except OSError as exc:
                line = type(exc).__name__
            with lock:
                statuses[line] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sum(statuses.values()) == 2000
    assert statuses["200"] >= 400 and statuses["400"] >= 400 and statuses["404"] >= 400
    assert set(statuses) <= {"200", "400", "404", "501", "503"}, statuses
    assert ca.alive()
