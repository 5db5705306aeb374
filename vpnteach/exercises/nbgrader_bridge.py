"""vpnteach's verdicts in an nbgrader course: the instructor keeps nbgrader's workflow
(``generate_assignment``, collecting into ``submitted/``, formgrader, ``nbgrader export``), and
the points of vpnteach exercises come from ``vpnteach grade`` -- recomputed from the answers
recorded in each saved notebook, never from running it.

1. In the assignment's source notebook, one locked nbgrader "autograder tests" cell per
   exercise (:func:`grade_cell`): its ``grade_id`` names the exercise, its ``points`` are the
   exercise's. Its code only raises, so a plain ``nbgrader autograde`` scores it 0: running a
   learner's kernel proves nothing (issue 15), the bridge decides.
2. After collecting, :func:`grade_nbgrader` reads ``submitted/<student>/<assignment>/*.ipynb``
   with :func:`~vpnteach.exercises.grade.grade_folder` (the student id is nbgrader's folder
   name) and writes each exercise's score into nbgrader's gradebook as the cell's *manual*
   score (which nbgrader's totals prefer to the automatic one), with vpnteach's feedback as
   the cell's comment. Submissions autograde has not seen are created in the gradebook.

nbgrader is imported only here, on use (``pip install nbgrader``: it is not a dependency of
``vpnteach`` itself). Command line::

    python -m vpnteach.exercises.nbgrader_bridge COURSE_ROOT ASSIGNMENT [--course DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpnteach.exercises.grade import GradeReport, grade_folder

if TYPE_CHECKING:
    from vpnteach.exercises.course import Course

GRADE_ID_PREFIX = "vpnteach-"
_REFUSE = (
    'raise AssertionError("graded by vpnteach from the recorded answers '
    '(python -m vpnteach.exercises.nbgrader_bridge), not by running this cell")'
)


class NbgraderBridgeError(ValueError):
    """The course folder, the assignment or its gradebook is not what the bridge needs."""


def grade_cell(exercise: str, points: float = 1.0) -> dict[str, Any]:
    """The locked nbgrader test cell (nbformat 4 JSON) standing for ``exercise``."""
    from vpnteach.exercises import EXERCISES

    if exercise not in EXERCISES:
        raise NbgraderBridgeError(f"unknown exercise {exercise!r} (known: {sorted(EXERCISES)})")
    if not points > 0:
        raise NbgraderBridgeError(f"points for {exercise} must be positive, got {points!r}")
    nbgrader = {
        "grade": True, "solution": False, "locked": True, "task": False, "points": points,
        "grade_id": GRADE_ID_PREFIX + exercise, "schema_version": 3,
    }  # fmt: skip
    source = f"# vpnteach exercise {exercise}: {points:g} point(s), from the recorded answers\n"
    return {
        "cell_type": "code", "execution_count": None, "id": GRADE_ID_PREFIX + exercise,
        "metadata": {"nbgrader": nbgrader}, "outputs": [], "source": source + _REFUSE,
    }  # fmt: skip


@dataclass(frozen=True)
class NbgraderScore:
    """One score the bridge wrote: a student's points for one exercise cell."""

    student: str
    notebook: str
    exercise: str
    points: float
    max_points: float
    status: str
    message: str


def _submissions(root: Path, assignment: str) -> list[Path]:
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise NbgraderBridgeError(f"{root} has no submitted/ folder: collect the assignment first")
    paths = sorted(submitted.glob(f"*/{assignment}/*.ipynb"))
    return [p for p in paths if ".ipynb_checkpoints" not in p.parts]


def _report(paths: Sequence[Path], exercises: list[str], course: Course | None) -> GradeReport:
    """vpnteach's report over copies laid out as ``<student>/<notebook>.ipynb``."""
    with tempfile.TemporaryDirectory(prefix="vpnteach-nbgrader-") as tmp:
        for path in paths:
            student, notebook = path.parents[1].name, path.name
            (Path(tmp) / student).mkdir(exist_ok=True)
            shutil.copyfile(path, Path(tmp) / student / notebook)
        return grade_folder(tmp, course=course, exercises=exercises)


def _cells(gb: Any, assignment: str) -> list[tuple[str, str, float]]:
    """(notebook, grade cell id, max score) of the assignment's vpnteach cells."""
    from nbgrader.api import MissingEntry

    try:
        found = gb.find_assignment(assignment)
    except MissingEntry:
        raise NbgraderBridgeError(
            f"assignment {assignment!r} is not in the gradebook: run nbgrader generate_assignment"
        ) from None
    cells = [
        (notebook.name, cell.name, float(cell.max_score))
        for notebook in found.notebooks
        for cell in notebook.grade_cells
        if cell.name.startswith(GRADE_ID_PREFIX)
    ]
    if not cells:
        raise NbgraderBridgeError(f"assignment {assignment!r} has no vpnteach grade cells")
    return cells


def grade_nbgrader(
    course_root: str | Path,
    assignment: str,
    *,
    course: Course | None = None,
    db_url: str | None = None,
) -> list[NbgraderScore]:
    """Grade ``assignment``'s collected submissions and write the scores into nbgrader's
    gradebook (default ``COURSE_ROOT/gradebook.db``). One bad submission gets 0 with its
    reason as the comment; the others are still graded.

    Raises:
        NbgraderBridgeError: no ``submitted/``, no such assignment, no vpnteach cells.
    """
    from nbgrader.api import Gradebook

    root = Path(course_root)
    url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    paths = _submissions(root, assignment)
    with Gradebook(url) as gb:
        cells = _cells(gb, assignment)
        exercises = sorted({cell[len(GRADE_ID_PREFIX) :] for _, cell, _ in cells})
        report = _report(paths, exercises, course) if paths else None
        written = [
            _write(gb, report, assignment, student, cell)
            for student in sorted({p.parents[1].name for p in paths})
            for cell in cells
        ]
        gb.db.commit()
    return written


def _write(
    gb: Any, report: GradeReport | None, assignment: str, student: str,
    cell: tuple[str, str, float],
) -> NbgraderScore:  # fmt: skip
    from nbgrader.api import MissingEntry

    notebook, grade_id, max_points = cell
    exercise = grade_id[len(GRADE_ID_PREFIX) :]
    gb.update_or_create_student(student)
    try:
        gb.find_submission(assignment, student)
    except MissingEntry:
        gb.add_submission(assignment, student)
    status, message, fraction = "not submitted", "no notebook submitted", 0.0
    if report is not None:
        rows = [r for r in report.rows if r.learner == student and r.exercise == exercise]
        if rows:
            best = max(rows, key=lambda r: r.score)
            status, message, fraction = best.status, best.message, best.score
    points = round(fraction * max_points, 6)
    gb.find_grade(grade_id, notebook, assignment, student).manual_score = points
    try:
        comment = gb.find_comment(grade_id, notebook, assignment, student)
    except MissingEntry:
        pass
    else:
        comment.manual_comment = f"vpnteach: {status}. {message}".strip()
    return NbgraderScore(student, notebook, exercise, points, max_points, status, message)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vpnteach.exercises.nbgrader_bridge COURSE_ROOT ASSIGNMENT``."""
    parser = argparse.ArgumentParser(prog="python -m vpnteach.exercises.nbgrader_bridge")
    parser.add_argument("course_root", help="the nbgrader course folder (with submitted/)")
    parser.add_argument("assignment", help="the assignment's name in nbgrader")
    parser.add_argument("--course", help="the vpnteach course folder (secret, roster)")
    parser.add_argument("--db", help="nbgrader's gradebook URL (default: its gradebook.db)")
    args = parser.parse_args(argv)
    course = None
    try:
        if args.course:
            from vpnteach.exercises.course import load_course

            course = load_course(Path(args.course))
        scores = grade_nbgrader(args.course_root, args.assignment, course=course, db_url=args.db)
    except (NbgraderBridgeError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for s in scores:
        print(f"{s.student}\t{s.notebook}\t{s.exercise}\t{s.points:g}/{s.max_points:g}\t{s.status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
