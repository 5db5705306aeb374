"""The instructor's side: run every submitted notebook and tabulate the exercise checks.

``grade_folder(folder)`` executes each ``*.ipynb`` of ``folder`` in a fresh kernel (nbclient),
one after the other, with a time budget per notebook. Before starting a kernel it sets two
environment variables for it:

* ``VPNTEACH_GRADEBOOK``: a fresh JSON-lines file; every ``Exercise.check`` in that kernel
  appends its verdict there (:mod:`vpnteach.exercises.gradebook`);
* ``VPNTEACH_LEARNER``: the notebook's file name without ``.ipynb``, the learner id unless the
  notebook calls ``exercises.set_learner(...)``.

Cells run with ``allow_errors``: a cell that raises does not hide the checks of later cells.
The learner of a notebook is the one its checks recorded (else the file name). For each learner
and exercise the **last** check counts: ``correct`` or ``wrong`` (with the mistake), else
``error`` when the notebook raised or timed out, else ``not attempted``. A notebook that cannot
run at all (bad JSON, dead kernel, time budget spent) is an error row; the others still run.

The result is a :class:`GradeReport`: a CSV (learner, notebook, exercise, status, mistake,
message) and a Markdown summary table. ``docs/grading.md`` maps the checks to nbgrader and
otter-grader tests.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpnteach.exercises.gradebook import GRADEBOOK_ENV, LEARNER_ENV, Attempt, read_gradebook

CORRECT, WRONG, ERROR, NOT_ATTEMPTED = "correct", "wrong", "error", "not attempted"
DEFAULT_TIMEOUT = 300.0
_MARKS = {CORRECT: "✔", WRONG: "✘", ERROR: "ERR", NOT_ATTEMPTED: "–"}


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: its learner, the checks it recorded, and the first error."""

    path: Path
    learner: str
    attempts: tuple[Attempt, ...]
    error: str | None = None


@dataclass(frozen=True)
class GradeRow:
    """One line of the grade table."""

    learner: str
    notebook: str
    exercise: str
    status: str
    mistake: str
    message: str


@dataclass
class GradeReport:
    """Every learner's status on every exercise, with the notebook runs behind it."""

    rows: list[GradeRow]
    exercises: list[str]
    runs: list[NotebookRun] = field(default_factory=list)

    def status(self, learner: str, exercise: str) -> str:
        """The status of ``learner`` on ``exercise`` (``KeyError`` if absent)."""
        for row in self.rows:
            if row.learner == learner and row.exercise == exercise:
                return row.status
        raise KeyError((learner, exercise))

    def write_csv(self, path: str | Path) -> Path:
        """Write the table as CSV with a header line; return the path."""
        out = Path(path)
        with out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["learner", "notebook", "exercise", "status", "mistake", "message"])
            for r in self.rows:
                writer.writerow([r.learner, r.notebook, r.exercise, r.status, r.mistake, r.message])
        return out

    def summary(self) -> str:
        """A Markdown table (learners by exercises, then the score) and the notebook errors."""
        head = ["learner", "notebook", *self.exercises, "score"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for run in self.runs:
            cells = [self._cell(run, e) for e in self.exercises]
            score = sum(self._row(run, e).status == CORRECT for e in self.exercises)
            row = [run.learner, run.path.name, *cells, f"{score}/{len(self.exercises)}"]
            lines.append("| " + " | ".join(row) + " |")
        errors = [f"- {r.path.name}: {r.error}" for r in self.runs if r.error]
        legend = "✔ correct, ✘ wrong (mistake), – not attempted, ERR notebook error"
        return "\n".join([*lines, "", legend, *(["", *errors] if errors else [])])

    def _row(self, run: NotebookRun, exercise: str) -> GradeRow:
        return next(r for r in self.rows if r.notebook == run.path.name and r.exercise == exercise)

    def _cell(self, run: NotebookRun, exercise: str) -> str:
        row = self._row(run, exercise)
        mark = _MARKS[row.status]
        return f"{mark} {row.mistake}" if row.status == WRONG and row.mistake else mark


def _first_error(nb: Any) -> str | None:
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                return f"cell {number} raised {output.get('ename')}: {output.get('evalue')}"
    return None


def run_notebook(
    path: Path, *, timeout: float = DEFAULT_TIMEOUT, kernel_name: str = "python3"
) -> NotebookRun:
    """Execute ``path`` in a fresh kernel and collect the checks it recorded."""
    import nbclient
    import nbformat

    with tempfile.TemporaryDirectory(prefix="vpnteach-grade-") as tmp:
        book = Path(tmp) / "gradebook.jsonl"
        env = dict(os.environ)
        env.update({GRADEBOOK_ENV: str(book), LEARNER_ENV: path.stem})
        # The kernel spec runs "python": make it this interpreter (the one with vpnteach).
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        error: str | None
        try:
            nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
            deadline = time.monotonic() + timeout
            client = nbclient.NotebookClient(
                nb,
                timeout=None,
                kernel_name=kernel_name,
                allow_errors=True,
                timeout_func=lambda _cell: max(1, int(deadline - time.monotonic())),
                resources={"metadata": {"path": str(path.parent)}},
            )
            client.execute(env=env)
            error = _first_error(nb)
        except Exception as exc:  # a broken submission must not stop the grading
            error = f"notebook did not run to the end: {type(exc).__name__}: {_short(exc)}"
        attempts = tuple(read_gradebook(book))
    learner = attempts[-1].learner if attempts else path.stem
    return NotebookRun(path, learner, attempts, error)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1][:200] if text else ""


def _rows(run: NotebookRun, exercises: Sequence[str]) -> list[GradeRow]:
    rows = []
    for exercise in exercises:
        last = next((a for a in reversed(run.attempts) if a.exercise == exercise), None)
        if last is not None:
            status = CORRECT if last.correct else WRONG
            rows.append(
                GradeRow(
                    run.learner, run.path.name, exercise, status, last.mistake or "", last.message
                )
            )
        elif run.error:
            rows.append(GradeRow(run.learner, run.path.name, exercise, ERROR, "", run.error))
        else:
            rows.append(GradeRow(run.learner, run.path.name, exercise, NOT_ATTEMPTED, "", ""))
    return rows


def grade_folder(
    folder: str | Path,
    out_csv: str | Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    exercises: Sequence[str] | None = None,
    kernel_name: str = "python3",
) -> GradeReport:
    """Run every ``*.ipynb`` in ``folder`` and build the grade table.

    Args:
        folder: the submissions, one notebook per learner.
        out_csv: where to write the CSV (``None``: do not write).
        timeout: seconds each notebook may run in total.
        exercises: the exercise ids to report (default: every id any notebook checked).
        kernel_name: the Jupyter kernel to run them in.
    """
    notebooks = sorted(Path(folder).glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no .ipynb notebooks in {folder}")
    runs = [run_notebook(nb, timeout=timeout, kernel_name=kernel_name) for nb in notebooks]
    if exercises is None:
        seen = {a.exercise for run in runs for a in run.attempts}
        exercises = [e for e in _catalogue() if e in seen] + sorted(seen - set(_catalogue()))
    report = GradeReport(
        [row for run in runs for row in _rows(run, exercises)], list(exercises), runs
    )
    if out_csv is not None:
        report.write_csv(out_csv)
    return report


def _catalogue() -> list[str]:
    from vpnteach.exercises import EXERCISES

    return list(EXERCISES)


def main_grade(argv: Sequence[str]) -> int:
    """``vpnteach grade FOLDER``: run the submissions, write the CSV, print the summary."""
    parser = argparse.ArgumentParser(
        prog="vpnteach grade",
        description="Execute every submitted notebook in FOLDER and tabulate the exercises.",
    )
    parser.add_argument("folder", type=Path, help="folder of submitted .ipynb notebooks")
    parser.add_argument("--csv", type=Path, help="CSV output (default: FOLDER/grades.csv)")
    parser.add_argument("--summary", type=Path, help="also write the Markdown summary here")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds per notebook (default: %(default)s)",
    )
    parser.add_argument(
        "--exercise",
        action="append",
        dest="exercises",
        help="report this exercise id (repeatable; default: all checked)",
    )
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name")
    args = parser.parse_args(list(argv))
    if not args.folder.is_dir():
        print(f"vpnteach grade: {args.folder} is not a folder", file=sys.stderr)
        return 2
    out_csv = args.csv or args.folder / "grades.csv"
    try:
        report = grade_folder(
            args.folder,
            out_csv,
            timeout=args.timeout,
            exercises=args.exercises,
            kernel_name=args.kernel,
        )
    except FileNotFoundError as exc:
        print(f"vpnteach grade: {exc}", file=sys.stderr)
        return 2
    text = report.summary()
    if args.summary:
        args.summary.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\nCSV written to {out_csv}")
    return 0
