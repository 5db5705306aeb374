"""Notebook views of vpnteach values: the only package that may import IPython, ipywidgets or
graphviz (each imported lazily, inside the function that needs it).

Importing ``vpnteach.ui`` registers the rich renderers for core classes and the widgets of
``stepper.widget()`` and ``exercise.widget()`` in :mod:`vpnteach._html`'s registries (see
:mod:`vpnteach.ui.register`; the core never imports ``ui``); ``%load_ext vpnteach`` does the
same and adds IPython formatters for ``Trace`` and ``TransitionTable``. The pieces:

* :func:`message_html`, :func:`message_hexdump_html`, :func:`payload_tree_html`: an ISAKMP
  message as a payload tree and an annotated hex dump (plaintext and ciphertext views);
* :func:`ledger_html`, :func:`derivation_html`: the key ledger and the derivation graph of a
  trace's facts;
* :func:`checklist_html` and the other cards in :mod:`vpnteach.ui.cards`;
* :func:`ladder_html`: the message sequence so far; :func:`state_diagram_html`: a transition
  table with the current state of each peer marked;
* :func:`diagram_html`, :func:`render_svg`: DOT to inline SVG with whatever Graphviz exists;
* :func:`step_html` and :class:`StepperWidget`: the stepper's steps and its widget.
"""

from __future__ import annotations

from typing import Any

from vpnteach.ui.cards import checklist_html, dh_html, esp_packet_html, signature_html
from vpnteach.ui.facts import derivation_dot, derivation_html, fact_html, ledger_html
from vpnteach.ui.graphviz_backend import diagram_html, find_renderer, render_svg
from vpnteach.ui.hexdump import hexdump_html, message_hexdump_html
from vpnteach.ui.ladder import LadderEntry, ladder_html, ladder_svg
from vpnteach.ui.register import register_all, to_html
from vpnteach.ui.statechart import state_diagram_dot, state_diagram_html
from vpnteach.ui.stepper_widget import StepperWidget, step_html
from vpnteach.ui.tree import message_html, payload_tree_html

register_all()


def html_widget(value: object) -> Any:
    """``value``'s HTML view in an ``ipywidgets.HTML`` (inline SVG stays queryable there)."""
    import ipywidgets

    return ipywidgets.HTML(value=to_html(value))


__all__ = [
    "LadderEntry",
    "StepperWidget",
    "checklist_html",
    "derivation_dot",
    "derivation_html",
    "dh_html",
    "diagram_html",
    "esp_packet_html",
    "fact_html",
    "find_renderer",
    "hexdump_html",
    "html_widget",
    "ladder_html",
    "ladder_svg",
    "ledger_html",
    "message_hexdump_html",
    "message_html",
    "payload_tree_html",
    "register_all",
    "render_svg",
    "signature_html",
    "state_diagram_dot",
    "state_diagram_html",
    "step_html",
    "to_html",
]
