"""The annotated seed as a table: the seed's line, the lab's line, and what it means.

One row per seed line of a :class:`~vpnteach.stepper.seedmap.SeedBlock`. Where the seed is
wrong the row says so in words (``The seed is wrong:``), not only in colour.
"""

from __future__ import annotations

from vpnteach.stepper.seedmap import SeedBlock, SeedLine
from vpnteach.ui.markup import esc

_CELL = "text-align:left;vertical-align:top;padding:2px 6px;border-top:1px solid #ddd"
_CODE = "font-family:monospace;white-space:pre-wrap;font-size:90%"
_ERROR = "color:#b3261e;font-weight:bold"


def _meaning(line: SeedLine) -> str:
    note = line.note
    parts = [esc(note.text), f"<br><small><i>{esc(note.source)}</i>"]
    if line.step is not None:
        parts.append(f" · step {line.step} (<code>stepper.goto({line.step})</code>)")
    parts.append("</small>")
    if note.seed_error:
        parts.append(f"<br><span style='{_ERROR}'>The seed is wrong:</span> {esc(note.seed_error)}")
    return "".join(parts)


def _live(line: SeedLine) -> str:
    if line.live is not None:
        return esc(line.live)
    return "<i>(no live line)</i>" if line.note.live is None else "<i>(not found)</i>"


def seed_block_html(block: SeedBlock) -> str:
    """A block as a three-column table: seed, live (``source``), meaning."""
    source = esc(block.source or "no live output")
    head = (
        f"<tr><th style='{_CELL}'>the seed</th><th style='{_CELL}'>live: {source}</th>"
        f"<th style='{_CELL}'>what it means</th></tr>"
    )
    rows = "".join(
        f"<tr><td style='{_CELL};{_CODE}'>{esc(line.seed)}</td>"
        f"<td style='{_CELL};{_CODE}'>{_live(line)}</td>"
        f"<td style='{_CELL}'>{_meaning(line)}</td></tr>"
        for line in block.lines
    )
    caption = f"<caption style='text-align:left'><b>{esc(block.title)}</b></caption>"
    return f"<table class='vpnteach-seedmap'>{caption}{head}{rows}</table>"
