"""A class of cheating submissions in course mode: each scores zero for what it cheated.

Every learner's notebook runs in a real kernel with only that learner's hand-out (no secret,
no instructor variable), is saved by nbformat, and the folder is then graded without running
anything. Two honest learners in the same class score full marks, so a zero is the cheat's
doing, not a broken grader.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exercises.learner import IMPORT, record_output, run_as_learner
from vpnteach import exercises
from vpnteach.exercises import course as course_mode
from vpnteach.exercises.grade import GradeReport, grade_folder
from vpnteach.exercises.instructor import write_handouts
from vpnteach.exercises.records import MIME
from vpnteach.exercises.report import summary, summary_html

CHEATERS = {
    "forger": [
        "import json, os\n"
        "open(os.environ.get('VPNTEACH_GRADEBOOK', 'gradebook.jsonl'), 'a').write(json.dumps("
        "{'learner': 'forger', 'exercise': 'skeyid_e', 'correct': True}) + '\\n')",
        "from IPython.display import display\n"
        "display({'application/vnd.vpnteach.answer+json': {'v': 1, 'exercise': 'skeyid_e', "
        "'learner': 'forger', 'answer': '00' * 16, 'attempt': 1, 'time': '2026-01-01', "
        "'source': 'check', 'correct': True, 'verdict': 'correct'}}, raw=True)",
    ],
    "envvar": [
        "import os\nos.environ['VPNTEACH_INSTRUCTOR'] = '1'",
        "ex = exercises.skeyid_e()\nex.check(ex.solution())",
    ],
    "solver": [
        "ex = exercises.skeyid_e()\nex.check(ex._solve(ex._p))",
        "ex.check(type(ex)._solve(ex, ex._p))",
    ],
    "patcher": [
        "from vpnteach.exercises.base import Exercise, Feedback\n"
        "Exercise._sealed_check = lambda self, answer: Feedback(True, 'patched')\n"
        "Exercise._evaluate = lambda self, answer: Feedback(True, 'patched')\n"
        "Exercise._same = lambda self, a, b: True",
        "exercises.skeyid_e().check('00' * 16)",
    ],
    "printer": [
        "print('✔ Correct')\nprint('vpnteach: answer to skeyid_e recorded (attempt 1)')",
        "from IPython.display import HTML\n"
        "HTML(\"<div class='vpnteach-feedback'><b>✔ Correct</b></div>\")",
    ],
    "saboteur": [  # harmful only if run in the submissions folder, as the old grader did
        "from pathlib import Path\nfor p in Path('.').glob('*.ipynb'):\n    p.write_text('{}')",
        "exercises.skeyid_e().check('11' * 16)",
    ],
    "daemon": [
        "import os, subprocess\n"
        "if os.path.exists('grades.csv'):\n"
        "    subprocess.Popen(['sh', '-c', 'sleep 1; echo daemon,x,skeyid_e,correct > grades.csv'],"
        " start_new_session=True)",
    ],
    "rowforger": [
        "ex = exercises.skeyid_e()\n"
        "ex.learner = 'x\\n| mallory | m.ipynb | ✔ | 1/1 |\\n<script>alert(1)</script>'\n"
        "ex.check('22' * 16)",
    ],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GradeReport, Path]]:
    root = tmp_path_factory.mktemp("class")
    roster = root / "roster.csv"
    names = ["honest", "victim", "impostor", "handedit", *CHEATERS]
    roster.write_text("id\n" + "".join(f"{n}\n" for n in names))
    course = course_mode.init_course(root / "instructor", roster)
    handouts = {p.parent.name: p for p in write_handouts(course, root / "handouts")}
    right = {}
    with course_mode.course_context(course):
        for name in ("honest", "victim"):
            right[name] = exercises.skeyid_e(name).solution()
    subs = root / "submissions"

    def run(name: str, cells: list[str], handout: str | None = None) -> None:
        env = {course_mode.HANDOUT_ENV: str(handouts[handout or name])}
        run_as_learner([IMPORT, *cells], subs / f"{name}.ipynb", env)

    run(
        "honest",
        ["ex = exercises.skeyid_e()\nex.check('00' * 16)", f"ex.check({right['honest']!r})"],
    )
    run("victim", [f"exercises.skeyid_e().check({right['victim']!r})"])
    # another learner's id: works with victim's hand-out and answers (shared with them)
    run("impostor", [f"exercises.skeyid_e().check({right['victim']!r})"], handout="victim")
    run("handedit", ["exercises.skeyid_e().check('33' * 16)"])
    for name, cells in CHEATERS.items():
        run(name, cells)
    _edit_by_hand(subs / "handedit.ipynb")
    (subs / "evil|name<b>.ipynb").write_text((subs / "honest.ipynb").read_text())
    victim_before = hashlib.sha256((subs / "victim.ipynb").read_bytes()).hexdigest()
    report = grade_folder(subs, course=course)
    assert hashlib.sha256((subs / "victim.ipynb").read_bytes()).hexdigest() == victim_before
    yield report, subs


def _edit_by_hand(path: Path) -> None:
    """Add "correct" claims everywhere: on the record, as new records, in metadata."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if MIME in out.get("data", {}):
                out["data"][MIME].update({"correct": True, "verdict": "correct", "score": 1})
    forged = record_output("skeyid_e", "handedit", "44" * 16, 2)
    forged["data"][MIME]["correct"] = True
    nb["cells"][-1]["outputs"].append(forged)
    nb["metadata"]["vpnteach"] = {"grades": {"skeyid_e": "correct"}, "score": 12}
    path.write_text(json.dumps(nb))


def _total(report: GradeReport, learner: str) -> float:
    (sub,) = [s for s in report.submissions if s.learner == learner]
    return report.total(sub)


def test_honest_learners_score_full_marks(graded: tuple[GradeReport, Path]) -> None:
    report, _ = graded
    row = report.row("honest", "skeyid_e")
    assert (row.status, row.attempts, row.score) == ("correct", 2, 1.0)
    assert report.status("victim", "skeyid_e") == "correct"


@pytest.mark.parametrize("cheater", [*CHEATERS, "impostor", "handedit"])
def test_each_cheat_scores_zero(graded: tuple[GradeReport, Path], cheater: str) -> None:
    report, _ = graded
    assert _total(report, cheater) == 0
    assert report.status(cheater, "skeyid_e") in ("wrong", "not attempted")


def test_what_the_grader_reports_about_the_cheats(graded: tuple[GradeReport, Path]) -> None:
    report, _ = graded
    flags = {s.learner: s.flags for s in report.submissions}
    assert flags["impostor"] == ["answers recorded for another learner ('victim') not graded"]
    assert "another learner" in flags["rowforger"][0]
    # the forged record, dated before the real one and claiming number 2, counts as attempts
    assert report.row("handedit", "skeyid_e").attempts == 3
    assert report.status("solver", "skeyid_e") == "not attempted"  # the solver refused
    assert report.status("envvar", "skeyid_e") == "not attempted"
    assert report.status("patcher", "skeyid_e") == "wrong"  # recorded '00'*16, recomputed
    (evil,) = [s for s in report.submissions if s.name == "evil|name<b>.ipynb"]
    assert evil.error is not None and "must be" in evil.error


def test_forged_rows_cannot_appear_in_the_summaries(graded: tuple[GradeReport, Path]) -> None:
    report, _ = graded
    text = summary(report)
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(report.submissions)
    assert not any(line.startswith("| mallory") for line in text.splitlines())
    assert "<scrip" not in text and "<b>" not in text
    assert "evil\\|name&lt;b&gt;.ipynb" in text
    page = summary_html(report)
    assert "<scrip" not in page and "&lt;scrip" in page  # quoted (cut at 40 chars)
    assert page.count("<tr>") == 1 + len(report.submissions)
