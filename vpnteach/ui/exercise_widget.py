"""An exercise as a form of stock ipywidgets: statement, answer box, Check, feedback, Hint.

ipywidgets is imported inside :func:`exercise_widget` only, so importing
:mod:`vpnteach.exercises` never loads Jupyter packages. Every part carries a CSS class
(``vpnteach-answer``, ``vpnteach-check``, ``vpnteach-feedback``, ``vpnteach-hint``,
``vpnteach-hints``) so a browser test can find it.

Every Check is recorded like ``ex.check``'s (:mod:`vpnteach.exercises.records`): the record
is appended to a hidden ``ipywidgets.Output`` of the form (``vpnteach-records``), whose
outputs JupyterLab saves in the notebook's widget state; the grader reads them there.
"""

from __future__ import annotations

import html
from typing import Any

from vpnteach.exercises import records
from vpnteach.exercises.base import Exercise, Feedback


def feedback_html(feedback: Feedback) -> str:
    """The feedback area's content for one verdict."""
    return feedback._repr_html_()


def hints_html(exercise: Exercise[Any, Any], shown: int) -> str:
    """The first ``shown`` hints of the ladder as a numbered list."""
    items = "".join(f"<li>{html.escape(h)}</li>" for h in exercise.hints[:shown])
    return f"<ol class='vpnteach-hint-list'>{items}</ol>" if items else ""


def _text_block(content: str) -> str:
    """``content`` at a text line height (an HTML widget's line is 28 px high)."""
    return f"<div style='line-height:1.4'>{content}</div>" if content else ""


def exercise_widget(exercise: Exercise[Any, Any]) -> Any:
    """A ``VBox`` with the statement, a Textarea, Check and Hint buttons and their outputs."""
    import ipywidgets as widgets

    statement = widgets.HTML(_text_block(exercise.statement.html))
    multiline = exercise.kind == "fix"
    box_class = widgets.Textarea if multiline else widgets.Text
    # width auto: the form's column stretches the box to the output's width *minus* the
    # widget margins (width 100% plus those margins overflowed the output area)
    answer = box_class(
        placeholder=exercise.answer_format,
        layout=widgets.Layout(width="auto", height="12em" if multiline else "auto"),
    )
    check = widgets.Button(description="Check", button_style="primary")
    hint = widgets.Button(description="Hint")
    feedback = widgets.HTML("")
    hints = widgets.HTML("")
    saved = widgets.Output(layout=widgets.Layout(display="none"))
    state = {"shown": 0}

    def on_check(_: Any) -> None:
        verdict = exercise.check(answer.value, source="widget")
        if exercise.last_record is not None:
            saved.outputs = (*saved.outputs, records.output(exercise.last_record))
        feedback.value = _text_block(feedback_html(verdict))

    def on_hint(_: Any) -> None:
        state["shown"] = min(state["shown"] + 1, len(exercise.hints))
        hints.value = _text_block(hints_html(exercise, state["shown"]))
        if state["shown"] == len(exercise.hints):
            hint.disabled = True

    check.on_click(on_check)
    hint.on_click(on_hint)
    for part, name in (
        (answer, "answer"),
        (check, "check"),
        (hint, "hint"),
        (feedback, "feedback"),
        (hints, "hints"),
        (saved, "records"),
    ):
        part.add_class(f"vpnteach-{name}")
    form = widgets.VBox([statement, answer, widgets.HBox([check, hint]), feedback, hints, saved])
    form.add_class("vpnteach-exercise-widget")
    return form
