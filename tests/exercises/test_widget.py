"""The exercise widget: stock ipywidgets, loaded only when a widget is asked for."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from vpnteach import exercises

widgets = pytest.importorskip("ipywidgets")


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
    code = (
        "import sys, vpnteach.exercises\n"
        "print(sorted({'IPython', 'ipywidgets', 'nbclient'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
