"""The hub-and-spoke lab of the scaling benchmark, small: every tunnel comes up and carries."""

from __future__ import annotations

from vpnteach.lab import Lab
from vpnteach.labs.hub import PER_AGG, bring_up, spoke_lan


def test_every_spoke_brings_its_tunnel_up_and_reaches_the_hub_lan() -> None:
    n = PER_AGG + 3  # two aggregation routers
    lab = Lab.hub(n)
    assert bring_up(lab) == n
    hub = lab.router("Hub")
    assert hub.gateway is not None and len(hub.gateway.sad.sas()) == 2 * n
    assert hub.exec("show crypto isakmp sa").count("QM_IDLE") == n
    for i in (0, n - 1):
        lan = spoke_lan(i)[:-1] + "1"
        out = lab.router(f"Spoke{i}").exec(f"ping 192.168.0.1 source {lan}")
        assert out.splitlines()[-2] == "!!!!!"
    show = hub.exec("show crypto ipsec sa")
    assert show.count("Crypto map tag: HUB") == n
    assert show.count("#pkts decaps: 5,") == 2 and show.count("#pkts decaps: 0,") == n - 2
