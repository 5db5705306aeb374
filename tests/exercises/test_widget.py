"""The exercise widget: stock ipywidgets, registered by ``vpnteach.ui`` (``%load_ext vpnteach``)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import loaded_by_import
from vpnteach import exercises

widgets = pytest.importorskip("ipywidgets")
pytest.importorskip("vpnteach.ui")  # registers the widgets, as ``%load_ext vpnteach`` does


def _parts(form: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [form]
    while stack:
        w = stack.pop()
        for cls in getattr(w, "_dom_classes", ()):
            found[cls.removeprefix("vpnteach-")] = w
        stack.extend(getattr(w, "children", ()))
    return found


def test_importing_exercises_loads_no_jupyter_package() -> None:
    assert loaded_by_import("vpnteach.exercises", {"IPython", "ipywidgets", "nbclient"}) == []


def test_without_the_notebook_views_widget_says_in_one_line_what_to_run() -> None:
    code = (
        "from vpnteach import exercises\n"
        "try:\n"
        "    exercises.ka('bob').widget()\n"
        "except RuntimeError as e:\n"
        "    print(type(e).__name__, e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == (
        "ViewsNotLoaded Ka.widget() needs vpnteach's notebook views: "
        "run `%load_ext vpnteach` (or `import vpnteach.ui`) first\n"
    )


def test_wrong_then_right_answer_in_the_widget() -> None:
    ex = exercises.skeyid_e("alice")
    parts = _parts(ex.widget())
    assert isinstance(parts["answer"], widgets.Text)
    wrong = next(m for m in ex._targeted_mistakes() if m.id == "cookies_swapped")
    parts["answer"].value = wrong.value.hex()
    parts["check"].click()
    assert "CKY-I and CKY-R are swapped" in parts["feedback"].value
    parts["answer"].value = ex.solution()
    parts["check"].click()
    assert "Correct" in parts["feedback"].value


def test_hint_button_reveals_the_ladder_step_by_step() -> None:
    ex = exercises.ka("bob")
    parts = _parts(ex.widget())
    assert parts["hints"].value == ""
    parts["hint"].click()
    assert ex.hints[0].split(":")[0] in parts["hints"].value
    assert ex.hints[1].split(":")[0] not in parts["hints"].value
    for _ in ex.hints[1:]:
        parts["hint"].click()
    assert parts["hints"].value.count("<li>") == len(ex.hints)
    assert parts["hint"].disabled


def test_fix_config_widget_has_a_multiline_answer_box() -> None:
    assert isinstance(_parts(exercises.fix_config("alice").widget())["answer"], widgets.Textarea)
