"""The SCEP HTTP routes (RFC 8894 §4), sans-IO: (method, target, body) -> an HTTP answer.

Shared by the real server (:mod:`vpnteach.net.scep_http`) and the lab's CA host
(:mod:`vpnteach.labs.scep_udp`), so both answer the same requests with the same bytes:

* ``GET <path>?operation=GetCACaps`` -> ``text/plain`` capabilities (§3.5.2);
* ``GET <path>?operation=GetCACert`` -> CA (+ RA) certificates (§4.2);
* ``POST <path>?operation=PKIOperation`` with a DER body, or ``GET`` with
  ``message=<base64>`` (§4.3) -> a CertRep, ``application/x-pki-message``;
* ``GET /CertEnroll/<CA>.crl`` -> the CRL (the certificates' CRL distribution point).

Anything else is an error status with a one-line reason; nothing here raises for bad input.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import urllib.parse
from dataclasses import dataclass

from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep.message import PKI_MESSAGE
from vpnteach.pki.scep.server import ScepService

MSCEP_PATH = "/certsrv/mscep/mscep.dll"


@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP status, its reason phrase, a content type and a body; ``outcome`` is for logs."""

    status: int
    reason: str
    content_type: str = "text/plain"
    body: bytes = b""
    outcome: str = ""


def _error(status: int, reason: str) -> HttpAnswer:
    reason = " ".join(reason.split())[:200]  # one line: it goes in the status line
    return HttpAnswer(status, reason, "text/plain; charset=utf-8", (reason + "\n").encode(), reason)


def answer(
    service: ScepService, method: str, target: str, body: bytes, now: dt.datetime
) -> HttpAnswer:
    """The answer to one HTTP request for ``target`` (path and query)."""
    try:
        url = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(url.query, max_num_fields=8)
    except ValueError as exc:
        return _error(400, f"bad request target: {exc}")
    if url.path == MSCEP_PATH:
        return _mscep(service, method, query, body, now)
    if url.path == f"/CertEnroll/{service.ca.name}.crl":
        if method != "GET":
            return _error(405, "the CRL is fetched with GET")
        return HttpAnswer(200, "OK", "application/pkix-crl", service.crl(now), "CRL")
    return _error(404, f"nothing at {url.path[:80]}")


def _mscep(
    service: ScepService, method: str, query: dict[str, list[str]], body: bytes, now: dt.datetime
) -> HttpAnswer:
    operation = query.get("operation", [""])[0]
    if operation == "GetCACaps" and method == "GET":
        return HttpAnswer(200, "OK", "text/plain", service.ca_caps().encode(), "GetCACaps")
    if operation == "GetCACert" and method == "GET":
        certs, content_type = service.ca_certs()
        return HttpAnswer(200, "OK", content_type, certs, "GetCACert")
    if operation == "PKIOperation" and method in ("GET", "POST"):
        if method == "GET":
            try:
                body = _get_message(query)
            except ValueError as exc:
                return _error(400, str(exc))
        return _pki_operation(service, body, now)
    if operation:
        return _error(400, f"unknown operation {operation[:40]!r} for {method}")
    return _error(400, "missing ?operation= (GetCACaps, GetCACert, PKIOperation)")


def _get_message(query: dict[str, list[str]]) -> bytes:
    """``message=`` of a GET PKIOperation: base64 (RFC 8894 §4.1), maybe with line breaks."""
    text = query.get("message", [""])[0]
    if not text:
        raise ValueError("PKIOperation by GET needs a message= parameter")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("message= is not base64") from None


def _pki_operation(service: ScepService, body: bytes, now: dt.datetime) -> HttpAnswer:
    try:
        reply, request, outcome = service.pki_operation(body, now)
    except ScepError as exc:
        return _error(400, f"not a SCEP pkiMessage: {exc}")
    log = f"{request.message_type.name} {request.transaction_id[:16]}: {outcome}"
    return HttpAnswer(200, "OK", PKI_MESSAGE, reply, log)
