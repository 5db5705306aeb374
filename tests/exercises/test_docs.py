"""docs/grading.md lists every exercise and exactly the mistakes each one recognises."""

from __future__ import annotations

import re
from pathlib import Path

from tests.exercises.conftest import LEARNERS
from vpnteach import exercises
from vpnteach.exercises import EXERCISES

DOC = Path(__file__).resolve().parents[2] / "docs" / "grading.md"


def _documented() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            table[cells[0].strip("`")] = set(re.findall(r"`([a-z_0-9]+)`", cells[3]))
    return table


def test_grading_doc_lists_every_exercise_and_its_mistakes() -> None:
    documented = _documented()
    assert set(documented) == set(EXERCISES)
    for exercise_id, ids in documented.items():
        produced = {
            m.id
            for learner in LEARNERS
            for m in exercises.get(exercise_id, learner)._mistakes(
                exercises.get(exercise_id, learner)._p
            )
        } - {"format"}
        if exercise_id in ("fix_config", "troubleshoot", "console_fix", "pki_console_fix"):
            assert produced <= ids
        else:
            assert produced == ids, exercise_id
