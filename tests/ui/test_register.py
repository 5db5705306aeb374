"""Registration: rich views after ``import vpnteach.ui`` and through ``%load_ext``."""

from __future__ import annotations

from typing import Any

from tests.conftest import loaded_by_import
from tests.ui.scenario import Scenario
from tests.ui.wellformed import assert_well_formed
from vpnteach._html import RENDERERS, WIDGETS, plain_html
from vpnteach.ike.transitions import MAIN_MODE
from vpnteach.trace import Trace
from vpnteach.ui import html_widget, to_html
from vpnteach.ui.extension import load_ipython_extension, unload_ipython_extension
from vpnteach.ui.register import RICH
from vpnteach.ui.register import WIDGETS as UI_WIDGETS
from vpnteach.wire import decode_message


def test_importing_ui_registers_a_rich_view_for_every_listed_class() -> None:
    for cls, renderer in RICH.items():
        assert RENDERERS[cls] is renderer


def test_importing_ui_registers_the_stepper_exercise_and_console_widgets() -> None:
    assert {cls.__name__ for cls in UI_WIDGETS} == {"Stepper", "Exercise", "Console"}
    for cls, factory in UI_WIDGETS.items():
        assert WIDGETS[cls] is factory


def test_core_values_use_the_rich_view_through_their_own_repr_html(lab: Scenario) -> None:
    msg = decode_message(lab.mm1)
    assert "vpnteach-hexdump" in msg._repr_html_()
    assert "✔ passed" in lab.check_ok._repr_html_()
    assert "SKEYID_e" in lab.trace.find("SKEYID_e")._repr_html_()


def test_without_a_rich_view_values_still_have_readable_html(lab: Scenario) -> None:
    text = assert_well_formed(plain_html(lab.check_ok))
    assert "CertificateCheck" in text and "Branch1.amit.com" in text


def test_to_html_covers_traces_and_transition_tables(lab: Scenario) -> None:
    trace_view = assert_well_formed(to_html(lab.trace))
    assert "Key ledger of Branch1" in trace_view and "Key derivation" in trace_view
    assert "Main Mode" in assert_well_formed(to_html(MAIN_MODE))
    assert to_html(3) == "<pre>3</pre>"


def test_importing_ui_loads_no_ipython_ipywidgets_or_graphviz() -> None:
    assert loaded_by_import("vpnteach.ui", {"IPython", "ipywidgets", "graphviz"}) == []


def _shell() -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def test_load_ext_adds_html_formatters_for_trace_and_tables(lab: Scenario) -> None:
    shell = _shell()
    shell.run_line_magic("load_ext", "vpnteach.ui.extension")
    try:
        data, _ = shell.display_formatter.format(lab.trace)
        assert "Key ledger of Branch1" in data["text/html"]
        data, _ = shell.display_formatter.format(MAIN_MODE)
        assert "IKE_I_MM1" in data["text/html"]
    finally:
        shell.run_line_magic("unload_ext", "vpnteach.ui.extension")
    data, _ = shell.display_formatter.format(Trace("x"))
    assert "Key ledger" not in data.get("text/html", "")  # back to the plain view


def test_extension_functions_work_on_any_shell_like_object(lab: Scenario) -> None:
    from IPython.core.formatters import DisplayFormatter

    class Shell:
        display_formatter = DisplayFormatter()

    shell = Shell()
    load_ipython_extension(shell)
    assert "Key ledger" in shell.display_formatter.format(lab.trace)[0]["text/html"]
    unload_ipython_extension(shell)
    assert "Key ledger" not in shell.display_formatter.format(lab.trace)[0].get("text/html", "")


def test_html_widget_holds_inline_svg_for_diagrams() -> None:
    widget = html_widget(MAIN_MODE)
    assert type(widget).__name__ == "HTML"
    assert "<svg" in widget.value or "DOT source" in widget.value
