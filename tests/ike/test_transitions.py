"""Transition tables: the seed log's moves are rows, tables are well formed, DOT output."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ike.seed_log import SEED_MOVES
from vpnteach.ike.machine import IGNORE_MOVES, Handler
from vpnteach.ike.states import (
    AM_EXCH,
    MM_EXCH,
    PROCESS_COMPLETE,
    PROCESS_MAIN_MODE,
    QM_EXCH,
    IkeState,
    Input,
    isakmp_sa_state,
)
from vpnteach.ike.transitions import (
    AGGRESSIVE_MODE,
    MAIN_MODE,
    QUICK_MODE,
    TABLES,
    Exchange,
    Machine,
    Move,
    TransitionError,
    TransitionTable,
    to_dot,
)

S = IkeState


def test_every_move_of_the_seed_log_is_a_row_of_a_table() -> None:
    assert len(SEED_MOVES) == 13
    for source, event, old, new in SEED_MOVES:
        table = QUICK_MODE if "QM" in old else MAIN_MODE
        row = next(
            m for m in table.moves if m.state.value == old and str(m.input) == f"{source}, {event}"
        )
        assert row.next_state.value == new


def test_tables_have_unique_keys_and_ios_names() -> None:
    for table in TABLES:
        keys = [(m.state, m.input) for m in table.moves]
        assert len(keys) == len(set(keys))
        for m in table.moves:
            assert m.state.value.startswith("IKE_") and m.handler_name.isidentifier()
            assert callable(m.handler) and m.handler.__qualname__.endswith("." + m.handler_name)


def test_lookup_of_an_out_of_state_input_raises_transition_error() -> None:
    with pytest.raises(TransitionError, match="no move for input"):
        MAIN_MODE.lookup(S.IKE_I_MM3, PROCESS_MAIN_MODE)
    assert not MAIN_MODE.allows(S.IKE_P1_COMPLETE, MM_EXCH)


class _Recorder:
    """Handlers for the initiator's MM2 processing; they chain like the IOS engine."""

    def __init__(self, machine_log: list[str]) -> None:
        self.log = machine_log

    def receive_mm2(self) -> Input:
        self.log.append("processing SA")
        return PROCESS_MAIN_MODE

    def process_mm2(self) -> Input:
        self.log.append("processing VID")
        return PROCESS_COMPLETE

    def send_mm3(self) -> None:
        self.log.append("sending MM3")


def _rows(*rows: tuple[S, Input, Handler]) -> TransitionTable:
    """Main Mode's rows for ``(state, input)``, each with the test's ``handler`` instead."""
    moves = [replace(MAIN_MODE.lookup(state, i), handler=handler) for state, i, handler in rows]
    return TransitionTable(Exchange.MAIN_MODE, moves)


def test_machine_runs_handlers_in_row_order_and_follows_internal_inputs() -> None:
    log: list[str] = []

    def on_move(exchange: Exchange, move: Move) -> None:
        log.append(f"-> {move.next_state.value}")

    table = _rows(
        (S.IKE_I_MM1, MM_EXCH, _Recorder.receive_mm2),
        (S.IKE_I_MM2, PROCESS_MAIN_MODE, _Recorder.process_mm2),
        (S.IKE_I_MM2, PROCESS_COMPLETE, _Recorder.send_mm3),
    )
    machine = Machine(table, S.IKE_I_MM1, on_move)
    machine.fire(MM_EXCH, _Recorder(log))
    # Same order as the seed log: the move to MM2 is logged before "processing SA payload",
    # the (MM2, MM2) move after the vendor ID lines, MM3 sent before the move to IKE_I_MM3.
    assert log == [
        "-> IKE_I_MM2",
        "processing SA",
        "processing VID",
        "-> IKE_I_MM2",
        "sending MM3",
        "-> IKE_I_MM3",
    ]
    assert machine.state == S.IKE_I_MM3


def test_run_first_handler_failure_leaves_the_state_unchanged() -> None:
    class Failing:
        def receive_mm6(self) -> None:
            raise ValueError("bad signature")

    table = _rows((S.IKE_I_MM5, MM_EXCH, Failing.receive_mm6))
    machine = Machine(table, S.IKE_I_MM5, IGNORE_MOVES)
    with pytest.raises(ValueError, match="bad signature"):
        machine.fire(MM_EXCH, Failing())
    assert machine.state == S.IKE_I_MM5


def test_dot_output_names_every_state_and_move() -> None:
    dot = to_dot(MAIN_MODE)
    assert dot.startswith('digraph "Main Mode" {')
    for state in MAIN_MODE.states():
        assert f'"{state.value}";' in dot
    assert dot.count(" -> ") == len(MAIN_MODE.moves)
    assert '"IKE_I_MM5" -> "IKE_I_MM6" [label="IKE_MM_EXCH\\nreceive_mm6()"' in dot


def test_show_state_names_follow_the_seed_sending_lines() -> None:
    # Source: seed log "sending packet ... (I) MM_NO_STATE / MM_SA_SETUP / MM_KEY_EXCH".
    assert isakmp_sa_state(S.IKE_I_MM1) == "MM_NO_STATE"
    assert isakmp_sa_state(S.IKE_I_MM2) == "MM_SA_SETUP"
    assert isakmp_sa_state(S.IKE_I_MM4) == "MM_KEY_EXCH"
    assert isakmp_sa_state(S.IKE_P1_COMPLETE) == "QM_IDLE"


# RFC 2409 §5.1, §5.4, §5.5: which message of the exchange each waiting state receives, and who
# receives it (initiator: the even messages; responder: the odd ones).
EXPECTED = [
    (MAIN_MODE, MM_EXCH, "initiator", {S.IKE_I_MM1: "MM2", S.IKE_I_MM3: "MM4", S.IKE_I_MM5: "MM6"}),
    (MAIN_MODE, MM_EXCH, "responder", {S.IKE_READY: "MM1", S.IKE_R_MM2: "MM3", S.IKE_R_MM4: "MM5"}),
    (AGGRESSIVE_MODE, AM_EXCH, "initiator", {S.IKE_I_AM1: "AM2"}),
    (AGGRESSIVE_MODE, AM_EXCH, "responder", {S.IKE_READY: "AM1", S.IKE_R_AM2: "AM3"}),
    (QUICK_MODE, QM_EXCH, "initiator", {S.IKE_QM_I_QM1: "QM2"}),
    (QUICK_MODE, QM_EXCH, "responder", {S.IKE_QM_READY: "QM1", S.IKE_QM_R_QM2: "QM3"}),
]


@pytest.mark.parametrize(("table", "input", "role", "expected"), EXPECTED)
def test_the_table_says_which_message_each_state_expects_and_from_whom(
    table: TransitionTable, input: Input, role: str, expected: dict[IkeState, str]
) -> None:
    for state in table.states():
        if state in expected:
            assert table.expected(state, input, role).message == expected[state]
        else:  # out of state, or the other role's message: refused
            with pytest.raises(TransitionError, match="no move for input"):
                table.expected(state, input, role)


def test_every_row_a_peer_message_fires_names_that_message_and_no_other_row_does() -> None:
    for table in TABLES:
        for m in table.moves:
            from_peer = m.input in (MM_EXCH, AM_EXCH, QM_EXCH)
            assert bool(m.message) == from_peer, m
