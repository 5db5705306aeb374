"""SCEP-style enrollment carried over the simulated network (UDP port 80).

The seed's routers talk SCEP over HTTP to ``http://192.168.1.9/certsrv/mscep/mscep.dll``. The
simulated network has no TCP, so each request/response of :mod:`vpnteach.pki.scep` travels as
one UDP datagram to port 80 of the CA host and back: the CA must be *reachable* (routes, links
up) and its clock is the network's (the certificate's validity and the Windows serial number
come from the time the request *arrives*). The framing is ours, not HTTP: a kind line, then
length-prefixed fields::

    b"SCEP/<kind>\\n" + (len32 | bytes) * n
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from vpnteach.net.sim.node import Node, UdpMessage
from vpnteach.net.sim.scheduler import Scheduler
from vpnteach.pki import scep
from vpnteach.pki.ca import CaServer

SCEP_PORT = 80
_LEN = struct.Struct("!I")


class ScepTransportError(ValueError):
    """A datagram that is not a well-formed SCEP message of this transport."""


def _frame(kind: str, fields: list[bytes]) -> bytes:
    return f"SCEP/{kind}\n".encode() + b"".join(_LEN.pack(len(f)) + f for f in fields)


def _unframe(data: bytes) -> tuple[str, list[bytes]]:
    head, sep, rest = data.partition(b"\n")
    if not sep or not head.startswith(b"SCEP/"):
        raise ScepTransportError(f"not a SCEP datagram (starts {data[:12]!r})")
    fields, offset = [], 0
    while offset < len(rest):
        if offset + 4 > len(rest):
            raise ScepTransportError("truncated field length")
        (n,) = _LEN.unpack_from(rest, offset)
        if offset + 4 + n > len(rest):
            raise ScepTransportError(f"field of {n} bytes runs past the datagram's end")
        fields.append(rest[offset + 4 : offset + 4 + n])
        offset += 4 + n
    return head[5:].decode(), fields


def encode(message: scep.ScepRequest | scep.ScepResponse) -> bytes:
    """One SCEP request or response as a UDP payload."""
    if isinstance(message, scep.GetCACert):
        return _frame("GetCACert", [message.url.encode(), message.ca_name.encode()])
    if isinstance(message, scep.PKCSReq):
        fields = [message.url.encode(), message.csr_der, message.transaction_id.encode()]
        return _frame("PKCSReq", fields)
    if isinstance(message, scep.GetCRL):
        return _frame("GetCRL", [message.url.encode()])
    if isinstance(message, scep.CACertResponse):
        return _frame("CACertResponse", list(message.certificates_der))
    if isinstance(message, scep.CertRep):
        fail = b"" if message.fail_info is None else str(message.fail_info.value).encode()
        return _frame(
            "CertRep",
            [
                str(message.status.value).encode(),
                message.certificate_der,
                fail,
                message.reason.encode(),
                message.transaction_id.encode(),
            ],
        )
    return _frame("CRLResponse", [message.crl_der, b"1" if message.found else b"0"])


_Decoder = Callable[[list[bytes]], "scep.ScepRequest | scep.ScepResponse"]


def _cert_rep(f: list[bytes]) -> scep.CertRep:
    fail = scep.FailInfo(int(f[2])) if f[2] else None
    status = scep.PkiStatus(int(f[0]))
    return scep.CertRep(status, f[1], fail, f[3].decode(), f[4].decode())


_DECODERS: dict[str, tuple[int, _Decoder]] = {
    "GetCACert": (2, lambda f: scep.GetCACert(f[0].decode(), f[1].decode())),
    "PKCSReq": (3, lambda f: scep.PKCSReq(f[0].decode(), f[1], f[2].decode())),
    "GetCRL": (1, lambda f: scep.GetCRL(f[0].decode())),
    "CACertResponse": (-1, lambda f: scep.CACertResponse(tuple(f))),
    "CertRep": (5, _cert_rep),
    "CRLResponse": (2, lambda f: scep.CRLResponse(f[0], f[1] == b"1")),
}


def decode(data: bytes) -> scep.ScepRequest | scep.ScepResponse:
    """The message a datagram carries.

    Raises:
        ScepTransportError: unknown kind, wrong number of fields, or bad framing.
    """
    kind, fields = _unframe(data)
    if kind not in _DECODERS:
        raise ScepTransportError(f"unknown SCEP message kind {kind!r}")
    count, build = _DECODERS[kind]
    if count >= 0 and len(fields) != count:
        raise ScepTransportError(f"{kind} has {len(fields)} fields, expected {count}")
    try:
        return build(fields)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScepTransportError(f"{kind}: bad field value ({exc})") from None


class CaService:
    """The CA host's SCEP listener: answers each request with :meth:`CaServer.handle`."""

    def __init__(self, ca: CaServer, host: Node, scheduler: Scheduler) -> None:
        self.ca, self.host, self.scheduler = ca, host, scheduler
        self.requests: list[scep.ScepRequest] = []
        host.bind_udp(SCEP_PORT, self._on_datagram)

    def _on_datagram(self, message: UdpMessage, now: float) -> None:
        try:
            request = decode(message.payload)
        except ScepTransportError as exc:
            self.host.drop(None, message.payload, f"SCEP: {exc}")
            return
        if not isinstance(request, (scep.GetCACert, scep.PKCSReq, scep.GetCRL)):
            self.host.drop(None, message.payload, "SCEP: a response sent to the CA")
            return
        self.requests.append(request)
        answer = self.ca.handle(request, self.scheduler.clock.datetime_at(now))
        self.host.send_udp(message.dst, SCEP_PORT, message.src, message.sport, encode(answer))
