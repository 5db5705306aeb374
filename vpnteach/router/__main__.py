"""``python -m vpnteach.router ...`` = ``vpnteach router ...``."""

from __future__ import annotations

import sys

from vpnteach.router.cli import main_router

sys.exit(main_router(sys.argv[1:]))
