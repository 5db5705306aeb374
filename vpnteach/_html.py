"""Notebook views for core values without importing any Jupyter package.

Two registries, both filled by ``vpnteach.ui`` when it is imported (``%load_ext vpnteach``
imports it):

* :data:`RENDERERS` — HTML views. Core values inherit :class:`HtmlRepr`, whose ``_repr_html_``
  looks up a renderer for the value's class (or a base class). Without one, a plain, escaped,
  readable view is shown.
* :data:`WIDGETS` — interactive widgets (``stepper.widget()``, ``exercise.widget()``).
  :func:`widget_of` builds one; without a registered factory it raises :class:`ViewsNotLoaded`,
  whose one-line message tells the learner to run ``%load_ext vpnteach``. A class inheriting
  :class:`WidgetRepr` is displayed in a notebook as its widget.

This keeps the arrow pointing one way: ``ui`` knows the core, the core never imports ``ui``.
Standard library only.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from typing import Any

Renderer = Callable[[object], str]
WidgetFactory = Callable[[Any], Any]
"""``factory(value) -> widget``: an ipywidgets widget (or anything IPython can display)."""

RENDERERS: dict[type, Renderer] = {}
WIDGETS: dict[type, WidgetFactory] = {}

LOAD_VIEWS = "run `%load_ext vpnteach` (or `import vpnteach.ui`) first"
"""What a learner does to get the notebook views."""


class ViewsNotLoaded(RuntimeError):
    """A widget was asked for before ``vpnteach.ui`` registered the widgets."""


def register_renderer(cls: type, renderer: Renderer) -> None:
    """Use ``renderer(value) -> html`` for instances of ``cls`` and its subclasses."""
    RENDERERS[cls] = renderer


def plain_html(value: object) -> str:
    """A readable fallback view: a dataclass as a two-column table, anything else as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(f.name)}</th>"
            f"<td><code>{html.escape(_short(getattr(value, f.name)))}</code></td></tr>"
            for f in dataclasses.fields(value)
        )
        title = html.escape(type(value).__name__)
        return f"<table><caption>{title}</caption>{rows}</table>"
    return f"<pre>{html.escape(repr(value))}</pre>"


def _short(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return repr(value)


class HtmlRepr:
    """Mixin giving a value a notebook view through the renderer registry."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        for cls in type(self).__mro__:
            renderer = RENDERERS.get(cls)
            if renderer is not None:
                return renderer(self)
        return plain_html(self)


def register_widget(cls: type, factory: WidgetFactory) -> None:
    """Use ``factory(value) -> widget`` for instances of ``cls`` and its subclasses."""
    WIDGETS[cls] = factory


def find_widget(cls: type) -> WidgetFactory | None:
    """The widget factory registered for ``cls`` or its nearest base class, if any."""
    return next((WIDGETS[base] for base in cls.__mro__ if base in WIDGETS), None)


def widget_of(value: object) -> Any:
    """``value``'s interactive widget, or :class:`ViewsNotLoaded` saying what to run."""
    factory = find_widget(type(value))
    if factory is None:
        name = type(value).__name__
        raise ViewsNotLoaded(f"{name}.widget() needs vpnteach's notebook views: {LOAD_VIEWS}")
    return factory(value)


class WidgetRepr:
    """Mixin for a value a notebook shows as its widget: ``widget()`` and the display hook.

    Without registered widgets the notebook shows the value's ``repr`` and the one line that
    says how to load them, instead of an error.
    """

    __slots__ = ()

    def widget(self) -> Any:
        """This value's interactive widget (see :func:`widget_of`)."""
        return widget_of(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        factory = find_widget(type(self))
        if factory is None:
            hint = f"{type(self).__name__}: {LOAD_VIEWS} to see its widget"
            text = f"{self!r}\n{hint}"
            return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}
        bundle: dict[str, Any] = factory(self)._repr_mimebundle_(**kwargs)
        return bundle
