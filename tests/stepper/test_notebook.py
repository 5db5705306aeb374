"""Displaying a stepper in a real kernel (nbclient, no browser): the cell's output is the
StepperWidget's widget view, and a step shows as HTML through its registered view."""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import require

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def outputs() -> list[list[dict[str, object]]]:
    require(importlib.util.find_spec("nbclient") is not None, "needs nbclient and ipykernel")
    import nbformat
    from nbclient import NotebookClient

    cells = [
        "from vpnteach.stepper import Stepper\nstepper = Stepper.seed()",
        "stepper",  # displaying the stepper shows its widget
        "stepper[45]",  # a step has a notebook view of its own
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return [cell.outputs for cell in notebook.cells]


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
