"""Learner ids."""

from __future__ import annotations

import pytest

from vpnteach import exercises
from vpnteach.exercises import gradebook


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
