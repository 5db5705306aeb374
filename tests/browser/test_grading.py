"""Issue 15 must-show: answers checked in the widget, in a real JupyterLab, graded from the file.

The learner types a wrong SKEYID_e, clicks Check, types the right one, clicks Check, and saves
(Ctrl+S) with JupyterLab's "save widget state" on. The test then grades a copy of the saved
file with ``vpnteach grade`` (never running it): two attempts, correct. The right and wrong
answers are computed independently with ``hmac`` (``tests/browser/test_exercise.py``).
After a kernel restart (Kernel ▸ Restart Kernel…, Run All) the next Check is attempt 3: the new
kernel continues the numbering saved in the notebook.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.notebook import Notebook, expect
from tests.browser.test_exercise import skeyid_e
from vpnteach import exercises
from vpnteach.exercises.grade import grade_folder
from vpnteach.exercises.records import MIME

CELLS = [
    "%load_ext vpnteach\nfrom vpnteach import exercises\n\nexercises.skeyid_e('alice').widget()\n"
]


def _saved_records(path: Path, count: int, timeout_s: float = 20.0) -> list[dict[str, object]]:
    """The answer records in the saved file once ``count`` of them are there."""
    deadline = time.monotonic() + timeout_s
    found: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        text = path.read_text()
        found = [json.loads(m) for m in _mime_values(text)]
        if len(found) >= count:
            return found
        time.sleep(0.3)
    saved = json.loads(path.read_text())
    meta = json.dumps(saved.get("metadata", {}))[:3000]
    raise AssertionError(f"{count} records expected in {path}, found {len(found)}: {meta}")


def _mime_values(text: str) -> list[str]:
    from vpnteach.exercises.records import raw_records

    return [json.dumps(r) for r in raw_records(json.loads(text))]


def test_widget_answers_are_saved_with_the_notebook_and_graded(
    notebook_page: Notebook, jupyter_server: JupyterLabServer, tmp_path: Path
) -> None:
    path = write_notebook(jupyter_server.root_dir / "alice.ipynb", CELLS)
    given = exercises.skeyid_e("alice").given
    wrong = skeyid_e(given, given["CKY-R"], given["CKY-I"]).hex()  # cookies swapped
    right = skeyid_e(given, given["CKY-I"], given["CKY-R"]).hex()
    nb = notebook_page
    nb.run("alice.ipynb", expected_cells=len(CELLS))
    feedback = nb.html_widget("vpnteach-feedback")
    nb.type_into(".vpnteach-answer", wrong)
    nb.click_button("Check")
    expect(feedback).to_contain_text("CKY-I and CKY-R are swapped")
    nb.type_into(".vpnteach-answer", right)
    nb.click_button("Check")
    expect(feedback).to_contain_text("✔ Correct")
    _save(nb)
    saved = _saved_records(path, 2)
    assert [(r["answer"], r["attempt"], r["source"]) for r in saved] == [
        (wrong, 1, "widget"),
        (right, 2, "widget"),
    ]
    assert MIME in path.read_text() and "correct" not in json.dumps(saved)
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(path, submissions / "alice.ipynb")
    row = grade_folder(submissions).row("alice", "skeyid_e")
    assert (row.status, row.attempts, row.score) == ("correct", 2, 1.0)

    # a kernel restart drops the old widget (and its records) from the next save, but the
    # new kernel numbers its attempts after the saved ones (JPY_SESSION_NAME)
    _restart_and_run_all(nb)
    nb.type_into(".vpnteach-answer", right)
    nb.click_button("Check")
    expect(nb.html_widget("vpnteach-feedback")).to_contain_text("✔ Correct")
    _save(nb)
    deadline = time.monotonic() + 20
    while [r["attempt"] for r in _saved_records(path, 1)] != [3]:
        assert time.monotonic() < deadline, _saved_records(path, 1)
        time.sleep(0.3)
    shutil.copy(path, submissions / "alice.ipynb")
    row = grade_folder(submissions).row("alice", "skeyid_e")
    assert (row.status, row.attempts) == ("correct", 3)


def _save(nb: Notebook) -> None:
    nb.page.locator(".jp-NotebookPanel .jp-Cell").first.click()  # leave the answer box
    nb.page.keyboard.press("Escape")
    nb.page.keyboard.press("Control+s")


def _restart_and_run_all(nb: Notebook) -> None:
    """Kernel ▸ Restart Kernel…, confirmed, then Run ▸ Run All Cells, as a learner would."""
    nb.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^\s*Kernel\s*$")).click()
    nb.page.locator('li[data-command="kernelmenu:restart"]').click()
    nb.page.locator(".jp-Dialog button.jp-mod-accept").click()
    nb.wait_kernel_idle()
    nb.run_all()
    nb.wait_all_cells_done(len(CELLS))
