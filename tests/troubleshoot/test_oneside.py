"""The one-sided diagnosis (used against a real peer) names the same cause from either end of
a simulated run as the two-sided one, reading only that end's endpoint."""

from __future__ import annotations

import dataclasses

import pytest

from tests.ike.harness import B2, Pair, branch_config
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.troubleshoot import diagnose_endpoint, run_scenario

CASES = [
    ("isakmp_encryption", "isakmp_policy_mismatch"),
    ("isakmp_group", "isakmp_policy_mismatch"),
    ("transform_set", "transform_set_mismatch"),
    ("acl_not_mirrored", "acl_not_mirrored"),
    ("psk_mismatch", "psk_mismatch"),
]


@pytest.mark.parametrize(("name", "cause"), CASES)
@pytest.mark.parametrize("router", ["Branch1", "Branch2"])
def test_each_end_alone_names_the_cause(name: str, cause: str, router: str) -> None:
    lab = run_scenario(name)
    end = lab.router(router)
    assert end.gateway is not None
    d = diagnose_endpoint(end.gateway.ike, [e for e in end.events if type(e).__module__
                                            == "vpnteach.ike.events"])  # fmt: skip
    assert d.cause == cause, d.text()


def test_a_healthy_run_has_nothing_to_say() -> None:
    lab = run_scenario("lost_packets")
    gw = lab.branch1.gateway
    assert gw is not None
    d = diagnose_endpoint(gw.ike, [e for e in lab.branch1.events if type(e).__module__
                                   == "vpnteach.ike.events"])  # fmt: skip
    assert d.cause == "ok" and d.tunnel_up


@pytest.mark.parametrize("end", ["b1", "b2"])
def test_an_aggressive_mode_key_mismatch_is_named_from_either_end(end: str) -> None:
    """Aggressive Mode (RFC 2409 §5.4): HASH_R/HASH_I fail to verify in AM2/AM3, the
    AUTHENTICATION-FAILED involves no certificate: a pre-shared key mismatch, not a CA."""
    policy = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")
    c1 = branch_config("Branch1", policy=policy, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=policy, psk="cisco124", pki=False)
    pair = Pair.make(dataclasses.replace(c1, aggressive_mode_peers=(B2,)), c2)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    endpoint = pair.b1 if end == "b1" else pair.b2
    d = diagnose_endpoint(endpoint, pair.events(endpoint))
    assert d.cause == "psk_mismatch", d.text()
    assert "Aggressive Mode" in d.text()
