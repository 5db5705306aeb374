"""Displaying a stepper in a real kernel (nbclient, no browser): after ``%load_ext vpnteach``
the cell's output is the StepperWidget's widget view and a step shows as HTML through its
registered view, also for a stepper made by ``Stepper.for_lab(Lab.seed())``. Before the
extension nothing imports ``vpnteach.ui``: a step shows its plain table and the stepper says in
one line what to run."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import require

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _run(cells: list[str]) -> list[list[dict[str, object]]]:
    """The outputs of each cell of a notebook of ``cells``, run in a fresh kernel."""
    require(importlib.util.find_spec("nbclient") is not None, "needs nbclient and ipykernel")
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return [cell.outputs for cell in notebook.cells]


@pytest.fixture(scope="module")
def outputs() -> list[list[dict[str, object]]]:
    return _run([
        "%load_ext vpnteach\nfrom vpnteach.stepper import Stepper\nstepper = Stepper.seed()",
        "stepper",  # displaying the stepper shows its widget
        "stepper[45]",  # a step has a notebook view of its own
    ])  # fmt: skip


@pytest.fixture(scope="module")
def lab_outputs() -> list[list[dict[str, object]]]:
    return _run([
        "from vpnteach.lab import Lab\nfrom vpnteach.stepper import Stepper\n"
        "stepper = Stepper.for_lab(Lab.seed())",
        "stepper[45]",  # before anything else: no extension loaded
        "stepper",
        "import sys\n'vpnteach.ui' in sys.modules",
        "%load_ext vpnteach",
        "stepper[45]",
        "stepper.widget()",
    ])  # fmt: skip


def _data(cell: list[dict[str, object]]) -> dict[str, object]:
    (shown,) = cell
    data = shown["data"]
    assert isinstance(data, dict)
    return data


def test_displaying_the_stepper_shows_the_widget(outputs: list[list[dict[str, object]]]) -> None:
    assert WIDGET_VIEW in _data(outputs[1])


def test_a_step_renders_as_html_in_the_notebook(outputs: list[list[dict[str, object]]]) -> None:
    html = str(_data(outputs[2])["text/html"])
    assert "data-kind='MESSAGE'" in html and "MM5: Branch1 → Branch2" in html


def test_without_the_extension_a_step_shows_its_plain_view_and_no_ui_is_loaded(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    html = str(_data(lab_outputs[1])["text/html"])
    assert "<caption>Step</caption>" in html and "data-kind" not in html
    assert _data(lab_outputs[3]) == {"text/plain": "False"}


def test_without_the_extension_the_stepper_says_what_to_run(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    data = _data(lab_outputs[2])
    assert WIDGET_VIEW not in data
    for mime in ("text/plain", "text/html"):
        assert "run `%load_ext vpnteach` (or `import vpnteach.ui`) first" in str(data[mime])


def test_with_the_extension_the_step_renders_its_rich_view(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    assert lab_outputs[4] == []
    html = str(_data(lab_outputs[5])["text/html"])
    assert "data-kind='MESSAGE'" in html and "MM5: Branch1 → Branch2" in html


def test_lab_stepper_widget_displays_as_a_widget(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    assert WIDGET_VIEW in _data(lab_outputs[6])
