"""``vpnteach grade``: run a folder of submissions in real kernels and tabulate the checks."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import require
from vpnteach import exercises
from vpnteach.exercises.base import INSTRUCTOR_ENV
from vpnteach.exercises.grade import GradeReport, grade_folder, main_grade

IMPORT = "from vpnteach import exercises"


def _write(folder: Path, name: str, *cells: str) -> None:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / f"{name}.ipynb")


def _kernel_available() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager

    return "python3" in KernelSpecManager().find_kernel_specs()


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GradeReport, Path]]:
    require(_kernel_available(), "needs an ipykernel 'python3' kernel (pip install ipykernel)")
    folder = tmp_path_factory.mktemp("submissions")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(INSTRUCTOR_ENV, "1")
        alice = {e: exercises.get(e, "alice").solution() for e in ("skeyid_e", "acl_encrypted")}
        alice["ka"] = exercises.ka("alice").solution()
        bob_skeyid = exercises.skeyid_e("bob-from-file").solution()
    acl = exercises.acl_encrypted("bob-from-file")
    bob_wrong = next(m for m in acl._targeted_mistakes() if m.id == "wildcard_as_netmask")
    bob_acl = " ".join("yes" if v else "no" for v in bob_wrong.value)
    # one correct submission (learner id set in the notebook)
    _write(folder, "submission-a", IMPORT, "exercises.set_learner('alice')",
           *(f"exercises.{e}().check({a!r})" for e, a in alice.items()))  # fmt: skip
    # one partly wrong (learner id = file name), with a first wrong try it later corrects
    _write(folder, "bob-from-file", IMPORT, "exercises.skeyid_e().check('00' * 16)",
           f"exercises.skeyid_e().check({bob_skeyid!r})",
           f"exercises.acl_encrypted().check({bob_acl!r})")  # fmt: skip
    # one broken: it raises before checking anything
    _write(folder, "carol", IMPORT, "exercises.set_learner('carol')", "raise RuntimeError('oops')")
    out = folder / "grades.csv"
    yield grade_folder(folder, out, timeout=60), out
    shutil.rmtree(folder, ignore_errors=True)


def test_grade_table_has_one_row_per_learner_and_exercise(
    graded: tuple[GradeReport, Path],
) -> None:
    report, _ = graded
    assert report.exercises == ["skeyid_e", "ka", "acl_encrypted"]
    table = {(r.learner, r.exercise): (r.status, r.mistake) for r in report.rows}
    assert table == {
        ("alice", "skeyid_e"): ("correct", ""),
        ("alice", "ka"): ("correct", ""),
        ("alice", "acl_encrypted"): ("correct", ""),
        ("bob-from-file", "skeyid_e"): ("correct", ""),  # the last check counts
        ("bob-from-file", "ka"): ("not attempted", ""),
        ("bob-from-file", "acl_encrypted"): ("wrong", "wildcard_as_netmask"),
        ("carol", "skeyid_e"): ("error", ""),
        ("carol", "ka"): ("error", ""),
        ("carol", "acl_encrypted"): ("error", ""),
    }


def test_grade_csv_and_summary(graded: tuple[GradeReport, Path]) -> None:
    report, out = graded
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9
    assert set(rows[0]) == {"learner", "notebook", "exercise", "status", "mistake", "message"}
    carol = [r for r in rows if r["learner"] == "carol"]
    assert all("RuntimeError: oops" in r["message"] for r in carol)
    summary = report.summary()
    assert "| alice | submission-a.ipynb | ✔ | ✔ | ✔ | 3/3 |" in summary
    assert (
        "| bob-from-file | bob-from-file.ipynb | ✔ | – | ✘ wildcard_as_netmask | 1/3 |" in summary
    )
    assert "| carol | carol.ipynb | ERR | ERR | ERR | 0/3 |" in summary


def test_notebook_over_its_time_budget_is_an_error_and_grading_goes_on(tmp_path: Path) -> None:
    require(_kernel_available(), "needs an ipykernel 'python3' kernel (pip install ipykernel)")
    _write(
        tmp_path, "slow", IMPORT, "exercises.skeyid_e().check('00')", "import time\ntime.sleep(60)"
    )
    _write(tmp_path, "zzz-after", IMPORT, "exercises.skeyid_e().check('00')")
    report = grade_folder(tmp_path, timeout=4)
    slow, after = report.runs
    assert slow.error is not None and "did not run to the end" in slow.error
    assert report.status("slow", "skeyid_e") == "wrong"  # checked before the budget ran out
    assert after.error is None and report.status("zzz-after", "skeyid_e") == "wrong"


def test_main_grade_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_grade([str(tmp_path)]) == 2
    assert "no .ipynb notebooks" in capsys.readouterr().err
    assert main_grade([str(tmp_path / "missing")]) == 2


def test_main_grade_writes_csv_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require(_kernel_available(), "needs an ipykernel 'python3' kernel (pip install ipykernel)")
    _write(tmp_path, "dave", IMPORT, "exercises.phase1_iv().check('zz')")
    summary = tmp_path / "summary.md"
    assert main_grade([str(tmp_path), "--summary", str(summary), "--timeout", "60"]) == 0
    printed = capsys.readouterr().out
    assert "| dave | dave.ipynb | ✘ format | 0/1 |" in printed
    assert summary.read_text().strip() in printed
    assert (
        (tmp_path / "grades.csv")
        .read_text()
        .splitlines()[1]
        .startswith("dave,dave.ipynb,phase1_iv,wrong,format,")
    )
