"""Course mode: a secret the instructor keeps, a roster, per-learner parameters nobody else
can compute, and the hand-outs that carry them to each learner.

**Self-study** (no course, Binder): an exercise's parameters come from the learner id alone
(public: anyone can compute anyone's), ``check`` has the package's solver, and
``solution()`` opens with ``VPNTEACH_INSTRUCTOR``. Nothing here is used.

**Course mode.** ``vpnteach course init DIR`` writes, for the instructor only:

* ``DIR/secret``: 32 random bytes as hex, mode 0600 in a 0700 folder. It must stay outside
  the learners' tree (:func:`init_course` refuses a folder holding notebooks);
* ``DIR/roster.csv``: one line per learner (``id`` required; ``name``, ``email``,
  ``sis_user_id``, ``sis_login_id``, ``section`` optional, used by the gradebook exports);
* ``DIR/course.json``: the course name and the attempt policy per exercise (``max_attempts``,
  ``penalty`` per attempt after the first).

Learner L's parameters for exercise E come from ``seed = HMAC-SHA256(secret, "params" | L |
E)`` (RFC 2104): without the secret a classmate's seed cannot be computed. ``vpnteach course
handout DIR OUT`` writes ``OUT/<id>/vpnteach-handout.json`` per learner, holding the learner's
own seeds and, per exercise, the HMAC (keyed by a second per-learner key) of the right answer
and of each typical mistake, so ``check`` in the learner's notebook still says right, wrong or
which mistake without holding the answer or running a solver. In that notebook the exercise
object is *sealed*: ``solution()`` and the internal solver refuse (they need the secret).

What this cannot do: for a compute exercise the answer is a function of the given values, so a
learner who re-implements the computation (or calls the package's RFC functions on their own
givens) gets it; that is doing the exercise. The grade never depends on the learner's process:
``vpnteach grade`` recomputes every verdict with the secret.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HANDOUT_ENV = "VPNTEACH_HANDOUT"
HANDOUT_NAME = "vpnteach-handout.json"
ROSTER_FIELDS = ("id", "name", "email", "sis_user_id", "sis_login_id", "section")
MAX_ID_CHARS = 64


class CourseError(ValueError):
    """A course folder, roster or hand-out is missing or malformed (the message says where)."""


@dataclass(frozen=True)
class Policy:
    """How attempts count for one exercise: at most ``max_attempts`` (``None``: no limit)
    are graded, and each attempt after the first takes ``penalty`` off the exercise's point."""

    max_attempts: int | None = None
    penalty: float = 0.0


@dataclass
class Course:
    """An instructor's course: secret, roster (id -> fields) and attempt policies."""

    folder: Path
    secret: bytes
    name: str
    roster: dict[str, dict[str, str]]
    policies: dict[str, Policy] = field(default_factory=dict)
    default_policy: Policy = field(default_factory=Policy)

    def policy(self, exercise: str) -> Policy:
        """The attempt policy of ``exercise``."""
        return self.policies.get(exercise, self.default_policy)

    def seed(self, learner: str, exercise: str) -> bytes:
        """``HMAC-SHA256(secret, "params" | learner | exercise)``: the learner's parameters."""
        return _derive(self.secret, "params", learner, exercise)

    def check_key(self, learner: str, exercise: str) -> bytes:
        """The key of the answer digests in ``learner``'s hand-out for ``exercise``."""
        return _derive(self.secret, "check", learner, exercise)


def _derive(secret: bytes, purpose: str, learner: str, exercise: str) -> bytes:
    message = b"\0".join(s.encode() for s in ("vpnteach", purpose, learner, exercise))
    return hmac.new(secret, message, hashlib.sha256).digest()


def answer_digest(key: bytes, value: object) -> str:
    """The hand-out digest of a read answer (its ``repr``: bytes, tuple or text)."""
    return hmac.new(key, repr(value).encode(), hashlib.sha256).hexdigest()[:32]


def valid_id(learner: str, where: str) -> str:
    """``learner`` if it is a usable id (letters, digits, ``.-_@``), else :class:`CourseError`."""
    text = learner.strip()
    if not text or len(text) > MAX_ID_CHARS or not all(c.isalnum() or c in ".-_@" for c in text):
        raise CourseError(
            f"{where}: learner id {learner!r} must be 1-{MAX_ID_CHARS} letters, digits, . - _ @"
        )
    return text


# ------------------------------------------------------------------------ instructor side


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """The roster CSV (header with ``id``; the other known columns optional)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"{path}: cannot read the roster ({exc})") from None
    roster: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        learner = valid_id(str(row.get("id") or ""), f"{path} line {number}")
        if learner in roster:
            raise CourseError(f"{path} line {number}: learner {learner!r} listed twice")
        roster[learner] = {k: str(row.get(k) or "").strip() for k in ROSTER_FIELDS}
        roster[learner]["id"] = learner
    return roster


def write_roster(path: Path, roster: dict[str, dict[str, str]]) -> None:
    """Write ``roster`` as CSV with the known columns."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=ROSTER_FIELDS)
        writer.writeheader()
        writer.writerows(roster.values())


def init_course(folder: Path, roster_csv: Path | None = None, name: str = "") -> Course:
    """Create a course folder: secret (0600), roster, ``course.json``; refuse to overwrite."""
    if (folder / "secret").exists():
        raise CourseError(f"{folder} already holds a course secret: not overwritten")
    if folder.is_dir() and any(folder.rglob("*.ipynb")):
        raise CourseError(f"{folder} holds notebooks: keep the secret out of the learners' tree")
    roster = read_roster(roster_csv) if roster_csv else {}
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    secret_file = folder / "secret"
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    write_roster(folder / "roster.csv", roster)
    config = {"name": name or folder.name, "policy": {"default": {}, "exercises": {}}}
    (folder / "course.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return load_course(folder)


def _policy(data: Any, where: str) -> Policy:
    if not isinstance(data, dict):
        raise CourseError(f"{where}: a policy is an object")
    most, penalty = data.get("max_attempts"), data.get("penalty", 0.0)
    if most is not None and (not isinstance(most, int) or isinstance(most, bool) or most < 1):
        raise CourseError(f"{where}: max_attempts must be a positive integer or null")
    if not isinstance(penalty, (int, float)) or isinstance(penalty, bool) or not 0 <= penalty <= 1:
        raise CourseError(f"{where}: penalty must be a number from 0 to 1")
    return Policy(most, float(penalty))


def load_course(folder: Path) -> Course:
    """Read a course folder written by :func:`init_course` (policies edited by hand)."""
    try:
        secret = bytes.fromhex((folder / "secret").read_text().strip())
        config = json.loads((folder / "course.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CourseError(f"{folder}: not a readable course folder ({exc})") from None
    if len(secret) < 16:
        raise CourseError(f"{folder}/secret: too short")
    policy = config.get("policy", {}) if isinstance(config, dict) else None
    if not isinstance(policy, dict) or not isinstance(policy.get("exercises", {}), dict):
        raise CourseError(f"{folder}/course.json: 'policy' must be an object")
    where = f"{folder}/course.json"
    policies = {
        str(e): _policy(p, f"{where} policy of {e}") for e, p in policy.get("exercises", {}).items()
    }
    default = _policy(policy.get("default", {}), f"{where} default policy")
    roster = read_roster(folder / "roster.csv")
    return Course(folder, secret, str(config.get("name", "")), roster, policies, default)


# ------------------------------------------------------------------------ the running course

_course: Course | None = None
_handout: dict[str, Any] | None = None
_instructor = False


@contextlib.contextmanager
def course_context(course: Course | None) -> Iterator[None]:
    """Instructor side (the grader, hand-outs, solutions): exercises created inside take their
    parameters from ``course`` (``None``: the public self-study ones) and never from a
    hand-out; the previous mode comes back on exit."""
    global _course, _instructor
    saved = _course, _instructor
    _course, _instructor = course, True
    try:
        yield
    finally:
        _course, _instructor = saved


def active_course() -> Course | None:
    """The instructor's course in force in this process, if any."""
    return _course


def load_handout(path: str | Path) -> dict[str, Any]:
    """Use the hand-out at ``path`` in this notebook (its learner and sealed exercises)."""
    global _handout
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CourseError(f"{path}: cannot read the hand-out ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        raise CourseError(f"{path}: not a vpnteach hand-out")
    valid_id(str(data.get("learner", "")), str(path))
    for exercise, entry in data["exercises"].items():
        _check_entry(entry, f"{path}, exercise {exercise!r}")
    _handout = data
    return data


def _is_hex(value: object) -> bool:
    try:
        return isinstance(value, str) and len(bytes.fromhex(value)) >= 16
    except ValueError:
        return False


def _check_entry(entry: object, where: str) -> None:
    """A hand-out entry: hex ``seed`` and ``key``, ``digests`` of ``[mistake, message]``."""
    if not isinstance(entry, dict) or not _is_hex(entry.get("seed")):
        raise CourseError(f"{where}: 'seed' must be hex")
    if not _is_hex(entry.get("key")) or not isinstance(entry.get("digests"), dict):
        raise CourseError(f"{where}: 'key' must be hex and 'digests' an object")
    if not all(_is_verdict(v) for v in entry["digests"].values()):
        raise CourseError(f"{where}: each digest maps to [mistake, message]")


def _is_verdict(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def active_handout() -> dict[str, Any] | None:
    """The learner's hand-out: loaded, else named by ``VPNTEACH_HANDOUT``, else
    ``vpnteach-handout.json`` in the working folder or the home folder; ``None`` in
    self-study."""
    if _handout is not None:
        return _handout
    for candidate in (os.environ.get(HANDOUT_ENV), HANDOUT_NAME, Path.home() / HANDOUT_NAME):
        if candidate and Path(candidate).is_file():
            return load_handout(candidate)
    return None


def handout_learner() -> str | None:
    """The learner id of the active hand-out (course mode, learner side)."""
    handout = None if _course is not None or _instructor else active_handout()
    return str(handout["learner"]) if handout else None


def course_seed(learner: str, exercise: str) -> tuple[bytes | None, dict[str, Any] | None]:
    """The parameter seed of (learner, exercise) and, on the learner's side, the sealed
    hand-out entry; ``(None, None)`` in self-study."""
    if _course is not None:
        return _course.seed(learner, exercise), None
    handout = None if _instructor else active_handout()
    if handout is None:
        return None, None
    if learner != handout["learner"]:
        raise CourseError(
            f"this notebook's hand-out is for {handout['learner']!r}, not {learner!r}: "
            "in a course you work on your own numbers"
        )
    entry = handout["exercises"].get(exercise)
    if not isinstance(entry, dict) or not isinstance(entry.get("seed"), str):
        raise CourseError(f"the hand-out has no exercise {exercise!r}")
    return bytes.fromhex(entry["seed"]), entry
