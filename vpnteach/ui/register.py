"""Which rich view each core class gets, and :func:`to_html` for anything we can show.

:func:`register_all` puts the renderers below into :data:`vpnteach._html.RENDERERS`, so every
``HtmlRepr`` value's ``_repr_html_`` uses them, and the widgets into
:data:`vpnteach._html.WIDGETS`, so ``stepper.widget()`` and ``exercise.widget()`` work.
Classes that are not ``HtmlRepr`` (a whole :class:`~vpnteach.trace.Trace`, a
:class:`~vpnteach.ike.transitions.TransitionTable`) are shown through :func:`to_html`, which
the IPython extension also registers with IPython's HTML formatter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vpnteach._html import (
    RENDERERS,
    WidgetFactory,
    plain_html,
    register_renderer,
    register_widget,
)
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import ModpGroup
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.exercises.base import Exercise
from vpnteach.ike.transitions import TransitionTable
from vpnteach.ios.console import Console
from vpnteach.pki.validation import CertificateCheck, CheckItem
from vpnteach.stepper.enrollment import DerLayer, FingerprintComparison, ScepExchange
from vpnteach.stepper.stepper import Stepper
from vpnteach.trace import Fact, Trace
from vpnteach.ui import cards, scep, stepper_widget
from vpnteach.ui.console_widget import ConsoleWidget
from vpnteach.ui.exercise_widget import exercise_widget
from vpnteach.ui.facts import derivation_html, fact_html, ledger_html
from vpnteach.ui.statechart import state_diagram_html
from vpnteach.ui.tree import message_html
from vpnteach.wire import Message


def _typed(fn: Callable[[Any], str]) -> Callable[[object], str]:
    """A renderer for one class, typed as the registry wants (``object -> str``)."""
    return fn


def trace_html(trace: Trace) -> str:
    """A trace: its key ledger, then its derivation graph."""
    title = f"Key ledger of {trace.actor}" if trace.actor else "Key ledger"
    return ledger_html(trace, title) + derivation_html(trace, "Key derivation")


RICH: dict[type, Callable[[object], str]] = {
    Message: _typed(message_html),
    Fact: _typed(fact_html),
    CertificateCheck: _typed(cards.checklist_html),
    CheckItem: _typed(lambda item: f"<ul>{cards.check_item_html(item)}</ul>"),
    DhComputation: _typed(cards.dh_html),
    ModpGroup: _typed(cards.modp_group_html),
    SignatureCheck: _typed(cards.signature_html),
    EspPacket: _typed(cards.esp_packet_html),
    Dropped: _typed(cards.dropped_html),
    ScepExchange: _typed(scep.exchange_html),
    DerLayer: _typed(scep.layer_html),
    FingerprintComparison: _typed(scep.fingerprint_html),
}
"""Rich views of ``HtmlRepr`` core classes."""

OTHERS: dict[type, Callable[[object], str]] = {
    Trace: _typed(trace_html),
    TransitionTable: _typed(state_diagram_html),
}
"""Views of core classes that have no ``_repr_html_`` of their own."""

WIDGETS: dict[type, WidgetFactory] = {
    Console: ConsoleWidget,
    Stepper: stepper_widget.StepperWidget,
    Exercise: exercise_widget,
}
"""The interactive widget of each core class that has one."""


def register_all() -> None:
    """Register every rich renderer and every widget in :mod:`vpnteach._html` (idempotent)."""
    for cls, renderer in RICH.items():
        register_renderer(cls, renderer)
    stepper_widget.register()
    for cls, factory in WIDGETS.items():
        register_widget(cls, factory)


def to_html(value: object) -> str:
    """The best HTML view of ``value``: a rich renderer, its own ``_repr_html_``, or plain."""
    for cls in type(value).__mro__:
        renderer = RENDERERS.get(cls) or OTHERS.get(cls)
        if renderer is not None:
            return renderer(value)
    own = getattr(value, "_repr_html_", None)
    if callable(own):
        return str(own())
    return plain_html(value)
