"""Every named scenario fails at the right step, with the right notification on both routers,
and ``diagnose()`` names the cause and a fix that really brings the tunnel back."""

from __future__ import annotations

import functools

import pytest

from vpnteach.lab import Lab
from vpnteach.stepper import Stepper
from vpnteach.troubleshoot import (
    SCENARIOS,
    Diagnosis,
    ScenarioError,
    apply_commands,
    broken_lab,
    diagnose,
    run_scenario,
    run_traffic,
)

NO_CONFIG_FIX = {"rekey", "peer_dead_dpd"}  # nothing wrong in the configuration
CONFIG_FIXABLE = [
    n for n, s in SCENARIOS.items() if s.config and s.expect.cause not in NO_CONFIG_FIX
]
PKI_FIXABLE = ["ca_not_authenticated", "clock_skew", "revoked_certificate", "id_mismatch"]
KEY_FIXABLE = ["rsa_encr_stale_peer_key"]  # a key regenerated: paste it on the peer
NOT_FAULTS = {"lost_packets", "esp_replay", "esp_tampered", "lifetime_rekey"}
IKE_STEPS = [n for n, s in SCENARIOS.items() if s.expect.phase in (1, 2) and n not in NOT_FAULTS]


@functools.cache
def run(name: str) -> tuple[Lab, Diagnosis]:
    lab = run_scenario(name)
    return lab, diagnose(lab)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_is_diagnosed_with_its_cause_and_phase(name: str) -> None:
    expect = SCENARIOS[name].expect
    _, d = run(name)
    assert d.cause == expect.cause, d.text()
    assert d.primary is not None and d.primary.phase == expect.phase
    assert d.tunnel_up is expect.up


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_shows_the_expected_symptom_on_each_router(name: str) -> None:
    _, d = run(name)
    symptoms = dict(d.symptoms)
    for router, word in SCENARIOS[name].expect.symptoms:
        assert word.lower() in symptoms[router].lower(), (router, symptoms[router])


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n not in NOT_FAULTS])
def test_faults_leave_the_tunnel_down_and_the_ping_failing(name: str) -> None:
    lab = broken_lab(name)
    second = run_traffic(lab, SCENARIOS[name])
    assert "Success rate is 0 percent" in second
    assert not diagnose(lab).tunnel_up


@pytest.mark.parametrize("name", CONFIG_FIXABLE + PKI_FIXABLE + KEY_FIXABLE)
def test_the_fix_diagnose_proposes_brings_the_tunnel_up(name: str) -> None:
    lab, d = run(name)
    assert d.primary is not None and d.primary.fix_router is not None
    fresh = lab.recipe()  # type: ignore[misc]
    apply_commands(fresh, {d.primary.fix_router: "\n".join(d.primary.fix + d.primary.exec_fix)})
    second = run_traffic(fresh, settle=5.0)
    assert "Success rate is 100 percent (5/5)" in second
    assert diagnose(fresh).cause == "ok"


def test_expired_certificates_are_fixed_by_re_enrolling_each_router_diagnose_names() -> None:
    lab, _ = run("expired_certificate")
    fresh = lab.recipe()  # type: ignore[misc]
    seen = []
    for _ in range(3):
        run_traffic(fresh, settle=5.0)
        now = diagnose(fresh)
        if now.tunnel_up:
            break
        assert now.cause == "certificate_expired" and now.primary is not None
        seen.append(now.primary.fix_router)
        apply_commands(fresh, {str(now.primary.fix_router): "\n".join(now.primary.exec_fix)})
    assert diagnose(fresh).tunnel_up
    assert seen == ["Branch1", "Branch2"]


@pytest.mark.parametrize("name", IKE_STEPS)
def test_diagnose_moves_the_stepper_to_the_failing_step_on_the_failing_router(name: str) -> None:
    lab, _ = run(name)
    stepper = Stepper.for_lab(lab)
    stepped = diagnose(lab, stepper=stepper)
    assert stepped.step_index is not None
    assert stepper.position == stepped.step_index
    assert stepper.current.actor == stepped.primary.router  # type: ignore[union-attr]


def test_crypto_map_not_applied_shows_cleartext_lan_traffic_on_the_wan() -> None:
    lab = broken_lab("crypto_map_not_applied")
    capture = lab.capture("WAN")
    run_traffic(lab)
    packets = [r.packet for r in capture.records]
    clear = [p for p in packets if p[9] == 1 and p[12:15] == bytes([192, 168, 11])]
    assert len(clear) == 10, "the ICMP echo requests should cross WAN1 unencrypted"
    assert not any(p[9] == 50 for p in packets)


def test_replayed_and_tampered_esp_packets_are_counted_and_never_delivered() -> None:
    replay, _ = run("esp_replay")
    tamper, _ = run("esp_tampered")
    b2 = {name: lab.branch2.gateway for name, lab in (("r", replay), ("t", tamper))}
    assert b2["r"] is not None and b2["t"] is not None
    replayed = sum(sa.counters.pkts_replay_failed_rcv for sa in b2["r"].installed[:1])
    assert replayed == 5  # the second ping's five echo requests, each replayed once
    assert sum(sa.counters.pkts_verify_failed for sa in b2["t"].installed[:1]) == 1


def test_a_healthy_lab_is_diagnosed_ok_and_an_idle_one_as_no_traffic() -> None:
    idle = Lab.seed()
    assert diagnose(idle).cause == "no_traffic"
    run_traffic(idle)
    healthy = diagnose(idle)
    assert healthy.cause == "ok" and healthy.tunnel_up and not healthy.findings


def test_the_diagnosis_reads_as_text_and_html() -> None:
    _, d = run("transform_set")
    text = str(d)
    assert "Transform-set mismatch" in text and "crypto ipsec transform-set TS" in text
    assert "<table>" in d._repr_html_() and "Branch2" in d._repr_html_()


def test_an_unknown_scenario_name_is_refused_with_the_list() -> None:
    with pytest.raises(ScenarioError, match="transform_set"):
        broken_lab("no_such_fault")


def test_broken_lab_takes_lab_seed_arguments_but_keeps_what_the_scenario_needs() -> None:
    lab = broken_lab("psk_mismatch", seed=7, auth="rsa-sig", trace=False)
    assert lab.seed_value == 7 and not lab.tracing
    assert lab.branch2.config.isakmp_keys["10.1.1.1"].key == "cisco124"
    assert lab.branch1.config.policies_by_priority()[0].authentication == "pre-share"
