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

import os

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


GRADEBOOK_ENV = "VPNTEACH_GRADEBOOK"
"""The legacy gradebook file's variable: nothing writes or reads it any more (every exercise,
the troubleshooting mystery included, records its answers in the notebook)."""
