"""Small HTML building blocks shared by every renderer (stdlib only, inline styles).

Inline ``style`` attributes rather than a ``<style>`` sheet: JupyterLab keeps them in trusted
and untrusted outputs alike, and a view stays self-contained when copied into a page.
Every helper escapes what it is given; callers pass text and get HTML back.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from enum import Enum

# Eight pastel backgrounds readable under black text; colour is never the only carrier of
# meaning: every coloured thing also carries a text label or an index into a legend.
PALETTE = (
    "#cfe8ff",
    "#ffe0b3",
    "#d4f5d0",
    "#f9d0e4",
    "#e6dcff",
    "#fff5b0",
    "#c9f2ef",
    "#f2d7c4",
)
OK_MARK = "✔"
FAIL_MARK = "✘"
BOX = "font-family:sans-serif;font-size:13px;border:1px solid #888;border-radius:4px;padding:6px"
MONO = "font-family:monospace"
# Secondary text: 12 px (never under 11 px at 100 % zoom), #444 on white is 9.7:1 (WCAG AA).
NOTE = "font-size:12px;color:#444"
# JupyterLab's rendered-HTML style right-aligns cells, centres tables and fixes their layout:
# every table here says left, start and auto itself, and long values wrap instead of widening.
TABLE = "border-collapse:collapse;font-size:13px;margin:0;table-layout:auto;max-width:100%"
CELL = "padding:2px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere"


def esc(value: object) -> str:
    """``value`` as escaped text (quotes too, so it is safe inside an attribute)."""
    return html.escape(str(value), quote=True)


def short_hex(data: bytes, limit: int = 24) -> str:
    """``data`` as hex, cut in the middle when longer than ``limit`` bytes (plain text)."""
    if len(data) <= limit:
        return data.hex()
    half = limit // 2
    return f"{data[:half].hex()}…{data[-half // 2 :].hex()} ({len(data)} bytes)"


def hex_block(data: bytes, limit: int = 24) -> str:
    """Hex of ``data``; when it is long, a short form plus a "show all" ``<details>``."""
    if len(data) <= limit:
        return f"<code>{data.hex()}</code>"
    full = " ".join(data[i : i + 16].hex() for i in range(0, len(data), 16))
    return (
        f"<code>{esc(short_hex(data, limit))}</code>"
        f"<details><summary>show all {len(data)} bytes</summary>"
        f"<code style='word-break:break-all'>{full}</code></details>"
    )


def int_block(value: int, limit_digits: int = 40) -> str:
    """A big integer in hex, abbreviated with a "show all" ``<details>`` when long."""
    text = f"{value:x}"
    if len(text) <= limit_digits:
        return f"<code>0x{text}</code>"
    bits = value.bit_length()
    return (
        f"<code>0x{text[:16]}…{text[-8:]}</code> ({bits} bits)"
        f"<details><summary>show all</summary><code style='word-break:break-all'>0x{text}"
        "</code></details>"
    )


def value_html(value: object, limit: int = 24) -> str:
    """Any recorded value: bytes as hex, enums by name, big ints in hex, the rest as text."""
    if isinstance(value, (bytes, bytearray)):
        return hex_block(bytes(value), limit)
    if isinstance(value, Enum):
        return f"<code>{esc(value.name)}</code>"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return int_block(value)
    return f"<code>{esc(value)}</code>"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "", attrs: str = ""
) -> str:
    """A table; ``headers`` and ``caption`` are text, the cells of ``rows`` are HTML."""
    head = "".join(f"<th scope='col' style='{CELL}'>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in r) + "</tr>" for r in rows
    )
    cap = f"<caption style='text-align:left;font-weight:bold'>{esc(caption)}</caption>"
    return (
        f"<table {attrs} style='{TABLE}'>"
        f"{cap if caption else ''}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def card(title: str, body: str, status: bool | None = None) -> str:
    """A bordered box with a title; ``status`` adds a ✔ passed / ✘ FAILED badge in words."""
    badge = ""
    if status is not None:
        word = f"{OK_MARK} passed" if status else f"{FAIL_MARK} FAILED"
        badge = f" <span class='vpnteach-status'>[{word}]</span>"
    return (
        f"<div class='vpnteach-card' style='{BOX};margin:4px 0'>"
        f"<div style='font-weight:bold'>{esc(title)}{badge}</div>{body}</div>"
    )


def note(content_html: str) -> str:
    """Secondary text (``content_html`` is HTML) at a readable size, instead of ``<small>``."""
    return f"<span class='vt-note' style='{NOTE}'>{content_html}</span>"


def field_rows(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column table: field name (text) and value (HTML)."""
    return table(("field", "value"), ((f"<code>{esc(k)}</code>", v) for k, v in pairs))
