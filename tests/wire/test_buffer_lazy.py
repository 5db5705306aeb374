"""The codec's cheap path: without spans nothing is described, and the result is the same."""

from __future__ import annotations

import pytest

from tests.wire.test_message import MM3
from vpnteach.wire import Buffer, DecodeError, Span, decode_message, label
from vpnteach.wire.constants import ExchangeType, Flags


def _refuse(_: object) -> str:
    raise AssertionError("a describer ran although no span is recorded")


def test_describers_do_not_run_when_no_span_is_recorded() -> None:
    buf = Buffer(bytes.fromhex("01 0203 04050607 0809".replace(" ", "")))
    assert buf.pull_uint8("a", _refuse) == 1
    assert buf.pull_uint16("b", _refuse) == 0x0203
    assert buf.pull_uint32("c", _refuse) == 0x04050607
    assert buf.pull_bytes(2, "d", _refuse) == b"\x08\x09"


def test_describers_give_the_meaning_of_recorded_spans() -> None:
    spans: list[Span] = []
    buf = Buffer(b"\x02\x00\x05", spans=spans)
    with buf.scope("hdr", "a header"):
        buf.pull_uint8("x", lambda v: f"value {v}")
        buf.pull_uint16("y")
    assert [(s.name, s.meaning, s.leaf) for s in spans] == [
        ("hdr.x", "value 2", True),
        ("hdr.y", "5", True),
        ("hdr", "a header", False),
    ]


def test_a_message_decodes_to_the_same_value_with_and_without_spans() -> None:
    assert decode_message(MM3) == decode_message(MM3, spans=[])


def test_a_short_read_in_a_window_names_the_scope_and_offset() -> None:
    buf = Buffer(b"\x00\x01\x02", base=28)
    with pytest.raises(DecodeError) as info, buf.scope("KE[1]"), buf.window(2):
        buf.pull_uint32("key_exchange_data")
    assert "KE[1]" in str(info.value)
    assert "28" in str(info.value)


def test_labels_are_the_same_when_asked_again() -> None:
    # RFC 2408 §3.1: exchange type 2 is Identity Protection; 99 is not assigned.
    first = [label(ExchangeType, 2), label(ExchangeType, 99), label(Flags, 3)]
    assert [label(ExchangeType, 2), label(ExchangeType, 99), label(Flags, 3)] == first
    assert first[:2] == ["Identity Protection (Main Mode)", "unknown"]
