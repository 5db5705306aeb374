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
