"""The console widget's logic without a browser: stock ipywidgets driven from Python."""

from __future__ import annotations

import vpnteach.ui  # noqa: F401  (registers the widgets)
from vpnteach._html import find_widget
from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.ui.console_widget import ConsoleWidget


def _submit(widget: ConsoleWidget, line: str) -> None:
    field = widget.password if widget.console.secret else widget.text
    field.value = line
    widget._submit(field)


def test_enter_question_mark_buttons_and_the_prompt() -> None:
    lab = Lab.seed()
    widget = ConsoleWidget(lab.branch1.console())
    assert widget.prompt.value == "Branch1>"
    for line in ("en", "conf t", "cry isa pol 20", "encr aes 256", "end"):
        _submit(widget, line)
    assert widget.prompt.value == "Branch1#"
    widget.text.value = "sh cry isa ?"  # shown at once, the line given back without "?"
    assert "policy  Show ISAKMP protection suite policies" in widget.screen.value
    assert widget.text.value == "sh cry isa "
    widget.text.value = "sh cry isa pol"
    widget._tab()
    assert widget.text.value == "sh cry isa policy "
    _submit(widget, widget.text.value)
    assert "Protection suite of priority 20" in widget.screen.value
    widget._up()
    assert widget.text.value == "sh cry isa policy"
    assert "Branch1(config-isakmp)#encr aes 256" in widget.screen.value
    assert lab.branch1.config.isakmp_policies[20].key_length == 256


def test_a_console_shows_as_its_widget_once_the_views_are_loaded() -> None:
    assert find_widget(Console) is ConsoleWidget
    widget = Lab.seed().branch1.console().widget()
    assert isinstance(widget, ConsoleWidget)
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
