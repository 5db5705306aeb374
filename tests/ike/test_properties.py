"""Hypothesis over the transition tables and the endpoint's robustness to hostile bytes."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.machine import IGNORE_MOVES
from vpnteach.ike.policy import AddressMatch
from vpnteach.ike.states import IkeEvent, IkeState, Input, MessageSource
from vpnteach.ike.transitions import TABLES, Machine, TransitionError, TransitionTable

inputs = st.builds(Input, st.sampled_from(MessageSource), st.sampled_from(IkeEvent))


def _silent(handlers: object) -> None:
    """A handler that does nothing (the machine alone is under test)."""


def _silenced(table: TransitionTable) -> TransitionTable:
    """``table``'s rows with every handler replaced by :func:`_silent`."""
    return TransitionTable(table.exchange, [replace(m, handler=_silent) for m in table.moves])


@given(st.sampled_from(TABLES), st.lists(inputs, max_size=30))
def test_a_machine_only_reaches_states_of_its_table(
    real: TransitionTable, sequence: list[Input]
) -> None:
    table = _silenced(real)
    assert [(m.state, m.input, m.next_state) for m in table.moves] == [
        (m.state, m.input, m.next_state) for m in real.moves
    ]
    states = set(table.states())
    machine = Machine(table, IkeState.IKE_READY, IGNORE_MOVES)
    if not any(m.state == IkeState.IKE_READY for m in table.moves):
        machine.state = IkeState.IKE_QM_READY
    for item in sequence:
        before = machine.state
        try:
            machine.fire(item, None)
        except TransitionError:
            assert machine.state == before  # a refused input changes nothing
        assert machine.state in states


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_datagrams_never_raise(data: bytes) -> None:
    ep = IkeEndpoint(branch_config("Branch2"))
    ep.receive_datagram(data, (B1, 500), 0.0)
    ep.receive_datagram(data, (B1, 4500), 0.0, local_port=4500)


def _mm3_and_responder() -> tuple[Pair, bytes]:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.step()
    return pair, pair.b1.datagrams_to_send(pair.now)[0].data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_corrupted_mm3_is_dropped_or_processed_but_never_raises(data: st.DataObject) -> None:
    pair, mm3 = _mm3_and_responder()
    index = data.draw(st.integers(0, len(mm3) - 1))
    flip = data.draw(st.integers(1, 255))
    corrupted = bytearray(mm3)
    corrupted[index] ^= flip
    pair.b2.receive_datagram(bytes(corrupted), (B1, 500), pair.now)
    sa = pair.b2.isakmp_sa(B1)
    states = {IkeState.IKE_R_MM2, IkeState.IKE_R_MM4}
    assert sa is None or sa.state in states


@given(st.integers(0, 2**32 - 1), st.integers(0, 32), st.integers(0, 2**32 - 1))
def test_acl_wildcard_of_a_cidr_matches_exactly_the_cidr(
    base: int, prefix: int, probe: int
) -> None:
    # Independent reference: the stdlib's ipaddress membership test.
    network = IPv4Network((base, prefix), strict=False)
    match = AddressMatch.network(str(network))
    assert match.matches(IPv4Address(probe)) == (IPv4Address(probe) in network)
    assert match.as_network() == network
