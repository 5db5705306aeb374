"""Fixtures: the seed run recorded once per session (building a seed lab takes ~0.5 s)."""

from __future__ import annotations

import pytest

from vpnteach.stepper import Step, StepKind, Stepper


@pytest.fixture(scope="session")
def seed_run() -> list[Step]:
    """Every step of the seed tutorial's run (Lab.seed(), Branch1 pings the far LAN)."""
    return list(Stepper.seed())


def of_kind(steps: list[Step], kind: StepKind) -> list[Step]:
    """The steps of one kind, in order."""
    return [s for s in steps if s.kind is kind]


def first(steps: list[Step], kind: StepKind, title_part: str) -> Step:
    """The first step of ``kind`` whose title contains ``title_part``."""
    return next(s for s in steps if s.kind is kind and title_part in s.title)
