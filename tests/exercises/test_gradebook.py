"""Learner ids and the gradebook file the grader reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpnteach import exercises
from vpnteach.exercises import gradebook


def test_checks_are_recorded_only_when_the_grader_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "book.jsonl"
    exercises.skeyid_e("alice").check("00")
    assert not book.exists()
    monkeypatch.setenv(gradebook.GRADEBOOK_ENV, str(book))
    ex = exercises.skeyid_e("alice")
    ex.check("00")
    ex.check(ex.solution())
    attempts = gradebook.read_gradebook(book)
    assert [(a.learner, a.exercise, a.correct) for a in attempts] == [
        ("alice", "skeyid_e", False),
        ("alice", "skeyid_e", True),
    ]
    assert attempts[0].mistake == "wrong_length"


def test_learner_comes_from_set_learner_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert exercises.current_learner() == "anonymous"
    monkeypatch.setenv(gradebook.LEARNER_ENV, "from-file-name")
    assert exercises.skeyid_e().learner == "from-file-name"
    exercises.set_learner("  carol ")
    assert exercises.skeyid_e().learner == "carol"
    assert exercises.skeyid_e("dave").learner == "dave"
    with pytest.raises(ValueError, match="empty"):
        exercises.set_learner(" ")


def test_unknown_exercise_id_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="skeyid_e"):
        exercises.get("skeyid_x")
