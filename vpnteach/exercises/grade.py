"""The instructor's side: read saved notebooks, recompute every verdict, tabulate.

``grade_folder(folder)`` never runs a submission. It reads each saved ``.ipynb`` as JSON and
collects the answer records the learner's checks left in it (cell outputs and saved widget
state, :mod:`vpnteach.exercises.records`). A record holds the answer, not a verdict: the
grader rebuilds the exercise for the learner (public parameters in self-study, the course's
HMAC-derived ones in course mode, :mod:`vpnteach.exercises.course`) and checks the answer
itself. Nothing the learner's kernel wrote is trusted as a verdict; printed markers, a
gradebook file or a patched checker change nothing.

**Identity** comes from the submission's place, not its content: ``FOLDER/<id>.ipynb`` or
``FOLDER/<id>/<any>.ipynb``. In course mode ``<id>`` must be on the roster. Records whose
learner is not that id are not graded and the submission is flagged.

**Attempts.** Records of one exercise are ordered by (time, attempt number); the count is the
larger of the records found and the highest attempt number (a learner who deletes outputs
still shows the gap). With a course policy only the first ``max_attempts`` are graded and each
graded attempt after the first costs ``penalty`` of the point. The last graded attempt counts:
``correct``, ``wrong`` (with the recognised mistake), else ``not attempted``; ``error`` when
the whole submission cannot be read (its reason in the message). One bad submission never
stops the run.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpnteach.exercises import sandbox
from vpnteach.exercises.base import Feedback
from vpnteach.exercises.course import (
    HANDOUT_NAME,
    Course,
    CourseError,
    Policy,
    course_context,
    valid_id,
)
from vpnteach.exercises.gradebook import LEARNER_ENV
from vpnteach.exercises.records import (
    AnswerRecord,
    RecordError,
    decode_answer,
    parse_record,
    raw_records,
)
from vpnteach.exercises.sandbox import Limits

CORRECT, WRONG, ERROR, NOT_ATTEMPTED = "correct", "wrong", "error", "not attempted"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 5_000


@dataclass(frozen=True)
class GradedAttempt:
    """One recorded answer and the verdict the grader computed for it."""

    record: AnswerRecord
    feedback: Feedback


@dataclass
class Submission:
    """One submitted notebook: who (from its path), what it recorded, what is wrong with it."""

    path: Path
    name: str
    learner: str
    attempts: dict[str, list[GradedAttempt]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class GradeRow:
    """One learner on one exercise."""

    learner: str
    notebook: str
    exercise: str
    status: str
    mistake: str
    message: str
    attempts: int
    score: float


@dataclass
class GradeReport:
    """Every learner's status on every exercise, with the submissions behind it."""

    rows: list[GradeRow]
    exercises: list[str]
    submissions: list[Submission]
    course: Course | None = None

    def status(self, learner: str, exercise: str) -> str:
        """The status of ``learner`` on ``exercise`` (``KeyError`` if absent)."""
        return self.row(learner, exercise).status

    def row(self, learner: str, exercise: str) -> GradeRow:
        """The row of ``learner`` on ``exercise`` (``KeyError`` if absent)."""
        for row in self.rows:
            if row.learner == learner and row.exercise == exercise:
                return row
        raise KeyError((learner, exercise))

    def total(self, submission: Submission) -> float:
        """The points of one submission (one per exercise, less penalties)."""
        return sum(r.score for r in self.rows if r.notebook == submission.name)


def identify(path: Path, folder: Path, pattern: re.Pattern[str] | None = None) -> str | None:
    r"""The learner id a submission's place gives: ``<id>.ipynb`` or ``<id>/...``; with
    ``pattern``, its group ``id`` searched in the relative path (``None``: no match). For an
    LMS download, e.g. Canvas's ``<name>_<user id>_<submission id>_<file>``:
    ``^[a-z]+_(?:LATE_)?(?P<id>\d+)_`` with the Canvas user ids as roster ids."""
    relative = path.relative_to(folder)
    if pattern is not None:
        found = pattern.search(relative.as_posix())
        return found["id"] if found and found["id"] else None
    return relative.parts[0] if len(relative.parts) > 1 else path.stem


def read_notebook(path: Path) -> Any:
    """The notebook's JSON, or :class:`RecordError` saying why it cannot be read."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise RecordError("not a regular file (a link or a device is not a submission)")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise RecordError(f"{info.st_size} bytes, more than {MAX_NOTEBOOK_BYTES}")
    return parse_notebook(path.read_bytes())


def parse_notebook(data: bytes) -> Any:
    """A notebook's bytes as JSON, or :class:`RecordError`."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise RecordError(f"{len(data)} bytes, more than {MAX_NOTEBOOK_BYTES}")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not a JSON notebook ({str(exc)[:120]})") from None


class Checker:
    """Recomputes verdicts for (learner, exercise, answer), caching the exercise objects."""

    def __init__(self, course: Course | None) -> None:
        from vpnteach.exercises import EXERCISES

        self.catalogue = EXERCISES
        self.course = course
        self._exercises: dict[tuple[str, str], Any] = {}
        self._verdicts: dict[tuple[str, str, str], Feedback] = {}

    def verdict(self, learner: str, record: AnswerRecord) -> Feedback:
        """The verdict on ``record``'s answer for ``learner`` (never the record's word)."""
        key = (learner, record.exercise, json.dumps(record.answer, sort_keys=True))
        if key not in self._verdicts:
            self._verdicts[key] = self._compute(learner, record)
        return self._verdicts[key]

    def _compute(self, learner: str, record: AnswerRecord) -> Feedback:
        try:
            with course_context(self.course):
                exercise = self._exercises.get((learner, record.exercise))
                if exercise is None:
                    exercise = self.catalogue[record.exercise](learner)
                    self._exercises[(learner, record.exercise)] = exercise
                verdict: Feedback = exercise._evaluate(decode_answer(record.answer))
                return verdict
        except RecordError as exc:
            return Feedback(False, f"the recorded answer cannot be read: {exc}", "format")
        except Exception as exc:  # a hostile answer must not stop the grading
            return Feedback(False, f"the answer could not be checked: {exc!r}"[:300], "unreadable")


def read_submission(
    path: Path, name: str, learner: str, checker: Checker, executed: bytes | None = None
) -> Submission:
    """Read one notebook's records (or those of its ``executed`` copy) and grade each."""
    sub = Submission(path, name, learner)
    try:
        notebook = read_notebook(path) if executed is None else parse_notebook(executed)
        raw = raw_records(notebook)
    except (OSError, RecordError) as exc:
        sub.error = f"unreadable submission: {exc}"
        return sub
    _grade_records(sub, raw[:MAX_RECORDS], checker)
    if len(raw) > MAX_RECORDS:
        sub.flags.append(f"{len(raw) - MAX_RECORDS} records beyond {MAX_RECORDS} ignored")
    for attempts in sub.attempts.values():
        attempts.sort(key=lambda a: (a.record.time, a.record.attempt))
    return sub


def _grade_records(sub: Submission, raw: list[Any], checker: Checker) -> None:
    """Grade ``sub``'s own records; flag the malformed, other learners' and unknown ones."""
    bad, claimed, unknown, seen = 0, set(), set(), set()
    for data in raw:
        try:
            record = parse_record(data)
        except RecordError:
            bad += 1
            continue
        key = json.dumps(record.to_json(), sort_keys=True)
        if key in seen:  # the same record shown twice (a copied output) is one attempt
            continue
        seen.add(key)
        if record.learner != sub.learner:
            claimed.add(record.learner)
        elif record.exercise not in checker.catalogue:
            unknown.add(record.exercise)
        else:
            graded = GradedAttempt(record, checker.verdict(sub.learner, record))
            sub.attempts.setdefault(record.exercise, []).append(graded)
    if bad:
        sub.flags.append(f"{bad} malformed answer record(s) ignored")
    if claimed:
        names = ", ".join(repr(c[:40]) for c in sorted(claimed)[:3])
        sub.flags.append(f"answers recorded for another learner ({names}) not graded")
    if unknown:
        sub.flags.append(f"unknown exercise id(s) ignored: {', '.join(sorted(unknown)[:3])}")


def attempt_numbers(attempts: Sequence[GradedAttempt]) -> list[int]:
    """The attempt number each record counts as: one more than the previous record, or the
    number the record carries if larger (outputs the learner deleted leave that gap; a kernel
    restart, which starts again at 1, does not lower the count)."""
    numbers: list[int] = []
    for graded in attempts:
        numbers.append(max(numbers[-1] + 1 if numbers else 1, graded.record.attempt))
    return numbers


def exercise_row(sub: Submission, exercise: str, policy: Policy) -> GradeRow:
    """The row of one submission on one exercise under ``policy``."""
    if sub.error is not None:
        return GradeRow(sub.learner, sub.name, exercise, ERROR, "", sub.error, 0, 0.0)
    attempts = sub.attempts.get(exercise, [])
    if not attempts:
        return GradeRow(sub.learner, sub.name, exercise, NOT_ATTEMPTED, "", "", 0, 0.0)
    numbers = attempt_numbers(attempts)
    limit = policy.max_attempts or numbers[-1]
    within = [(n, a) for n, a in zip(numbers, attempts, strict=True) if n <= limit]
    if not within:
        message = f"the first record is attempt {numbers[0]}, over the limit of {limit}"
        return GradeRow(sub.learner, sub.name, exercise, WRONG, "", message, numbers[-1], 0.0)
    used, last_attempt = within[-1]
    last = last_attempt.feedback
    message = last.message
    if len(within) < len(attempts):
        message = f"only attempts up to {limit} are graded. {message}"
    score = max(0.0, 1.0 - policy.penalty * (used - 1)) if last.correct else 0.0
    status = CORRECT if last.correct else WRONG
    return GradeRow(
        sub.learner, sub.name, exercise, status, last.mistake or "", message, numbers[-1], score
    )


def find_submissions(folder: Path) -> list[Path]:
    """``FOLDER/*.ipynb`` and ``FOLDER/<id>/*.ipynb`` (checkpoints skipped)."""
    found = [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")]
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


def grade_folder(
    folder: str | Path,
    *,
    course: Course | None = None,
    exercises: Sequence[str] | None = None,
    execute: Limits | None = None,
    id_pattern: str | None = None,
) -> GradeReport:
    """Grade every saved submission in ``folder`` without running any.

    Args:
        folder: the submissions, ``<id>.ipynb`` or ``<id>/<notebook>.ipynb``.
        course: the course (secret, roster, policies); ``None``: self-study parameters.
        exercises: the exercise ids to report (default: every id any submission answered).
        execute: run each submission alone in the sandbox with these limits first
            (:mod:`vpnteach.exercises.sandbox`), then grade the executed copy.
        id_pattern: a regular expression with a group ``id`` finding the learner id in each
            submission's path relative to ``folder`` (default: file or folder name).
    """
    root = Path(folder)
    if course is not None and root.resolve() in course.folder.resolve().parents:
        raise CourseError(f"the course folder {course.folder} is inside the submissions {root}")
    paths = find_submissions(root)
    if not paths:
        raise FileNotFoundError(f"no .ipynb notebooks in {root}")
    checker = Checker(course)
    try:
        pattern = re.compile(id_pattern) if id_pattern else None
    except re.error as exc:
        raise CourseError(f"--id-pattern {id_pattern!r}: {exc}") from None
    if pattern is not None and "id" not in pattern.groupindex:
        raise CourseError(f"--id-pattern {id_pattern!r} has no (?P<id>...) group")
    options = _Options(execute, pattern)
    submissions = [_submission(p, root, checker, options) for p in paths]
    for sub in submissions:
        twins = [s.name for s in submissions if s.learner == sub.learner and s is not sub]
        if twins:
            sub.flags.append(f"{sub.learner} also submitted {', '.join(twins[:3])}")
    if exercises is None:
        seen = {e for s in submissions for e in s.attempts}
        exercises = [e for e in checker.catalogue if e in seen]
    default = Policy()
    rows = [
        exercise_row(s, e, course.policy(e) if course else default)
        for s in submissions
        for e in exercises
    ]
    return GradeReport(rows, list(exercises), submissions, course)


@dataclass(frozen=True)
class _Options:
    execute: Limits | None
    id_pattern: re.Pattern[str] | None


def _submission(path: Path, root: Path, checker: Checker, options: _Options) -> Submission:
    course, execute = checker.course, options.execute
    name, who = str(path.relative_to(root)), identify(path, root, options.id_pattern)
    if who is None:
        return Submission(path, name, "?", error="its path does not match the id pattern")
    try:
        learner = valid_id(who, name)
    except CourseError as exc:
        return Submission(path, name, "?", error=str(exc))
    if course is not None and learner not in course.roster:
        return Submission(path, name, learner, error=f"{learner!r} is not on the course roster")
    if execute is None:
        return read_submission(path, name, learner, checker)
    try:
        source = json.dumps(read_notebook(path)).encode()
    except (OSError, RecordError) as exc:
        return Submission(path, name, learner, error=f"unreadable submission: {exc}")
    files = {}
    if course is not None:  # the learner's hand-out, never the secret
        from vpnteach.exercises.instructor import handout

        files[HANDOUT_NAME] = json.dumps(handout(course, learner)).encode()
    result = sandbox.run(source, files, {LEARNER_ENV: learner}, execute)
    if result.executed is None:
        return Submission(path, name, learner, error=f"execution: {result.problem}")
    sub = read_submission(path, name, learner, checker, result.executed)
    if result.problem:
        sub.flags.append(f"execution: {result.problem}")
    return sub
