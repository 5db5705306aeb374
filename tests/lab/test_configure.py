"""Changing a running router's configuration: atomic edits, applied to the gateway."""

from __future__ import annotations

import pytest

from tests.lab.conftest import PING, pinged
from vpnteach.ios import IosConfigError
from vpnteach.lab import Lab


def test_turning_on_pfs_on_both_routers_renegotiates_with_a_second_dh() -> None:
    lab = pinged().lab
    lab.branch1.configure("crypto map CRYPTO 10 ipsec-isakmp\n set pfs group2\n")
    # Branch1 told Branch2 (Delete) that the SAs of the old map are gone
    assert lab.branch1.gateway is not None and lab.branch1.gateway.sad.sas() == []
    assert lab.branch2.gateway is not None and lab.branch2.gateway.sad.sas() == []
    lab.branch2.configure("crypto map CRYPTO 10 ipsec-isakmp\n set pfs group2\n")
    lab.branch1.exec("debug crypto isakmp")
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!"
    assert "ISAKMP: group is 2" in out
    assert "beginning Main Mode exchange" not in out  # the ISAKMP SA was kept
    assert "PFS (Y/N): Y" in lab.branch1.exec("show crypto map")


def test_a_bad_line_changes_nothing() -> None:
    lab = Lab.seed()
    before = lab.branch1.config
    with pytest.raises(IosConfigError):
        lab.branch1.configure("crypto isakmp policy 10\n encryption rot13\n")
    assert lab.branch1.config is before
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"


def test_a_lab_without_a_seed_uses_fresh_randomness_and_still_works() -> None:
    lab = Lab.seed(None)
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"


def test_valid_lines_before_a_refused_one_are_not_applied_either() -> None:
    lab = Lab.seed()
    before, running = lab.branch1.config, lab.branch1.exec("show running-config")
    block = "hostname Elsewhere\ninterface Serial1/0\n no crypto map CRYPTO\n bogus words\n"
    with pytest.raises(IosConfigError, match="line 4"):
        lab.branch1.configure(block)
    assert lab.branch1.config is before and lab.branch1.gateway is not None
    assert lab.branch1.exec("show running-config") == running


@pytest.mark.parametrize(
    "block",
    ["interface Serial1/0\n no crypto map CRYPTO\n", "interface Serial1/0\n no ip address\n"],
)
def test_a_block_that_leaves_no_crypto_interface_stops_ipsec_completely(block: str) -> None:
    """Before the fix the config changed, GatewayConfigError was raised and the gateway kept
    running the old configuration: half applied. Now IPsec stops as a whole, as on IOS."""
    lab = pinged().lab
    assert lab.branch2.gateway is not None and lab.branch2.gateway.sad.sas()
    config = lab.branch1.configure(block)
    assert lab.branch1.config is config and lab.branch1.gateway is None
    assert lab.branch1.node.outbound_hook is None and lab.branch1.node.inbound_hook is None
    lab.run_for(1.0)
    assert lab.branch2.gateway.sad.sas() == []  # our Delete reached the peer
    assert "QM_IDLE" not in lab.branch2.exec("show crypto isakmp sa")
    assert lab.branch1.exec(PING).splitlines()[-2] == "....."  # clear, dropped by Branch2
