"""The fix-a-config exercise is judged by a real lab run (vpnteach.lab.Lab, the seed story)."""

from __future__ import annotations

from itertools import product

import pytest

from vpnteach import exercises
from vpnteach.exercises import config_fix
from vpnteach.exercises.config_fix import PHASE1_FAULTS, PHASE2_FAULTS, PING, FixParams
from vpnteach.lab import Lab

COMBOS = list(product(PHASE1_FAULTS, PHASE2_FAULTS))


def _exercise_with(p: FixParams) -> config_fix.FixConfig:
    ex = exercises.fix_config("alice")
    ex._p = p
    return ex


@pytest.mark.parametrize(("phase1", "phase2"), COMBOS, ids=lambda f: f.id)
def test_each_fault_pair_breaks_the_tunnel_and_its_fix_repairs_it(
    phase1: config_fix.Fault, phase2: config_fix.Fault
) -> None:
    lab = Lab.seed(2010, trace=False)
    lab.branch2.configure(phase1.breaks + phase2.breaks)
    assert "Success rate is 0 percent" in lab.branch1.exec(PING)
    assert not lab.branch1.gateway or not lab.branch1.gateway.installed
    feedback = _exercise_with(FixParams(phase1.id, phase2.id)).check(phase1.fixes + phase2.fixes)
    assert feedback.correct, feedback.message


@pytest.mark.parametrize(("phase1", "phase2"), COMBOS, ids=lambda f: f.id)
def test_fixing_one_fault_names_the_other(
    phase1: config_fix.Fault, phase2: config_fix.Fault
) -> None:
    ex = _exercise_with(FixParams(phase1.id, phase2.id))
    only_phase1 = ex.check(phase1.fixes)
    assert only_phase1.mistake in {"transform_mismatch", "acl_mismatch", "acl_netmask"}
    only_phase2 = ex.check(phase2.fixes)
    assert only_phase2.mistake in {"policy_mismatch", "peer_wrong"}


def test_statement_shows_both_configs_and_no_fix() -> None:
    ex = exercises.fix_config("alice")
    text = ex.statement.text
    assert "Branch1 (works)" in text and "Branch2 (broken)" in text
    assert "permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255" in text
    assert ex._p.phase1.fixes not in text


def test_lab_run_is_the_final_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    # With the configuration check silenced, a no-op answer still fails: the lab says so.
    monkeypatch.setattr(config_fix, "diagnose", lambda b1, b2: None)
    feedback = exercises.fix_config("alice").check("hostname Branch2\n")
    assert not feedback.correct
    assert "does not come up in the lab" in feedback.message
