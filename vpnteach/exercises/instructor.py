"""The instructor's commands: ``vpnteach course ...`` and ``vpnteach grade``.

``vpnteach course init DIR [--roster CSV] [--name NAME]``
    a course folder with its secret (:mod:`vpnteach.exercises.course`), outside the
    learners' tree.
``vpnteach course handout DIR OUT``
    ``OUT/<id>/vpnteach-handout.json`` for every learner on the roster, to copy into each
    learner's working folder (or point ``VPNTEACH_HANDOUT`` at).
``vpnteach course solutions DIR OUT``
    every learner's expected answers (``OUT/solutions.csv``): needs the secret, so it is
    instructor material; the self-study solutions in ``notebooks/solutions`` are for the
    public (Binder) parameters only.
``vpnteach grade FOLDER [--course DIR] ...``
    grade saved submissions without running them (:mod:`vpnteach.exercises.grade`).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vpnteach.exercises.course import (
    HANDOUT_NAME,
    Course,
    CourseError,
    answer_digest,
    course_context,
    init_course,
    load_course,
)
from vpnteach.exercises.grade import grade_folder
from vpnteach.exercises.records import RecordError
from vpnteach.exercises.report import (
    summary,
    summary_html,
    write_canvas_csv,
    write_csv,
    write_moodle_csv,
)
from vpnteach.exercises.sandbox import Limits, SandboxError


def handout(course: Course, learner: str) -> dict[str, Any]:
    """``learner``'s hand-out: per exercise the parameter seed, the digest key, and the
    digests of the right answer and of each typical mistake (with their messages)."""
    from vpnteach.exercises import EXERCISES

    entries = {}
    for exercise_id in EXERCISES:
        key = course.check_key(learner, exercise_id)
        with course_context(course):
            ex = EXERCISES[exercise_id](learner)
        digests = {answer_digest(key, ex._solve(ex._p)): ["", ex._praise(ex._p)]}
        for mistake in ex._targeted_mistakes():
            digests[answer_digest(key, mistake.value)] = [mistake.id, mistake.message]
        entries[exercise_id] = {
            "seed": course.seed(learner, exercise_id).hex(),
            "key": key.hex(),
            "digests": digests,
        }
    return {"vpnteach_handout": 1, "course": course.name, "learner": learner, "exercises": entries}


def write_handouts(course: Course, out: Path) -> list[Path]:
    """One hand-out per roster learner under ``out/<id>/``."""
    written = []
    for learner in course.roster:
        folder = out / learner
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / HANDOUT_NAME
        path.write_text(json.dumps(handout(course, learner), indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def write_solutions(course: Course, out: Path) -> Path:
    """Every roster learner's expected answer to every exercise, as CSV (instructor only)."""
    from vpnteach.exercises import EXERCISES

    out.mkdir(parents=True, exist_ok=True)
    path = out / "solutions.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "exercise", "solution"])
        for learner in course.roster:
            for exercise_id in EXERCISES:
                with course_context(course):
                    ex = EXERCISES[exercise_id](learner)
                writer.writerow([learner, exercise_id, ex._show_answer(ex._solve(ex._p))])
    return path


def main_course(argv: Sequence[str]) -> int:
    """``vpnteach course init|handout|solutions``."""
    parser = argparse.ArgumentParser(
        prog="vpnteach course",
        description="Course mode: a secret, a roster, per-learner hand-outs, solutions.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    init = sub.add_parser("init", help="create a course folder with its secret and roster")
    init.add_argument("folder", type=Path)
    init.add_argument("--roster", type=Path, help="CSV with an 'id' column (and name, email...)")
    init.add_argument("--name", default="", help="the course name")
    for action, text in (("handout", "per-learner hand-outs"), ("solutions", "solutions.csv")):
        part = sub.add_parser(action, help=f"write the {text} (needs the secret)")
        part.add_argument("folder", type=Path, help="the course folder")
        part.add_argument("out", type=Path, help="where to write")
    args = parser.parse_args(list(argv))
    try:
        if args.action == "init":
            course = init_course(args.folder, args.roster, args.name)
            print(f"course {course.name!r}: {len(course.roster)} learners, secret in "
                  f"{course.folder / 'secret'} (keep it out of the learners' tree)")  # fmt: skip
        elif args.action == "handout":
            paths = write_handouts(load_course(args.folder), args.out)
            print(f"{len(paths)} hand-outs written under {args.out}")
        else:
            print(f"solutions written to {write_solutions(load_course(args.folder), args.out)}")
    except CourseError as exc:
        print(f"vpnteach course: {exc}", file=sys.stderr)
        return 2
    return 0


def grade_parser() -> argparse.ArgumentParser:
    """The arguments of ``vpnteach grade``."""
    parser = argparse.ArgumentParser(
        prog="vpnteach grade",
        description="Grade saved notebooks in FOLDER (not run): verdicts recomputed from the "
        "recorded answers.",
    )
    parser.add_argument("folder", type=Path, help="<id>.ipynb or <id>/<notebook>.ipynb files")
    parser.add_argument("--course", type=Path, help="course folder (secret, roster, policy)")
    parser.add_argument("--csv", type=Path, help="detailed CSV (default: FOLDER/grades.csv)")
    parser.add_argument("--summary", type=Path, help="write the Markdown summary here")
    parser.add_argument("--html", type=Path, help="write the HTML summary here")
    parser.add_argument("--canvas", type=Path, help="write a Canvas gradebook import CSV")
    parser.add_argument("--moodle", type=Path, help="write a Moodle grade import CSV")
    parser.add_argument("--assignment", default="vpnteach exercises", help="gradebook column")
    parser.add_argument(
        "--exercise", action="append", dest="exercises", help="report this id (repeatable)"
    )
    parser.add_argument(
        "--id-pattern", help="regex with a group 'id': the learner id in each submission's path"
    )
    run = parser.add_argument_group("isolated execution (vpnteach.exercises.sandbox)")
    run.add_argument("--execute", action="store_true", help="run each submission first")
    run.add_argument("--timeout", type=float, default=Limits.wall_seconds, help="wall seconds")
    run.add_argument("--cpu", type=int, default=Limits.cpu_seconds, help="CPU s per process")
    run.add_argument("--memory-mb", type=int, default=Limits.memory_bytes // 2**20)
    run.add_argument("--processes", type=int, default=Limits.processes)
    return parser


def main_grade(argv: Sequence[str]) -> int:
    """``vpnteach grade FOLDER``: grade, write the CSVs, print the summary."""
    args = grade_parser().parse_args(list(argv))
    if not args.folder.is_dir():
        print(f"vpnteach grade: {args.folder} is not a folder", file=sys.stderr)
        return 2
    try:
        course = load_course(args.course) if args.course else None
        limits = None
        if args.execute:
            memory = args.memory_mb * 2**20
            limits = Limits(args.timeout, args.cpu, memory, args.processes)
        report = grade_folder(
            args.folder,
            course=course,
            exercises=args.exercises,
            execute=limits,
            id_pattern=args.id_pattern,
        )
    except (FileNotFoundError, CourseError, RecordError, SandboxError) as exc:
        print(f"vpnteach grade: {exc}", file=sys.stderr)
        return 2
    out_csv = write_csv(report, args.csv or args.folder / "grades.csv")
    text = summary(report)
    if args.summary:
        args.summary.write_text(text + "\n", encoding="utf-8")
    if args.html:
        args.html.write_text(summary_html(report), encoding="utf-8")
    if args.canvas:
        write_canvas_csv(report, args.canvas, args.assignment)
    if args.moodle:
        write_moodle_csv(report, args.moodle, args.assignment)
    print(text)
    print(f"\nCSV written to {out_csv}")
    return 0
