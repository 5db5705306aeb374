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

from vpnteach.wire.buffer import Buffer
from vpnteach.wire.constants import PayloadType, describe
from vpnteach.wire.errors import EncodeError

GENERIC_HEADER_LENGTH = 4
_HEADER = struct.Struct("!BBH")  # Next Payload, RESERVED, Payload Length


def pull_generic_header(buf: Buffer) -> tuple[int, int]:
    """Read the generic header; return ``(next_payload, body_length)``."""
    start, left = buf.absolute, buf.remaining
    next_payload = buf.pull_uint8("next_payload", lambda v: describe(PayloadType, v))
    buf.pull_uint8("reserved", lambda v: "RESERVED, must be 0" if v == 0 else f"{v}: not 0")
    length = buf.pull_uint16("payload_length", lambda n: f"{n} bytes including this header")
    if length < GENERIC_HEADER_LENGTH:
        raise buf.error(f"payload length {length} is shorter than its 4-byte header", start)
    if length > left:
        raise buf.error(f"declared length {length} exceeds the {left} bytes left", start)
    return next_payload, length - GENERIC_HEADER_LENGTH


def push_generic_header(buf: Buffer, next_payload: int, body: bytes) -> None:
    """Write the generic header for ``body`` followed by ``body``."""
    if len(body) + GENERIC_HEADER_LENGTH > 0xFFFF:
        raise EncodeError(f"payload body of {len(body)} bytes exceeds the 16-bit length field")
    if not 0 <= next_payload < 0x100:
        raise EncodeError(f"{next_payload} does not fit in a 8-bit field")
    buf.push_bytes(_HEADER.pack(next_payload, 0, len(body) + GENERIC_HEADER_LENGTH) + body)
