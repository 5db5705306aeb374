"""The ``debug crypto isakmp`` text of seeded runs equals the recordings made before the
typed-records refactoring.

The fixtures were written by ``tools/record_golden_debug.py`` from the code that still built
``(kind, params)`` records; every record kind the runs log (state moves, packets, payloads,
transforms, certificates, Quick Mode, IPsec SAs) must render to the same characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.golden import SCENARIOS, debug_text

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_seeded_run_logs_the_recorded_debug_text(name: str) -> None:
    actual = debug_text(name)
    assert sorted(actual) == ["Branch1", "Branch2"]
    for router, text in actual.items():
        expected = (GOLDEN / f"debug-{name}-{router}.txt").read_text()
        got, want = text.splitlines(), expected.splitlines()
        for number, (line, recorded) in enumerate(zip(got, want, strict=False), start=1):
            assert line == recorded, f"{name} {router}: debug line {number} differs"
        assert text == expected, f"{name} {router}: {len(got)} lines, recorded {len(want)}"
