"""vpnteach: learn a site-to-site IPsec VPN by running a real one, one step at a time.

The package is layered (see DESIGN.md): ``wire`` and ``crypto`` at the bottom, then ``pki``
and ``ike``, then the lab, the stepper and finally ``ui``. Importing ``vpnteach`` is cheap and
never imports Jupyter, ipywidgets or graphviz.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext vpnteach``: register the rich notebook views (imports Jupyter lazily)."""
    from vpnteach.ui.extension import load_ipython_extension as load

    load(ipython)
