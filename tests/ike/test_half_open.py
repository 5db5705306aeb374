"""Half-open ISAKMP SAs: bounded globally (IOS ``in-negotiation-sa``) and per source address
(strongSwan ``block_threshold``), deleted after a timeout (``half_open_timeout``), and never in
the way of our own initiation (issue 19: 20,000 MM1s left 20,001 SAs; one spoofed MM1 from the
peer's address stopped this router from ever initiating to that peer)."""

from __future__ import annotations

import dataclasses
import os

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike.admission import DEFAULT_HALF_OPEN_TIMEOUT, HalfOpenLimits
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Phase1Complete, Phase2Complete
from vpnteach.wire.constants import ExchangeType
from vpnteach.wire.message import decode_message


def _mm1() -> bytes:
    """A real MM1 as Branch2 sends it to Branch1 (Branch1 accepts its proposal)."""
    b2 = IkeEndpoint(branch_config("Branch2"), SeededRng(7), name="Branch2")
    b2.initiate(B1, 0.0)
    return b2.datagrams_to_send(0.0)[0].data


def _fresh(mm1: bytes) -> bytes:
    """The same MM1 with a fresh CKY-I (RFC 2408 §3.1: the header's first 8 bytes)."""
    return os.urandom(8) + mm1[8:]


def _responder(limits: HalfOpenLimits) -> IkeEndpoint:
    config = dataclasses.replace(branch_config("Branch1"), half_open=limits)
    return IkeEndpoint(config, SeededRng(1), name="Branch1")


def _flood(ep: IkeEndpoint, count: int, sources: int, now: float = 1000.0) -> None:
    mm1 = _mm1()
    for i in range(count):
        j = i % sources
        ep.receive_datagram(_fresh(mm1), (f"10.9.{j // 250}.{j % 250 + 1}", 500), now)


def test_mm1s_beyond_the_in_negotiation_limit_are_dropped_counted_and_logged() -> None:
    ep = _responder(HalfOpenLimits(in_negotiation=10, per_source=100))
    _flood(ep, 50, sources=50)
    assert len(ep.sas) == len(ep.half_open) == 10
    assert ep.half_open.refused_in_negotiation == 40
    assert ep.stats["dropped_AdmissionRefused"] == 40
    assert len(ep.datagrams_to_send(1000.0)) == 10  # only the admitted ones got an MM2
    assert "in-negotiation SA limit (10) reached" in ep.debug_log()


def test_one_address_gets_at_most_the_per_source_limit() -> None:
    ep = _responder(HalfOpenLimits(in_negotiation=100, per_source=5))
    _flood(ep, 8, sources=1)
    assert len(ep.sas) == 5 and ep.half_open.refused_per_source == 3
    ep.receive_datagram(_fresh(_mm1()), ("10.9.9.9", 500), 1000.0)
    assert len(ep.sas) == 6  # another address still gets in
    assert "5 half-open SAs from this address already" in ep.debug_log()


def test_half_open_sas_expire_after_the_timeout_and_make_room_again() -> None:
    ep = _responder(HalfOpenLimits(in_negotiation=10, per_source=100, timeout=30.0))
    _flood(ep, 10, sources=10, now=1000.0)
    assert ep.get_timer() == 1030.0  # the engine asks to be woken at the timeout (sans-IO)
    ep.handle_timer(1029.0)
    assert len(ep.sas) == 10
    ep.handle_timer(1030.0)
    assert len(ep.sas) == len(ep.half_open) == 0 and ep.half_open.expired == 10
    assert 'deleting SA reason "half-open SA timed out"' in ep.debug_log()
    _flood(ep, 3, sources=3, now=1031.0)
    assert len(ep.sas) == 3


def test_the_timeout_runs_from_the_initiators_last_message() -> None:
    ep = _responder(HalfOpenLimits(in_negotiation=10, per_source=5, timeout=30.0))
    mm1 = _fresh(_mm1())
    ep.receive_datagram(mm1, ("10.9.0.1", 500), 1000.0)
    ep.receive_datagram(mm1, ("10.9.0.1", 500), 1025.0)  # its retransmission (lost MM2)
    assert ep.get_timer() == 1055.0
    ep.handle_timer(1054.0)
    assert len(ep.half_open) == 1
    ep.handle_timer(1055.0)
    assert len(ep.half_open) == 0 and ep.sas == {}


def test_an_established_sa_is_not_half_open_and_keeps_its_lifetime() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    responder = next(iter(pair.b2.sas.values()))
    assert responder.established and len(pair.b2.half_open) == 0
    assert responder.expires is not None and responder.expires - pair.now > 3000  # lifetime


def _spoofed_then_initiate(c1: IkeConfig) -> Pair:
    pair = Pair.make(c1, branch_config("Branch2"))
    pair.b1.receive_datagram(_mm1(), (B2, 500), pair.now)  # forged: Branch2's address
    pair.b1.datagrams_to_send(pair.now)  # our MM2 to the forger: lost
    pair.b1.initiate(B2, pair.now)
    return pair


def test_a_spoofed_mm1_from_the_peer_does_not_stop_our_own_initiation() -> None:
    pair = _spoofed_then_initiate(branch_config("Branch1"))
    sent = pair.b1.datagrams_to_send(pair.now)
    assert len(sent) == 1
    header = decode_message(sent[0].data).header
    assert header.exchange_type == ExchangeType.IDENTITY_PROTECTION and header.cky_r == bytes(8)
    pair.b2.receive_datagram(sent[0].data, (B1, 500), pair.now)
    pair.run()
    events = pair.events(pair.b1)
    assert any(isinstance(e, Phase1Complete) and e.role == "initiator" for e in events)
    assert any(isinstance(e, Phase2Complete) for e in events)
    # the forged SA is still half-open beside ours, and is the one left after the timeout
    assert len(pair.b1.half_open) == 1
    pair.b1.handle_timer(pair.now + DEFAULT_HALF_OPEN_TIMEOUT + 1)
    assert len(pair.b1.half_open) == 0 and len(pair.b1.sas) == 1


def test_clear_removes_every_isakmp_sa_not_one_per_peer() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    pair.b1.receive_datagram(_mm1(), (B2, 500), pair.now)  # a second SA with the same peer
    _flood(pair.b1, 3, sources=3, now=pair.now)
    assert len(pair.b1.sas) == 5
    assert pair.b1.delete_isakmp_sa(None, pair.now) == 5
    assert pair.b1.sas == {} and len(pair.b1.half_open) == 0


def test_a_deleted_sa_forgets_its_keys() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    sa = next(iter(pair.b1.sas.values()))
    assert sa.keying is not None and sa.nodes
    pair.b1.delete_isakmp_sa(B2, pair.now)
    assert sa.dead and sa.keying is None and sa.exchange is None and not sa.nodes


def test_limits_below_one_are_refused_with_a_clear_error() -> None:
    for bad in ({"in_negotiation": 0}, {"per_source": 0}, {"timeout": 0.0}):
        try:
            HalfOpenLimits(**bad)  # type: ignore[arg-type]
        except ValueError as exc:
            assert "half-open" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")
