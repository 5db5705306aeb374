"""``%load_ext vpnteach``: rich notebook views for vpnteach values.

``vpnteach.load_ipython_extension`` delegates here. Loading registers the rich renderers (as
``import vpnteach.ui`` does) and teaches IPython's HTML formatter the classes that have no
``_repr_html_`` of their own (a whole ``Trace``, a ``TransitionTable``). Without the extension
every ``HtmlRepr`` value still shows a plain, readable HTML table.
"""

from __future__ import annotations

from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    """Called by IPython for ``%load_ext vpnteach``."""
    from vpnteach.ui.register import OTHERS, register_all

    register_all()
    formatter = ipython.display_formatter.formatters["text/html"]
    for cls, renderer in OTHERS.items():
        formatter.for_type(cls, renderer)


def unload_ipython_extension(ipython: Any) -> None:
    """Called by IPython for ``%unload_ext vpnteach``: forget the formatter entries."""
    from vpnteach.ui.register import OTHERS

    formatter = ipython.display_formatter.formatters["text/html"]
    for cls in OTHERS:
        formatter.type_printers.pop(cls, None)
