"""Displaying a stepper in a real kernel (nbclient, no browser): the cell's output is the
StepperWidget's widget view, and a step shows as HTML through its registered view, with or
without ``%load_ext vpnteach``, also for a stepper made by ``Lab.seed().stepper()``."""

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
        "from vpnteach.stepper import Stepper\nstepper = Stepper.seed()",
        "stepper",  # displaying the stepper shows its widget
        "stepper[45]",  # a step has a notebook view of its own
    ])  # fmt: skip


@pytest.fixture(scope="module")
def lab_outputs() -> list[list[dict[str, object]]]:
    return _run([
        "from vpnteach.lab import Lab\nstepper = Lab.seed().stepper()",
        "stepper[45]",  # before anything else: no extension loaded, no widget shown yet
        "import sys\n'vpnteach.ui.stepper_widget' in sys.modules",
        "%load_ext vpnteach",
        "stepper[45]",
        "stepper.widget()",
    ])  # fmt: skip


def _html(cell: list[dict[str, object]]) -> str:
    (shown,) = cell
    data = shown["data"]
    assert isinstance(data, dict)
    return str(data["text/html"])


def test_displaying_the_stepper_shows_the_widget(outputs: list[list[dict[str, object]]]) -> None:
    (shown,) = outputs[1]
    data = shown["data"]
    assert isinstance(data, dict) and WIDGET_VIEW in data


def test_a_step_renders_as_html_in_the_notebook(outputs: list[list[dict[str, object]]]) -> None:
    (shown,) = outputs[2]
    data = shown["data"]
    assert isinstance(data, dict)
    html = str(data["text/html"])
    assert "data-kind='MESSAGE'" in html and "MM5: Branch1 → Branch2" in html


def test_a_step_of_lab_stepper_renders_without_the_extension(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    html = _html(lab_outputs[1])
    assert "data-kind='MESSAGE'" in html and "MM5: Branch1 → Branch2" in html
    (loaded,) = lab_outputs[2]
    assert loaded["data"] == {"text/plain": "True"}  # the step imported its views itself


def test_with_the_extension_the_step_renders_the_same(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    assert lab_outputs[3] == []
    assert _html(lab_outputs[4]) == _html(lab_outputs[1])


def test_lab_stepper_widget_displays_as_a_widget(
    lab_outputs: list[list[dict[str, object]]],
) -> None:
    (shown,) = lab_outputs[5]
    data = shown["data"]
    assert isinstance(data, dict) and WIDGET_VIEW in data
