"""Record the ``debug crypto isakmp`` text of seeded lab runs as golden fixtures (run
explicitly, never by a test).

    .venv/bin/python tools/record_golden_debug.py

Each scenario of ``tests/lab/golden.py`` is run as for ``tools/record_golden_wire.py`` (Branch1
pings 192.168.22.1 twice); each router's whole debug log is written to
``tests/fixtures/golden/debug-<scenario>-<router>.txt``. ``tests/lab/test_golden_debug.py``
replays the runs and compares the text byte for byte, so a change to how records are built or
rendered that alters one character of the IOS output fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lab.golden import SCENARIOS, debug_text  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "golden"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SCENARIOS:
        for router, text in debug_text(name).items():
            path = OUT / f"debug-{name}-{router}.txt"
            path.write_text(text)
            print(f"{path.name}: {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
