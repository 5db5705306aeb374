"""Hypothesis over the codec: round trips, truncation, garbage, exact consumption, spans."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from vpnteach.wire import (
    DecodeError,
    Message,
    Payload,
    PayloadType,
    SaPayload,
    Span,
    decode_message,
    decode_payload_chain,
    encode_message,
    encode_payload_chain,
    message_spans,
)

from .strategies import messages, payloads, sa_payloads


def with_length(data: bytes) -> bytes:
    """``data`` with its ISAKMP Length field set to its real length (when it has a header)."""
    if len(data) < 28:
        return data
    return data[:24] + len(data).to_bytes(4, "big") + data[28:]


@given(messages())
def test_decode_inverts_encode_and_encode_inverts_decode(msg: Message) -> None:
    wire = encode_message(msg)
    decoded = decode_message(wire)
    first = msg.payloads[0].payload_type if msg.payloads else msg.header.next_payload
    expected_header = dataclasses.replace(msg.header, next_payload=first, length=len(wire))
    assert decoded == dataclasses.replace(msg, header=expected_header)
    assert encode_message(decoded) == wire


@given(st.lists(payloads, min_size=1, max_size=5), st.binary(max_size=16))
def test_payload_chain_round_trips_and_returns_padding(chain: list[Payload], pad: bytes) -> None:
    body = encode_payload_chain(chain)
    decoded = decode_payload_chain(chain[0].payload_type, body + pad)
    assert decoded.payloads == tuple(chain)
    assert decoded.padding == pad


@given(messages(), st.data())
def test_every_truncated_prefix_raises_decode_error(msg: Message, data: st.DataObject) -> None:
    wire = encode_message(msg)
    cut = data.draw(st.integers(0, len(wire) - 1))
    for candidate in (wire[:cut], with_length(wire[:cut])):
        try:
            decode_message(candidate)
        except DecodeError:
            continue
        # Only an encrypted body may be cut anywhere and still be a well-formed message.
        assert msg.header.encrypted and cut >= 28 and candidate != wire[:cut]


@given(st.lists(payloads, min_size=1, max_size=4), st.data())
def test_every_truncated_chain_raises_decode_error(
    chain: list[Payload], data: st.DataObject
) -> None:
    body = encode_payload_chain(chain)
    cut = data.draw(st.integers(0, len(body) - 1))
    try:
        decode_payload_chain(chain[0].payload_type, body[:cut])
    except DecodeError:
        return
    raise AssertionError(f"prefix of {cut} bytes decoded")


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_decode_error(data: bytes) -> None:
    for candidate in (data, with_length(data)):
        try:
            msg = decode_message(candidate)
        except DecodeError:
            continue
        assert decode_message(encode_message(msg)) == msg


@given(st.binary(max_size=200))
def test_spans_of_random_bytes_raise_only_decode_error(data: bytes) -> None:
    for candidate in (data, with_length(data)):
        try:
            spans = message_spans(candidate)
        except DecodeError:
            continue
        assert sum(s.length for s in spans if s.leaf) == len(candidate)


@given(st.integers(0, 255), st.binary(max_size=200))
def test_random_chain_bodies_raise_only_decode_error(first: int, data: bytes) -> None:
    try:
        chain = decode_payload_chain(first, data, spans=[])
    except DecodeError:
        return
    assert encode_payload_chain(chain.payloads) + chain.padding == data


@given(messages(), st.data())
def test_corrupted_messages_raise_only_decode_error(msg: Message, data: st.DataObject) -> None:
    wire = bytearray(encode_message(msg))
    index = data.draw(st.integers(0, len(wire) - 1))
    wire[index] = data.draw(st.integers(0, 255))
    try:
        decoded = decode_message(bytes(wire))
    except DecodeError:
        return
    assert decode_message(encode_message(decoded)) == decoded


@given(messages())
def test_leaf_spans_tile_every_message_and_groups_match_declared_lengths(msg: Message) -> None:
    wire = encode_message(msg)
    spans = message_spans(wire)
    position = 0
    for span in sorted((s for s in spans if s.leaf), key=lambda s: s.offset):
        assert span.offset == position
        position += span.length
    assert position == len(wire)
    lengths = {s.name: s for s in spans if s.name.endswith(".payload_length")}
    for group in (s for s in spans if not s.leaf and s.name != "header"):
        declared = lengths.get(group.name + ".payload_length")
        if declared is None:  # a data attribute: 4 bytes (TV) or 4 + its length (TLV)
            assert "attr[" in group.name.rsplit(".", 1)[-1]
            continue
        assert group.length == int.from_bytes(wire[declared.offset : declared.offset + 2], "big")


@given(st.lists(sa_payloads, min_size=1, max_size=3))
def test_sa_payloads_round_trip_and_their_spans_tile_the_body(chain: list[SaPayload]) -> None:
    body = encode_payload_chain(chain)
    spans: list[Span] = []
    decoded = decode_payload_chain(PayloadType.SA, body, 0, spans=spans)
    assert decoded.payloads == tuple(chain)
    assert encode_payload_chain(decoded.payloads) == body
    position = 0
    for span in sorted((s for s in spans if s.leaf), key=lambda s: s.offset):
        assert span.offset == position
        position += span.length
    assert position == len(body)
    attribute_count = sum(
        len(t.attributes) for sa in chain for p in sa.proposals for t in p.transforms
    )
    assert sum(1 for s in spans if not s.leaf and "attr[" in s.name) == attribute_count


@given(st.lists(sa_payloads, min_size=1, max_size=2), st.data())
def test_every_truncated_sa_chain_raises_decode_error(
    chain: list[SaPayload], data: st.DataObject
) -> None:
    body = encode_payload_chain(chain)
    cut = data.draw(st.integers(0, len(body) - 1))
    try:
        decode_payload_chain(PayloadType.SA, body[:cut])
    except DecodeError:
        return
    raise AssertionError(f"prefix of {cut} bytes decoded")
