"""The one-sided diagnosis (used against a real peer) names the same cause from either end of
a simulated run as the two-sided one, reading only that end's endpoint."""

from __future__ import annotations

import pytest

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
