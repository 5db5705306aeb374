"""``python -m vpnteach`` is the ``vpnteach`` command."""

from __future__ import annotations

from vpnteach.cli import main

raise SystemExit(main())
