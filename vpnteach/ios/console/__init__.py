"""An IOS console over one router, sans-IO: :class:`Console` (a line in, text out), the
:class:`ConsoleDevice` protocol a router implements for it, and the seed's dialogues
(:mod:`vpnteach.ios.console.dialogs`). Front ends: ``vpnteach console`` and the notebook
widget (:mod:`vpnteach.ui`); the lab binds a router in :mod:`vpnteach.labs.console`."""

from __future__ import annotations

from vpnteach.ios.console.device import CaOffer, ConsoleDevice, EnrollAnswers
from vpnteach.ios.console.engine import Console

__all__ = ["CaOffer", "Console", "ConsoleDevice", "EnrollAnswers"]
