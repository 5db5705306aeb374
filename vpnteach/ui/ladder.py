"""A ladder (sequence) diagram of the exchange so far, as inline SVG written by hand.

Two lifelines (``Branch1`` on the left, ``Branch2`` on the right), one horizontal arrow per
message labelled ``"MM1"`` with its payloads under it, its time in the left column, and beside
each lifeline the state that side is in on that row: the sender's state when it sent, and the
state the receiver **entered on arrival** (its first move on that message; a Quick Mode state
for a Quick Mode message, RFC 2409 §5.5). A legend says so in words. No graphviz: a ladder is
simple geometry, and hand-written SVG is fast and identical on every machine. No text is under
12 px; the picture has an SVG ``<title>``/``<desc>``, each arrow a ``<title>`` (a tooltip and
what a screen reader says), and the table under the picture repeats everything in text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from vpnteach.ui.markup import esc, table

WIDTH, TIME_X, LEFT_X, RIGHT_X, TOP, STEP = 860, 6, 300, 600, 48, 56
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
LEGEND = (
    "How to read it: each arrow is one IKE message (an IKEv2 fragment: one arrow each), "
    "from its sender to its receiver "
    "(bold: its name, below: its payloads; time on the left, in seconds since the first "
    "step). Beside each lifeline is that router's state on that row: the sender's state "
    "when it sent (“sent in”), the receiver's state entered on arrival (“on arrival”; "
    "“not moved yet” while it is still handling the message). "
    "Quick Mode messages show Quick Mode states. ✗ dropped by you, ✎ modified by you, "
    "(again) a retransmission."
)


_IDS = itertools.count(1)


class LadderEntry(NamedTuple):
    """One message: when, from whom, to whom, what it is, the receiver's state on arrival,
    the sender's state when it sent, and its payload names."""

    time: float
    sender: str
    receiver: str
    label: str
    state_after: str = ""
    sender_state: str = ""
    payloads: str = ""
    arrived: bool = True  # False: the receiver has not moved on it yet (still state_after)


def _entries(records: Iterable[Sequence[object]]) -> list[LadderEntry]:
    return [r if isinstance(r, LadderEntry) else LadderEntry(*r) for r in records]  # type: ignore[arg-type]


def _state_text(x: int, y: int, text: str, left_side: bool) -> str:
    anchor, dx = ("end", -8) if left_side else ("start", 8)
    return (
        f"<text x='{x + dx}' y='{y + 5}' text-anchor='{anchor}' font-size='12' fill='#333'>"
        f"{esc(text)}</text>"
    )


def _arrow(entry: LadderEntry, y: int, xs: dict[str, int]) -> str:
    x1, x2 = xs.get(entry.sender, LEFT_X), xs.get(entry.receiver, RIGHT_X)
    head = -9 if x2 > x1 else 9
    tip = f"{x2},{y} {x2 + head},{y - 5} {x2 + head},{y + 5}"
    mid = (x1 + x2) // 2
    title = f"t={entry.time:.3f}s {entry.sender} → {entry.receiver}: {entry.label}"
    if entry.payloads:
        title += f" [{entry.payloads}]"
    if entry.state_after:
        title += f" ({entry.receiver} now {entry.state_after})"
    parts = [
        f"<g class='vpnteach-ladder-message'><title>{esc(title)}</title>",
        f"<text x='{TIME_X}' y='{y + 5}' font-size='12' fill='#333'>t={entry.time:.3f}s</text>",
        f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='black' stroke-width='1.5'/>",
        f"<polygon points='{tip}' fill='black'/>",
        f"<text x='{mid}' y='{y - 7}' text-anchor='middle' font-size='14' font-weight='bold'>"
        f"{esc(entry.label)}</text>",
    ]
    if entry.payloads:
        parts.append(
            f"<text x='{mid}' y='{y + 18}' text-anchor='middle' font-size='12' fill='#333'>"
            f"{esc(entry.payloads)}</text>"
        )
    if entry.sender_state:
        parts.append(_state_text(x1, y, f"sent in {entry.sender_state}", x1 == LEFT_X))
    if entry.state_after:
        text = "on arrival: " if entry.arrived else "not moved yet: "
        parts.append(_state_text(x2, y, text + entry.state_after, x2 == LEFT_X))
    parts.append("</g>")
    return "".join(parts)


def ladder_svg(
    records: Iterable[Sequence[object]], left: str = "Branch1", right: str = "Branch2"
) -> str:
    """The ladder as one ``<svg>`` element; ``records`` are :class:`LadderEntry` or tuples."""
    entries = _entries(records)
    height = TOP + STEP * max(len(entries), 1) + 10
    xs = {left: LEFT_X, right: RIGHT_X}
    key = next(_IDS)  # ids unique on the page (several ladders may be shown)
    desc = (
        f"{len(entries)} messages between {left} and {right}; "
        "the table below the picture lists them with times and states."
    )
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='vpnteach-ladder' width='{WIDTH}' "
        f"height='{height}' viewBox='0 0 {WIDTH} {height}' font-family='{FONT}' "
        f"role='img' aria-labelledby='vt-ladder-t{key} vt-ladder-d{key}' "
        "style='max-width:100%;height:auto'>",
        f"<title id='vt-ladder-t{key}'>Message sequence between {esc(left)} and {esc(right)}"
        "</title>",
        f"<desc id='vt-ladder-d{key}'>{esc(desc)}</desc>",
    ]
    for name, x in xs.items():
        parts.append(
            f"<text x='{x}' y='18' text-anchor='middle' font-size='15' font-weight='bold'>"
            f"{esc(name)}</text>"
            f"<line x1='{x}' y1='26' x2='{x}' y2='{height - 4}' stroke='#595959' "
            "stroke-dasharray='4 3'/>"
        )
    for index, entry in enumerate(entries):
        parts.append(_arrow(entry, TOP + STEP * index + 16, xs))
    parts.append("</svg>")
    return "".join(parts)


def ladder_html(
    records: Iterable[Sequence[object]], left: str = "Branch1", right: str = "Branch2"
) -> str:
    """A legend, the ladder SVG and the same messages as a text table."""
    entries = _entries(records)
    rows = [
        (
            f"{e.time:.3f}",
            esc(e.sender),
            esc(e.sender_state or "—"),
            esc(e.receiver),
            f"<b>{esc(e.label)}</b>" + (f" [{esc(e.payloads)}]" if e.payloads else ""),
            esc((e.state_after or "—") + ("" if e.arrived else " (not moved yet)")),
        )
        for e in entries
    ]
    headers = ("time (s)", "from", "sender's state", "to", "message", "receiver's state on arrival")
    listing = table(headers, rows)
    return (
        f"<div class='vpnteach-ladder-view'>"
        f"<p class='vt-legend' style='margin:0 0 4px 0;max-width:60em'>{esc(LEGEND)}</p>"
        f"{ladder_svg(entries, left, right)}"
        f"<details><summary>as a table ({len(entries)} messages)</summary>{listing}</details></div>"
    )
