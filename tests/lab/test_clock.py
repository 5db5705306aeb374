"""Time matters: a router whose clock is wrong rejects the peer's valid certificate."""

from __future__ import annotations

import pytest

from tests.lab.conftest import PING
from vpnteach.ike.events import NegotiationFailed, Phase2Complete
from vpnteach.ios.errors import ExecError
from vpnteach.lab import Lab


def test_clock_set_moves_only_that_routers_clock() -> None:
    lab = Lab.seed()
    assert lab.branch1.exec("clock set 09:00:00 6 Jun 2009") == ""
    assert lab.branch1.exec("show clock").startswith("*09:00:00.000 AEST Sat Jun 6 2009")
    assert lab.branch2.exec("show clock").startswith("*10:21:50.071 AEST Sun Jun 6 2010")
    with pytest.raises(ExecError, match=r"clock set noon\n {18}\^\n% Invalid input"):
        lab.branch1.exec("clock set noon")


def test_a_router_living_in_2009_finds_the_peers_certificate_not_yet_valid() -> None:
    lab = Lab.seed()
    lab.branch1.exec("clock set 10:21:50 Jun 6 2009")
    lab.branch1.exec("debug crypto isakmp")
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == "....."
    failed = [e for e in lab.branch1.events if isinstance(e, NegotiationFailed)]
    assert failed and "not yet valid" in " ".join(e.reason for e in failed).lower()
    assert not any(isinstance(e, Phase2Complete) for e in lab.branch1.events)
    assert lab.branch2.exec("show clock").rstrip().endswith("Jun 6 2010")


def test_with_the_clock_put_right_the_tunnel_comes_up() -> None:
    lab = Lab.seed()
    lab.branch1.exec("clock set 10:21:50 Jun 6 2009")
    lab.branch1.exec(PING)
    lab.branch1.exec("clock set 10:22:05 Jun 6 2010")
    lab.run(60)  # let the failed exchange time out on both sides
    assert lab.branch1.exec(PING).splitlines()[-2] in (".!!!!", "!!!!!")
