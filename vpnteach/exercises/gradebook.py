"""Who the learner is, and where check results go when an instructor grades a notebook.

The learner id chooses every exercise's numbers. It is, in order: the ``learner=`` argument of
an exercise, the id given to :func:`set_learner` in the notebook, the ``VPNTEACH_LEARNER``
environment variable (the grader sets it to the notebook's file name), else ``"anonymous"``.

When ``VPNTEACH_GRADEBOOK`` names a file (the grader sets it for each notebook it runs), every
:meth:`~vpnteach.exercises.base.Exercise.check` appends one JSON line to it::

    {"learner": "alice", "exercise": "skeyid_e", "correct": false,
     "mistake": "cookies_swapped", "message": "..."}

Without the variable nothing is written: a learner's notebook never touches the disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

GRADEBOOK_ENV = "VPNTEACH_GRADEBOOK"
LEARNER_ENV = "VPNTEACH_LEARNER"
ANONYMOUS = "anonymous"

_learner: str | None = None


def set_learner(learner: str) -> str:
    """Set the learner id every exercise created afterwards uses (e.g. a student number)."""
    global _learner
    text = str(learner).strip()
    if not text:
        raise ValueError("the learner id is empty: use your name or student number")
    _learner = text
    return text


def current_learner() -> str:
    """The learner id in force (see the module docstring for the order)."""
    return _learner or os.environ.get(LEARNER_ENV, "").strip() or ANONYMOUS


@dataclass(frozen=True)
class Attempt:
    """One ``check()`` as the gradebook records it."""

    learner: str
    exercise: str
    correct: bool
    mistake: str | None
    message: str


def record(attempt: Attempt) -> None:
    """Append ``attempt`` to the gradebook file named by ``VPNTEACH_GRADEBOOK``, if any."""
    path = os.environ.get(GRADEBOOK_ENV)
    if not path:
        return
    line = json.dumps(attempt.__dict__, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def read_gradebook(path: str | Path) -> list[Attempt]:
    """Every attempt recorded in ``path`` (a missing file means no attempt)."""
    file = Path(path)
    if not file.exists():
        return []
    attempts = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            attempts.append(
                Attempt(
                    str(data["learner"]),
                    str(data["exercise"]),
                    bool(data["correct"]),
                    data.get("mistake"),
                    str(data.get("message", "")),
                )
            )
    return attempts
