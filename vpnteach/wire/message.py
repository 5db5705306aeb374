"""ISAKMP messages: the fixed header (RFC 2408 §3.1) and a payload chain or an encrypted body.

::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !                          Initiator                            !
    !                            Cookie                             !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !                          Responder                            !
    !                            Cookie                             !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !                          Message ID                           !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !                            Length                             !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

With the E flag set (from Main Mode message 5 on) everything after the header is ciphertext:
:func:`decode_message` keeps it as ``Message.encrypted_body`` and the IKE engine decrypts it
and calls :func:`~vpnteach.wire.chain.decode_payload_chain` on the plaintext.
The header's Length must equal the datagram's length. On encode, Length and (for plaintext
messages) Next Payload are computed; the values in :class:`IsakmpHeader` are ignored there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Buffer, Layout, Span
from vpnteach.wire.chain import Payload, encode_payload_chain, pull_payload_chain
from vpnteach.wire.constants import ExchangeType, Flags, PayloadType, describe
from vpnteach.wire.errors import EncodeError

HEADER_LENGTH = 28

# The flag bits as plain ints: ``flags & Flags.X`` would build an IntFlag member on every test.
_E, _C, _A = int(Flags.ENCRYPTION), int(Flags.COMMIT), int(Flags.AUTHENTICATION_ONLY)


@dataclass(frozen=True)
class IsakmpHeader(HtmlRepr):
    """The ISAKMP header (RFC 2408 §3.1).

    ``next_payload`` and ``length`` are filled in by the decoder; the encoder computes them.
    """

    cky_i: bytes
    cky_r: bytes
    exchange_type: int
    flags: int = 0
    message_id: int = 0
    major_version: int = 1
    minor_version: int = 0
    next_payload: int = 0
    length: int = 0

    @property
    def encrypted(self) -> bool:
        """The E (encryption) flag."""
        return self.flags & _E != 0

    def sealed(self, first_payload: int) -> IsakmpHeader:
        """This header for the encrypted message: the E flag set, Next Payload the first
        payload of the plaintext chain (RFC 2408 §3.1)."""
        # Built field by field: dataclasses.replace looks the fields up on every call, and
        # every encrypted message is sealed here.
        return IsakmpHeader(
            self.cky_i,
            self.cky_r,
            self.exchange_type,
            self.flags | _E,
            self.message_id,
            self.major_version,
            self.minor_version,
            first_payload,
            self.length,
        )

    @property
    def commit(self) -> bool:
        """The C (commit) flag."""
        return self.flags & _C != 0

    @property
    def authentication_only(self) -> bool:
        """The A (authentication only) flag."""
        return self.flags & _A != 0


@dataclass(frozen=True)
class Message(HtmlRepr):
    """An ISAKMP message: a header and either plaintext payloads or an encrypted body."""

    header: IsakmpHeader
    payloads: tuple[Payload, ...] = ()
    encrypted_body: bytes | None = None


def _describe_flags(value: int) -> str:
    names = [f.name for f in Flags if f.name and value & f]
    return f"0x{value:02x}" + (f" = {' | '.join(names)}" if names else " = none")


_HEADER = Layout(
    ("cky_i", "8s", lambda b: f"initiator cookie {b.hex()}"),
    ("cky_r", "8s", lambda b: f"responder cookie {b.hex()}"),
    ("next_payload", "B", lambda v: describe(PayloadType, v)),
    ("version", "B", lambda v: f"ISAKMP version {v >> 4}.{v & 15}"),
    ("exchange_type", "B", lambda v: describe(ExchangeType, v)),
    ("flags", "B", _describe_flags),
    ("message_id", "I", lambda v: f"0x{v:08x}"),
    ("length", "I", lambda n: f"{n} bytes in the whole message"),
)


def pull_header(buf: Buffer) -> IsakmpHeader:
    """Read the 28-byte ISAKMP header."""
    start = buf.open_scope("header")
    fields = buf.pull_fields(_HEADER)
    buf.close_scope(start, "ISAKMP header (RFC 2408 §3.1)")
    cky_i, cky_r, next_payload, version, exchange, flags, message_id, length = fields
    return IsakmpHeader(
        cky_i, cky_r, exchange, flags, message_id, version >> 4, version & 15, next_payload, length
    )


def decode_message(data: bytes, *, spans: list[Span] | None = None) -> Message:
    """Decode one ISAKMP message (the UDP payload, without a non-ESP marker).

    Raises:
        DecodeError: on any malformed, truncated or trailing input, naming where.
    """
    buf = Buffer(data, spans=spans)
    header = pull_header(buf)
    if header.length != len(data):
        raise buf.error(f"declared message length {header.length}, datagram has {len(data)}", 24)
    if header.encrypted:
        body = buf.pull_rest("encrypted_body", lambda b: f"{len(b)} bytes of ciphertext")
        return Message(header, (), body)
    payloads = pull_payload_chain(buf, header.next_payload)
    if not buf.eof():
        raise buf.error(f"{buf.remaining} bytes after the last payload")
    return Message(header, payloads)


def message_spans(data: bytes) -> tuple[Span, ...]:
    """Decode ``data`` and return its spans (leaf fields and groups), in wire order."""
    spans: list[Span] = []
    decode_message(data, spans=spans)
    return tuple(sorted(spans, key=lambda s: (s.offset, s.leaf, s.depth)))


def encode_message(msg: Message) -> bytes:
    """Encode ``msg``; Next Payload and Length come from its payloads (or encrypted body)."""
    h = msg.header
    if msg.encrypted_body is not None:
        if msg.payloads:
            raise EncodeError("a message has either payloads or an encrypted body, not both")
        body, first = msg.encrypted_body, h.next_payload
    else:
        body = encode_payload_chain(msg.payloads)
        first = msg.payloads[0].payload_type if msg.payloads else 0
    if len(h.cky_i) != 8 or len(h.cky_r) != 8:
        raise EncodeError("CKY-I and CKY-R must be 8 bytes each (RFC 2408 §3.1)")
    version = (h.major_version << 4) | h.minor_version
    length = HEADER_LENGTH + len(body)
    header = _HEADER.pack(
        h.cky_i, h.cky_r, first, version, h.exchange_type, h.flags, h.message_id, length
    )
    return header + body


def with_encrypted_body(msg: Message, first_payload_type: int, ciphertext: bytes) -> Message:
    """The same header with the E flag set, ``first_payload_type`` and ``ciphertext`` as body."""
    header = replace(
        msg.header, flags=msg.header.flags | Flags.ENCRYPTION, next_payload=first_payload_type
    )
    return Message(header, (), ciphertext)
