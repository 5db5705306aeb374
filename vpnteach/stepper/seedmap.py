"""The seed tutorial, annotated: every line of its configuration, ``show`` and ``debug crypto
isakmp`` blocks beside vpnteach's live output, with what it means and where it happens.

The mapping is data, ``vpnteach/data/seedmap.json``: its ``blocks`` hold the seed's lines
verbatim, in order, each with the id of a *note*; a note says what the line means
(``text``), which RFC field or IOS behaviour produces it (``source``), the stepper step where
it happens (``step``, ``"actor|words of the step's title"``), how to find the live line
(``live``: a regular expression over the whitespace-normalised live line, with the
``Jun 6 10:21:50.071:`` timestamp removed; absent = the seed line itself; ``null`` = the line
has no live counterpart, e.g. the seed's own ``!`` remarks), and where the seed is wrong
(``seed_error``). ``tests/course/test_seedmap.py`` checks the blocks against the seed text.

:func:`annotate` runs the seeded lab (``Lab.seed(seed)``, ``debug crypto isakmp`` on
Branch1, the seed's ping) and a stepper over it, and returns one :class:`SeedBlock` per block.
Nothing here computes protocol values: the live lines are what the lab printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from vpnteach._html import HtmlRepr
from vpnteach.lab import Lab
from vpnteach.stepper.step import Step
from vpnteach.stepper.stepper import Stepper

PING = "ping 192.168.22.1 source 192.168.11.1"
"""The seed's trigger: Branch1 pings Branch2's LAN from its own LAN."""

_TIMESTAMP = re.compile(r"^[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d\.\d{3}: ")


class SeedMapError(ValueError):
    """The seed map's data is inconsistent (a note id or step reference that does not exist)."""


@dataclass(frozen=True)
class Note(HtmlRepr):
    """What one kind of seed line means (see the module docstring for the fields)."""

    id: str
    text: str
    source: str
    step: str | None = None
    live: str | None = ""
    via: str | None = None
    same_line: bool = False
    seed_error: str | None = None

    def pattern(self, seed_line: str) -> re.Pattern[str] | None:
        """The regular expression that finds this line's live counterpart (``None``: none)."""
        if self.live is None:
            return None
        return re.compile(self.live or f"^{re.escape(normalize(seed_line))}$")


@dataclass(frozen=True)
class SeedLine(HtmlRepr):
    """One seed line, its note, the live line that matches it and the step where it happens."""

    seed: str
    note: Note
    live: str | None
    step: int | None


@dataclass(frozen=True)
class SeedBlock(HtmlRepr):
    """One block of the seed (``kind``: config, transcript, show, debug or prose) and the
    live output it is compared with (``source``: ``"running-config"``, ``"debug"``, ...)."""

    title: str
    kind: str
    source: str | None
    lines: tuple[SeedLine, ...]

    @property
    def errors(self) -> list[SeedLine]:
        """The lines where the seed is wrong (their note has a ``seed_error``)."""
        return [line for line in self.lines if line.note.seed_error]


def normalize(line: str) -> str:
    """``line`` without its ``debug`` timestamp, whitespace collapsed."""
    return " ".join(_TIMESTAMP.sub("", line.strip()).split())


@cache
def load() -> dict[str, Any]:
    """The raw data: ``{"blocks": [...], "notes": {...}}``."""
    text = resources.files("vpnteach").joinpath("data/seedmap.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def notes() -> dict[str, Note]:
    """Every note by id."""
    return {key: Note(id=key, **value) for key, value in load()["notes"].items()}


def seed_blocks() -> list[tuple[str, str, str | None, list[tuple[str, Note]]]]:
    """``(title, kind, live source, [(seed line, note)])`` for each block, in seed order."""
    by_id = notes()
    blocks = []
    for block in load()["blocks"]:
        rows = []
        for line, note_id in block["lines"]:
            if note_id not in by_id:
                raise SeedMapError(f"seed line {line!r}: no note called {note_id!r}")
            rows.append((line, by_id[note_id]))
        blocks.append((block["title"], block["kind"], block["live"], rows))
    return blocks


def live_outputs(seed: int | str | None = 2010) -> dict[str, list[str]]:
    """The live text each block is compared with, normalised line by line, from
    ``Lab.seed(seed)`` before and after the seed's ping (``debug crypto isakmp`` on)."""
    lab = Lab.seed(seed)
    b1, b2 = lab.branch1, lab.branch2
    texts = {
        "running-config": b1.exec("show running-config"),
        "transcript": "\n".join(b1.transcript),
        "show crypto isakmp policy": b1.exec("show crypto isakmp policy"),
        "Branch1# show crypto pki certificates": b1.exec("show crypto pki certificates"),
        "Branch2# show crypto pki certificates": b2.exec("show crypto pki certificates"),
        "running-config (pfs group 2)": Lab.seed(seed, pfs=2).branch1.exec("show running-config"),
    }
    b1.exec("debug crypto isakmp")
    ping = b1.exec(PING).splitlines()
    texts["debug"] = "\n".join(
        line for line in ping if _TIMESTAMP.match(line) or line[:1] in (" ", "\t")
    )
    texts["ping"] = "\n".join(ping)
    texts["Branch1# show crypto isakmp sa"] = b1.exec("show crypto isakmp sa")
    texts["Branch1# show crypto ipsec sa"] = b1.exec("show crypto ipsec sa")
    return {
        name: [normalize(line) for line in text.splitlines() if line.strip()]
        for name, text in texts.items()
    }


def resolve_step(steps: Sequence[Step], ref: str) -> int:
    """The index of the step ``ref`` names: ``"Branch1|MM1:"`` is the first step of Branch1
    with ``MM1:`` in its title, ``"Branch1|KEYMAT|2"`` the second such step."""
    actor, words, *nth = ref.split("|")
    matches = [s.index for s in steps if s.actor == actor and words in s.title]
    n = int(nth[0]) if nth else 1
    if len(matches) < n:
        raise SeedMapError(f"step {ref!r}: {actor} has {len(matches)} steps with {words!r}")
    return matches[n - 1]


class _Finder:
    """Finds live lines in order: each search starts after the previous match."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.last = lines, -1

    def find(self, pattern: re.Pattern[str], same_line: bool) -> str | None:
        if same_line and self.last >= 0 and pattern.search(self.lines[self.last]):
            return self.lines[self.last]
        order = list(range(self.last + 1, len(self.lines))) + list(range(self.last + 1))
        for i in order:
            if pattern.search(self.lines[i]):
                self.last = i
                return self.lines[i]
        return None


def annotate(
    seed: int | str | None = 2010, steps: Sequence[Step] | None = None
) -> tuple[SeedBlock, ...]:
    """Every seed block with its live lines and step numbers, from ``Lab.seed(seed)``
    (``steps``: the steps of a stepper over that same lab, if the caller already has them)."""
    live = live_outputs(seed)
    steps = steps if steps is not None else list(Stepper.for_lab(Lab.seed(seed)))
    blocks = []
    for title, kind, source, rows in seed_blocks():
        finders: dict[str, _Finder] = {}
        lines = []
        for text, note in rows:
            where = note.via or source
            pattern = note.pattern(text)
            found = None
            if pattern is not None and where is not None:
                finder = finders.setdefault(where, _Finder(live[where]))
                found = finder.find(pattern, note.same_line)
            step = resolve_step(steps, note.step) if note.step else None
            lines.append(SeedLine(text, note, found, step))
        blocks.append(SeedBlock(title, kind, source, tuple(lines)))
    return tuple(blocks)


UNMATCHED = Note("unmatched", "This line has no counterpart in the seed's output.", "-", live=None)
"""The note of a live line that no seed line of the block matches."""


def explain_output(title: str, text: str) -> SeedBlock:
    """The live output ``text`` of the seed block called ``title``, line by line, each with the
    seed line and note whose pattern matches it (in order; no lab is run). A live line that no
    seed line matches gets :data:`UNMATCHED`."""
    blocks = {b[0]: b for b in seed_blocks()}
    if title not in blocks:
        raise SeedMapError(f"no seed block {title!r}; the blocks are {sorted(blocks)}")
    _, kind, source, rows = blocks[title]
    used: set[int] = set()
    lines = []
    for live in (normalize(line) for line in text.splitlines() if line.strip()):
        found = None
        for i, (seed, note) in enumerate(rows):
            pattern = note.pattern(seed)
            if i not in used and pattern is not None and pattern.search(live):
                found = i
                break
        if found is None:
            lines.append(SeedLine("", UNMATCHED, live, None))
            continue
        used.add(found)
        seed, note = rows[found]
        lines.append(SeedLine(seed, note, live, None))
    return SeedBlock(title, kind, source, tuple(lines))
