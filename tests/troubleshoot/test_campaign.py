"""A short fault campaign (the full one is ``benchmarks/fault_campaign.py``): at 30 % loss both
phases complete in at least 49 of 50 seeded runs, and no forged or replayed ESP packet is ever
accepted, under corruption, duplication and both attackers."""

from __future__ import annotations

import pytest

from vpnteach.troubleshoot.campaign import CONDITIONS, Condition, campaign, run_once

BY_NAME = {c.name: c for c in CONDITIONS}


def test_at_30_percent_loss_both_phases_complete_in_49_of_50_runs_with_retransmissions() -> None:
    summary = campaign(BY_NAME["loss 30%"], 50)
    assert summary.completed >= 49, summary
    assert summary.retransmissions["max"] > 0 and summary.storms == 0
    assert summary.forged_accepted == 0 and summary.replays_accepted == 0


def test_without_faults_every_run_completes_at_once_without_retransmission() -> None:
    summary = campaign(BY_NAME["loss 0%"], 5)
    assert summary.completed == 5 and summary.retransmissions["max"] == 0
    assert summary.seconds_max is not None and summary.seconds_max < 1.0


@pytest.mark.parametrize(
    ("name", "runs"),
    [("corrupt 10%", 30), ("mixed 10/10/10/5", 30), ("duplicate 30%", 10)],
)
def test_corrupted_and_duplicated_esp_is_never_accepted(name: str, runs: int) -> None:
    summary = campaign(BY_NAME[name], runs)
    assert summary.forged + summary.replays > 0, "the condition should produce some"
    assert summary.forged_accepted == 0 and summary.replays_accepted == 0


@pytest.mark.parametrize("name", ["ESP replay attacker", "ESP tamper attacker"])
def test_every_attacker_packet_is_rejected(name: str) -> None:
    summary = campaign(BY_NAME[name], 20)
    assert summary.attacker_attempts > 0
    assert summary.replays + summary.forged == summary.attacker_attempts
    assert summary.forged_accepted == 0 and summary.replays_accepted == 0
    assert summary.rejected >= summary.attacker_attempts


def test_a_run_is_reproducible_from_its_index() -> None:
    condition = Condition("loss 30%", (("loss", 0.3),))
    assert run_once(condition, 7) == run_once(condition, 7)


def test_a_run_that_lost_qm3_for_good_is_diagnosed_half_open_and_clear_crypto_sa_mends_it() -> None:
    from vpnteach.crypto.rng import SeededRng
    from vpnteach.lab import Lab
    from vpnteach.net.sim.faults import FaultPolicy
    from vpnteach.troubleshoot import diagnose

    lab = Lab.seed(auth="pre-share", trace=False)
    wan = lab.network.link("WAN1")
    wan.rng, wan.faults = SeededRng("campaign/loss 30%/29"), FaultPolicy(loss=0.3)  # run 29
    lab.branch1.node.ping("192.168.22.1", 400, timeout=2.0, source="192.168.11.1", interval=1.0)
    lab.run_for(1200)
    d = diagnose(lab)
    assert d.cause == "quick_mode_half_open", d.text()
    assert d.primary is not None and d.primary.router == "Branch2"
    wan.faults = FaultPolicy()
    lab.branch1.exec(d.primary.exec_fix[0])
    assert "!!!" in lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
