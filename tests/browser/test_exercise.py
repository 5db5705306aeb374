"""A self-graded exercise in a real JupyterLab, driven by Debian's Chromium (issue 8, must show).

The notebook loads ``%load_ext vpnteach`` and shows ``exercises.skeyid_e("alice").widget()``,
as the course notebooks do. The test computes two answers itself, with ``hmac`` from the values
the statement gives (``ex.given``), independently of the package's checker: SKEYID_e with CKY-I
and CKY-R swapped (a typical mistake) and the right one (RFC 2409 §5). It types the wrong one,
clicks Check and expects the feedback aimed at swapped cookies; asks for a hint; then types the
right one and expects it accepted. Screenshots go to ``artifacts/browser/``.

A second test runs the course notebook ``notebooks/06-key-derivation.ipynb`` itself: every cell
without error, the derivation graph drawn as inline SVG, and its SKEYID_e exercise (for the
learner the notebook reports) answering the same swapped-cookies mistake.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil

import pytest

from tests.browser.jupyter import REPO, JupyterLabServer, write_notebook
from tests.browser.notebook import Notebook, expect
from vpnteach import exercises

LEARNER = "alice"
CELLS = [
    f"""\
%load_ext vpnteach
from vpnteach import exercises

ex = exercises.skeyid_e({LEARNER!r})
ex.widget()
""",
]
DIGESTS = {"MD5": hashlib.md5, "SHA": hashlib.sha1}


def skeyid_e(given: dict[str, object], cky_i: bytes, cky_r: bytes) -> bytes:
    """RFC 2409 §5: SKEYID_d, SKEYID_a, SKEYID_e chained with prf = HMAC(hash)."""
    digest = DIGESTS[str(given["hash"])]
    skeyid, g_xy = given["SKEYID"], given["g^xy"]
    assert isinstance(skeyid, bytes) and isinstance(g_xy, bytes)

    def prf(data: bytes) -> bytes:
        return hmac.new(skeyid, data, digest).digest()

    # SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    skeyid_d = prf(g_xy + cky_i + cky_r + b"\x00")
    # SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    skeyid_a = prf(skeyid_d + g_xy + cky_i + cky_r + b"\x01")
    # SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
    return prf(skeyid_a + g_xy + cky_i + cky_r + b"\x02")


@pytest.fixture(scope="module")
def exercise_notebook(jupyter_server: JupyterLabServer) -> str:
    write_notebook(jupyter_server.root_dir / "exercise.ipynb", CELLS)
    return "exercise.ipynb"


def test_a_wrong_answer_gets_targeted_feedback_and_the_right_one_is_accepted(
    notebook_page: Notebook, exercise_notebook: str
) -> None:
    given = exercises.skeyid_e(LEARNER).given
    cky_i, cky_r = given["CKY-I"], given["CKY-R"]
    swapped = skeyid_e(given, cky_r, cky_i).hex()
    right = skeyid_e(given, cky_i, cky_r).hex()
    assert swapped != right

    nb = notebook_page
    nb.run(exercise_notebook, expected_cells=len(CELLS))
    output = nb.cell_output(0)
    expect(output).to_contain_text("Derive SKEYID_e")
    expect(output).to_contain_text(cky_i.hex())  # alice's own values are in the statement
    feedback = nb.html_widget("vpnteach-feedback")
    expect(feedback).to_have_text("")

    nb.type_into(".vpnteach-answer", swapped)
    nb.click_button("Check")
    expect(feedback).to_contain_text("✘ Not yet")
    expect(feedback).to_contain_text("CKY-I and CKY-R are swapped")
    expect(feedback).to_contain_text("the initiator's cookie always comes first")
    nb.screenshot("exercise-skeyid_e-wrong", of=output)

    nb.click_button("Hint")
    expect(nb.html_widget("vpnteach-hints")).to_contain_text("SKEYID_d, then SKEYID_a")

    nb.type_into(".vpnteach-answer", right)
    nb.click_button("Check")
    expect(feedback).to_contain_text("✔ Correct")
    expect(feedback).not_to_contain_text("Not yet")
    nb.screenshot("exercise-skeyid_e-right", of=output)
    assert nb.errors() == []


COURSE_NOTEBOOK = REPO / "notebooks" / "06-key-derivation.ipynb"


def run_all_from_a_code_cell(nb: Notebook) -> None:
    """Run ▸ Run All Cells with a code cell selected. (``Notebook.run_all`` clicks the first
    cell's editor, which a rendered Markdown cell hides: course notebooks start with one.)"""
    nb.page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-editor").first.click()
    item = nb.page.locator('li[data-command="runmenu:run-all"]')
    for _ in range(50):
        nb.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^\s*Run\s*$")).click()
        item.wait_for()
        if "lm-mod-disabled" not in (item.get_attribute("class") or ""):
            item.click()
            return
        nb.page.keyboard.press("Escape")
        nb.page.wait_for_timeout(200)
    raise AssertionError("Run All stayed disabled")


def test_the_key_derivation_course_notebook_runs_and_its_exercise_gives_feedback(
    notebook_page: Notebook, jupyter_server: JupyterLabServer
) -> None:
    shutil.copy(COURSE_NOTEBOOK, jupyter_server.root_dir / COURSE_NOTEBOOK.name)
    nb = notebook_page
    nb.open(COURSE_NOTEBOOK.name)
    nb.wait_kernel_idle()
    run_all_from_a_code_cell(nb)
    nb.wait_all_cells_done()
    assert nb.errors() == []
    graph = nb.page.locator(".jp-OutputArea svg g.node", has_text="SKEYID_e")
    expect(graph.first).to_be_visible()

    learner_cell = nb.page.locator(".jp-CodeCell", has_text="exercises.current_learner()")
    shown = learner_cell.locator(".jp-OutputArea-output").inner_text()  # e.g. 'anonymous'
    learner = re.fullmatch(r"\s*'([^']*)'\s*", shown).group(1)  # type: ignore[union-attr]
    given = exercises.skeyid_e(learner).given
    swapped = skeyid_e(given, given["CKY-R"], given["CKY-I"]).hex()

    form = nb.page.locator(".vpnteach-exercise-widget", has_text="Derive SKEYID_e")
    expect(form).to_contain_text(given["CKY-I"].hex())
    answer = form.locator(".vpnteach-answer input")
    answer.fill(swapped)
    answer.dispatch_event("change")
    form.locator("button.widget-button", has_text="Check").click()
    feedback = form.locator(".vpnteach-feedback .widget-html-content")
    expect(feedback).to_contain_text("CKY-I and CKY-R are swapped")
    nb.screenshot("course-06-skeyid_e-wrong", of=form)
