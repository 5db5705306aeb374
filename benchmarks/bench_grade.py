"""Benchmark: ``vpnteach grade`` on 200 saved submissions, read and re-checked, never run.

Each submission is a saved notebook (nbformat) whose outputs hold the answer records a
learner's checks leave: a wrong then a right answer to every exercise checked by a formula
(all but :data:`~vpnteach.exercises.LAB_RUN`), plus, for one submission in ten, a
``fix_config`` answer (a lab run each). Measured per folder and reported per submission:

* reference: reading the 200 notebooks and pulling their records out (``json.loads`` only);
* self-study grading (public parameters) and course-mode grading (HMAC parameters, roster).

Run: ``python benchmarks/bench_grade.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
from _harness import Measurement, compare, measure, report
from nbformat.v4 import new_code_cell, new_notebook

from vpnteach.exercises import EXERCISES, LAB_RUN, get, records
from vpnteach.exercises.course import Course, course_context
from vpnteach.exercises.grade import GradeReport, find_submissions, grade_folder, read_notebook

SUBMISSIONS = 200
QUICK = [e for e in EXERCISES if e not in LAB_RUN]


def _write(folder: Path, learner: str, answers: dict[str, str]) -> None:
    cell = new_code_cell("from vpnteach import exercises")
    outs = []
    for n, (exercise, right) in enumerate(answers.items()):
        for attempt, answer in ((1, "00"), (2, right)):
            rec = records.AnswerRecord(
                exercise, learner, answer, attempt, f"2026-01-01T10:{n:02d}:{attempt:02d}"
            )
            outs.append(nbformat.from_dict(records.output(rec)))
    cell.outputs = outs
    nbformat.write(new_notebook(cells=[cell]), folder / f"{learner}.ipynb")


def make_class(folder: Path, course: Course | None) -> None:
    """200 submissions, right answers for each learner's own parameters."""
    os.environ["VPNTEACH_INSTRUCTOR"] = "1"
    with course_context(course):
        for i in range(SUBMISSIONS):
            learner = f"s{i:04d}"
            wanted = QUICK + (["fix_config"] if i % 10 == 0 else [])
            _write(folder, learner, {e: get(e, learner).solution() for e in wanted})


def _all_right(graded: GradeReport) -> None:
    for row in graded.rows:
        skipped = row.exercise in LAB_RUN and row.status == "not attempted"
        assert skipped or (row.status, row.attempts) == ("correct", 2), row


def main() -> None:
    roster = {f"s{i:04d}": {"id": f"s{i:04d}"} for i in range(SUBMISSIONS)}
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory() as tmp:
        public, private = Path(tmp) / "public", Path(tmp) / "course"
        public.mkdir()
        private.mkdir()
        course = Course(Path(tmp) / "instructor", b"s" * 32, "bench", roster)
        make_class(public, None)
        make_class(private, course)

        def read_only() -> None:
            for path in find_submissions(public):
                records.raw_records(read_notebook(path))

        def self_study() -> None:
            _all_right(grade_folder(public))

        def course_mode() -> None:
            _all_right(grade_folder(private, course=course))

        ref = measure(
            f"read {SUBMISSIONS} notebooks + records (reference)", read_only, runs=3, warmup=1
        )
        ours = measure(f"grade {SUBMISSIONS} submissions, self-study", self_study, runs=3, warmup=1)
        mode = measure(
            f"grade {SUBMISSIONS} submissions, course mode", course_mode, runs=3, warmup=1
        )
        rows = [ref, compare(ours, ref), compare(mode, ref)]
    for row in rows:
        row.extra["seconds_per_submission"] = row.median_s / SUBMISSIONS
    per = "; ".join(f"{r.name}: {r.median_s / SUBMISSIONS * 1e3:.1f} ms/submission" for r in rows)
    report(
        "bench_grade",
        rows,
        notes=f"{len(QUICK)} exercises x 2 records each, fix_config (a lab run) in 1 of 10. {per}",
    )


if __name__ == "__main__":
    main()
