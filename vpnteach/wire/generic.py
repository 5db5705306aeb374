"""The generic payload header every ISAKMP payload starts with (RFC 2408 §3.2).

::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ! Next Payload  !   RESERVED    !         Payload Length        !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

Payload Length counts the header's own 4 bytes. The chain code (and the SA payload for its
proposals and transforms) reads and writes this header; payload dataclasses never repeat it.
A non-zero RESERVED byte is accepted on decode and written back as zero (the RFC says "set to
0"; no implementation we know of sets it), so ``encode(decode(b)) == b`` holds for every
message whose reserved fields are zero.
"""

from __future__ import annotations

import struct

from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import PayloadType, describe
from vpnteach.wire.errors import DecodeError, EncodeError

GENERIC_HEADER_LENGTH = 4
_HEADER = Layout(
    ("next_payload", "B", lambda v: describe(PayloadType, v)),
    ("reserved", "B", lambda v: "RESERVED, must be 0" if v == 0 else f"{v}: not 0"),
    ("payload_length", "H", lambda n: f"{n} bytes including this header"),
)


def pull_generic_header(buf: Buffer) -> tuple[int, int]:
    """Read the generic header; return ``(next_payload, body_length)``."""
    next_payload, _, length = buf.pull_fields(_HEADER)
    if length < GENERIC_HEADER_LENGTH:
        start = buf.absolute - GENERIC_HEADER_LENGTH
        raise buf.error(f"payload length {length} is shorter than its 4-byte header", start)
    body_length = length - GENERIC_HEADER_LENGTH
    if body_length > buf.remaining:
        left = buf.remaining + GENERIC_HEADER_LENGTH
        start = buf.absolute - GENERIC_HEADER_LENGTH
        raise buf.error(f"declared length {length} exceeds the {left} bytes left", start)
    return next_payload, body_length


def open_payload(buf: Buffer, what: str = "declared length") -> tuple[int, int]:
    """Read the generic header and limit reads to the payload's body (the ``outer`` limit of
    :meth:`Buffer.open_window`); return ``(next_payload, outer)``. The same checks and errors
    as :func:`pull_generic_header`, one call fewer per payload: the window's own bound check
    stands for the header's."""
    next_payload, _, length = buf.pull_fields(_HEADER)
    if length < GENERIC_HEADER_LENGTH:
        start = buf.absolute - GENERIC_HEADER_LENGTH
        raise buf.error(f"payload length {length} is shorter than its 4-byte header", start)
    try:
        return next_payload, buf.open_window(length - GENERIC_HEADER_LENGTH, what)
    except DecodeError:
        left = buf.remaining + GENERIC_HEADER_LENGTH
        start = buf.absolute - GENERIC_HEADER_LENGTH
        raise buf.error(f"declared length {length} exceeds the {left} bytes left", start) from None


def generic_payload(next_payload: int, body: bytes) -> bytes:
    """The generic header for ``body`` followed by ``body``."""
    length = len(body) + GENERIC_HEADER_LENGTH
    if length > 0xFFFF:
        raise EncodeError(f"payload body of {len(body)} bytes exceeds the 16-bit length field")
    try:  # one struct call on the path of every payload sent
        return _HEADER.struct.pack(next_payload, 0, length) + body
    except struct.error:
        return _HEADER.pack(next_payload, 0, length) + body  # raises the EncodeError


def push_generic_header(buf: Buffer, next_payload: int, body: bytes) -> None:
    """Write the generic header for ``body`` followed by ``body``."""
    buf.push_bytes(generic_payload(next_payload, body))
