"""The report's outputs: gradebook CSVs in Canvas's and Moodle's import columns, escaping."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.exercises.learner import record_output, saved_with_records
from vpnteach import exercises
from vpnteach.exercises import records
from vpnteach.exercises.course import Course, course_context
from vpnteach.exercises.grade import GradeReport, grade_folder
from vpnteach.exercises.report import (
    csv_text,
    md_cell,
    write_canvas_csv,
    write_csv,
    write_moodle_csv,
)

ROSTER = {
    "s1": {"id": "s1", "name": "Doe, Jane", "email": "jane@example.org", "sis_user_id": "U1",
           "sis_login_id": "jdoe", "section": "A"},
    "s2": {"id": "s2", "name": "=HYPERLINK(\"x\")", "email": "", "sis_user_id": "",
           "sis_login_id": "", "section": ""},
}  # fmt: skip


@pytest.fixture
def report(tmp_path: Path) -> GradeReport:
    course = Course(tmp_path / "c", b"r" * 32, "c", ROSTER)
    with course_context(course):
        right = {e: exercises.get(e, "s1").solution() for e in ("ka", "skeyid_e")}
    outs = [record_output(e, "s1", a) for e, a in right.items()]
    saved_with_records(tmp_path / "subs" / "s1.ipynb", outs)
    saved_with_records(tmp_path / "subs" / "s2.ipynb", [record_output("ka", "s2", "zz")])
    return grade_folder(tmp_path / "subs", course=course)


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_import_columns(report: GradeReport, tmp_path: Path) -> None:
    rows = _read(write_canvas_csv(report, tmp_path / "canvas.csv", "IPsec lab 1"))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "IPsec lab 1"]
    assert rows[1] == ["Doe, Jane", "", "U1", "jdoe", "A", "2"]
    assert rows[2] == ['\'=HYPERLINK("x")', "", "s2", "s2", "", "0"]  # no formula


def test_moodle_import_columns(report: GradeReport, tmp_path: Path) -> None:
    rows = _read(write_moodle_csv(report, tmp_path / "moodle.csv", "IPsec lab 1"))
    assert rows[0] == [
        "ID number",
        "Email address",
        "Full name",
        "IPsec lab 1",
        "IPsec lab 1 feedback",
    ]
    assert rows[1] == ["U1", "jane@example.org", "Doe, Jane", "2", "skeyid_e: correct; ka: correct"]
    assert rows[2][0] == "s2" and rows[2][3] == "0" and rows[2][4] == "ka: wrong"


def test_detailed_csv_has_attempts_and_scores(report: GradeReport, tmp_path: Path) -> None:
    rows = _read(write_csv(report, tmp_path / "grades.csv"))
    assert rows[0] == [
        "learner", "notebook", "exercise", "status", "mistake", "attempts", "score", "message"
    ]  # fmt: skip
    assert rows[2][:7] == ["s1", "s1.ipynb", "ka", "correct", "", "1", "1"]
    assert rows[3][:7] == ["s2", "s2.ipynb", "skeyid_e", "not attempted", "", "0", "0"]
    assert rows[4][:7] == ["s2", "s2.ipynb", "ka", "wrong", "format", "1", "0"]


def test_cells_cannot_break_out() -> None:
    assert md_cell("a|b\nc\r\u2028<i>&") == "a\\|b c &lt;i&gt;&amp;"
    assert md_cell("a\\|b") == "a\\\\\\|b"  # a backslash cannot unescape the pipe
    assert csv_text("@SUM(A1)") == "'@SUM(A1)" and csv_text("-1") == "'-1"
    assert csv_text("ok\nline") == "ok line"


def test_records_round_trip_and_refuse_bad_fields() -> None:
    answer = (b"\x01\xff", "yes", 3, [True, None])
    assert records.decode_answer(records.encode_answer(answer)) == (
        b"\x01\xff",
        "yes",
        3,
        (True, None),
    )
    good = record_output("ka", "s1", "00")["data"][records.MIME]
    assert records.parse_record(good).answer == "00"
    for field, value, message in (
        ("v", 2, "unknown record version"),
        ("attempt", True, "attempt: expected int"),
        ("attempt", 0, "not a positive number"),
        ("exercise", "x" * 65, "at most 64"),
        ("learner", 5, "learner: expected str"),
        ("answer", "0" * 20_001, "longer than"),
    ):
        with pytest.raises(records.RecordError, match=message):
            records.parse_record({**good, field: value})
    with pytest.raises(records.RecordError, match=r"must be \{'hex'"):
        records.decode_answer({"hex": "00", "x": 1})


def test_attempts_go_on_after_a_kernel_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = saved_with_records(
        tmp_path / "nb.ipynb",
        [record_output("ka", "s1", "00", 1), record_output("ka", "s1", "01", 4),
         record_output("ka", "s2", "00", 9), record_output("skeyid_e", "s1", "00", 7)],
    )  # fmt: skip
    monkeypatch.setenv(records.SESSION_ENV, str(saved))
    assert records.new_record("ka", "s1", "02", "check").attempt == 5
    assert records.new_record("ka", "s1", "03", "check").attempt == 6
    assert records.new_record("phase1_iv", "s1", "03", "check").attempt == 1
    monkeypatch.setenv(records.SESSION_ENV, str(tmp_path / "missing.ipynb"))
    assert records.new_record("ka", "s3", "00", "check").attempt == 1
