"""``vpnteach grade``: saved notebooks read (never run), verdicts recomputed, attempts counted.

Honest submissions are produced the way a learner produces them: a real kernel runs the
notebook (``ex.check`` calls, or the widget's Check), Jupyter's nbformat saves it with its
outputs, and the grader reads that file.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.exercises.learner import (
    IMPORT,
    record_output,
    run_as_learner,
    saved_with_records,
)
from vpnteach import exercises
from vpnteach.exercises import records
from vpnteach.exercises.course import Course, CourseError, Policy, course_context
from vpnteach.exercises.grade import MAX_NOTEBOOK_BYTES, grade_folder
from vpnteach.exercises.instructor import main_grade

widgets = pytest.importorskip("ipywidgets")


def test_honest_checks_in_a_real_kernel_score_full_marks_with_attempts(tmp_path: Path) -> None:
    alice = {e: exercises.get(e, "alice").solution() for e in ("skeyid_e", "acl_encrypted")}
    bob = exercises.skeyid_e("bob").solution()
    run_as_learner(
        [IMPORT, "exercises.set_learner('alice')",
         "ex = exercises.skeyid_e()\nex.check('00' * 16)",  # a first wrong try
         f"ex.check({alice['skeyid_e']!r})",
         f"exercises.acl_encrypted().check({alice['acl_encrypted']!r})"],
        tmp_path / "alice.ipynb",
    )  # fmt: skip
    run_as_learner(
        [IMPORT, "exercises.set_learner('bob')", f"exercises.skeyid_e().check({bob!r})"],
        tmp_path / "bob" / "my-work.ipynb",  # the folder names the learner
    )
    report = grade_folder(tmp_path)
    assert report.exercises == ["skeyid_e", "acl_encrypted"]
    table = {(r.learner, r.exercise): (r.status, r.attempts, r.score) for r in report.rows}
    assert table == {
        ("alice", "skeyid_e"): ("correct", 2, 1.0),
        ("alice", "acl_encrypted"): ("correct", 1, 1.0),
        ("bob", "skeyid_e"): ("correct", 1, 1.0),
        ("bob", "acl_encrypted"): ("not attempted", 0, 0.0),
    }
    assert [s.flags for s in report.submissions] == [[], []]


def _widget_state_notebook(dest: Path, form: Any) -> Path:
    """A notebook as JupyterLab saves it with widget state on: the manager state in
    ``metadata.widgets`` (ipywidgets' own serialisation of every live widget)."""
    state = widgets.Widget.get_manager_state(drop_defaults=False, widgets=None)
    path = saved_with_records(dest, [])
    nb = json.loads(path.read_text())
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": state}
    path.write_text(json.dumps(nb))
    return path


def test_answers_checked_in_the_widget_are_graded_from_the_saved_widget_state(
    tmp_path: Path,
) -> None:
    ex = exercises.skeyid_e("carol")
    form = ex.widget()
    parts = {c: w for w in _walk(form) for c in getattr(w, "_dom_classes", ())}
    parts["vpnteach-answer"].value = "ab" * 16
    parts["vpnteach-check"].click()
    parts["vpnteach-answer"].value = ex.solution()
    parts["vpnteach-check"].click()
    saved = parts["vpnteach-records"].outputs
    assert [o["data"][records.MIME]["attempt"] for o in saved] == [1, 2]
    assert all("correct" not in o["data"][records.MIME] for o in saved)  # no verdict stored
    _widget_state_notebook(tmp_path / "carol.ipynb", form)
    report = grade_folder(tmp_path)
    row = report.row("carol", "skeyid_e")
    assert (row.status, row.attempts, row.score) == ("correct", 2, 1.0)


def _walk(form: Any) -> list[Any]:
    found, stack = [], [form]
    while stack:
        w = stack.pop()
        found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def test_attempt_policy_limits_and_penalties(tmp_path: Path) -> None:
    roster = {"dave": {"id": "dave"}}
    strict = Course(tmp_path, b"k" * 32, "c", roster, {"ka": Policy(max_attempts=2)})
    lenient = Course(tmp_path, b"k" * 32, "c", roster, {"ka": Policy(penalty=0.25)})
    with course_context(strict):  # same secret: dave's course parameters are the same in both
        right = exercises.ka("dave").solution()
    outs = [record_output("ka", "dave", "00" * 8, n) for n in (1, 2)]
    saved_with_records(tmp_path / "dave.ipynb", [*outs, record_output("ka", "dave", right, 3)])
    row = grade_folder(tmp_path, course=strict).row("dave", "ka")
    assert (row.status, row.attempts, row.score) == ("wrong", 3, 0.0)
    assert row.message.startswith("only attempts up to 2 are graded")
    row = grade_folder(tmp_path, course=lenient).row("dave", "ka")
    assert (row.status, row.attempts, row.score) == ("correct", 3, 0.5)
    assert grade_folder(tmp_path).status("dave", "ka") == "wrong"  # public parameters differ


def test_deleted_outputs_and_restarts_still_show_in_the_attempt_count(tmp_path: Path) -> None:
    right = exercises.ka("erin").solution()
    saved_with_records(tmp_path / "erin.ipynb", [record_output("ka", "erin", right, 12)])
    row = grade_folder(tmp_path).row("erin", "ka")
    assert (row.status, row.attempts) == ("correct", 12)
    # two kernel sessions (1, 2 then 1, 2 again): four attempts, the last one right
    times = ["2026-01-01T10:00:01", "2026-01-01T10:00:02", "2026-01-01T11:00:01"]
    outs = [record_output("ka", "erin", "00", n, t) for n, t in zip((1, 2, 1), times, strict=True)]
    outs.append(record_output("ka", "erin", right, 2, "2026-01-01T11:00:02"))
    saved_with_records(tmp_path / "erin.ipynb", outs)
    assert grade_folder(tmp_path).row("erin", "ka").attempts == 4
    strict = Course(tmp_path, b"k" * 32, "c", {"erin": {"id": "erin"}}, {"ka": Policy(3)})
    with course_context(strict):
        right = exercises.ka("erin").solution()
    # the right answer claims attempt 5 after attempt 1: a gap of deleted tries, over 3
    outs = [record_output("ka", "erin", "00", 1), record_output("ka", "erin", right, 5)]
    saved_with_records(tmp_path / "erin.ipynb", outs)
    row = grade_folder(tmp_path, course=strict).row("erin", "ka")
    assert (row.status, row.attempts, row.score) == ("wrong", 5, 0.0)


def test_bad_submissions_get_a_row_with_their_reason_and_the_run_goes_on(tmp_path: Path) -> None:
    good = exercises.ka("zed").solution()
    saved_with_records(tmp_path / "zed.ipynb", [record_output("ka", "zed", good)])
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    with (tmp_path / "huge.ipynb").open("wb") as f:
        f.truncate(MAX_NOTEBOOK_BYTES + 1)
    (tmp_path / "types.ipynb").write_text(json.dumps({"cells": 5, "metadata": []}))
    weird = record_output("ka", "wrongtypes", good)
    weird["data"][records.MIME]["attempt"] = "1"
    listy = {"output_type": "display_data", "data": {records.MIME: [1, 2]}}
    nested = record_output("ka", "wrongtypes", {"hex": 5})
    saved_with_records(tmp_path / "wrongtypes.ipynb", [weird, listy, nested])
    os.symlink("/etc/passwd", tmp_path / "link.ipynb")
    report = grade_folder(tmp_path, exercises=["ka"])
    by = {s.name: s for s in report.submissions}
    assert "not a JSON notebook" in str(by["broken.ipynb"].error)
    assert "more than" in str(by["huge.ipynb"].error)
    assert "not a regular file" in str(by["link.ipynb"].error)
    assert by["types.ipynb"].error is None and report.status("types", "ka") == "not attempted"
    assert by["wrongtypes.ipynb"].flags == ["2 malformed answer record(s) ignored"]
    row = report.row("wrongtypes", "ka")
    assert (row.status, row.mistake) == ("wrong", "format")  # {"hex": 5} cannot be read
    assert report.status("broken", "ka") == "error"
    assert report.status("zed", "ka") == "correct"


def test_main_grade_writes_every_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subs = tmp_path / "subs"
    saved_with_records(subs / "dave.ipynb", [record_output("phase1_iv", "dave", "zz")])
    out = tmp_path / "out"
    out.mkdir()
    argv = [str(subs), "--summary", str(out / "s.md"), "--html", str(out / "s.html")]
    argv += ["--canvas", str(out / "canvas.csv"), "--moodle", str(out / "moodle.csv")]
    assert main_grade(argv) == 0
    printed = capsys.readouterr().out
    assert "| dave | dave.ipynb | ✘ format (1) | 0/1 |" in printed
    assert (out / "s.md").read_text().strip() in printed
    with (subs / "grades.csv").open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["learner"], row["status"], row["mistake"], row["attempts"]) == (
        "dave",
        "wrong",
        "format",
        "1",
    )
    assert "<td>✘ format (1)</td>" in (out / "s.html").read_text()
    assert main_grade([str(tmp_path / "missing")]) == 2
    assert main_grade([str(out)]) == 2
    assert "no .ipynb notebooks" in capsys.readouterr().err


def test_with_the_extension_loaded_an_undisplayed_check_is_recorded_too(tmp_path: Path) -> None:
    right = exercises.ka("fay").solution()
    nb = run_as_learner(
        ["%load_ext vpnteach", IMPORT, "exercises.set_learner('fay')",
         f"fb = exercises.ka().check({right!r})", "exercises.ka().check('00')"],
        tmp_path / "fay.ipynb",
    )  # fmt: skip
    mimes = [list(o.get("data", {})) for o in nb.cells[3].outputs]
    assert mimes == [[records.MIME, "text/plain"]]  # published by vpnteach.ui.records
    shown = nb.cells[4].outputs  # published, and the displayed feedback carries no copy
    assert [records.MIME in o.get("data", {}) for o in shown] == [True, False]
    row = grade_folder(tmp_path).row("fay", "ka")
    assert (row.status, row.attempts, row.mistake) == ("wrong", 2, "wrong_length")


def test_without_the_extension_the_displayed_feedback_carries_the_record() -> None:
    feedback = exercises.ka("gus").check("00")
    bundle = feedback._repr_mimebundle_()
    assert bundle[records.MIME]["answer"] == "00" and "correct" not in bundle[records.MIME]
    assert "Not yet" in bundle["text/html"]
    from vpnteach.ui.records import ipython_publisher

    assert feedback.record is not None and not ipython_publisher(feedback.record)


def test_an_id_pattern_reads_lms_download_names(tmp_path: Path) -> None:
    right = exercises.ka("12345").solution()
    saved_with_records(
        tmp_path / "doejane_12345_777_lab.ipynb", [record_output("ka", "12345", right)]
    )
    saved_with_records(tmp_path / "README-notes.ipynb", [])
    report = grade_folder(tmp_path, id_pattern=r"^[a-z]+_(?:LATE_)?(?P<id>\d+)_")
    assert report.status("12345", "ka") == "correct"
    (other,) = [s for s in report.submissions if s.name == "README-notes.ipynb"]
    assert other.error == "its path does not match the id pattern"
    with pytest.raises(CourseError, match="has no"):
        grade_folder(tmp_path, id_pattern=r"\d+")
    with pytest.raises(CourseError, match="id-pattern"):
        grade_folder(tmp_path, id_pattern=r"(?P<id>")
