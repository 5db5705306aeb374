"""``vpnteach ca serve``: the SCEP CA over real HTTP (RFC 8894 §4), at the seed's URLs.

=====================================================  ===================================
``GET  /certsrv/mscep/mscep.dll?operation=GetCACaps``   capabilities, text (§3.5.2)
``GET  ...?operation=GetCACert``                        CA + RA certificates (§4.2)
``POST ...?operation=PKIOperation`` (DER body)          a pkiMessage -> CertRep (§4.3)
``GET  ...?operation=PKIOperation&message=<base64>``    the same, for GET-only clients
``GET  /certsrv/mscep_admin/``                          a one-time challenge password page
``POST /certsrv/mscep_admin/approve?tid=...``           approve a PENDING request (also
                                                        ``reject``)
``GET  /CertEnroll/<CA>.crl``                           the CRL (the certificates' CDP)
=====================================================  ===================================

The protocol work is :class:`vpnteach.pki.scep.server.ScepService` (sans-IO); this module
only moves bytes, under limits: a body-size cap (413), a per-connection socket timeout so a
slow client cannot hold a thread (408), at most ``max_clients`` concurrent connections (503),
and every bad request answered with a status and a reason (400/404/405/411) -- the server
keeps serving. The admin page answers loopback clients only (NDES requires an administrator
login; here the machine's own users are the administrators). Each request is logged as one
line: client, method, path, status, outcome.

GetCACert is plain, unauthenticated HTTP: anyone on the path can swap the certificates. That
is why ``crypto pki authenticate`` shows the fingerprint for the operator to compare with the
one this server prints at start-up (RFC 8894 §2.2).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import logging
import signal
import threading
import urllib.parse
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from vpnteach.net.scep_state import CaFolder, ServeOptions, StateError
from vpnteach.pki.errors import PkiError
from vpnteach.pki.scep.message import PKI_MESSAGE
from vpnteach.pki.scep.routes import MSCEP_PATH, answer
from vpnteach.pki.scep.server import ScepService
from vpnteach.pki.show import fingerprint

ADMIN_PATH = "/certsrv/mscep_admin/"
BODY_LIMIT = 64 * 1024  # a 4096-bit PKCSReq is ~5 KB; NDES's default limit is similar
TIMEOUT_S = 10.0
MAX_CLIENTS = 32
log = logging.getLogger("vpnteach.ca")
_DER = Encoding.DER


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class HttpError(Exception):
    """An HTTP error status with the reason the client is told."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class ScepHttpServer(ThreadingHTTPServer):
    """A threading HTTP server with a cap on concurrent connections."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        address: tuple[str, int],
        service: ScepService | None,
        *,
        body_limit: int = BODY_LIMIT,
        timeout_s: float = TIMEOUT_S,
        max_clients: int = MAX_CLIENTS,
        capture: Path | None = None,
    ) -> None:
        super().__init__(address, ScepHandler)
        self._service = service
        self.lock = threading.Lock()  # the service is sans-IO and single-threaded
        self.body_limit, self.timeout_s, self.capture = body_limit, timeout_s, capture
        self.slots = threading.BoundedSemaphore(max_clients)
        self.counter = 0

    @property
    def service(self) -> ScepService:
        """The SCEP service (set once the CA is open)."""
        assert self._service is not None
        return self._service

    @service.setter
    def service(self, value: ScepService) -> None:
        self._service = value

    def process_request(self, request: Any, client_address: Any) -> None:
        """Refuse with 503 when ``max_clients`` connections are already being served."""
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(
                    b"HTTP/1.0 503 Too many clients\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n"
                )
            self.shutdown_request(request)
            log.info("%s - 503 too many concurrent clients", client_address[0])
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def next_capture(self, kind: str, data: bytes) -> None:
        """Keep a copy of a PKIOperation body (``--capture``)."""
        if self.capture is None:
            return
        with self.lock:
            self.counter += 1
            n = self.counter
        (self.capture / f"{n:04d}-{kind}.der").write_bytes(data)


class ScepHandler(BaseHTTPRequestHandler):
    """One connection: the routes above, errors as statuses with reasons."""

    server: ScepHttpServer
    server_version = "vpnteach-mscep/1.0"
    protocol_version = "HTTP/1.0"  # one request per connection: simple, bounded

    def setup(self) -> None:
        self.request.settimeout(self.server.timeout_s)  # StreamRequestHandler.timeout, per server
        super().setup()
        self.outcome = ""
        # what a status line and the log need before a request line has been parsed (408)
        self.request_version, self.command, self.path = "HTTP/1.0", "-", "-"

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s - %s", self.client_address[0], format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path if len(self.path) < 120 else self.path[:117] + "..."
        log.info(
            "%s %s %s -> %s %s", self.client_address[0], self.command, path, code, self.outcome
        )

    def handle_one_request(self) -> None:
        """The stdlib's loop body, but a slow request line or header gets 408, not silence."""
        self.close_connection = True  # HTTP/1.0: one request per connection
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                return
            if len(self.raw_requestline) > 65536:
                self._send_error(HttpError(414, "request line over 65536 bytes"))
                return
            if not self.parse_request():  # reads the headers; answers 400 itself
                return
            handler = getattr(self, f"do_{self.command}", None)
            if handler is None:
                self._send_error(HttpError(501, f"method {self.command[:20]!r} not supported"))
                return
            handler()
            self.wfile.flush()
        except TimeoutError:
            wait = self.server.timeout_s
            self._send_error(HttpError(408, f"request not received within {wait} s"))

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._send_error(HttpError(405, "HEAD is not supported"))

    def _dispatch(self, method: str) -> None:
        try:
            url = urllib.parse.urlsplit(self.path)
            if url.path.startswith(ADMIN_PATH):
                query = urllib.parse.parse_qs(url.query, max_num_fields=8)
                self._admin(method, url.path[len(ADMIN_PATH) :], query)
                return
            body = self._body() if method == "POST" else b""
        except HttpError as exc:
            self._send_error(exc)
            return
        except ValueError as exc:  # parse_qs limits, bad percent-encoding
            self._send_error(HttpError(400, f"bad request: {exc}"))
            return
        if body:
            self.server.next_capture("request", body)
        with self.server.lock:  # the service is sans-IO and single-threaded
            reply = answer(self.server.service, method, self.path, body, _utcnow())
        if reply.status != 200:
            self._send_error(HttpError(reply.status, reply.reason))
            return
        if reply.content_type == PKI_MESSAGE:
            self.server.next_capture("reply", reply.body)
        self.outcome = reply.outcome
        self._send(200, reply.content_type, reply.body)

    # -- SCEP ------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise HttpError(411, "POST needs a Content-Length")
        try:
            length = int(length_text)
        except ValueError:
            raise HttpError(400, f"bad Content-Length {length_text[:20]!r}") from None
        if length < 0 or length > self.server.body_limit:
            self.close_connection = True
            raise HttpError(413, f"body of {length} bytes over the {self.server.body_limit}")
        try:
            data = self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            raise HttpError(408, f"body not received within {self.server.timeout_s} s") from None
        if len(data) != length:
            raise HttpError(400, f"body ended after {len(data)} of {length} bytes")
        return data

    # -- the NDES-like admin page ----------------------------------------------------------

    def _admin(self, method: str, action: str, query: dict[str, list[str]]) -> None:
        if self.client_address[0] not in ("127.0.0.1", "::1"):
            raise HttpError(403, "the admin page answers loopback clients only")
        service = self.server.service
        if method == "GET" and action == "":
            with self.server.lock:
                password = service.new_password(_utcnow())
            self.outcome = "issued a one-time challenge password"
            self._send(200, "text/html; charset=utf-8", _admin_page(service, password).encode())
            return
        if method == "POST" and action in ("approve", "reject"):
            tid = query.get("tid", [""])[0]
            try:
                with self.server.lock:
                    if action == "approve":
                        service.approve(tid, _utcnow())
                    else:
                        service.reject(tid)
            except PkiError as exc:
                raise HttpError(404, str(exc)) from None
            self.outcome = f"{action}d {tid[:16]}"
            self._send(200, "text/plain", f"{action}d {tid}\n".encode())
            return
        raise HttpError(404 if method == "GET" else 405, f"no admin action {action[:40]!r}")

    # -- responses -------------------------------------------------------------------------

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, error: HttpError) -> None:
        reason = " ".join(error.reason.split())[:200]  # one line: it goes in the status line
        self.outcome = reason
        try:
            self.send_response(error.status, reason)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            body = (reason + "\n").encode()
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client is gone


def _admin_page(service: ScepService, password: str) -> str:
    """The NDES ``mscep_admin`` page: the CA thumbprint and a one-time password."""
    ca = service.ca.certificate
    md5, sha1 = fingerprint(ca, "md5"), fingerprint(ca, "sha1")
    pending = "".join(
        f"<li><code>{html.escape(p.transaction_id)}</code> {html.escape(p.subject)}</li>"
        for p in service.pending.values()
    )
    return (
        "<html><head><title>Network Device Enrollment Service</title></head><body>"
        "<h1>Network Device Enrollment Service</h1>"
        "<p>To complete certificate enrollment for your network device you will need the "
        "following information:</p>"
        f"<p>The thumbprint (hash value) for the CA certificate is: <b>{sha1}</b> "
        f"(MD5 {md5})</p>"
        f"<p>The enrollment challenge password is: <b>{password}</b></p>"
        "<p>This password can be used only once and will expire within 60 minutes.</p>"
        f"<h2>Pending requests</h2><ul>{pending or '<li>none</li>'}</ul>"
        "</body></html>\n"
    )


def build_parser() -> argparse.ArgumentParser:
    """``vpnteach ca serve`` options."""
    p = argparse.ArgumentParser(prog="vpnteach ca serve", description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True, type=Path, help="CA state folder (created if new)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="TCP port (8080; 0 = any free)")
    p.add_argument("--name", default="WIN2003", help="CA name, also the CRL file name")
    p.add_argument("--dn", default=None, help="CA distinguished name (cn=<name>,dc=amit,dc=com)")
    p.add_argument("--key-bits", type=int, default=2048, help="RSA size of new CA/RA keys")
    p.add_argument("--sha1", action="store_true", help="sign with SHA-1 like Windows 2003 (WEAK)")
    p.add_argument("--manual", action="store_true", help="hold requests for approval (PENDING)")
    p.add_argument("--capture", type=Path, help="keep every PKIOperation request/reply here")
    p.add_argument("--body-limit", type=int, default=BODY_LIMIT, help="largest POST body")
    p.add_argument("--timeout", type=float, default=TIMEOUT_S, help="per-connection seconds")
    p.add_argument("--max-clients", type=int, default=MAX_CLIENTS, help="concurrent clients")
    return p


def serve(args: argparse.Namespace) -> int:
    """Listen, open (or create) the CA, serve until SIGINT/SIGTERM."""
    try:
        server = ScepHttpServer(
            (args.host, args.port),
            None,
            body_limit=args.body_limit,
            timeout_s=args.timeout,
            max_clients=args.max_clients,
            capture=args.capture,
        )
    except OSError as exc:
        print(f"vpnteach ca serve: cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    port = server.server_address[1]  # the real one when --port 0
    host_for_urls = args.host if args.host not in ("0.0.0.0", "::") else "127.0.0.1"
    options = ServeOptions(
        name=args.name,
        dn=args.dn or f"cn={args.name},dc=amit,dc=com",
        cdp_url=f"http://{host_for_urls}:{port}/CertEnroll/{args.name}.crl",
        enrollment_url=f"http://{host_for_urls}:{port}{MSCEP_PATH}",
        key_bits=args.key_bits,
        sign_sha1=args.sha1,
        manual_approval=args.manual,
    )
    try:
        server.service = CaFolder(args.dir).open(options, _utcnow())
    except StateError as exc:
        server.server_close()
        print(f"vpnteach ca serve: {exc}")
        return 1
    if args.capture is not None:
        args.capture.mkdir(parents=True, exist_ok=True)
    _announce(server.service, server)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log.info("stopped")
    return 0


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _announce(service: ScepService, server: ScepHttpServer) -> None:
    from vpnteach.pki.sha1_signing import signature_text

    address, port = server.server_address[:2]
    host = address.decode() if isinstance(address, bytes) else str(address)
    ca = service.ca.certificate
    md5, sha1 = fingerprint(ca, "md5"), fingerprint(ca, "sha1")
    lines = [
        f"CA {service.ca.certificate.subject.rfc4514_string()} serving SCEP (RFC 8894)",
        f"  enrollment url http://{host}:{port}{MSCEP_PATH}",
        f"  challenge passwords: http://{host}:{port}{ADMIN_PATH}",
        f"  CA certificate fingerprint MD5:  {md5}",
        f"  CA certificate fingerprint SHA1: {sha1}",
        f"  signature: {signature_text(service.ca.certificate)}",
        f"  listening on {host}:{port}",
    ]
    print("\n".join(lines), flush=True)


def main_ca(argv: Sequence[str]) -> int:
    """``vpnteach ca serve ...`` (the only ``ca`` subcommand so far)."""
    if not argv or argv[0] != "serve":
        print("usage: vpnteach ca serve --dir DIR [--port N] ... (vpnteach ca serve --help)")
        return 2
    args = build_parser().parse_args(list(argv[1:]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return serve(args)
