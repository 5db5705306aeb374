"""Every input a fuzzer ever crashed on (``fuzz/regressions/<target>/``) stays harmless.

Each file is replayed through its target's ``test_one_input``, which checks the target's
invariants (no exception but the documented ones, no change to an established SA, ...). A
file ending in ``.known`` records a weakness that is documented, not fixed; it passes because
the target no longer flags it (see ``fuzz/REPORT.md``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from fuzz._harness import ROOT

REGRESSIONS = ROOT / "fuzz" / "regressions"
CASES = sorted(p for p in REGRESSIONS.glob("*/*") if p.is_file())


def test_there_are_regression_inputs() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_former_crash_input_passes_its_target(path: Path) -> None:
    module = importlib.import_module(f"fuzz.fuzz_{path.parent.name}")
    module.test_one_input(path.read_bytes())
