"""Simultaneous rekeys between two vpnteach gateways, in the lab: of a Child SA (RFC 7296
§2.8.1) and of the IKE SA (§2.8.2).

``Lab.seed(ike=2)`` with ``lifetime seconds 120``; both routers' soft lifetimes of the pair are
set to the same instant, so both send CREATE_CHILD_SA with N(REKEY_SA) for the same pair at
once and each answers the other's. Of the two new pairs the one whose exchange holds the
lowest of the four nonces is deleted by the router that created it, the old pair by the other:
exactly one pair stands on both routers, the same SPIs, and pings pass through it.

The IKE SA: the profile's ``lifetime 120`` on both routers, and both rekey times set to the
same instant (the gateways normally stagger them, :mod:`vpnteach.gateway.ikev2_timers`): both
propose a new IKE SA at once, one of the two new IKE SAs is deleted by its initiator, the
other keeps the Child SA, which keeps carrying pings; tshark decrypts every message of the
four IKE SAs with the lab's exported table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.ikev2_tools import PING, pair_up, tshark_fields, v2
from vpnteach.ikev2.events import IkeSaRekeyCollision
from vpnteach.lab import Lab


def test_both_routers_rekey_the_pair_at_once_and_one_new_pair_survives_on_both() -> None:
    lab, b1, b2, old = pair_up(120)
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


# the lab's seed -> the router that loses (its exchange holds the lowest nonce): both occur
LOSERS = [(2010, "Branch2"), (2, "Branch1")]


@pytest.mark.parametrize(("seed", "loser"), LOSERS, ids=[f"seed-{s}" for s, _ in LOSERS])
def test_both_routers_rekey_the_ike_sa_at_once_and_one_new_ike_sa_keeps_the_child_sa(
    seed: int, loser: str, tmp_path: Path
) -> None:
    lab = Lab.seed(seed, ike=2, auth="pre-share")
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto ikev2 profile PROF\n lifetime 120\n")
    lab.capture("WAN")
    assert lab.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    b1, b2 = v2(lab, "Branch1"), v2(lab, "Branch2")
    (old,) = b1.v2.sas
    assert list(b2.v2.sas) == [old]
    child_spis = {s.spi for s in b1.sad.sas()}
    at = lab.epoch(lab.network.now) + 10  # the routers' clock
    for router, gateway in ((lab.branch1, b1), (lab.branch2, b2)):
        gateway.ike_lifetimes._sas[old].rekey_at = at  # both say "rekey" at the same instant
        gateway._timer_stale = True
        router.service()  # the router re-arms its timer
    for router in (lab.branch1, lab.branch2):
        assert router.exec("debug crypto ikev2") == "IKEv2 default debugging is on\n"
    lab.run(20)
    for gateway in (b1, b2):
        handlers = [m.handler for m in gateway.v2.moves]
        assert handlers.count("send_rekey_ike_sa") == 1, handlers
        assert handlers.count("receive_create_child_sa_request") == 1, handlers
    (new,) = b1.v2.sas
    assert new != old and list(b2.v2.sas) == [new]
    settled = {
        name: [e for e in lab.router(name).events if isinstance(e, IkeSaRekeyCollision)]
        for name in ("Branch1", "Branch2")
    }
    (c1,), (c2,) = settled["Branch1"], settled["Branch2"]
    assert c1.kept_spi_i == c2.kept_spi_i == new and c1.we_delete != c2.we_delete
    assert c1.lowest_nonce == c2.lowest_nonce
    assert {s.spi for s in b1.sad.sas()} == child_spis == {s.spi for s in b2.sad.sas()}
    (ike1,), (ike2,) = b1.v2.sas.values(), b2.v2.sas.values()
    assert [c.spi_in for c in ike1.children] == [c.spi_out for c in ike2.children]
    assert lab.branch1.exec(PING).count("!") == 5
    assert lab.branch2.exec("ping 192.168.11.1 source 192.168.22.1").count("!") == 5
    assert (lab.branch1 if c1.we_delete else lab.branch2).name == loser
    said = lab.router(loser).read_console()
    assert "IKE SA rekey collision lost (RFC 7296 2.8.2)" in said, said
    assert f"Keeping new IKEv2 SA {new.hex().upper()}/" in said
    rows = tshark_fields(
        lab, tmp_path, ["isakmp.exchangetype", "isakmp.ispi", "isakmp.enc.pad_length"]
    )
    encrypted = [r for r in rows if r["isakmp.exchangetype"] in ("36", "37")]
    # the old SA (two CREATE_CHILD_SA exchanges, its Delete) and the redundant one (its
    # Delete); the survivor has sent nothing yet
    assert {r["isakmp.ispi"] for r in encrypted} == {old.hex(), c1.redundant_spi_i.hex()}
    assert len(encrypted) == 4 + 2 + 2
    assert all(r["isakmp.enc.pad_length"] != "" for r in encrypted)  # every one decrypted
    lab.run(100)  # the survivor is rekeyed again before its own end, by one router
    assert len(b1.v2.sas) == 1 and b1.v2.sas.keys() == b2.v2.sas.keys() != {new}
    assert lab.branch1.exec(PING).count("!") == 5
