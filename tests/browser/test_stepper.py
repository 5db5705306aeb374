"""The StepperWidget in a real JupyterLab, driven by Debian's Chromium (issue 7, must show).

A notebook builds the seed lab (``Lab.seed()``) behind a stepper and shows its widget. The
test runs every cell, clicks ``Next ▶`` until the step is Main Mode message 5 (each click waits
for the widget to show the next step number), then checks what a learner would see there: the
Message tab lists the payloads Branch2 decrypted (ID, CERT, SIG), and the Main Mode state
diagram marks Branch1 in ``IKE_I_MM5``. ``◀ Back`` then goes back in the run: the Message tab
falls back to MM4, and one more step back the diagram marks ``IKE_I_MM4``. Screenshots are
saved under ``artifacts/browser/``.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.notebook import Notebook, expect

CELLS = [
    """\
%load_ext vpnteach
from vpnteach.lab import Lab
from vpnteach.stepper import stepper_for

stepper = stepper_for(lambda: Lab.seed(seed=2010))
print(len(stepper), "steps")
""",
    "stepper.widget()",
]
MAX_CLICKS = 80


@pytest.fixture(scope="module")
def stepper_notebook(jupyter_server: JupyterLabServer) -> str:
    write_notebook(jupyter_server.root_dir / "stepper.ipynb", CELLS)
    return "stepper.ipynb"


def _title(nb: Notebook) -> str:
    return nb.html_widget_text("vt-stepper-title")


def _click_next_until(nb: Notebook, pattern: str) -> int:
    """Click ``Next ▶`` (waiting for each step to show) until the title matches; its index."""
    title = nb.html_widget("vt-stepper-title")
    for _ in range(MAX_CLICKS):
        text = _title(nb)
        index = int(re.search(r"Step (\d+) of", text).group(1))  # type: ignore[union-attr]
        if re.search(pattern, text):
            return index
        nb.click_button("Next ▶")
        expect(title).to_contain_text(f"Step {index + 1} of")
    raise AssertionError(f"no step matching {pattern!r} within {MAX_CLICKS} clicks")


def _marked(nb: Notebook, state: str) -> None:
    """The Main Mode diagram marks ``state`` as some peer's current state (waits for it)."""
    titles = nb.current_state_titles("vt-stepper-mm-diagram")
    expect(titles.filter(has_text=re.compile(rf"^{state}$"))).to_have_count(1)


def test_next_until_mm5_shows_decrypted_id_cert_sig_and_back_returns_to_mm4(
    notebook_page: Notebook, stepper_notebook: str
) -> None:
    started = time.monotonic()
    nb = notebook_page
    nb.run(stepper_notebook, expected_cells=len(CELLS))
    expect(nb.html_widget("vt-stepper-title")).to_contain_text("Step 0 of")

    index = _click_next_until(nb, r"MM5: Branch1 → Branch2")
    nb.click_tab("Message")
    message = nb.html_widget("vt-stepper-message")
    expect(message).to_contain_text("MM5: Branch1 → Branch2")
    expect(message.locator(".vt-payloads")).to_have_text(re.compile(r"^ID, CERT, SIG\b"))
    expect(message).to_contain_text("payloads (decrypted)")
    nb.screenshot("stepper-mm5-message", of=nb.cell_output(1))
    nb.click_tab("State machines")
    _marked(nb, "IKE_I_MM5")
    assert "IKE_I_MM5" in nb.svg_current_states("vt-stepper-mm-diagram")
    nb.screenshot("stepper-mm5", of=nb.cell_output(1))

    nb.click_button("◀ Back")
    expect(nb.html_widget("vt-stepper-title")).to_contain_text(f"Step {index - 1} of")
    nb.click_tab("Message")
    expect(message).to_contain_text("MM4: Branch2 → Branch1")
    expect(message).not_to_contain_text("MM5: Branch1 → Branch2")
    nb.screenshot("stepper-back-message-mm4", of=nb.cell_output(1))

    nb.click_button("◀ Back")
    expect(nb.html_widget("vt-stepper-title")).to_contain_text(f"Step {index - 2} of")
    nb.click_tab("State machines")
    _marked(nb, "IKE_I_MM4")
    assert "IKE_I_MM5" not in nb.svg_current_states("vt-stepper-mm-diagram")
    nb.screenshot("stepper-back-mm4-diagram", of=nb.cell_output(1))
    assert nb.errors() == []
    print(f"stepper browser test: {time.monotonic() - started:.1f} s")


def test_play_advances_the_steps_by_itself_and_reset_returns_to_step_0(
    notebook_page: Notebook, stepper_notebook: str
) -> None:
    nb = notebook_page
    nb.run(stepper_notebook, expected_cells=len(CELLS))
    title = nb.html_widget("vt-stepper-title")
    expect(title).to_contain_text("Step 0 of")
    nb.click_button("▶ Play")
    expect(title).to_contain_text("Step 3 of", timeout=15_000)  # the browser's timer ticks
    nb.click_button("▶ Play")  # pauses
    nb.click_button("Reset")
    expect(title).to_contain_text("Step 0 of")
    nb.screenshot("stepper-reset", of=nb.cell_output(1))
