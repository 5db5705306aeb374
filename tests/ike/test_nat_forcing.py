"""``IkeConfig.force_udp_encapsulation``: a faked NAT-D hash makes both sides see a NAT
(RFC 3947 §3.2), so IKE floats to 4500 and ESP is UDP-encapsulated with no NAT on the path."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.crypto.prf import get_hash
from vpnteach.ike import nat_t
from vpnteach.ike.events import Event, Phase1Complete, Phase2Complete
from vpnteach.wire.constants import EncapsulationMode
from vpnteach.wire.message import decode_message
from vpnteach.wire.payloads import NatDPayload

MD5 = 1  # RFC 2409 App. A: hash algorithm 1 is MD5 (the seed's "hash md5")


def _run(force1: bool, force2: bool) -> tuple[Pair, list[Event], list[Event]]:
    c1 = replace(branch_config("Branch1"), force_udp_encapsulation=force1)
    c2 = replace(branch_config("Branch2"), force_udp_encapsulation=force2)
    pair = Pair.make(c1, c2)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair, pair.events(pair.b1), pair.events(pair.b2)


def _only(events: list[Event], kind: type) -> Event:
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


@pytest.mark.parametrize(
    ("force1", "force2"), [(True, False), (False, True), (True, True)], ids=["b1", "b2", "both"]
)
def test_one_forcing_side_makes_both_float_to_4500_and_use_udp_encapsulated_tunnel(
    force1: bool, force2: bool
) -> None:
    pair, ev1, ev2 = _run(force1, force2)
    for events in (ev1, ev2):
        p1 = _only(events, Phase1Complete)
        assert isinstance(p1, Phase1Complete) and p1.nat_detected
        p2 = _only(events, Phase2Complete)
        assert isinstance(p2, Phase2Complete)
        assert p2.suite.encapsulation == EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
        assert p2.inbound.udp_encapsulated and p2.outbound.udp_encapsulated
    ports = [d.local_port for _, d in pair.log]
    assert ports[:4] == [500] * 4 and set(ports[4:]) == {4500}  # MM5 on: RFC 3947 §4
    # the non-forcing side concludes from the faked hash that its peer is behind a NAT
    plain = pair.b2 if force1 and not force2 else pair.b1 if force2 and not force1 else None
    if plain is not None:
        assert "His hash no match - this node outside NAT" in plain.debug_log()


def test_the_faked_hash_is_the_senders_own_and_the_destination_hash_stays_true() -> None:
    pair, _, _ = _run(True, False)
    mm3 = decode_message([d.data for who, d in pair.log if who == "b1"][1])  # MM1, MM3, ...
    hashes = [p.hash_data for p in mm3.payloads if isinstance(p, NatDPayload)]
    h, ci, cr = get_hash(MD5), mm3.header.cky_i, mm3.header.cky_r
    # RFC 3947 §3.2: first the destination (the peer, 10.2.2.1:500), then the source (us)
    assert hashes[0] == nat_t.nat_d_hash(h, ci, cr, B2, 500, "dst")
    assert hashes[1] != nat_t.nat_d_hash(h, ci, cr, B1, 500, "src")
    assert len(hashes[1]) == h.digest_size


def test_without_the_flag_nothing_floats_and_esp_stays_plain_tunnel() -> None:
    pair, ev1, _ = _run(False, False)
    p2 = _only(ev1, Phase2Complete)
    assert isinstance(p2, Phase2Complete)
    assert p2.suite.encapsulation == EncapsulationMode.TUNNEL
    assert {d.local_port for _, d in pair.log} == {500}


def test_forcing_is_logged_and_recorded_as_a_fact() -> None:
    pair, _, _ = _run(True, False)
    assert nat_t.FORCED_TEXT in pair.b1.debug_log()
    assert pair.b1.trace.find("NAT-D (me, faked)").rfc == "RFC 3947 §3.2"
