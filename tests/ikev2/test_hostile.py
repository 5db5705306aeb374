"""Hypothesis over the IKEv2 table: hostile datagrams in every state of both roles.

Each datagram is garbage, a recorded message of the same run with bits flipped, cut or
replayed, or a well-formed header with this SA's SPIs and a random body. Every one must end
in a legal move of the table or a counted drop, never an exception (the endpoint counts
those as ``internal_error``), and never change an established SA: its SPIs, keys (the
IKE_SA_INIT result), message IDs both ways, Child SAs (SPIs and KEYMAT) and the
CREATE_CHILD_SA request it has outstanding stay as they were.

The situations put an SA in every state of :data:`vpnteach.ikev2.transitions.IKEV2` (checked
by the first test), as initiator and as responder, and READY with each request of ours
outstanding: a Child SA rekey with and without PFS (§1.3.3), a new Child SA (§1.3.1), an IKE
SA rekey (§1.3.2), a liveness check (§1.4), and after rekeys of both kinds; and in the middle
of simultaneous IKE SA rekeys (§2.8.2): an old IKE SA whose own rekey is in flight after it
answered the peer's (the collision is settled when its answer comes), and an old IKE SA a
rekey replaced, waiting for the peer's Delete.
"""

from __future__ import annotations

import copy
import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ikev2.harness import B1, B2, pair
from vpnteach.ikev2.endpoint import Ikev2Endpoint
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.transitions import IKEV2, State
from vpnteach.wire.ikev2.message import HEADER_LENGTH


def _recorded() -> list[bytes]:
    """The datagrams of a PSK run and of a certificate run in IKE fragments (RFC 7383)."""
    p = pair(seed="hostile")
    p.a.initiate(B2, p.now)
    p.run()
    q = pair(seed="hostile", auth="cert")
    for ep in (q.a, q.b):
        peer = dataclasses.replace(ep.config.peers[0], fragment_size=500)
        ep.ctx.config = dataclasses.replace(ep.config, peers=(peer,))
    q.a.initiate(B2, q.now)
    q.run()
    return [d for _, d in p.wire + q.wire]


RECORDED = _recorded()


def _in_state(which: str) -> tuple[Ikev2Endpoint, str]:
    """An endpoint with one SA in the named situation, and the peer address to send from."""
    p = pair(seed="hostile")
    p.a.initiate(B2, p.now)
    if which == "I_WAIT_INIT":
        p.a.datagrams_to_send(p.now)
        return p.a, B2
    if which == "R_WAIT_AUTH":
        (d,) = p.a.datagrams_to_send(p.now)
        p.b.receive_datagram(d.data, (B1, 500), p.now)
        return p.b, B1
    if which == "I_WAIT_AUTH":
        (d,) = p.a.datagrams_to_send(p.now)
        p.b.receive_datagram(d.data, (B1, 500), p.now)
        (r,) = p.b.datagrams_to_send(p.now)
        p.a.receive_datagram(r.data, (B2, 500), p.now)
        p.a.datagrams_to_send(p.now)
        return p.a, B2
    p.run()
    pending = {  # (the names are in PENDING)
        "REKEYING_CHILD_I": (p.a, B2, lambda: p.a.rekey_child_sa(B2, p.now)),
        "REKEYING_CHILD_PFS_R": (p.b, B1, lambda: p.b.rekey_child_sa(B1, p.now, 14)),
        "CREATING_CHILD_I": (p.a, B2, lambda: p.a.create_child_sa(B2, p.now)),
        "REKEYING_IKE_R": (p.b, B1, lambda: p.b.rekey_ike_sa(B1, p.now)),
        "LIVENESS_I": (p.a, B2, lambda: p.a.check_liveness(B2, p.now)),
    }
    if which in pending:  # our CREATE_CHILD_SA / INFORMATIONAL request is on its way
        ep, peer, start = pending[which]
        assert start()
        assert ep.datagrams_to_send(p.now)
        return ep, peer
    if which in ("REKEYED", "REKEYED_R"):  # a new IKE SA and a new Child SA generation (§1.3)
        p.b.rekey_ike_sa(B1, p.now)
        p.run()
        p.a.rekey_child_sa(B2, p.now, 14)
        p.run()
        return (p.a, B2) if which == "REKEYED" else (p.b, B1)
    if which in ("COLLIDING_IKE", "SUPERSEDED"):  # §2.8.2: both ends rekey the IKE SA
        assert p.b.rekey_ike_sa(B1, p.now)
        if which == "COLLIDING_IKE":
            assert p.a.rekey_ike_sa(B2, p.now)
            p.a.datagrams_to_send(p.now)  # Branch1's request, lost
        for d in p.b.datagrams_to_send(p.now):  # Branch1 answers Branch2's request
            p.a.receive_datagram(d.data, (B2, 500), p.now)
        p.a.datagrams_to_send(p.now)  # the answer, lost
        return p.a, B2
    if which == "EXIT":  # the IKE SA was deleted: the endpoint holds none any more
        p.a.delete_ike_sa(B2, p.now)
        p.run()
        assert not p.b.sas
        return p.b, B1
    if which == "DELETE":
        p.a.delete_ike_sa(B2, p.now)
        p.a.datagrams_to_send(p.now)
        return p.a, B2
    return (p.a, B2) if which == "READY_I" else (p.b, B1)


PENDING = [
    "REKEYING_CHILD_I",
    "REKEYING_CHILD_PFS_R",
    "CREATING_CHILD_I",
    "REKEYING_IKE_R",
    "LIVENESS_I",
]
SITUATIONS = [
    "IDLE",
    "I_WAIT_INIT",
    "I_WAIT_AUTH",
    "R_WAIT_AUTH",
    "READY_I",
    "READY_R",
    "REKEYED",
    "REKEYED_R",
    *PENDING,
    "COLLIDING_IKE",
    "SUPERSEDED",
    "DELETE",
    "EXIT",
]


def _endpoint(which: str) -> tuple[Ikev2Endpoint, str]:
    if which == "IDLE":
        p = pair(seed="hostile")
        return p.b, B1
    return _in_state(which)


@st.composite
def hostile(draw: st.DrawFn, ep: Ikev2Endpoint) -> bytes:
    kind = draw(st.sampled_from(["garbage", "flip", "cut", "replay", "spis"]))
    if kind == "garbage":
        return draw(st.binary(max_size=300))
    base = draw(st.sampled_from(RECORDED))
    if kind == "replay":
        return base
    if kind == "cut":
        return base[: draw(st.integers(0, len(base) - 1))]
    if kind == "flip":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    sa = next(iter(ep.sas.values()), None)
    spis = (sa.spi_i + sa.spi_r) if sa is not None else draw(st.binary(min_size=16, max_size=16))
    body = draw(st.binary(max_size=120))
    header = spis + bytes([draw(st.sampled_from([0, 33, 41, 46])), 0x20])
    header += bytes([draw(st.integers(33, 38)), draw(st.sampled_from([0, 8, 0x20, 0x28]))])
    header += draw(st.integers(0, 3)).to_bytes(4, "big")
    header += (HEADER_LENGTH + len(body)).to_bytes(4, "big")
    return header + body


def _established(sa: IkeSa) -> tuple[object, ...]:
    """What must not change in an established SA (``InitResult``, ``ChildSa`` and
    ``PendingCreate`` are frozen dataclasses: compared by value, keys included)."""
    return (
        sa.state,
        sa.role,
        sa.spi_i,
        sa.spi_r,
        sa.peer,
        sa.init,  # SKEYSEED and every SK_* (IkeSaKeys), the nonces, the suite
        tuple(sa.children),  # SPIs, suite, KEYMAT split into keys, selectors
        sa.next_request_id,
        sa.expected_request_id,
        sa.pending_create,
    )


def _snapshot(ep: Ikev2Endpoint) -> dict[bytes, tuple[object, ...]]:
    return {k: _established(sa) for k, sa in ep.sas.items() if sa.state == State.READY}


def test_the_situations_reach_every_state_of_the_table_in_both_roles() -> None:
    reached: set[tuple[State, str]] = set()
    for which in SITUATIONS:
        ep, _ = _endpoint(which)
        reached |= {(sa.state, sa.role) for sa in ep.sas.values()}
        if not ep.sas:
            reached.add((State.IDLE if which == "IDLE" else State.EXIT, "none"))
    states = {s for s, _ in reached}
    assert states == set(IKEV2.states()), set(IKEV2.states()) - states
    assert {r for s, r in reached if s == State.READY} == {"initiator", "responder"}
    outstanding = [_endpoint(w)[0] for w in PENDING]
    kinds = set()
    for ep in outstanding:
        (sa,) = [s for s in ep.sas.values() if s.retransmit is not None]
        create = sa.pending_create
        kinds.add(
            "liveness"
            if create is None
            else "ike"
            if create.ike
            else ("rekey" if create.rekeyed else "new") + ("-pfs" if create.dh else "")
        )
    assert kinds == {"liveness", "ike", "rekey", "rekey-pfs", "new"}, kinds
    colliding, _ = _endpoint("COLLIDING_IKE")
    old = next(sa for sa in colliding.sas.values() if sa.ike_rekey_collision is not None)
    assert old.superseded and old.pending_create is not None and old.pending_create.ike
    superseded, _ = _endpoint("SUPERSEDED")
    assert [sa.superseded for sa in superseded.sas.values()] == [True, False]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SITUATIONS), st.data())
def test_hostile_datagrams_give_a_legal_move_or_a_counted_drop(
    which: str, data: st.DataObject
) -> None:
    ep, peer = _endpoint(which)
    established = copy.copy(_snapshot(ep))
    for _ in range(data.draw(st.integers(1, 8))):
        datagram = data.draw(hostile(ep))
        port = data.draw(st.sampled_from([500, 4500]))
        if port == 4500:
            datagram = bytes(4) + datagram
        before_moves, before_drops = len(ep.moves), ep.stats["dropped"]
        before_other = sum(v for k, v in ep.stats.items() if not k.startswith("dropped"))
        ep.receive_datagram(datagram, (peer, port), ep.ctx.now)
        assert not [k for k in ep.stats if "internal_error" in k], ep.stats
        moved = ep.moves[before_moves:]
        for m in moved:
            assert IKEV2.allows(m.state, m.input)
            row = IKEV2.lookup(m.state, m.input)
            assert m.next_state in (row.next_state, *row.alternatives)
        counted = ep.stats["dropped"] > before_drops or (
            sum(v for k, v in ep.stats.items() if not k.startswith("dropped")) > before_other
        )
        assert moved or counted, f"datagram neither moved nor counted: {datagram[:40].hex()}"
        for key, snap in established.items():
            sa = ep.sas.get(key)
            assert sa is not None, "an established SA disappeared"
            assert _established(sa) == snap, "an established SA changed"
