"""Fuzz the ISAKMP decoders: messages, payload chains, data attributes, identification data.

The first input byte picks the decoder (mod 4), the rest is its input:

0. ``decode_message`` (with spans);
1. ``decode_payload_chain(first, body)``, ``first`` being the next byte;
2. ``pull_attribute`` until the buffer is empty (IKE classes if the next byte is odd, else
   IPsec);
3. ``identification_value(id_type, data)`` and ``describe_identification`` (never raises),
   and ``proxy_from_payload`` of the ID payload (raises only ``IkeError``).

For 0-2, whatever decodes must survive ``decode(encode(x)) == x``: encoder and decoder agree
on every value. (Byte equality ``encode(decode(b)) == b`` holds only for canonical input: a
non-zero RESERVED byte is accepted and written back as 0, as RFC 2408 §3.2 allows, so it is
not checked here; ``tests/wire/test_properties.py`` checks it for generated messages.)

Allowed: ``DecodeError`` (and ``IdentificationError``, ``IkeError`` where documented).
Anything else, or a broken round trip, is a crash.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from fuzz._harness import main
from fuzz._seeds import ike_messages, plaintexts
from vpnteach.ike.context import IkeError
from vpnteach.ike.quick_mode import proxy_from_payload
from vpnteach.wire.attributes import pull_attribute, push_attribute
from vpnteach.wire.buffer import Buffer, Span
from vpnteach.wire.chain import decode_payload_chain, encode_payload_chain
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ident import IdentificationError, describe_identification, identification_value
from vpnteach.wire.message import decode_message, encode_message
from vpnteach.wire.payloads import IdPayload

NAME = "wire"


def message(data: bytes) -> None:
    spans: list[Span] = []
    try:
        msg = decode_message(data, spans=spans)
    except DecodeError:
        return
    again = decode_message(encode_message(msg))
    if again != msg:
        raise AssertionError(f"round trip changed the message {data.hex()}: {msg} -> {again}")


def chain(data: bytes) -> None:
    if not data:
        return
    first, body = data[0], data[1:]
    try:
        decoded = decode_payload_chain(first, body, spans=[])
    except DecodeError:
        return
    if not decoded.payloads:
        return
    again = decode_payload_chain(first, encode_payload_chain(decoded.payloads)).payloads
    if again != decoded.payloads:
        raise AssertionError(f"chain round trip changed {body.hex()}: {decoded} -> {again}")


def attributes(data: bytes) -> None:
    if not data:
        return
    ike, body = bool(data[0] & 1), data[1:]
    buf = Buffer(body, spans=[])
    out = Buffer()
    try:
        while not buf.eof():
            push_attribute(out, pull_attribute(buf, ike))
    except DecodeError:
        return
    if out.data() != body:  # attributes have no reserved bits: byte equality holds
        raise AssertionError(f"attribute round trip changed: {body.hex()} -> {out.data().hex()}")


def identification(data: bytes) -> None:
    if len(data) < 4:
        return
    id_type, protocol, port, ident = data[0], data[1], int.from_bytes(data[2:4], "big"), data[4:]
    with contextlib.suppress(IdentificationError):
        identification_value(id_type, ident)
    describe_identification(id_type, ident)
    with contextlib.suppress(IkeError):
        proxy_from_payload(IdPayload(id_type, protocol, port, ident))


DECODERS = (message, chain, attributes, identification)


def test_one_input(data: bytes) -> None:
    """One input: the first byte picks the decoder."""
    if data:
        DECODERS[data[0] % len(DECODERS)](data[1:])


def seeds() -> list[bytes]:
    """Real messages, real decrypted chains, their SA attributes, real ID payload bodies."""
    found = [bytes([0]) + m for m in ike_messages()]
    for first, plain in plaintexts():
        found.append(bytes([1, first]) + plain)
    found.append(bytes([2, 1]) + bytes.fromhex("800100058002000180030001800400010003000400015180"))
    found.append(bytes([2, 0]) + bytes.fromhex("80010001000200040000e10080040001"))
    for id_body in ("01000000" + "0a010101", "04000000" + "c0a80b00ffffff00", "02000000" + "4231"):
        found.append(bytes([3]) + bytes.fromhex(id_body))
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
