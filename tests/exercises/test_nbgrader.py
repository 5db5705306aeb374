"""A small class graded through nbgrader (issue 15): the instructor's nbgrader course, vpnteach
grade cells in the source notebook, ``nbgrader generate_assignment``, learners' notebooks
saved from real kernels into ``submitted/``, the bridge writing vpnteach's verdicts into
nbgrader's gradebook, and ``nbgrader export``'s CSV as the reference for the totals."""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tests.conftest import require
from tests.exercises.learner import IMPORT, run_as_learner
from vpnteach import exercises
from vpnteach.exercises.nbgrader_bridge import (
    NbgraderBridgeError,
    grade_cell,
    grade_nbgrader,
    main,
)


@pytest.fixture(scope="module", autouse=True)
def _venv_on_path() -> Iterator[None]:
    """nbgrader runs its ``alembic`` by name: the virtual environment's bin on PATH, as an
    activated environment has it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
        yield


def _nbgrader(root: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=root, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require(importlib.util.find_spec("nbgrader") is not None, "needs nbgrader (pip install)")
    root = tmp_path_factory.mktemp("nbgrader-course")
    (root / "nbgrader_config.py").write_text(
        f'c = get_config()\nc.CourseDirectory.course_id = "vpn101"\n'
        f"c.CourseDirectory.root = {str(root)!r}\n"
    )
    source = new_notebook(cells=[
        new_markdown_cell("# Keys and ACLs\nAnswer with `ex.check(...)` or the widget."),
        new_code_cell(IMPORT),
        nbformat.from_dict(grade_cell("skeyid_e", 2)),
        nbformat.from_dict(grade_cell("acl_encrypted", 1)),
    ])  # fmt: skip
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}  # fmt: skip
    (root / "source" / "ps1").mkdir(parents=True)
    nbformat.write(source, root / "source" / "ps1" / "keys.ipynb")
    _nbgrader(root, "generate_assignment", "ps1", "--force")
    assert (root / "release" / "ps1" / "keys.ipynb").is_file()
    return root


def _submit(root: Path, student: str, cells: list[str]) -> None:
    run_as_learner(cells, root / "submitted" / student / "ps1" / "keys.ipynb")


def test_a_class_graded_through_nbgrader_gets_vpnteachs_verdicts(course_root: Path) -> None:
    alice = {e: exercises.get(e, "alice").solution() for e in ("skeyid_e", "acl_encrypted")}
    bob_acl = exercises.acl_encrypted("bob").solution()
    _submit(course_root, "alice", [
        IMPORT, "exercises.set_learner('alice')",
        f"exercises.skeyid_e().check({alice['skeyid_e']!r})",
        f"exercises.acl_encrypted().check({alice['acl_encrypted']!r})",
    ])  # fmt: skip
    _submit(course_root, "bob", [
        IMPORT, "exercises.set_learner('bob')",
        "exercises.skeyid_e().check('00' * 16)",  # wrong
        f"exercises.acl_encrypted().check({bob_acl!r})",
    ])  # fmt: skip
    carol = course_root / "submitted" / "carol" / "ps1" / "keys.ipynb"
    carol.parent.mkdir(parents=True)
    carol.write_text("{ not a notebook")

    scores = grade_nbgrader(course_root, "ps1")
    table = {(s.student, s.exercise): (s.points, s.status) for s in scores}
    assert table[("alice", "skeyid_e")] == (2.0, "correct")
    assert table[("alice", "acl_encrypted")] == (1.0, "correct")
    assert table[("bob", "skeyid_e")][0] == 0.0 and table[("bob", "acl_encrypted")][0] == 1.0
    assert table[("carol", "skeyid_e")][0] == 0.0

    # nbgrader's own export is the reference for what the instructor's LMS receives
    _nbgrader(course_root, "export", "--to", str(course_root / "grades.csv"))
    with (course_root / "grades.csv").open(newline="") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    assert {k: float(rows[k]["score"]) for k in ("alice", "bob", "carol")} == {
        "alice": 3.0, "bob": 1.0, "carol": 0.0}  # fmt: skip
    assert float(rows["alice"]["max_score"]) == 3.0


def test_the_grade_cells_score_nothing_when_run(course_root: Path) -> None:
    """Executing a test cell (plain ``nbgrader autograde``) proves nothing: it raises."""
    cell = grade_cell("skeyid_e")
    with pytest.raises(AssertionError, match="graded by vpnteach"):
        exec(compile(cell["source"], "cell", "exec"), {})
    assert cell["metadata"]["nbgrader"]["locked"] is True


def test_bad_input_is_refused_clearly(course_root: Path, tmp_path: Path) -> None:
    with pytest.raises(NbgraderBridgeError, match="unknown exercise 'nope'"):
        grade_cell("nope")
    with pytest.raises(NbgraderBridgeError, match="must be positive"):
        grade_cell("skeyid_e", 0)
    with pytest.raises(NbgraderBridgeError, match="no submitted/ folder"):
        grade_nbgrader(tmp_path, "ps1")
    with pytest.raises(NbgraderBridgeError, match="'ps9' is not in the gradebook"):
        grade_nbgrader(course_root, "ps9")
    assert main([str(tmp_path), "ps1"]) == 2
