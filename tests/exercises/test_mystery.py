"""The self-graded mystery lab: one fault per learner (PKI faults among them), fixable by typing
commands; the grade needs the right cause and a tunnel that carries the ping again, and is
recomputed by ``vpnteach grade`` from the answer recorded in the notebook."""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.exercises.learner import record_output, saved_with_records
from vpnteach import exercises
from vpnteach.exercises import check_fix, mystery_diagnosis, mystery_lab, records
from vpnteach.exercises.grade import grade_folder
from vpnteach.exercises.mystery import FAMILIES, FIXES, MYSTERIES, mystery_fault
from vpnteach.troubleshoot import (
    CAUSES,
    SCENARIOS,
    Diagnosis,
    apply_commands,
    broken_lab,
    diagnose,
    run_traffic,
)

PKI_FAULTS = {
    "clock_skew",
    "wrong_ca_fingerprint",
    "revoked_certificate",
    "expired_certificate",
    "no_domain_name",
}


@functools.cache
def learner_with(fault: str) -> str:
    """A learner id whose mystery lab has ``fault``."""
    return next(f"learner{i}" for i in range(10_000) if mystery_fault(f"learner{i}") == fault)


def test_pki_faults_are_among_the_mysteries_and_every_cause_is_known() -> None:
    assert set(MYSTERIES) >= PKI_FAULTS
    assert set(MYSTERIES) <= set(SCENARIOS)
    assert set(FIXES) == set(MYSTERIES)
    assert {SCENARIOS[m].expect.cause for m in MYSTERIES} <= set(CAUSES)
    # one family per cause: variants of the same fault are drawn together
    causes = [{SCENARIOS[m].expect.cause for m in family} for family in FAMILIES]
    assert all(len(c) == 1 for c in causes)
    assert len({c.pop() for c in causes}) == len(FAMILIES)


def test_no_more_than_a_fifth_of_200_learners_draw_variants_of_one_fault() -> None:
    causes = Counter(SCENARIOS[mystery_fault(f"s{i:07d}")].expect.cause for i in range(200))
    assert max(causes.values()) <= 40, causes
    assert len(causes) == len(FAMILIES)  # every family is drawn by someone
    assert mystery_fault("alice") == mystery_fault("alice")


def _repair_by_diagnosis(fault: str) -> tuple[str, dict[str, str]]:
    """The repair a learner following ``diagnose`` reaches: fix what it names, run again,
    until the tunnel is up (an expired pair shows the second certificate after the first)."""
    commands: dict[str, str] = {}
    first_cause = ""
    for _ in range(3):
        lab = broken_lab(fault)
        apply_commands(lab, commands)
        run_traffic(lab, settle=330.0)
        diagnosis = diagnose(lab)
        if diagnosis.tunnel_up:
            break
        found = diagnosis.primary
        assert found is not None and found.fix_router is not None
        first_cause = first_cause or found.cause
        lines = "\n".join(found.fix + found.exec_fix)
        commands[found.fix_router] = commands.get(found.fix_router, "") + lines + "\n"
    return first_cause, commands


@pytest.mark.parametrize("fault", MYSTERIES)
def test_every_mystery_is_solved_by_its_fix_and_by_the_fix_diagnose_finds(fault: str) -> None:
    lab = mystery_lab(learner=learner_with(fault))
    cause = SCENARIOS[fault].expect.cause
    assert check_fix(lab, FIXES[fault], cause=cause).correct
    found_cause, commands = _repair_by_diagnosis(fault)
    assert found_cause == cause
    feedback = check_fix(lab, commands, cause=found_cause)
    assert feedback.correct, feedback


@pytest.mark.parametrize("fault", sorted(PKI_FAULTS))
def test_wrong_answers_point_at_symptoms_never_at_the_faults_name(fault: str) -> None:
    lab = mystery_lab(learner=learner_with(fault))
    cause = SCENARIOS[fault].expect.cause
    other = "transform_set_mismatch"
    wrong_cause = check_fix(lab, FIXES[fault], cause=other)
    no_fix = check_fix(lab, {"Branch1": "crypto isakmp policy 10\n hash md5"}, cause=cause)
    assert (wrong_cause.mistake, no_fix.mistake) == ("wrong_cause", "still_broken")
    symptom_router, word = SCENARIOS[fault].expect.symptoms[0]
    for feedback in (wrong_cause, no_fix):
        text = feedback.message
        assert word in text and symptom_router in text  # the symptom the routers show
        for name in (fault, cause, CAUSES[cause], SCENARIOS[fault].title):
            assert name.lower() not in text.lower()


def test_a_right_cause_without_a_working_fix_is_still_broken() -> None:
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
    assert check_fix(lab, {"Branch9": "hostname x"}, cause="wrong_peer").mistake == "format"


def test_the_automatic_diagnosis_stays_hidden_until_the_learner_has_tried() -> None:
    lab = mystery_lab(learner=learner_with("clock_skew"))
    assert "after you have tried" in str(mystery_diagnosis(lab))
    check_fix(lab, {}, cause="gremlins")  # an unreadable answer is not a try
    assert not isinstance(mystery_diagnosis(lab), Diagnosis)
    check_fix(lab, {"Branch1": "ntp server 192.168.1.9"}, cause="clock_skew")
    shown = mystery_diagnosis(lab)
    assert isinstance(shown, Diagnosis) and shown.primary is not None
    assert shown.primary.cause == "clock_skew"


def test_a_check_is_recorded_as_an_answer_not_a_verdict_nor_a_gradebook_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "grades.jsonl"
    monkeypatch.setenv("VPNTEACH_GRADEBOOK", str(book))
    learner = learner_with("transform_set")
    lab = mystery_lab(learner=learner)
    feedback = check_fix(lab, FIXES["transform_set"], cause="transform_set_mismatch")
    assert feedback.correct and feedback.record is not None
    stored = feedback.record.to_json()
    assert stored["exercise"] == "troubleshoot" and stored["learner"] == learner
    assert "correct" not in json.dumps(stored)
    assert not book.exists()  # the legacy gradebook file is gone


def _graded(tmp_path: Path, learner: str, answer: object) -> str:
    folder = tmp_path / "submissions"
    saved_with_records(
        folder / f"{learner}.ipynb", [record_output("troubleshoot", learner, answer)]
    )
    return grade_folder(folder).status(learner, "troubleshoot")


def test_the_grader_recomputes_a_recorded_repair(tmp_path: Path) -> None:
    learner = learner_with("clock_skew")
    lab = mystery_lab(learner=learner)
    feedback = check_fix(lab, FIXES["clock_skew"], cause="clock_skew")
    assert feedback.record is not None
    folder = tmp_path / "submissions"
    saved_with_records(folder / f"{learner}.ipynb", [records.output(feedback.record)])
    assert grade_folder(folder).status(learner, "troubleshoot") == "correct"


def test_forged_answer_records_score_zero(tmp_path: Path) -> None:
    learner = learner_with("revoked_certificate")
    # the right cause with a repair that repairs nothing, hand-edited to say "correct"
    forged = ["certificate_revoked", [["Branch1", "crypto isakmp policy 10\n hash md5"]]]
    folder = tmp_path / "submissions"
    out = record_output("troubleshoot", learner, forged)
    out["data"][records.MIME]["correct"] = True
    out["data"]["text/plain"] = "✔ Correct! Fixed (5/5)"
    saved_with_records(folder / f"{learner}.ipynb", [out])
    report = grade_folder(folder)
    row = report.row(learner, "troubleshoot")
    assert (row.status, row.mistake, row.score) == ("wrong", "still_broken", 0.0)
    # another learner's repair, recorded under this learner's id, fixes a different fault
    other = learner_with("transform_set")
    copied = ["transform_set_mismatch", [["Branch2", FIXES["transform_set"]["Branch2"]]]]
    assert _graded(tmp_path / "copy", learner, copied) == "wrong"
    assert _graded(tmp_path / "own", other, copied) == "correct"


def test_the_mystery_is_an_exercise_like_the_others() -> None:
    ex = exercises.get("troubleshoot", "alice")
    assert ex.kind == "fix" and mystery_fault("alice") not in ex.statement.text
    assert ex.check("not an answer").mistake == "format"


def test_a_named_scenario_lab_is_graded_for_practice_without_a_record() -> None:
    lab = broken_lab("transform_set")
    fix = {"Branch2": "crypto ipsec transform-set TS esp-3des esp-md5-hmac"}
    feedback = check_fix(lab, fix, cause="transform_set_mismatch")
    assert feedback.correct and feedback.record is None
    assert check_fix(lab, fix, cause="acl_not_mirrored").mistake == "wrong_cause"
