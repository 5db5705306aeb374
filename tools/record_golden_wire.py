"""Record the WAN bytes of seeded lab runs as golden fixtures (run explicitly, never by a test).

    .venv/bin/python tools/record_golden_wire.py

Each scenario is a seeded ``Lab.seed(...)`` run: Branch1 pings 192.168.22.1 from 192.168.11.1,
which brings up Main Mode (or Aggressive Mode), Quick Mode and ESP. Every packet on Branch1's WAN
link is written as one line ``<simulated time> <hex>`` to
``tests/fixtures/golden/wire-<name>.txt``. ``tests/lab/test_golden_wire.py`` replays the same
runs and compares byte for byte, so a refactoring that changes what crosses the wire fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab.golden import SCENARIOS, wire_lines  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "golden"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SCENARIOS:
        lines = wire_lines(name)
        (OUT / f"wire-{name}.txt").write_text("\n".join(lines) + "\n")
        print(f"wire-{name}.txt: {len(lines)} packets")


if __name__ == "__main__":
    main()
