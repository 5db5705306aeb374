"""In the simulated lab: a spoofed MM1 from Branch2's address does not stop Branch1 from
bringing the tunnel up, ``clear crypto isakmp`` clears every ISAKMP SA, and the IOS command
``crypto call admission limit ike in-negotiation-sa`` bounds the half-open SAs."""

from __future__ import annotations

import os

from tests.lab.conftest import PING
from vpnteach.ios import apply_commands
from vpnteach.ios.render import running_config
from vpnteach.lab import Lab

B1, B2 = "10.1.1.1", "10.2.2.1"


def _mm1_from_branch2() -> bytes:
    """The MM1 a seed Branch2 sends (another lab's, so this lab's Branch2 knows nothing of it)."""
    other = Lab.seed()
    gateway = other.branch2.gateway
    assert gateway is not None
    gateway.initiate(B1, other.epoch(0.0))
    return gateway.datagrams_to_send(other.epoch(0.0))[0].data


def _spoof(lab: Lab, mm1: bytes, source: str = B2) -> None:
    """Put ``mm1`` on the wire as a UDP 500 datagram from ``source`` to Branch1."""
    lab.branch2.node.send_udp(source, 500, B1, 500, mm1)


def test_a_spoofed_mm1_from_branch2_does_not_block_branch1s_ping() -> None:
    lab = Lab.seed()
    _spoof(lab, _mm1_from_branch2())
    lab.run(1.0)
    gateway = lab.branch1.gateway
    assert gateway is not None and len(gateway.ike.half_open) == 1  # the forged SA exists
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2].endswith("!!!!"), out  # IOS: the first echo starts IKE
    assert len(gateway.sad.sas()) == 2
    assert "QM_IDLE" in lab.branch1.exec("show crypto isakmp sa")


def test_clear_crypto_isakmp_clears_every_sa_even_two_with_one_peer() -> None:
    lab = Lab.seed()
    lab.branch1.exec(PING)
    _spoof(lab, _mm1_from_branch2())  # a second ISAKMP SA with 10.2.2.1, half-open
    lab.run(0.5)
    gateway = lab.branch1.gateway
    assert gateway is not None and len(gateway.ike.sas) == 2
    lab.branch1.exec("clear crypto isakmp")
    lab.run(0.5)
    assert len(gateway.ike.sas) == 0
    rows = lab.branch1.exec("show crypto isakmp sa").splitlines()
    assert not any(B2 in row for row in rows)


def test_the_in_negotiation_limit_is_configured_as_on_ios() -> None:
    lab = Lab.seed()
    lab.branch1.configure("crypto call admission limit ike in-negotiation-sa 10")
    gateway = lab.branch1.gateway
    assert gateway is not None and gateway.ike.config.half_open.in_negotiation == 10
    mm1 = _mm1_from_branch2()
    for i in range(30):  # fresh cookies, from 30 addresses (the per-source limit is 5)
        _spoof(lab, os.urandom(8) + mm1[8:], f"10.2.2.{100 + i}")
    lab.run(1.0)
    assert len(gateway.ike.half_open) == 10
    assert gateway.ike.half_open.refused_in_negotiation == 20
    assert "in-negotiation-sa 10" in running_config(lab.branch1.config)


def test_the_command_is_refused_out_of_range_and_undone_by_no() -> None:
    lab = Lab.seed()
    config = apply_commands(
        lab.branch1.config, "crypto call admission limit ike in-negotiation-sa 500"
    )
    assert config.in_negotiation_sa == 500
    config = apply_commands(config, "no crypto call admission limit ike in-negotiation-sa")
    assert config.in_negotiation_sa is None
    try:
        apply_commands(config, "crypto call admission limit ike in-negotiation-sa 5")
    except ValueError as exc:
        assert "in-negotiation-sa 5" in str(exc) or "range" in str(exc).lower()
    else:
        raise AssertionError("in-negotiation-sa 5 accepted (IOS: 10 to 99999)")
