"""Notebook views for core values without importing any Jupyter package.

Core values inherit :class:`HtmlRepr`. Its ``_repr_html_`` looks up a renderer registered for
the value's class (or a base class) in :data:`RENDERERS`; ``vpnteach.ui`` registers the rich
views when it is imported. Without one, a plain, escaped, readable view is shown. This keeps
the arrow pointing one way: ``ui`` knows the core, the core never imports ``ui``.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable

Renderer = Callable[[object], str]

RENDERERS: dict[type, Renderer] = {}


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
