"""IKEv2 messages: the header (RFC 7296 §3.1), the generic payload header with its Critical
bit (§3.2) and payload chains, plain or ending in an SK payload (§3.14).

::

    !                       IKE SA Initiator's SPI                  !
    !                       IKE SA Responder's SPI                  !
    !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
    !                          Message ID                           !
    !                            Length                             !

The header has IKEv1's layout (so one parser tells the versions apart by MjVer); the flags
are new: I(nitiator) 0x08, V(ersion) 0x10, R(esponse) 0x20. Every payload starts with::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !

An SK payload is always last; its Next Payload names the first payload *inside* it, so the
chain ends there and :class:`~vpnteach.wire.ikev2.payloads.SkPayload` keeps the sealed
content. After decryption :func:`decode_payload_chain` reads the inner chain. The header's
Length must equal the datagram's; on encode, Length and Next Payload are computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Buffer, Layout, Span
from vpnteach.wire.constants import describe
from vpnteach.wire.errors import EncodeError
from vpnteach.wire.ikev2 import payloads as p
from vpnteach.wire.ikev2.constants import ExchangeType, Flags, PayloadType
from vpnteach.wire.ikev2.sa import SaPayload, pull_sa, sa_body
from vpnteach.wire.walk import payload_meanings, unknown_payload_name, walk_chain

HEADER_LENGTH = 28
CRITICAL = 0x80
_I, _R = int(Flags.INITIATOR), int(Flags.RESPONSE)

Payload = (
    SaPayload
    | p.KePayload
    | p.IdPayload
    | p.CertPayload
    | p.CertReqPayload
    | p.AuthPayload
    | p.NoncePayload
    | p.NotifyPayload
    | p.DeletePayload
    | p.VendorIdPayload
    | p.TsPayload
    | p.SkPayload
    | p.SkfPayload
    | p.UnknownPayload
)

_PULLERS: dict[int, Callable[[Buffer], Payload]] = {
    PayloadType.SA: pull_sa,
    PayloadType.KE: p.pull_ke,
    PayloadType.IDi: lambda b: p.pull_id(b, PayloadType.IDi),
    PayloadType.IDr: lambda b: p.pull_id(b, PayloadType.IDr),
    PayloadType.CERT: p.pull_cert,
    PayloadType.CERTREQ: p.pull_certreq,
    PayloadType.AUTH: p.pull_auth,
    PayloadType.Ni: p.pull_nonce,
    PayloadType.N: p.pull_notify,
    PayloadType.D: p.pull_delete,
    PayloadType.V: p.pull_vendor_id,
    PayloadType.TSi: lambda b: p.pull_ts(b, PayloadType.TSi),
    PayloadType.TSr: lambda b: p.pull_ts(b, PayloadType.TSr),
}

#: Short names in span paths and error messages (RFC 7296 §3.2 notation).
SHORT_NAMES: dict[int, str] = {
    PayloadType.SA: "SA",
    PayloadType.KE: "KE",
    PayloadType.IDi: "IDi",
    PayloadType.IDr: "IDr",
    PayloadType.CERT: "CERT",
    PayloadType.CERTREQ: "CERTREQ",
    PayloadType.AUTH: "AUTH",
    PayloadType.Ni: "N(once)",
    PayloadType.N: "N",
    PayloadType.D: "D",
    PayloadType.V: "V",
    PayloadType.TSi: "TSi",
    PayloadType.TSr: "TSr",
    PayloadType.SK: "SK",
    PayloadType.CP: "CP",
    PayloadType.EAP: "EAP",
    PayloadType.SKF: "SKF",
}


def short_name(payload_type: int) -> str:
    """``"AUTH"`` for 39; ``"PAYLOAD-99"`` for a type this codec does not know."""
    name = SHORT_NAMES.get(payload_type)
    return unknown_payload_name(payload_type) if name is None else name


@dataclass(frozen=True)
class Ikev2Header(HtmlRepr):
    """The IKE header (RFC 7296 §3.1). ``next_payload`` and ``length`` are filled in by the
    decoder; the encoder computes them."""

    spi_i: bytes
    spi_r: bytes
    exchange_type: int
    flags: int
    message_id: int
    major_version: int = 2
    minor_version: int = 0
    next_payload: int = 0
    length: int = 0

    @property
    def initiator(self) -> bool:
        """The I flag: sent by the original initiator of the IKE SA."""
        return self.flags & _I != 0

    @property
    def response(self) -> bool:
        """The R flag: this message answers a request with the same Message ID."""
        return self.flags & _R != 0


@dataclass(frozen=True)
class Ikev2Message(HtmlRepr):
    """An IKEv2 message: a header and its payloads (an :class:`SkPayload` last, if any)."""

    header: Ikev2Header
    payloads: tuple[Payload, ...]

    @property
    def skf(self) -> p.SkfPayload | None:
        """The SKF payload (an IKE fragment, RFC 7383), if the message is one."""
        last = self.payloads[-1] if self.payloads else None
        return last if isinstance(last, p.SkfPayload) else None

    @property
    def sk(self) -> p.SkPayload | None:
        """The SK payload, if the message has one."""
        last = self.payloads[-1] if self.payloads else None
        return last if isinstance(last, p.SkPayload) else None


def _describe_flags(value: int) -> str:
    names = [f.name for f in Flags if f.name and value & f]
    return f"0x{value:02x}" + (f" = {' | '.join(names)}" if names else " = none")


_HEADER = Layout(
    ("spi_i", "8s", lambda b: f"initiator SPI {b.hex()}"),
    ("spi_r", "8s", lambda b: f"responder SPI {b.hex()}"),
    ("next_payload", "B", lambda v: describe(PayloadType, v)),
    ("version", "B", lambda v: f"IKE version {v >> 4}.{v & 15}"),
    ("exchange_type", "B", lambda v: describe(ExchangeType, v)),
    ("flags", "B", _describe_flags),
    ("message_id", "I", lambda v: f"message ID {v}"),
    ("length", "I", lambda n: f"{n} bytes in the whole message"),
)
_GENERIC = Layout(
    ("next_payload", "B", lambda v: describe(PayloadType, v)),
    ("critical", "B", lambda v: "critical" if v & CRITICAL else "not critical"),
    ("payload_length", "H", lambda n: f"{n} bytes including this header"),
)


def pull_header(buf: Buffer) -> Ikev2Header:
    """Read the 28-byte IKE header."""
    start = buf.open_scope("header")
    spi_i, spi_r, nxt, version, exchange, flags, mid, length = buf.pull_fields(_HEADER)
    buf.close_scope(start, "IKE header (RFC 7296 §3.1)")
    return Ikev2Header(spi_i, spi_r, exchange, flags, mid, version >> 4, version & 15, nxt, length)


def _pull_payload(buf: Buffer, payload_type: int) -> tuple[int, Payload]:
    """One payload: ``(next_payload, payload)``; an SK payload's next is its first inner."""
    start = buf.absolute
    nxt, critical, length = buf.pull_fields(_GENERIC)
    if length < 4:
        raise buf.error(f"payload length {length} is shorter than its 4-byte header", start)
    outer = buf.open_window(length - 4)
    payload: Payload
    puller = _PULLERS.get(payload_type)
    if payload_type == PayloadType.SK:
        payload = p.SkPayload(nxt, buf.pull_rest("content", lambda b: f"{len(b)} bytes sealed"))
        nxt = PayloadType.NONE
    elif payload_type == PayloadType.SKF:  # RFC 7383: Next Payload names the inside, if any
        payload = p.pull_skf(buf, nxt)
        nxt = PayloadType.NONE
    elif puller is not None:
        payload = puller(buf)
    else:
        payload = p.UnknownPayload(payload_type, buf.pull_rest("body"), bool(critical & CRITICAL))
    buf.close_window(outer)
    return nxt, payload


_MEANINGS = payload_meanings(PayloadType)


def pull_payload_chain(buf: Buffer, first_payload_type: int) -> tuple[Payload, ...]:
    """Read payloads from ``first_payload_type`` until Next Payload is 0 (or an SK payload)."""
    return walk_chain(
        buf, first_payload_type, pull=_pull_payload, names=SHORT_NAMES, meanings=_MEANINGS
    )


def decode_message(data: bytes, *, spans: list[Span] | None = None) -> Ikev2Message:
    """Decode one IKEv2 message (the UDP payload, without a non-ESP marker).

    Raises:
        DecodeError: on any malformed, truncated or trailing input, naming where.
    """
    buf = Buffer(data, spans=spans)
    header = pull_header(buf)
    if header.major_version != 2:
        raise buf.error(f"IKE major version {header.major_version}, not 2", 17)
    if header.length != len(data):
        raise buf.error(f"declared message length {header.length}, datagram has {len(data)}", 24)
    payloads = pull_payload_chain(buf, header.next_payload)
    if not buf.eof():
        raise buf.error(f"{buf.remaining} bytes after the last payload")
    return Ikev2Message(header, payloads)


def decode_payload_chain(
    first_payload_type: int, data: bytes, offset_base: int = 0, *, spans: list[Span] | None = None
) -> tuple[Payload, ...]:
    """Decode the decrypted inside of an SK payload (padding already removed)."""
    buf = Buffer(data, base=offset_base, spans=spans)
    payloads = pull_payload_chain(buf, first_payload_type)
    if not buf.eof():
        raise buf.error(f"{buf.remaining} bytes after the last inner payload")
    if any(isinstance(x, (p.SkPayload, p.SkfPayload)) for x in payloads):
        raise buf.error("an SK or SKF payload inside an SK payload")
    return payloads


def message_spans(data: bytes) -> tuple[Span, ...]:
    """Decode ``data`` and return its spans (leaf fields and groups), in wire order."""
    spans: list[Span] = []
    decode_message(data, spans=spans)
    return tuple(sorted(spans, key=lambda s: (s.offset, s.leaf, s.depth)))


def _typed(kind: int, data: bytes) -> bytes:
    return bytes([kind]) + data


_BODIES: dict[type, Callable[[Any], bytes]] = {
    SaPayload: sa_body,
    p.KePayload: p.ke_body,
    p.IdPayload: p.id_body,
    p.AuthPayload: p.auth_body,
    p.NotifyPayload: p.notify_body,
    p.DeletePayload: p.delete_body,
    p.TsPayload: p.ts_body,
    p.CertPayload: lambda x: _typed(x.cert_encoding, x.certificate_data),
    p.CertReqPayload: lambda x: _typed(x.cert_encoding, x.certification_authority),
    p.NoncePayload: attrgetter("nonce_data"),
    p.VendorIdPayload: attrgetter("vendor_id"),
    p.SkPayload: attrgetter("content"),
    p.SkfPayload: p.skf_body,
    p.UnknownPayload: attrgetter("body"),
}


def payload_body(payload: Payload) -> bytes:
    """The body of one payload (everything after its generic header)."""
    return _BODIES[type(payload)](payload)


def encode_payload_chain(payloads: Sequence[Payload]) -> bytes:
    """Payloads with Next Payload, Critical and lengths computed from their order."""
    parts = []
    last = len(payloads) - 1
    for index, payload in enumerate(payloads):
        body = payload_body(payload)
        if isinstance(payload, (p.SkPayload, p.SkfPayload)):
            if index != last:
                raise EncodeError("SK and SKF must be the last payload (RFC 7296 §3.14)")
            following = payload.first_payload
        else:
            following = payloads[index + 1].payload_type if index < last else 0
        if len(body) + 4 > 0xFFFF:
            raise EncodeError(f"payload body of {len(body)} bytes exceeds the 16-bit length")
        critical = CRITICAL if isinstance(payload, p.UnknownPayload) and payload.critical else 0
        parts.append(_GENERIC.pack(following, critical, len(body) + 4) + body)
    return b"".join(parts)


def encode_message(msg: Ikev2Message) -> bytes:
    """Encode ``msg``; Next Payload and Length come from its payloads."""
    h = msg.header
    if len(h.spi_i) != 8 or len(h.spi_r) != 8:
        raise EncodeError("IKE SA SPIs are 8 bytes each (RFC 7296 §3.1)")
    body = encode_payload_chain(msg.payloads)
    first = msg.payloads[0].payload_type if msg.payloads else 0
    version = (h.major_version << 4) | h.minor_version
    length = HEADER_LENGTH + len(body)
    header = _HEADER.pack(
        h.spi_i, h.spi_r, first, version, h.exchange_type, h.flags, h.message_id, length
    )
    return header + body
