"""Simultaneous Child SA rekeys between two vpnteach gateways (RFC 7296 §2.8.1), in the lab.

``Lab.seed(ike=2)`` with ``lifetime seconds 120``; both routers' soft lifetimes of the pair are
set to the same instant, so both send CREATE_CHILD_SA with N(REKEY_SA) for the same pair at
once and each answers the other's. Of the two new pairs the one whose exchange holds the
lowest of the four nonces is deleted by the router that created it, the old pair by the other:
exactly one pair stands on both routers, the same SPIs, and pings pass through it.
"""

from __future__ import annotations

from vpnteach.gateway import Ikev2Gateway
from vpnteach.lab import Lab

PING = "ping 192.168.22.1 source 192.168.11.1"


def _v2(lab: Lab, name: str) -> Ikev2Gateway:
    gateway = lab.router(name).gateway
    assert isinstance(gateway, Ikev2Gateway)
    return gateway


def test_both_routers_rekey_the_pair_at_once_and_one_new_pair_survives_on_both() -> None:
    lab = Lab.seed(ike=2, auth="pre-share")
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto ipsec security-association lifetime seconds 120\n")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    b1, b2 = _v2(lab, "Branch1"), _v2(lab, "Branch2")
    old = {s.spi for s in b1.sad.sas()}
    assert {s.spi for s in b2.sad.sas()} == old and len(old) == 2
    at = max(s.created_at for s in (*b1.sad.sas(), *b2.sad.sas())) + 20
    for gateway in (b1, b2):
        for sa in gateway.sad.sas():
            sa.soft_seconds = at - sa.created_at  # both rekey at the same instant
        gateway._timer_stale = True
    assert lab.branch1.exec(PING).count("!") == 5  # traffic on both sides: both will rekey
    lab.run(30)
    for gateway in (b1, b2):  # each started one rekey and answered the other's
        handlers = [m.handler for m in gateway.v2.moves]
        assert handlers.count("send_rekey_child_sa") == 1, handlers
        assert handlers.count("receive_create_child_sa_request") == 1, handlers
    new = {s.spi for s in b1.sad.sas()}
    assert len(new) == 2 and not new & old, (new, old)
    assert {s.spi for s in b2.sad.sas()} == new
    (ike1,), (ike2,) = b1.v2.sas.values(), b2.v2.sas.values()
    assert len(ike1.children) == len(ike2.children) == 1
    assert {ike1.children[0].spi_in, ike1.children[0].spi_out} == {
        x.to_bytes(4, "big") for x in new
    }
    assert lab.branch1.exec(PING).count("!") == 5
    assert lab.branch2.exec("ping 192.168.11.1 source 192.168.22.1").count("!") == 5
    assert {s.spi for s in b1.sad.sas()} == new == {s.spi for s in b2.sad.sas()}
