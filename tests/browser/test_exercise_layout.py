"""Exercise widgets are readable and accessible in a 1280×800 Chromium (issue 18).

Two exercises as learners see them (a one-line answer and the multi-line configuration fix):
the answer box stays inside the output area, no text is under 11 px, and axe-core finds no
serious or critical WCAG 2.1 A/AA violation in the form, before and after Check and Hint.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.layout import axe_available, axe_violations, layout_problems
from tests.browser.notebook import Notebook, expect

CELLS = [
    "%load_ext vpnteach\nfrom vpnteach import exercises",
    'exercises.skeyid_e("alice").widget()',
    'exercises.fix_config("alice").widget()',
]


@pytest.fixture(scope="module")
def exercise_notebook(jupyter_server: JupyterLabServer) -> str:
    write_notebook(jupyter_server.root_dir / "exercise-layout.ipynb", CELLS)
    return "exercise-layout.ipynb"


def _check(nb: Notebook, cell: int, when: str) -> None:
    form = nb.cell_output(cell).locator(".vpnteach-exercise-widget").first
    form.scroll_into_view_if_needed()
    problems = layout_problems(form, nb.cell_output(cell))
    assert problems["texts"] > 3, problems
    assert problems["small"] == [], f"cell {cell} {when}: {problems['small']}"
    assert problems["wide"] == [], f"cell {cell} {when}: {problems['wide']}"
    assert problems["scrolls"] == [], f"cell {cell} {when}: {problems['scrolls']}"


def test_exercise_forms_fit_the_output_and_pass_axe(
    small_page: Notebook, exercise_notebook: str
) -> None:
    axe_available()
    nb = small_page
    nb.run(exercise_notebook, expected_cells=len(CELLS))
    for cell in (1, 2):
        expect(nb.cell_output(cell).locator(".vpnteach-answer")).to_be_visible()
        _check(nb, cell, "as opened")
    nb.screenshot("exercise-1280x800-opened")
    first = nb.cell_output(1)
    first.locator(".vpnteach-answer input").fill("00" * 24)
    first.locator("button", has_text="Check").click()
    expect(first.locator(".vpnteach-feedback .widget-html-content")).not_to_have_text("")
    first.locator("button", has_text="Hint").click()
    expect(first.locator(".vpnteach-hint-list li")).to_have_count(1)
    _check(nb, 1, "after Check and Hint")
    nb.screenshot("exercise-1280x800-checked", of=first)
    found = {
        f"cell {cell}": axe_violations(
            nb.page,
            f".jp-NotebookPanel .jp-CodeCell:nth-child({cell + 1}) .vpnteach-exercise-widget",
        )
        for cell in (1, 2)
    }
    assert all(v == [] for v in found.values()), json.dumps(found, indent=1)
