"""SCEP over HTTP/1.0 between the lab's routers and the CA host, on the simulated network.

The seed's routers talk SCEP (RFC 8894) over HTTP to ``http://192.168.1.9/certsrv/mscep/
mscep.dll``. What crosses the simulated network here is the real thing -- HTTP/1.0 request
and response bytes carrying the RFC 8894 messages (GetCACert's certs-only SignedData, the
PKCSReq pkiMessage enveloped to the RA and signed by the router, the CertRep) -- with one
honest simplification: **the simulated network has no TCP**, so each HTTP/1.0 request and
each response travels whole as *one UDP datagram* to/from port 80 (no handshake, no
segmentation, no retransmission; a lost datagram is a timeout). The CA host answers with
the same sans-IO routes as ``vpnteach ca serve`` (:mod:`vpnteach.pki.scep.routes`), so the
lab's CA and the real server produce the same messages.

The CA must be *reachable* (routes, links up) and its clock is the network's: the
certificate's validity and the Windows serial number come from the time the request
*arrives*.
"""

from __future__ import annotations

import hashlib
import urllib.parse

from cryptography.hazmat.primitives import serialization

from vpnteach.crypto.rng import SeededRng
from vpnteach.net.sim.node import Node, UdpMessage
from vpnteach.net.sim.scheduler import Scheduler
from vpnteach.pki import scep
from vpnteach.pki.ca import CaServer

SCEP_PORT = 80
_MAX_HEAD = 8192
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


class ScepTransportError(ValueError):
    """A datagram that is not an HTTP/1.0 message of this transport."""


def _split_url(url: str) -> tuple[str, str]:
    """(host, path) of ``http://host/path``."""
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "", parts.path or "/"


def http_request(method: str, url: str, query: str = "", body: bytes = b"") -> bytes:
    """An HTTP/1.0 request (RFC 1945 §5) for ``url`` as the router's SCEP client sends it."""
    host, path = _split_url(url)
    head = [f"{method} {path}{'?' + query if query else ''} HTTP/1.0", f"Host: {host}"]
    if method == "POST":
        head += ["Content-Type: application/x-pki-message", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def encode(message: scep.ScepRequest) -> bytes:
    """The HTTP/1.0 request bytes of a SCEP request (RFC 8894 §4.1)."""
    if isinstance(message, scep.GetCACert):
        query = urllib.parse.urlencode({"operation": "GetCACert", "message": message.ca_name})
        return http_request("GET", message.url, query)
    if isinstance(message, scep.PKCSReq):
        if not message.pki_message:
            raise ScepTransportError("a PKCSReq needs its pkiMessage (CMS) to be sent")
        return http_request("POST", message.url, "operation=PKIOperation", message.pki_message)
    return http_request("GET", message.url)


def parse_head(data: bytes, what: str) -> tuple[str, dict[str, str], bytes]:
    """(first line, headers in lower case, body) of an HTTP/1.0 message (RFC 1945 §4).

    Raises:
        ScepTransportError: no end of header, a bad header line, a wrong Content-Length.
    """
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep or len(head) > _MAX_HEAD:
        raise ScepTransportError(f"not an HTTP/1.0 {what}: no end of header within {_MAX_HEAD}")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise ScepTransportError(f"bad HTTP header line {line[:40]!r}")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) != len(body)):
        raise ScepTransportError(f"Content-Length {length} but {len(body)} body bytes")
    return lines[0], headers, body


def decode(data: bytes) -> scep.ScepResponse:
    """The SCEP answer an HTTP/1.0 response datagram carries.

    A CertRep is returned still enveloped (``pki_message``; status and failInfo read from its
    signed attributes): only the requester's key opens it (:mod:`vpnteach.labs.enroll`).

    Raises:
        ScepTransportError: not an HTTP response, or a body of the wrong kind.
    """
    status_line, headers, body = parse_head(data, "response")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ScepTransportError(f"bad HTTP status line {status_line[:40]!r}")
    status, reason = int(parts[1]), parts[2] if len(parts) > 2 else ""
    content_type = headers.get("content-type", "")
    if status != 200:
        if content_type.startswith("text/plain") and status == 404:
            return scep.CRLResponse(b"", found=False)
        return scep.CertRep(
            scep.PkiStatus.FAILURE, fail_info=None, reason=f"HTTP {status} {reason}"
        )
    return _body(content_type, body)


def _body(content_type: str, body: bytes) -> scep.ScepResponse:
    from vpnteach.pki.errors import ScepError
    from vpnteach.pki.scep.message import ca_certificates as read_ca_certs
    from vpnteach.pki.scep.message import decode_pki_message

    der = serialization.Encoding.DER
    try:
        if content_type.startswith("application/x-x509-ca"):
            certs = read_ca_certs(body, content_type)
            ordered = sorted(certs, key=lambda c: c.issuer != c.subject)  # the CA first
            return scep.CACertResponse(tuple(c.public_bytes(der) for c in ordered))
        if content_type.startswith("application/x-pki-message"):
            reply = decode_pki_message(body, what="CertRep")
            status = reply.pki_status or scep.PkiStatus.FAILURE
            return scep.CertRep(
                status, b"", reply.fail_info, "", reply.transaction_id, pki_message=body
            )
    except ScepError as exc:
        raise ScepTransportError(str(exc)) from None
    if content_type.startswith("application/pkix-crl"):
        return scep.CRLResponse(body)
    raise ScepTransportError(f"unexpected Content-Type {content_type[:60]!r}")


def parse_request(data: bytes) -> tuple[str, str, str, bytes]:
    """(method, target, Host, body) of an HTTP/1.0 request datagram."""
    request_line, headers, body = parse_head(data, "request")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ScepTransportError(f"bad HTTP request line {request_line[:60]!r}")
    return parts[0], parts[1], headers.get("host", ""), body


def http_response(status: int, reason: str, content_type: str, body: bytes) -> bytes:
    """An HTTP/1.0 response (RFC 1945 §6)."""
    head = (
        f"HTTP/1.0 {status} {reason or _STATUS_TEXT.get(status, '')}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _recorded(method: str, target: str, host: str, body: bytes) -> scep.ScepRequest:
    """The request as the lab's record keeps it (``CaService.requests``)."""
    url = f"http://{host}{target.split('?', 1)[0]}"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
    operation = query.get("operation", [""])[0]
    if operation == "GetCACert":
        return scep.GetCACert(url, query.get("message", [""])[0])
    if operation == "PKIOperation":
        return scep.PKCSReq(url, b"", pki_message=body)
    return scep.GetCRL(url)


class CaService:
    """The CA host's SCEP listener: HTTP/1.0 in a datagram, answered by the SCEP routes."""

    def __init__(self, ca: CaServer, host: Node, scheduler: Scheduler) -> None:
        from vpnteach.pki.scep.server import RaKeys, ScepService

        self.ca, self.host, self.scheduler = ca, host, scheduler
        self.requests: list[scep.ScepRequest] = []
        ra = None
        if ca.ra_certificate is not None and ca.ra_private_key is not None:
            # the lab's one RA certificate (General Purpose) signs and decrypts
            key, cert = ca.ra_private_key, ca.ra_certificate
            ra = RaKeys(key, cert, key, cert)
        # nonces and content keys: a stream of its own, so SCEP draws shift no other value
        seed = hashlib.sha256(b"scep-ca" + ca.certificate.public_bytes(serialization.Encoding.DER))
        self.service = ScepService(ca, ra, SeededRng(seed.digest()), require_password=False)
        host.bind_udp(SCEP_PORT, self._on_datagram)

    def _on_datagram(self, message: UdpMessage, now: float) -> None:
        from vpnteach.pki.scep.routes import answer

        try:
            method, target, host, body = parse_request(message.payload)
        except ScepTransportError as exc:
            self.host.drop(None, message.payload, f"SCEP: {exc}")
            return
        self.requests.append(_recorded(method, target, host, body))
        reply = answer(self.service, method, target, body, self.scheduler.clock.datetime_at(now))
        payload = http_response(reply.status, reply.reason, reply.content_type, reply.body)
        self.host.send_udp(message.dst, SCEP_PORT, message.src, message.sport, payload)
