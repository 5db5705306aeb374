"""Hypothesis over the IKEv2 codec: round trip, exact lengths, truncation and garbage."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.wire.ikev2.strategies import messages, payloads
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ikev2 import (
    Ikev2Message,
    decode_message,
    decode_payload_chain,
    encode_message,
    encode_payload_chain,
)
from vpnteach.wire.ikev2.message import HEADER_LENGTH


def _same(a: Ikev2Message, b: Ikev2Message) -> bool:
    """Equal but for next_payload/length, which the decoder fills in."""
    return a.payloads == b.payloads and (
        a.header.spi_i,
        a.header.spi_r,
        a.header.exchange_type,
        a.header.flags,
        a.header.message_id,
        a.header.minor_version,
    ) == (
        b.header.spi_i,
        b.header.spi_r,
        b.header.exchange_type,
        b.header.flags,
        b.header.message_id,
        b.header.minor_version,
    )


@settings(max_examples=300)
@given(messages())
def test_decode_of_encode_gives_the_message_back(msg: Ikev2Message) -> None:
    data = encode_message(msg)
    back = decode_message(data)
    assert _same(back, msg)
    assert back.header.length == len(data)
    assert encode_message(back) == data


@settings(max_examples=200)
@given(st.lists(payloads, min_size=1, max_size=4))
def test_inner_chain_round_trips_and_consumes_exactly_its_bytes(chain: list) -> None:  # type: ignore[type-arg]
    data = encode_payload_chain(chain)
    assert decode_payload_chain(chain[0].payload_type, data) == tuple(chain)
    try:
        decode_payload_chain(chain[0].payload_type, data + b"\x00")
    except DecodeError as exc:
        assert "after the last inner payload" in str(exc)
    else:
        raise AssertionError("a trailing byte was accepted")


@settings(max_examples=150)
@given(messages())
def test_every_truncated_prefix_raises_decode_error(msg: Ikev2Message) -> None:
    data = encode_message(msg)
    for n in range(len(data)):
        cut = data[:n]
        if n >= HEADER_LENGTH:  # keep the length field consistent so the chain is what fails
            cut = cut[:24] + n.to_bytes(4, "big") + cut[28:]
            if n == len(data):
                continue
        try:
            decoded = decode_message(cut)
        except DecodeError:
            continue
        # A prefix can only decode if it ends exactly at a payload boundary with Next = 0,
        # which a truncated chain whose header still names the cut payload cannot.
        raise AssertionError(f"prefix {n}/{len(data)} decoded: {decoded}")


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_garbage_raises_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_message(data)


@settings(max_examples=300)
@given(st.binary(min_size=4, max_size=120), st.integers(0, 255))
def test_garbage_chain_raises_only_decode_error(data: bytes, first: int) -> None:
    with contextlib.suppress(DecodeError):
        decode_payload_chain(first, data)
