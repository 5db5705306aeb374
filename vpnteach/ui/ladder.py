"""A ladder (sequence) diagram of the exchange so far, as inline SVG written by hand.

Two lifelines (``Branch1`` on the left, ``Branch2`` on the right), one horizontal arrow per
message labelled ``"MM1 SA"``, ``"MM2 SA"``, ... with its time on the left and the receiver's
state after the message written under the arrow. No graphviz: a ladder is simple geometry, and
hand-written SVG is fast and identical on every machine. Each arrow also carries a ``<title>``
(a tooltip and what a screen reader says) and the table under the picture repeats everything
in text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from vpnteach.ui.markup import esc, table

WIDTH, LEFT_X, RIGHT_X, TOP, STEP = 560, 150, 470, 44, 52


class LadderEntry(NamedTuple):
    """One message: when, from whom, to whom, what it carries, the state it led to."""

    time: float
    sender: str
    receiver: str
    label: str
    state_after: str = ""


def _entries(records: Iterable[Sequence[object]]) -> list[LadderEntry]:
    return [r if isinstance(r, LadderEntry) else LadderEntry(*r) for r in records]  # type: ignore[arg-type]


def _arrow(entry: LadderEntry, y: int, xs: dict[str, int]) -> str:
    x1, x2 = xs.get(entry.sender, LEFT_X), xs.get(entry.receiver, RIGHT_X)
    head = -8 if x2 > x1 else 8
    tip = f"{x2},{y} {x2 + head},{y - 4} {x2 + head},{y + 4}"
    mid = (x1 + x2) // 2
    title = f"t={entry.time:.3f}s {entry.sender} → {entry.receiver}: {entry.label}"
    if entry.state_after:
        title += f" ({entry.receiver} now {entry.state_after})"
    state = (
        f"<text x='{mid}' y='{y + 15}' text-anchor='middle' font-size='10' fill='#444'>"
        f"{esc(entry.receiver)}: {esc(entry.state_after)}</text>"
        if entry.state_after
        else ""
    )
    return (
        f"<g class='vpnteach-ladder-message'><title>{esc(title)}</title>"
        f"<text x='8' y='{y + 4}' font-size='10' fill='#555'>t={entry.time:.3f}s</text>"
        f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='black' stroke-width='1.5'/>"
        f"<polygon points='{tip}' fill='black'/>"
        f"<text x='{mid}' y='{y - 6}' text-anchor='middle' font-size='12'>{esc(entry.label)}"
        f"</text>{state}</g>"
    )


def ladder_svg(
    records: Iterable[Sequence[object]], left: str = "Branch1", right: str = "Branch2"
) -> str:
    """The ladder as one ``<svg>`` element; ``records`` are :class:`LadderEntry` or tuples."""
    entries = _entries(records)
    height = TOP + STEP * max(len(entries), 1) + 10
    xs = {left: LEFT_X, right: RIGHT_X}
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='vpnteach-ladder' width='{WIDTH}' "
        f"height='{height}' viewBox='0 0 {WIDTH} {height}' font-family='sans-serif'>",
        f"<title>Message sequence between {esc(left)} and {esc(right)}</title>",
    ]
    for name, x in xs.items():
        parts.append(
            f"<text x='{x}' y='18' text-anchor='middle' font-weight='bold'>{esc(name)}</text>"
            f"<line x1='{x}' y1='26' x2='{x}' y2='{height - 4}' stroke='#777' "
            "stroke-dasharray='4 3'/>"
        )
    for index, entry in enumerate(entries):
        parts.append(_arrow(entry, TOP + STEP * index + 16, xs))
    parts.append("</svg>")
    return "".join(parts)


def ladder_html(
    records: Iterable[Sequence[object]], left: str = "Branch1", right: str = "Branch2"
) -> str:
    """The ladder SVG followed by the same messages as a text table."""
    entries = _entries(records)
    rows = [
        (
            f"{e.time:.3f}",
            esc(e.sender),
            esc(e.receiver),
            f"<b>{esc(e.label)}</b>",
            esc(e.state_after or "—"),
        )
        for e in entries
    ]
    listing = table(("time (s)", "from", "to", "message", "receiver's state after"), rows)
    return (
        f"<div class='vpnteach-ladder-view'>{ladder_svg(entries, left, right)}"
        f"<details><summary>as a table ({len(entries)} messages)</summary>{listing}</details></div>"
    )
