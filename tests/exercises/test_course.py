"""Course mode: the secret, the roster, HMAC-derived parameters, sealed hand-outs."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest

from vpnteach import exercises
from vpnteach.exercises import course as course_mode
from vpnteach.exercises.course import CourseError, course_context, init_course, load_course
from vpnteach.exercises.instructor import main_course, write_handouts, write_solutions
from vpnteach.exercises.keys import SkeyidE

ROSTER = "id,name,email,sis_user_id\nalice,Alice A,alice@example.org,S1\nbob,Bob B,,S2\n"


@pytest.fixture
def course(tmp_path: Path) -> course_mode.Course:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    return init_course(tmp_path / "course", roster, "IPsec 101")


def test_init_writes_a_private_secret_and_refuses_to_overwrite(
    course: course_mode.Course, tmp_path: Path
) -> None:
    secret = course.folder / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(course.folder.stat().st_mode) == 0o700
    assert len(bytes.fromhex(secret.read_text().strip())) == 32
    assert list(course.roster) == ["alice", "bob"]
    assert course.roster["alice"]["email"] == "alice@example.org"
    with pytest.raises(CourseError, match="already holds a course secret"):
        init_course(course.folder)
    learners_tree = tmp_path / "notebooks"
    learners_tree.mkdir()
    (learners_tree / "01.ipynb").write_text("{}")
    with pytest.raises(CourseError, match="learners' tree"):
        init_course(learners_tree)


def test_roster_and_policy_errors_say_where(tmp_path: Path, course: course_mode.Course) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id\nalice\nal ice\n")
    with pytest.raises(CourseError, match=r"bad.csv line 3: learner id 'al ice'"):
        init_course(tmp_path / "c2", bad)
    bad.write_text("id\nalice\nalice\n")
    with pytest.raises(CourseError, match="line 3: learner 'alice' listed twice"):
        init_course(tmp_path / "c3", bad)
    config = json.loads((course.folder / "course.json").read_text())
    config["policy"]["exercises"]["ka"] = {"max_attempts": 0}
    (course.folder / "course.json").write_text(json.dumps(config))
    with pytest.raises(CourseError, match="policy of ka: max_attempts must be a positive"):
        load_course(course.folder)
    config["policy"]["exercises"]["ka"] = {"max_attempts": 3, "penalty": 0.1}
    (course.folder / "course.json").write_text(json.dumps(config))
    assert load_course(course.folder).policy("ka") == course_mode.Policy(3, 0.1)


def test_parameters_come_from_hmac_of_the_secret(course: course_mode.Course) -> None:
    expected = hmac.new(
        course.secret, b"vpnteach\0params\0alice\0skeyid_e", hashlib.sha256
    ).digest()  # RFC 2104 HMAC, computed here with the standard library
    assert course.seed("alice", "skeyid_e") == expected
    public = exercises.skeyid_e("alice").given
    with course_context(course):
        mine, bobs = exercises.skeyid_e("alice").given, exercises.skeyid_e("bob").given
        assert SkeyidE.params("alice", expected) == exercises.skeyid_e("alice")._p
    assert mine != public and mine != bobs


def test_handout_checks_without_a_solver_and_seals_the_shortcuts(
    course: course_mode.Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (alice_handout, _) = write_handouts(course, tmp_path / "handouts")
    text = alice_handout.read_text()
    with course_context(course):
        instructor_view = exercises.skeyid_e("alice")
        right = instructor_view.solution()
        swapped = next(m for m in instructor_view._targeted_mistakes() if m.id == "cookies_swapped")
    assert right not in text  # the hand-out holds digests, not answers
    monkeypatch.setenv(course_mode.HANDOUT_ENV, str(alice_handout))
    assert exercises.current_learner() == "alice"
    ex = exercises.skeyid_e()
    assert ex.given == instructor_view.given
    assert ex.check(right).correct
    wrong = ex.check(swapped.value.hex())
    assert (wrong.correct, wrong.mistake) == (False, "cookies_swapped")
    assert ex.check("zz").mistake == "format"
    assert not ex.check("01" * 16).correct
    with pytest.raises(PermissionError, match="course secret"):
        ex.solution()
    with pytest.raises(PermissionError, match="course secret"):
        ex._solve(ex._p)
    with pytest.raises(PermissionError, match="course secret"):
        type(ex)._mistakes(ex, ex._p)
    with pytest.raises(CourseError, match="hand-out is for 'alice', not 'bob'"):
        exercises.skeyid_e("bob")


def test_solutions_need_the_course(course: course_mode.Course, tmp_path: Path) -> None:
    path = write_solutions(course, tmp_path / "instructor")
    with path.open(newline="") as f:
        rows = {(r["learner"], r["exercise"]): r["solution"] for r in csv.DictReader(f)}
    with course_context(course):
        assert rows[("bob", "ka")] == exercises.ka("bob").solution()
    assert rows[("bob", "ka")] != exercises.ka("bob").solution()  # not the public one
    assert main_course(["solutions", str(tmp_path / "nowhere"), str(tmp_path / "x")]) == 2


def test_course_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text(ROSTER)
    assert main_course(["init", str(tmp_path / "c"), "--roster", str(roster)]) == 0
    assert "2 learners" in capsys.readouterr().out
    assert main_course(["handout", str(tmp_path / "c"), str(tmp_path / "h")]) == 0
    handout = json.loads((tmp_path / "h" / "bob" / "vpnteach-handout.json").read_text())
    assert handout["learner"] == "bob" and set(handout["exercises"]) == set(exercises.EXERCISES)
    assert main_course(["init", str(tmp_path / "c")]) == 2
    assert "already holds" in capsys.readouterr().err


def test_a_damaged_handout_is_refused_with_where(
    course: course_mode.Course, tmp_path: Path
) -> None:
    (path, _) = write_handouts(course, tmp_path / "handouts")
    data = json.loads(path.read_text())
    data["exercises"]["ka"]["digests"] = {"ab": "correct"}
    path.write_text(json.dumps(data))
    with pytest.raises(CourseError, match=r"exercise 'ka': each digest maps to \[mistake"):
        course_mode.load_handout(path)
    data["exercises"]["ka"]["seed"] = "zz"
    path.write_text(json.dumps(data))
    with pytest.raises(CourseError, match="exercise 'ka': 'seed' must be hex"):
        course_mode.load_handout(path)
    path.write_text("{")
    with pytest.raises(CourseError, match="cannot read the hand-out"):
        course_mode.load_handout(path)


@pytest.mark.parametrize(
    "exercise_id", [e for e in exercises.EXERCISES if e not in ("fix_config", "troubleshoot")]
)
def test_sealed_checks_agree_with_the_instructors_on_every_exercise(
    exercise_id: str, course: course_mode.Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_, bob_handout) = write_handouts(course, tmp_path / "handouts")
    with course_context(course):
        full = exercises.get(exercise_id, "bob")
    answers = [full._show_answer(full._solve(full._p))]
    answers += [full._show_answer(m.value) for m in full._targeted_mistakes()]
    monkeypatch.setenv(course_mode.HANDOUT_ENV, str(bob_handout))
    sealed = exercises.get(exercise_id)
    for answer in answers:
        mine, theirs = sealed.check(answer), full._evaluate(answer)
        assert (mine.correct, mine.mistake) == (theirs.correct, theirs.mistake), answer
    assert sum(sealed.check(a).correct for a in answers) == 1
