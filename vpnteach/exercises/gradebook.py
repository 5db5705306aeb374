"""Who the learner is.

The learner id chooses every exercise's numbers. It is, in order: the ``learner=`` argument of
an exercise, the id given to :func:`set_learner` in the notebook, the learner of the course
hand-out (course mode, :mod:`vpnteach.exercises.course`), the ``VPNTEACH_LEARNER``
environment variable, else ``"anonymous"``.

The id a notebook claims is only recorded with its answers (:mod:`vpnteach.exercises.records`):
the grader takes a learner's identity from the roster and the submission's file or folder
name, and flags a notebook that claims someone else.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from vpnteach.exercises.course import handout_learner

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
    return _learner or handout_learner() or os.environ.get(LEARNER_ENV, "").strip() or ANONYMOUS


# ------------------------------------------------------------------------ legacy gradebook file
# Still written by troubleshoot.mystery (until it records its answers like the exercises do).
# ``vpnteach grade`` no longer reads it: a file the learner's kernel can write proves nothing.

GRADEBOOK_ENV = "VPNTEACH_GRADEBOOK"


@dataclass(frozen=True)
class Attempt:
    """One check as the legacy gradebook file records it."""

    learner: str
    exercise: str
    correct: bool
    mistake: str | None
    message: str


def record(attempt: Attempt) -> None:
    """Append ``attempt`` to the file named by ``VPNTEACH_GRADEBOOK``, if any."""
    path = os.environ.get(GRADEBOOK_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(attempt.__dict__, ensure_ascii=False) + "\n")


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
