"""Simultaneous IKE SA rekeys (RFC 7296 §2.8.2) and the other collisions of an IKE SA rekey
(§2.25.2), between two in-process endpoints.

Both ends send a CREATE_CHILD_SA proposing a new IKE SA at the same instant; each answers the
other's, so two new IKE SAs exist for a moment. The one created by the exchange holding the
lowest of the four nonces is deleted by its initiator; the other inherits the Child SAs; the
old IKE SA is deleted by the end whose exchange made the survivor (strongSwan's
``ike_rekey.c``). The expected survivor is worked out here from the nonces the trace recorded
and the SPIs each end proposed, not from the engine's verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.ikev2.harness import B1, B2, Pair, pair
from vpnteach.ikev2.deadlines import SUPERSEDED_SECONDS
from vpnteach.ikev2.endpoint import Ikev2Endpoint
from vpnteach.ikev2.events import (
    ChildSaDeleted,
    ChildSaEstablished,
    ChildSaFailed,
    IkeSaDeleted,
    IkeSaRekeyCollision,
    IkeSaRekeyed,
)
from vpnteach.ikev2.sa import ChildSa, IkeSa
from vpnteach.ikev2.show import render_move
from vpnteach.ikev2.sk import open_sk
from vpnteach.ikev2.transitions import State
from vpnteach.router.setup import brief
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType
from vpnteach.wire.ikev2.payloads import NotifyPayload

SEEDS = range(10)


def _only(ep: Ikev2Endpoint) -> IkeSa:
    (sa,) = ep.sas.values()
    return sa


def _last(ep: Ikev2Endpoint, name: str) -> bytes:
    values = [f.value for f in ep.trace if f.name == name]
    assert isinstance(values[-1], bytes)
    return values[-1]


@dataclass
class Outcome:
    p: Pair
    old: tuple[bytes, bytes]
    child: ChildSaEstablished
    a_redundant: bool  # the lowest nonce is in Branch1's exchange
    a_spi: bytes  # the SPI each end proposed for its new IKE SA (its SPIi there)
    b_spi: bytes
    pairs: tuple[ChildSa, ChildSa]  # the Child SA on each end before the rekeys


def _collide(seed: int) -> Outcome:
    p = pair(seed=f"ike-collide-{seed}")
    child = p.establish()
    old = _only(p.a)
    pairs = (old.children[0], _only(p.b).children[0])
    assert p.a.rekey_ike_sa(B2, p.now) and p.b.rekey_ike_sa(B1, p.now)  # the same instant
    pa, pb = old.pending_create, _only(p.b).pending_create
    assert pa is not None and pb is not None and pa.ike and pb.ike
    p.run()
    a_nr, b_nr = _last(p.a, "Nr"), _last(p.b, "Nr")  # each one's answer to the other
    # §2.8.2: the lowest of the four nonces; Branch1's exchange carried (Ni_a, Nr_b)
    a_redundant = min(pa.ni, b_nr) < min(pb.ni, a_nr)
    return Outcome(p, (old.spi_i, old.spi_r), child, a_redundant, pa.spi_in, pb.spi_in, pairs)


def test_simultaneous_ike_sa_rekeys_leave_one_new_ike_sa_with_the_child_sas_on_both_ends() -> None:
    winners = set()
    for seed in SEEDS:
        o = _collide(seed)
        p = o.p
        sa_a, sa_b = _only(p.a), _only(p.b)
        assert (sa_a.spi_i, sa_a.spi_r) == (sa_b.spi_i, sa_b.spi_r) != o.old
        # the survivor is the other exchange's: its initiator chose its SPIi
        assert sa_a.spi_i == (o.b_spi if o.a_redundant else o.a_spi), seed
        assert sa_a.initiator == (not o.a_redundant) and sa_b.initiator == o.a_redundant
        assert sa_a.ike_keys == sa_b.ike_keys and not sa_a.superseded and not sa_b.superseded
        # no Child SA lost: the same pair, with the same keys, on the surviving IKE SA
        ((ca,), (cb,)) = (sa_a.children, sa_b.children)
        assert (ca.spi_in, ca.spi_out) == (o.child.spi_in, o.child.spi_out)
        assert (cb.spi_in, cb.spi_out) == (o.child.spi_out, o.child.spi_in)
        assert (ca, cb) == o.pairs  # KEYMAT, suite and selectors as they were
        for side, ep in (("a", p.a), ("b", p.b)):
            rekeyed = [e for e in p.events[side] if isinstance(e, IkeSaRekeyed)]
            deleted = [(e.spi_i, e.spi_r) for e in p.events[side] if isinstance(e, IkeSaDeleted)]
            (collision,) = [e for e in p.events[side] if isinstance(e, IkeSaRekeyCollision)]
            assert len(rekeyed) == 2  # two new IKE SAs existed for a moment
            redundant = (collision.redundant_spi_i, collision.redundant_spi_r)
            assert sorted(deleted) == sorted([o.old, redundant])  # both gone, on both ends
            assert (collision.kept_spi_i, collision.kept_spi_r) == (sa_a.spi_i, sa_a.spi_r)
            assert collision.we_delete == (o.a_redundant == (side == "a"))
            assert not any(isinstance(e, ChildSaDeleted | ChildSaFailed) for e in p.events[side])
            assert ep.stats["dropped"] == 0, ep.stats
        # the initiator of the redundant SA deleted it on itself: Message ID 0 there
        deletes = [
            decode_message(d).header
            for _, d in p.wire
            if decode_message(d).header.spi_i in (o.a_spi, o.b_spi)
            and decode_message(d).header.exchange_type == ExchangeType.INFORMATIONAL
        ]
        assert [(h.spi_i, h.message_id, h.response) for h in deletes] == [
            (o.a_spi if o.a_redundant else o.b_spi, 0, False),
            (o.a_spi if o.a_redundant else o.b_spi, 0, True),
        ]
        winners.add("b" if o.a_redundant else "a")
    assert winners == {"a", "b"}  # both outcomes occur over the seeds


def test_the_surviving_ike_sa_counts_message_ids_from_zero_and_rekeys_the_child_sa() -> None:
    for seed in SEEDS[:4]:
        o = _collide(seed)
        p = o.p
        sa_a, sa_b = _only(p.a), _only(p.b)
        # §2.2: nothing was sent on the survivor yet; each end expects what the other sends
        assert (sa_a.next_request_id, sa_a.expected_request_id) == (0, 0)
        assert (sa_b.next_request_id, sa_b.expected_request_id) == (0, 0)
        first = len(p.wire)
        assert p.b.rekey_child_sa(B1, p.now, 14)
        p.run()
        headers = [decode_message(d).header for _, d in p.wire[first:]]
        assert {h.spi_i for h in headers} == {sa_a.spi_i}
        assert [(h.exchange_type, h.message_id) for h in headers] == [
            (ExchangeType.CREATE_CHILD_SA, 0),
            (ExchangeType.CREATE_CHILD_SA, 0),
            (ExchangeType.INFORMATIONAL, 1),
            (ExchangeType.INFORMATIONAL, 1),
        ]
        ((ca,), (cb,)) = (sa_a.children, sa_b.children)
        assert (
            (ca.spi_in, ca.spi_out) == (cb.spi_out, cb.spi_in) != (o.child.spi_in, o.child.spi_out)
        )
        # Branch2 sent two requests (the rekey, the Delete of the old pair), Branch1 none
        assert (sa_a.next_request_id, sa_a.expected_request_id) == (0, 2)
        assert (sa_b.next_request_id, sa_b.expected_request_id) == (2, 0)


def test_the_debug_log_names_the_collision_the_nonces_and_the_ike_sa_kept() -> None:
    o = _collide(0)
    for ep in (o.p.a, o.p.b):
        (move,) = [m for m in ep.moves if m.collision is not None]
        assert move.handler == "receive_create_child_sa_response"
        c = move.collision
        assert c is not None
        text = "\n".join(render_move(move, dt.timezone.utc))
        assert "IKE SA rekey collision" in text and "RFC 7296 2.8.2" in text
        for nonce in (c.our_ni, c.their_nr, c.their_ni, c.our_nr):
            assert nonce[:8].hex().upper() in text
        assert c.lowest_nonce[:8].hex().upper() + "*" in text
        kept = f"Keeping new IKEv2 SA {c.kept_spi_i.hex().upper()}/{c.kept_spi_r.hex().upper()}"
        assert kept in text
        assert ("we delete it" in text) == c.we_delete
        said = brief(c)  # the router process's log line
        assert f"SPIi {c.kept_spi_i.hex()} kept, redundant SPIi {c.redundant_spi_i.hex()}" in said
        assert said.endswith(f"deleted by {'us' if c.we_delete else 'the peer'} "
                             f"(lowest nonce {c.lowest_nonce.hex()})")  # fmt: skip


def _deliver(p: Pair, src: Ikev2Endpoint, dst: Ikev2Endpoint, src_ip: str) -> None:
    for d in src.datagrams_to_send(p.now):
        p.wire.append(("a" if src is p.a else "b", d.data))
        dst.receive_datagram(d.data, (src_ip, d.local_port), p.now, d.addr[1])


def test_an_end_that_did_not_notice_the_collision_answers_with_temporary_failure() -> None:
    """§2.8.2: Branch2 answers Branch1's request while its own is in flight (it notices);
    Branch1 gets that answer before Branch2's request (it does not), deletes the old IKE SA,
    then answers Branch2's request with TEMPORARY_FAILURE. Branch1's new IKE SA is the only
    one on both ends and keeps the Child SA."""
    p = pair(seed="one-notices")
    child = p.establish()
    old_a = _only(p.a)
    assert p.a.rekey_ike_sa(B2, p.now) and p.b.rekey_ike_sa(B1, p.now)
    a_spi = old_a.pending_create.spi_in  # type: ignore[union-attr]
    requests = p.b.datagrams_to_send(p.now)  # Branch2's request, held back
    _deliver(p, p.a, p.b, B1)  # Branch1's request: Branch2 answers it
    _deliver(p, p.b, p.a, B2)  # the answer: Branch1's rekey is done, its Delete goes out
    for d in requests:
        p.a.receive_datagram(d.data, (B2, d.local_port), p.now, d.addr[1])
    assert [m.handler for m in p.a.moves[-2:]] == [
        "receive_create_child_sa_response",
        "refuse_create_child_sa",
    ]
    p.run()
    p._collect()
    (refusal,) = [
        d
        for n, d in p.wire
        if n == "a"
        and decode_message(d).header.exchange_type == ExchangeType.CREATE_CHILD_SA
        and decode_message(d).header.response
        and decode_message(d).header.spi_i == old_a.spi_i
    ]
    (notify,) = open_sk(refusal, decode_message(refusal), old_a.sk_out())
    assert isinstance(notify, NotifyPayload)
    assert notify.notify_message_type == NotifyType.TEMPORARY_FAILURE
    sa_a, sa_b = _only(p.a), _only(p.b)
    assert sa_a.spi_i == sa_b.spi_i == a_spi and sa_a.spi_r == sa_b.spi_r
    assert [(c.spi_in, c.spi_out) for c in sa_b.children] == [(child.spi_out, child.spi_in)]
    assert [(c.spi_in, c.spi_out) for c in sa_a.children] == [(child.spi_in, child.spi_out)]
    assert not any(isinstance(e, IkeSaRekeyCollision) for e in p.events["a"] + p.events["b"])
    # Branch2 forgot its own rekey with the old IKE SA; the late refusal found no SA
    assert p.b.stats["dropped unknown_sa"] == 1 and p.b.stats["dropped"] == 1
    assert p.a.rekey_child_sa(B2, p.now)  # the survivor works
    p.run()
    assert len(sa_a.children) == len(sa_b.children) == 1


def test_an_ike_sa_rekey_and_a_child_sa_rekey_at_once_are_both_refused_temporarily() -> None:
    """§2.25.2: an IKE SA rekey request while we rekey a Child SA, and a Child SA rekey
    request while we rekey the IKE SA, get TEMPORARY_FAILURE; nothing changes, and a later
    try succeeds."""
    p = pair(seed="ike-vs-child")
    child = p.establish()
    old = (_only(p.a).spi_i, _only(p.a).spi_r)
    assert p.a.rekey_ike_sa(B2, p.now) and p.b.rekey_child_sa(B1, p.now)
    p.run()
    for side in ("a", "b"):  # each refused the other's, and had its own refused
        failed = [e for e in p.events[side] if isinstance(e, ChildSaFailed)]
        assert [e.notify_type for e in failed] == [NotifyType.TEMPORARY_FAILURE] * 2
    for ep in (p.a, p.b):
        sa = _only(ep)
        assert (sa.spi_i, sa.spi_r) == old and sa.pending_create is None
        assert [c.spi_in for c in sa.children] in ([child.spi_in], [child.spi_out])
    assert p.a.rekey_ike_sa(B2, p.now)  # §2.25: try again later
    p.run()
    assert _only(p.a).spi_i == _only(p.b).spi_i != old[0]
    assert [c.spi_in for c in _only(p.a).children] == [child.spi_in]


def test_an_ike_sa_rekey_meeting_a_delete_of_the_ike_sa_ends_with_no_sa() -> None:
    """§2.25.2: Branch1 rekeys the IKE SA while Branch2 deletes it. Branch2 answers the rekey
    with TEMPORARY_FAILURE (it is closing the SA); Branch1 answers the Delete and forgets its
    rekey. Both ends hold no IKE SA, no Child SA, and no request in flight."""
    p = pair(seed="rekey-vs-delete")
    p.establish()
    assert p.a.rekey_ike_sa(B2, p.now) and p.b.delete_ike_sa(B1, p.now)
    p.run()
    assert p.a.sas == {} and p.b.sas == {}
    assert "refuse_create_child_sa" in [m.handler for m in p.b.moves]
    assert p.a.get_timer() is None and p.b.get_timer() is None
    for side in ("a", "b"):
        assert [type(e).__name__ for e in p.events[side]][-1] == "IkeSaDeleted"


def test_an_ike_sa_a_rekey_replaced_is_never_rekeyed_again_but_can_still_be_deleted() -> None:
    """The peer rekeyed the IKE SA and its Delete of the old one was lost: the old one takes
    no new request of ours (a successor has the Child SAs), yet the end of its lifetime can
    still delete it (what the gateway does, :mod:`vpnteach.gateway.ikev2_timers`)."""
    p = pair(seed="superseded")
    p.establish()
    old = _only(p.b)
    assert p.a.rekey_ike_sa(B2, p.now)
    _deliver(p, p.a, p.b, B1)
    _deliver(p, p.b, p.a, B2)
    p.a.datagrams_to_send(p.now)  # Branch1's Delete of the old IKE SA, lost
    new = p.b.ike_sa(B1)
    assert old.superseded and new is not None and new is not old and new.children
    assert not p.b.rekey_ike_sa(B1, p.now, old.spi_i)  # not rekeyed a second time
    assert p.b.check_liveness(B1, p.now)  # requests go on the successor
    assert new.retransmit is not None and old.retransmit is None
    p.run()
    assert p.b.delete_ike_sa(B1, p.now, old.spi_i)
    p.run()
    assert list(p.a.sas) == list(p.b.sas) == [new.spi_i]
    assert [c.spi_in for c in _only(p.a).children] == [c.spi_out for c in new.children]


def test_a_redundant_ike_sa_the_peer_never_deletes_is_forgotten_after_30_s() -> None:
    """charon, multi-threaded, may read the winner's Delete of the old IKE SA before the
    answer to its own request, conclude the winner "did not notice" the collision and drop its
    half-made SA without a word (seen in the strongSwan interop run): the winner's copy of
    that redundant SA then waits for a Delete that never comes. It is forgotten silently after
    SUPERSEDED_SECONDS, as strongSwan does with ``HALF_OPEN_IKE_SA_TIMEOUT``."""
    p = pair(seed="ike-collide-0")
    p.establish()
    assert p.a.rekey_ike_sa(B2, p.now) and p.b.rekey_ike_sa(B1, p.now)
    new_spis = {_only(ep).pending_create.spi_in for ep in (p.a, p.b)}  # type: ignore[union-attr]
    for _ in range(4):  # every message but the loser's Delete of its redundant SA
        for src, dst, src_ip in ((p.a, p.b, B1), (p.b, p.a, B2)):
            for d in src.datagrams_to_send(p.now):
                if decode_message(d.data).header.spi_i not in new_spis:
                    dst.receive_datagram(d.data, (src_ip, d.local_port), p.now, d.addr[1])
    p._collect()
    (c,) = [e for e in p.events["a"] + p.events["b"] if isinstance(e, IkeSaRekeyCollision)][:1]
    winner = p.b if c.we_delete else p.a
    redundant = winner.sas[c.redundant_spi_i]
    assert redundant.superseded and redundant.state == State.READY and not redundant.children
    assert winner.ike_sa(B1 if winner is p.b else B2) is winner.sas[c.kept_spi_i]
    assert winner.get_timer() == p.now + SUPERSEDED_SECONDS
    winner.handle_timer(p.now + SUPERSEDED_SECONDS)
    assert list(winner.sas) == [c.kept_spi_i] and winner.stats["superseded_expired"] == 1
    assert winner.datagrams_to_send(p.now + SUPERSEDED_SECONDS) == []  # silently
    (gone,) = [e for e in iter(winner.next_event, None) if isinstance(e, IkeSaDeleted)]
    assert gone.spi_i == c.redundant_spi_i and gone.reason == "replaced, never deleted by the peer"
