"""Transition tables: the seed log's moves are rows, tables are well formed, DOT output."""

from __future__ import annotations

import re

import pytest

from tests.ike.seed_log import MAIN_MODE_LOG, QUICK_MODE_LOG
from vpnteach.ike.states import (
    MM_EXCH,
    PROCESS_COMPLETE,
    PROCESS_MAIN_MODE,
    IkeState,
    Input,
    isakmp_sa_state,
)
from vpnteach.ike.transitions import (
    MAIN_MODE,
    QUICK_MODE,
    TABLES,
    Machine,
    Move,
    TransitionError,
    to_dot,
)

S = IkeState
MOVE = re.compile(r"Input = (\w+), (\w+)\n[^\n]*Old State = (\w+) New State = (\w+)", re.MULTILINE)


def seed_moves(log: str) -> list[tuple[str, str, str, str]]:
    """(source, event, old, new) of every move in a seed log excerpt, in order."""
    return [m.groups() for m in MOVE.finditer(log)]  # type: ignore[misc]


def test_every_move_of_the_seed_log_is_a_row_of_a_table() -> None:
    moves = seed_moves(MAIN_MODE_LOG) + seed_moves(QUICK_MODE_LOG)
    assert len(moves) == 13
    for source, event, old, new in moves:
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
            assert m.state.value.startswith("IKE_") and m.handler.isidentifier()


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


def test_machine_runs_handlers_in_row_order_and_follows_internal_inputs() -> None:
    log: list[str] = []

    def on_move(move: Move) -> None:
        log.append(f"-> {move.next_state.value}")

    machine = Machine(MAIN_MODE, S.IKE_I_MM1, on_move)
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

    machine = Machine(MAIN_MODE, S.IKE_I_MM5, lambda move: None)
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
