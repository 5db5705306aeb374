"""Bytes on the wire of seeded runs equal the recordings made before a refactoring.

The fixtures were written by ``tools/record_golden_wire.py`` from the code before the
architecture issue's restructuring; a change that alters any byte (cookie, nonce, SPI, IV,
padding, payload order, ESP) on Branch1's WAN link fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.golden import SCENARIOS, wire_lines

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_seeded_run_puts_the_recorded_bytes_on_the_wire(name: str) -> None:
    expected = (GOLDEN / f"wire-{name}.txt").read_text().splitlines()
    actual = wire_lines(name)
    assert len(actual) == len(expected)
    for number, (got, want) in enumerate(zip(actual, expected, strict=True), start=1):
        assert got == want, f"packet {number} of {name} differs from the recording"
