"""The codec's cheap path: without spans nothing is described, and the result is the same."""

from __future__ import annotations

import pytest

from tests.wire.test_message import MM3
from vpnteach.wire import Buffer, DecodeError, EncodeError, Span, decode_message, label
from vpnteach.wire.buffer import Layout
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


# A made-up header: a byte, a 16-bit and a 32-bit number, then 2 opaque bytes.
FIELDS = Layout(
    ("a", "B", lambda v: f"a={v}"),
    ("b", "H", None),
    ("c", "I", lambda v: f"0x{v:08x}"),
    ("d", "2s", None),
)
FIELD_BYTES = bytes.fromhex("01 0203 04050607 0809".replace(" ", ""))


def _one_by_one(buf: Buffer) -> tuple[object, ...]:
    """The reference: the same fields read with one pull each."""
    return (
        buf.pull_uint8("a", lambda v: f"a={v}"),
        buf.pull_uint16("b"),
        buf.pull_uint32("c", lambda v: f"0x{v:08x}"),
        buf.pull_bytes(2, "d"),
    )


def test_a_layout_reads_and_records_what_one_pull_per_field_does() -> None:
    by_layout: list[Span] = []
    by_field: list[Span] = []
    first = Buffer(FIELD_BYTES, base=28, spans=by_layout)
    second = Buffer(FIELD_BYTES, base=28, spans=by_field)
    with first.scope("hdr"), second.scope("hdr"):
        assert (
            first.pull_fields(FIELDS) == _one_by_one(second) == (1, 0x0203, 0x04050607, b"\x08\x09")
        )
    assert by_layout == by_field
    assert [s.meaning for s in by_layout if s.leaf] == ["a=1", "515", "0x04050607", "2 bytes"]


@pytest.mark.parametrize("cut", range(len(FIELD_BYTES)))
def test_a_short_layout_read_fails_like_the_first_field_that_does_not_fit(cut: int) -> None:
    with pytest.raises(DecodeError) as by_layout:
        Buffer(FIELD_BYTES[:cut]).pull_fields(FIELDS)
    with pytest.raises(DecodeError) as by_field:
        _one_by_one(Buffer(FIELD_BYTES[:cut]))
    assert str(by_layout.value) == str(by_field.value)
    assert "needs" in by_layout.value.expected


def test_a_layout_packs_big_endian_and_names_a_value_that_does_not_fit() -> None:
    assert FIELDS.pack(1, 0x0203, 0x04050607, b"\x08\x09") == FIELD_BYTES
    with pytest.raises(EncodeError, match="70000 does not fit in a 16-bit field"):
        FIELDS.pack(1, 70000, 2**32, b"\x08\x09")
    with pytest.raises(EncodeError, match="-1 does not fit in a 8-bit field"):
        FIELDS.pack(-1, 0, 0, b"\x08\x09")


def test_open_and_close_scope_record_what_the_scope_context_manager_does() -> None:
    pairs: list[Span] = []
    managed: list[Span] = []
    buf = Buffer(b"\x05\x06", base=4, spans=pairs)
    start = buf.open_scope("outer")
    inner = buf.open_scope("inner")
    buf.pull_uint8("x")
    buf.close_scope(inner, "the inner one")
    buf.pull_uint8("y")
    buf.close_scope(start, "the outer one")
    other = Buffer(b"\x05\x06", base=4, spans=managed)
    with other.scope("outer", "the outer one"):
        with other.scope("inner", "the inner one"):
            other.pull_uint8("x")
        other.pull_uint8("y")
    assert pairs == managed
    assert ("outer.inner", 4, 1, 1, False) in [
        (s.name, s.offset, s.length, s.depth, s.leaf) for s in pairs
    ]


def test_a_window_closed_early_names_the_unread_bytes() -> None:
    buf = Buffer(b"\x00\x01\x02\x03", base=28)
    buf.open_scope("KE[1]")
    outer = buf.open_window(3, "declared length")
    buf.pull_uint8("x")
    with pytest.raises(
        DecodeError, match="2 unexpected bytes before the end of its declared length"
    ):
        buf.close_window(outer)
    buf.pull_uint16("y")
    buf.close_window(outer)
    assert buf.remaining == 1
