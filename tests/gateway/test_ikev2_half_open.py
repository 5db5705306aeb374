"""The IKEv2 half-open timeout follows the gateway's bounds (``vpnteach router run
--half-open-timeout``), RFC 7296 §2.6: a responder SA whose IKE_AUTH never comes is forgotten
that many seconds after it came, silently; without the option the engine keeps its 30 s."""

from __future__ import annotations

import pytest

from tests.gateway.test_gateway import T0, config, pki
from tests.ikev2.harness import peer_config
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Ikev2Gateway, make_gateway
from vpnteach.ike.admission import HalfOpenLimits
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.deadlines import HALF_OPEN_SECONDS
from vpnteach.ikev2.transitions import State
from vpnteach.labs.seed import variant_commands

B1, B2 = "10.1.1.1", "10.2.2.1"


def _half_open_gateway(limits: HalfOpenLimits | None) -> Ikev2Gateway:
    """Branch1 with one responder SA waiting for an IKE_AUTH that never comes."""
    lines = variant_commands("Branch1", "seed", None, "pre-share", ike=2)
    gw = make_gateway(config("Branch1", lines), pki().routers["Branch1"], SeededRng("half-open"),
                      half_open=limits)  # fmt: skip
    assert isinstance(gw, Ikev2Gateway)
    peer = Ikev2Endpoint(peer_config("Branch2"), SeededRng("peer"))
    peer.initiate(B1, T0)
    (init,) = peer.datagrams_to_send(T0)
    gw.receive_datagram(init.data, (B2, 500), T0)
    assert len(gw.datagrams_to_send(T0)) == 1  # the IKE_SA_INIT response
    assert [sa.state for sa in gw.v2.sas.values()] == [State.R_WAIT_AUTH]
    return gw


@pytest.mark.parametrize("timeout", [5.0, 45.0])
def test_the_half_open_timeout_option_sets_when_an_ikev2_half_open_sa_is_forgotten(
    timeout: float,
) -> None:
    gw = _half_open_gateway(HalfOpenLimits(100, 5, 90.0, timeout))
    assert gw.get_timer() == T0 + timeout
    gw.handle_timer(T0 + timeout - 0.5)
    assert len(gw.v2.sas) == 1  # still waiting, also past 30 s when the option says 45
    gw.handle_timer(T0 + timeout)
    assert not gw.v2.sas and gw.v2.stats["half_open_expired"] == 1
    assert gw.datagrams_to_send(T0 + timeout) == []  # forgotten without a word


def test_without_the_option_the_ikev2_engine_keeps_its_own_30_seconds() -> None:
    gw = _half_open_gateway(HalfOpenLimits(100, 5, 90.0))  # the IKEv1 timeout is not ours
    assert gw.v2.config.half_open_timeout == HALF_OPEN_SECONDS == 30.0
    gw.handle_timer(T0 + 29.9)
    assert len(gw.v2.sas) == 1
    gw.handle_timer(T0 + 30.0)
    assert not gw.v2.sas
