"""The self-graded mystery lab: one fault per learner, fixable by typing commands; the grade
needs the right cause and a tunnel that carries the ping again."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from vpnteach.exercises import check_fix, gradebook, mystery_lab
from vpnteach.exercises.mystery import MYSTERIES, mystery_fault
from vpnteach.troubleshoot import CAUSES, SCENARIOS, diagnose, run_traffic


@functools.cache
def learner_with(fault: str) -> str:
    """A learner id whose mystery lab has ``fault``."""
    return next(f"learner{i}" for i in range(10_000) if mystery_fault(f"learner{i}") == fault)


@pytest.fixture(autouse=True)
def no_gradebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(gradebook.GRADEBOOK_ENV, raising=False)


def test_learners_get_different_faults_and_the_same_learner_always_the_same() -> None:
    faults = {mystery_fault(f"s{i}") for i in range(40)}
    assert len(faults) >= 6
    assert mystery_fault("alice") == mystery_fault("alice")
    assert set(MYSTERIES) <= set(SCENARIOS)
    assert {SCENARIOS[m].expect.cause for m in MYSTERIES} <= set(CAUSES)


@pytest.mark.parametrize("fault", MYSTERIES)
def test_every_mystery_is_solved_by_the_fix_diagnose_finds_and_its_cause(fault: str) -> None:
    lab = mystery_lab(learner=learner_with(fault))
    run_traffic(lab, settle=330.0)
    found = diagnose(lab).primary
    assert found is not None and found.fix_router is not None
    commands = {found.fix_router: "\n".join(found.fix + found.exec_fix)}
    feedback = check_fix(lab, commands, cause=found.cause)
    assert feedback.correct, feedback


def test_a_wrong_cause_is_not_accepted_even_if_the_tunnel_comes_up() -> None:
    lab = mystery_lab(learner=learner_with("transform_set"))
    fix = {"Branch2": "crypto ipsec transform-set TS esp-3des esp-md5-hmac"}
    feedback = check_fix(lab, fix, cause="acl_not_mirrored")
    assert not feedback.correct and feedback.mistake == "wrong_cause"
    assert check_fix(lab, fix, cause="transform_set_mismatch").correct


def test_the_right_cause_without_a_working_fix_is_still_broken() -> None:
    lab = mystery_lab(learner=learner_with("transform_set"))
    feedback = check_fix(lab, {"Branch2": "crypto isakmp policy 10\n hash md5"},
                         cause="transform_set_mismatch")  # fmt: skip
    assert not feedback.correct and feedback.mistake == "still_broken"


def test_unknown_causes_and_commands_ios_refuses_are_format_mistakes() -> None:
    lab = mystery_lab(learner="alice")
    assert check_fix(lab, {}, cause="gremlins").mistake == "format"
    refused = check_fix(lab, {"Branch2": "crypto isakmp policy 10\n hash sha-999"},
                        cause="transform_set_mismatch")  # fmt: skip
    assert refused.mistake == "format" and "refused" in refused.message


def test_a_check_is_written_to_the_gradebook_when_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "grades.jsonl"
    monkeypatch.setenv(gradebook.GRADEBOOK_ENV, str(book))
    lab = mystery_lab(learner="alice")
    check_fix(lab, {}, cause="isakmp_policy_mismatch")
    (attempt,) = gradebook.read_gradebook(book)
    assert attempt.learner == "alice" and attempt.exercise == "troubleshoot"
