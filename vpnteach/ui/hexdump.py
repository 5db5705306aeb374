"""Annotated hex dumps: every byte coloured by the field it belongs to, with a legend.

The spans come from the wire codec itself (:func:`vpnteach.wire.message_spans`,
:func:`vpnteach.wire.decode_payload_chain` with ``spans=``): leaf spans tile a message, so
each byte belongs to exactly one field. Colour is never the only carrier: the first byte of
each field carries the field's index as a superscript, every byte's tooltip names its field and
meaning, and the legend lists index, field, offset, length, value and meaning in text.

An encrypted message (RFC 2408 §3.1 E flag, Main Mode 5/6, Quick Mode) has two views: the
ciphertext as it travels (header + opaque body) and, when the plaintext is known, the header
followed by the decrypted payload chain and its padding (RFC 2409 §5.3).
"""

from __future__ import annotations

from collections.abc import Sequence

from vpnteach.ui.markup import FAIL_MARK, MONO, PALETTE, esc, short_hex, table
from vpnteach.wire import HEADER_LENGTH, DecodeError, Span, decode_message, decode_payload_chain

ROW = 16
_OFFSET = "color:#444;padding-right:6px;text-align:left"


def leaf_spans(spans: Sequence[Span]) -> list[Span]:
    """The field (leaf) spans, in wire order."""
    return sorted((s for s in spans if s.leaf), key=lambda s: s.offset)


def _field_of_byte(data: bytes, leaves: Sequence[Span]) -> list[int]:
    """For each byte, the index (0-based) of its leaf span, or -1 for an unlabelled byte."""
    owner = [-1] * len(data)
    for index, span in enumerate(leaves):
        for pos in range(span.offset, min(span.offset + span.length, len(data))):
            owner[pos] = index
    return owner


def _span_cells(leaves: Sequence[Span]) -> list[tuple[str, str]]:
    """Per field: the opening ``<td>`` of its bytes (tooltip, colour) and its index mark."""
    cells = []
    for index, span in enumerate(leaves):
        end = span.offset + span.length - 1
        tip = esc(f"[{index + 1}] {span.name} (bytes {span.offset}..{end}): {span.meaning}")
        colour = PALETTE[index % len(PALETTE)]
        opening = f"<td title='{tip}' style='background:{colour};padding:0 2px'>"
        cells.append((opening, f"<sup style='font-size:11px'>{index + 1}</sup>"))
    return cells


def _grid(data: bytes, leaves: Sequence[Span]) -> str:
    owner = _field_of_byte(data, leaves)
    cells = _span_cells(leaves)
    starts = {span.offset for span in leaves}
    bare = "<td title='not part of a decoded field'>"
    rows = []
    for start in range(0, len(data), ROW):
        line = []
        for pos in range(start, min(start + ROW, len(data))):
            opening, mark = cells[owner[pos]] if owner[pos] >= 0 else (bare, "")
            line.append(f"{opening}{mark if pos in starts else ''}{data[pos]:02x}</td>")
        rows.append(f"<tr><th scope='row' style='{_OFFSET}'>{start:04x}</th>{''.join(line)}</tr>")
    return (
        f"<table class='vpnteach-hexdump' style='{MONO};font-size:12px;border-collapse:collapse'>"
        f"{''.join(rows)}</table>"
    )


def _legend(data: bytes, leaves: Sequence[Span]) -> str:
    rows = []
    for index, span in enumerate(leaves):
        colour = PALETTE[index % len(PALETTE)]
        value = data[span.offset : span.offset + span.length]
        rows.append(
            (
                f"<span style='background:{colour};padding:0 4px'>{index + 1}</span>",
                f"<code>{esc(span.name)}</code>",
                str(span.offset),
                str(span.length),
                f"<code>{esc(short_hex(value, 16))}</code>",
                esc(span.meaning),
            )
        )
    return table(("#", "field", "offset", "length", "bytes", "meaning"), rows)


def hexdump_html(data: bytes, spans: Sequence[Span], title: str = "") -> str:
    """An annotated hex dump of ``data`` with the field ``spans`` and a legend table."""
    leaves = leaf_spans(spans)
    head = f"<div style='font-weight:bold'>{esc(title)}</div>" if title else ""
    summary = f"{len(data)} bytes, {len(leaves)} fields"
    return (
        f"<div class='vpnteach-hexdump-view'>{head}{_grid(data, leaves)}"
        f"<details><summary>legend: {summary}</summary>{_legend(data, leaves)}</details></div>"
    )


def plaintext_spans(wire: bytes, plaintext: bytes) -> tuple[bytes, list[Span]]:
    """The header of ``wire`` followed by the decrypted body, and the spans of both."""
    spans: list[Span] = []
    first = decode_message(wire, spans=spans).header.next_payload
    header_spans = [s for s in spans if s.name.startswith("header")]
    body_spans: list[Span] = []
    decode_payload_chain(first, plaintext, HEADER_LENGTH, spans=body_spans)
    return wire[:HEADER_LENGTH] + plaintext, header_spans + body_spans


def message_hexdump_html(wire: bytes, plaintext: bytes | None = None, title: str = "") -> str:
    """The hex dump of one ISAKMP message; for an encrypted one both views when possible.

    Args:
        wire: the message as sent (the UDP payload, without a non-ESP marker).
        plaintext: the decrypted body (payload chain + padding) of an encrypted message.
        title: a heading, e.g. ``"MM5 Branch1 -> Branch2"``.
    """
    spans: list[Span] = []
    try:
        msg = decode_message(wire, spans=spans)
    except DecodeError as exc:  # show how far the codec got, and why it stopped
        note = f"<p><b>{FAIL_MARK} not a valid ISAKMP message:</b> {esc(exc)}</p>"
        return _titled(title, note + hexdump_html(wire, spans, "fields decoded before the error"))
    if not msg.header.encrypted:
        return hexdump_html(wire, spans, title)
    cipher_view = hexdump_html(wire, spans, "ciphertext view (as sent)")
    if plaintext is None:
        note = "<p>plaintext view: not available (the body was not decrypted)</p>"
        return _titled(title, cipher_view + note)
    data, spans = plaintext_spans(wire, plaintext)
    plain_view = hexdump_html(data, spans, "plaintext view (after decryption, RFC 2409 §5.3)")
    return _titled(title, plain_view + cipher_view)


def _titled(title: str, body: str) -> str:
    head = f"<div style='font-weight:bold'>{esc(title)}</div>" if title else ""
    return f"<div class='vpnteach-message'>{head}{body}</div>"
