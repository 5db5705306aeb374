"""Hypothesis over the endpoint in every reachable state: hostile datagrams change nothing
they must not.

A seeded seed-profile run (``tests/ike/harness.py``; rsa-sig, pre-share, with PFS, behind
a NAT, rsa-encr, or Aggressive Mode with a pre-shared key) is stopped after ``k`` round trips
(k = 0..5 reaches IKE_I_MM1, IKE_I_MM3/IKE_R_MM2,
IKE_I_MM5/IKE_R_MM4, IKE_P1_COMPLETE with QM1 in flight, QM3 in flight, both
PHASE2_COMPLETE). Then one endpoint gets a generated
datagram: an ISAKMP header with the right, zero or wrong cookies, any exchange type and flags,
a message ID that is 0, a live Quick Mode one or random, followed by an arbitrary payload chain
or by bytes that the endpoint will try to decrypt. The properties:

* ``receive_datagram`` never raises (it drops only the package's input errors: a bug raises);
* each existing SA and Quick Mode node either stays in its state, or moves to a state the
  transition table allows from there (RFC 2409 §5 exchanges, IOS names), or is abandoned
  with a recorded failure (a notification or ``NegotiationFailed``);
* an input that does not advance anything leaves a trace: a drop or duplicate counter, or an
  event;
* an established ISAKMP SA (its cookies, suite and keys) and a completed Quick Mode (SPIs,
  keys) are never changed by the input;
* unless the input was allowed to abandon the negotiation, the run then completes: both sides
  reach Phase2Complete with matching SPIs and keys.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ike.harness import B1, B2, SEED_POLICY, Pair, branch_config, encr_config
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Event, NegotiationFailed, Phase2Complete, SaDeleted
from vpnteach.ike.sa import IsakmpSa, QuickModeNode
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import QUICK_MODE, TransitionTable
from vpnteach.wire.constants import PayloadType

ROUND_TRIPS = range(6)
S = IkeState


@functools.cache
def successors(table: TransitionTable, state: IkeState) -> frozenset[IkeState]:
    """Every state reachable from ``state`` through the table's rows (itself included)."""
    seen, todo = {state}, [state]
    while todo:
        here = todo.pop()
        for move in table.moves:
            if move.state == here and move.next_state not in seen:
                seen.add(move.next_state)
                todo.append(move.next_state)
    return frozenset(seen)


VARIANTS = ("rsa-sig", "pre-share", "pfs", "nat", "rsa-encr", "aggressive")


def paused_pair(round_trips: int, variant: str = "rsa-sig") -> Pair:
    """A seed-profile run, stopped after ``round_trips`` deliveries in both directions.

    ``variant``: rsa-sig (the seed), pre-share, pfs (a Quick Mode KE, group 1), nat (a NAT
    in front of Branch1: IKE floats to 4500 from MM5 on), rsa-encr (RFC 2409 §5.2) or
    aggressive (Aggressive Mode with a pre-shared key, RFC 2409 §5.4).
    """
    kw: dict[str, object] = {}
    if variant == "pre-share":
        kw = {"policy": replace(SEED_POLICY, authentication="pre-share"), "psk": "cisco123"}
    elif variant == "pfs":
        kw = {"pfs": 1}
    c1, c2 = branch_config("Branch1", **kw), branch_config("Branch2", **kw)  # type: ignore[arg-type]
    if variant == "rsa-encr":
        c1, c2 = encr_config("Branch1"), encr_config("Branch2")
    if variant == "aggressive":  # RFC 2409 §5.4 with a pre-shared key: AM1, AM2, AM3
        psk = replace(SEED_POLICY, authentication="pre-share")
        c1 = replace(
            branch_config("Branch1", policy=psk, psk="cisco123"), aggressive_mode_peers=(B2,)
        )
        c2 = branch_config("Branch2", policy=psk, psk="cisco123")
    pair = Pair.make(c1, c2, seed=3)
    if variant == "nat":
        pair.nat = ("10.1.1.1", 1024)
    pair.b1.initiate(B2, pair.now)
    for _ in range(round_trips):
        pair.step()
    return pair


@dataclass(frozen=True)
class Snapshot:
    """What must not change behind the engine's back, per SA."""

    state: IkeState
    established: bool
    identity: tuple[object, ...]
    nodes: dict[int, tuple[IkeState, tuple[object, ...]]]


def _node_identity(node: QuickModeNode) -> tuple[object, ...]:
    return (node.specs, node.spi_i, node.spi_r, node.suite)


def snapshot(sa: IsakmpSa) -> Snapshot:
    identity = (sa.cky_i, sa.cky_r, sa.negotiated, sa.keying) if sa.established else ()
    nodes = {mid: (n.state, _node_identity(n)) for mid, n in sa.nodes.items()}
    return Snapshot(sa.state, sa.established, identity, nodes)


def _generic(payload_type: int, body: bytes, next_type: int) -> bytes:
    return bytes([next_type, 0]) + (4 + len(body)).to_bytes(2, "big") + body


def encode_chain(chain: list[tuple[int, bytes]]) -> bytes:
    """Payloads with RFC 2408 §3.2 generic headers, each naming the next one's type."""
    out = b""
    for i, (ptype, body) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        out += _generic(ptype, body, nxt)
    return out


def isakmp(
    cky_i: bytes, cky_r: bytes, first: int, exchange: int, flags: int, mid: int, body: bytes
) -> bytes:
    """An RFC 2408 §3.1 header (version 1.0) with the right length, then ``body``."""
    length = (28 + len(body)).to_bytes(4, "big")
    header = bytes([first, 0x10, exchange, flags]) + mid.to_bytes(4, "big") + length
    return cky_i + cky_r + header + body


_INNER = (PayloadType.PROPOSAL, PayloadType.TRANSFORM)  # only ever inside an SA payload
PAYLOAD_TYPES = [int(t) for t in PayloadType if t not in _INNER]
payload_types = st.one_of(st.sampled_from(PAYLOAD_TYPES), st.integers(0, 255))
chains = st.lists(st.tuples(payload_types, st.binary(max_size=48)), max_size=6)


@st.composite
def hostile_datagrams(draw: st.DrawFn, sa: IsakmpSa | None) -> bytes:
    """A valid-looking ISAKMP datagram aimed at ``sa`` (or at nobody)."""
    right = (sa.cky_i, sa.cky_r) if sa is not None else (bytes(8), bytes(8))
    wrong = draw(st.binary(min_size=8, max_size=8))
    cky_i, cky_r = draw(
        st.sampled_from([right, (right[0], bytes(8)), (right[0], wrong), (wrong, bytes(8))])
    )
    mids = [0, *(sa.nodes if sa is not None else ())]
    mid = draw(st.one_of(st.sampled_from(mids), st.integers(0, 2**32 - 1)))
    exchange = draw(st.one_of(st.sampled_from([2, 32, 5, 4, 1]), st.integers(0, 255)))
    flags = draw(st.one_of(st.sampled_from([0, 1, 2, 3]), st.integers(0, 255)))
    if flags & 1:
        first = draw(payload_types)
        size = draw(st.one_of(st.integers(1, 12).map(lambda n: 8 * n), st.integers(0, 100)))
        body = draw(st.binary(min_size=size, max_size=size))
    else:
        chain = draw(chains)
        first = chain[0][0] if chain else draw(payload_types)
        body = encode_chain(chain)
    return isakmp(cky_i, cky_r, first, exchange, flags, mid, body)


def _legal(before: Snapshot, after: IsakmpSa | None, failed: bool) -> bool:
    """The SA's move is a table move; a vanished SA or node was abandoned with a failure;
    nothing established changed."""
    if after is None or after.dead:
        return failed and not before.established
    if after.state not in successors(after.machine.table, before.state):
        return False
    if before.established and snapshot(after).identity != before.identity:
        return False
    return all(_node_legal(s, i, after.nodes.get(m), failed) for m, (s, i) in before.nodes.items())


def _node_legal(
    state: IkeState, identity: tuple[object, ...], node: QuickModeNode | None, failed: bool
) -> bool:
    complete = state == S.IKE_QM_PHASE2_COMPLETE
    if node is None:
        return failed and not complete
    if complete and _node_identity(node) != identity:
        return False
    return node.state in successors(QUICK_MODE, state)


def _drain(endpoint: IkeEndpoint) -> list[Event]:
    out = []
    while (e := endpoint.next_event()) is not None:
        out.append(e)
    return out


def _complete(pair: Pair, earlier: list[Event]) -> None:
    """Both sides end with a Phase2Complete whose SAs mirror each other."""
    done = {"b1": [e for e in earlier if isinstance(e, Phase2Complete) and e.peer[0] == B2]}
    done["b2"] = [e for e in earlier if isinstance(e, Phase2Complete) and e.peer[0] == B1]
    for _ in range(6):  # a datagram lost to the forgery is recovered by retransmission
        pair.run(limit=10)
        for name, ep in (("b1", pair.b1), ("b2", pair.b2)):
            done[name] += [e for e in _drain(ep) if isinstance(e, Phase2Complete)]
        if done["b1"] and done["b2"]:
            break
        pair.now += 60.0
        for ep in (pair.b1, pair.b2):
            ep.handle_timer(pair.now)
    i, r = done["b1"][-1], done["b2"][-1]
    for mine, theirs in ((i.outbound, r.inbound), (r.outbound, i.inbound)):
        assert (mine.spi, mine.enc_key, mine.auth_key) == (
            theirs.spi,
            theirs.enc_key,
            theirs.auth_key,
        )


# VPNTEACH_EXAMPLES=2000 for a longer hunt than the CI default.
PROPERTY = settings(
    max_examples=int(os.environ.get("VPNTEACH_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(
    st.data(),
    st.sampled_from(list(ROUND_TRIPS)),
    st.sampled_from(["b1", "b2"]),
    st.sampled_from(VARIANTS),
)
def test_a_hostile_datagram_in_any_state_advances_legally_or_is_rejected(
    data: st.DataObject, round_trips: int, target: str, variant: str
) -> None:
    pair = paused_pair(round_trips, variant)
    earlier = _drain(pair.b1) + _drain(pair.b2)
    ep, sender = (pair.b1, B2) if target == "b1" else (pair.b2, B1)
    live = next(iter(ep.sas.values()), None)
    datagram = data.draw(hostile_datagrams(live))
    port = data.draw(st.sampled_from([500, 4500]))
    if port == 4500:
        datagram = bytes(4) + datagram
    before = {k: snapshot(sa) for k, sa in ep.sas.items()}
    counters = sum(ep.stats.values())
    ep.receive_datagram(datagram, (sender, port), pair.now, local_port=port)
    events = _drain(ep)
    failed = any(isinstance(e, (NegotiationFailed, SaDeleted)) for e in events)
    for key, snap in before.items():
        assert _legal(snap, ep.sas.get(key), failed), (snap, ep.debug_log()[-600:])
    after = {k: snapshot(sa) for k, sa in ep.sas.items()}
    if after == before:
        assert sum(ep.stats.values()) > counters or events, ep.debug_log()[-600:]
    if not failed:
        _complete(pair, earlier + events)


def test_forged_encrypted_message_with_an_empty_chain_does_not_break_main_mode() -> None:
    # Regression: a body decrypted with the wrong key "decodes" when the header says the chain
    # is empty; the IV chain must only advance for a message that passed its checks.
    pair = paused_pair(1)  # MM3 -> MM4 next: then MM5 is in flight
    pair.step()
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.state == S.IKE_R_MM4
    forged = isakmp(sa.cky_i, sa.cky_r, 0, 2, 1, 0, bytes(16))
    pair.b2.receive_datagram(forged, (B1, 500), pair.now)
    _complete(pair, _drain(pair.b1) + _drain(pair.b2))


def test_forged_informational_with_message_id_zero_does_not_poison_later_quick_modes() -> None:
    pair = paused_pair(5)
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.established
    forged = isakmp(sa.cky_i, sa.cky_r, 0, 5, 1, 0, bytes(16))
    pair.b2.receive_datagram(forged, (B1, sa.peer[1]), pair.now, local_port=sa.local_port)
    pair.b1.initiate(B2, pair.now)  # a second Quick Mode over the same ISAKMP SA
    pair.run()
    assert sum(isinstance(e, Phase2Complete) for e in _drain(pair.b1)) == 2


def test_a_garbage_mm2_does_not_teach_the_initiator_a_responder_cookie() -> None:
    pair = paused_pair(0)
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.state == S.IKE_I_MM1
    # An "MM2" that fails the payload rules (no SA payload) before any handler runs.
    garbage = isakmp(sa.cky_i, b"\x66" * 8, 13, 2, 0, 0, encode_chain([(13, b"junk")]))
    pair.b1.receive_datagram(garbage, (B2, 500), pair.now)
    assert pair.b1.stats["dropped_PayloadRuleError"] == 1
    assert sa.cky_r == bytes(8) and not sa.dead
    _complete(pair, _drain(pair.b1) + _drain(pair.b2))


def test_an_mm2_with_a_zero_responder_cookie_is_dropped() -> None:
    """RFC 2408 §2.5.3: the responder's cookie is never zero. An "MM2" without one (a real
    MM2 with its CKY-R blanked) is dropped; the SA still completes with the real MM2."""
    pair = paused_pair(0)
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.state == S.IKE_I_MM1
    for d in pair.b1.datagrams_to_send(pair.now):  # MM1 to Branch2, which answers
        pair.b2.receive_datagram(d.data, (B1, 500), pair.now, 500)
    (mm2,) = pair.b2.datagrams_to_send(pair.now)
    blanked = mm2.data[:8] + bytes(8) + mm2.data[16:]
    pair.b1.receive_datagram(blanked, (B2, 500), pair.now)
    assert pair.b1.stats["dropped_IkeError"] == 1
    assert sa.cky_r == bytes(8) and sa.state == S.IKE_I_MM1 and not sa.dead
    pair.b1.receive_datagram(mm2.data, (B2, 500), pair.now)
    assert sa.cky_r == mm2.data[8:16] != bytes(8)
    _complete(pair, _drain(pair.b1) + _drain(pair.b2))
