"""Fixtures for the exercise tests: instructor mode on, no gradebook, no learner left over."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vpnteach.exercises import course, gradebook, records
from vpnteach.exercises.base import INSTRUCTOR_ENV

LEARNERS = ("alice", "bob", "s1234567")
"""Three learner ids: every exercise is checked for each."""


@pytest.fixture(autouse=True)
def instructor(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests may read solutions; no gradebook, hand-out or course; learner and attempt
    counters reset after."""
    monkeypatch.setenv(INSTRUCTOR_ENV, "1")
    monkeypatch.delenv(gradebook.GRADEBOOK_ENV, raising=False)
    monkeypatch.delenv(gradebook.LEARNER_ENV, raising=False)
    monkeypatch.setattr(gradebook, "_learner", None)
    monkeypatch.delenv(course.HANDOUT_ENV, raising=False)
    monkeypatch.setattr(course, "_handout", None)
    monkeypatch.setattr(course, "_course", None)
    monkeypatch.setattr(course, "_instructor", False)
    monkeypatch.setattr(records, "_attempts", {})
    yield
