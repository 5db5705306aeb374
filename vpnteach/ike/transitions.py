"""The legal moves of each IKEv1 exchange, as plain data: ``(state, input) -> (handler, next)``.

One table per exchange: :data:`MAIN_MODE` (RFC 2409 §5.1, both roles; the initiator's
states are ``IKE_I_MM*``, the responder's ``IKE_R_MM*``) and :data:`QUICK_MODE`
(RFC 2409 §5.5, one machine per message ID, the IOS "node"). The engine looks a move up,
records it and calls the handler named in the row; the ``debug crypto isakmp`` log is
rendered from the recorded moves, and :func:`to_dot` draws the table.

``order`` says whether IOS logs the ``Old State/New State`` line *before* the handler runs
(``"log-first"``: e.g. it logs ``IKE_I_MM1 -> IKE_I_MM2`` and then "processing SA payload")
or *after* it (``"run-first"``: e.g. it sends MM3 and then logs ``IKE_I_MM2 -> IKE_I_MM3``).
A run-first handler that fails leaves the state unchanged.

A handler returns the next internal input (or ``None``) — that is how IOS chains
``IKE_MM_EXCH`` -> ``IKE_PROCESS_MAIN_MODE`` -> ``IKE_PROCESS_COMPLETE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from vpnteach.ike.states import (
    AM_EXCH,
    GOT_SPI,
    INIT_QM,
    INSTALL_DONE,
    MM_EXCH,
    PHASE1_COMPLETE,
    PHASE1_DEL,
    PROCESS_COMPLETE,
    PROCESS_MAIN_MODE,
    PSK_REPLY,
    QM_EXCH,
    SA_REQ_AM,
    SA_REQ_MM,
    TIMER_EXPIRED,
    IkeState,
    Input,
)

Order = Literal["log-first", "run-first"]
S = IkeState


@dataclass(frozen=True)
class Move:
    """One row of a transition table."""

    state: IkeState
    input: Input
    handler: str
    next_state: IkeState
    order: Order
    role: Literal["initiator", "responder", "both"]


class TransitionError(ValueError):
    """An input that the table has no row for in the current state (an out-of-state message)."""

    def __init__(self, table: str, state: IkeState, input: Input) -> None:
        self.state = state
        self.input = input
        super().__init__(f"{table}: no move for input ({input}) in state {state}")


class TransitionTable:
    """A named list of :class:`Move` rows, indexed by ``(state, input)``."""

    def __init__(self, name: str, moves: Iterable[Move]) -> None:
        self.name = name
        self.moves = tuple(moves)
        self._index = {(m.state, m.input): m for m in self.moves}
        if len(self._index) != len(self.moves):
            raise ValueError(f"{name}: two rows share a (state, input) key")

    def lookup(self, state: IkeState, input: Input) -> Move:
        """The row for ``(state, input)``; :class:`TransitionError` if there is none."""
        move = self._index.get((state, input))
        if move is None:
            raise TransitionError(self.name, state, input)
        return move

    def allows(self, state: IkeState, input: Input) -> bool:
        """The table has a row for ``(state, input)``."""
        return (state, input) in self._index

    def states(self) -> list[IkeState]:
        """Every state that appears in the table, in first-seen order."""
        seen: dict[IkeState, None] = {}
        for m in self.moves:
            seen.setdefault(m.state)
            seen.setdefault(m.next_state)
        return list(seen)


def _i(state: S, input: Input, handler: str, nxt: S, order: Order) -> Move:
    return Move(state, input, handler, nxt, order, "initiator")


def _r(state: S, input: Input, handler: str, nxt: S, order: Order) -> Move:
    return Move(state, input, handler, nxt, order, "responder")


#: Every Main Mode state an ISAKMP SA can die in (all but IKE_DEST_SA itself).
_LIVE_MM_STATES = (
    S.IKE_READY,
    S.IKE_I_MM1,
    S.IKE_I_MM2,
    S.IKE_I_MM3,
    S.IKE_I_MM4,
    S.IKE_I_MM5,
    S.IKE_I_MM6,
    S.IKE_R_MM1,
    S.IKE_R_MM2,
    S.IKE_R_MM3,
    S.IKE_R_MM4,
    S.IKE_R_MM5,
    S.IKE_P1_COMPLETE,
)
#: The states a timer can end: an unanswered MM1/MM3/MM5, or the SA's lifetime.
_TIMED_MM_STATES = (S.IKE_I_MM1, S.IKE_I_MM3, S.IKE_I_MM5, S.IKE_P1_COMPLETE)


def _death_moves() -> list[Move]:
    """IOS's end of an ISAKMP SA (RFC 2408 §5.15 deletion): ``IKE_DEST_SA`` from any state on
    ``IKE_PHASE1_DEL``, and from a waiting or established SA on ``IKE_TIMER_EXPIRED``."""
    moves = [
        Move(s, PHASE1_DEL, "delete_sa", S.IKE_DEST_SA, "log-first", "both")
        for s in _LIVE_MM_STATES
    ]
    return moves + [
        Move(s, TIMER_EXPIRED, "delete_sa", S.IKE_DEST_SA, "log-first", "both")
        for s in _TIMED_MM_STATES
    ]


MAIN_MODE = TransitionTable(
    "Main Mode",
    [
        _i(S.IKE_READY, SA_REQ_MM, "send_mm1", S.IKE_I_MM1, "log-first"),
        _i(S.IKE_I_MM1, MM_EXCH, "receive_mm2", S.IKE_I_MM2, "log-first"),
        _i(S.IKE_I_MM2, PROCESS_MAIN_MODE, "process_mm2", S.IKE_I_MM2, "run-first"),
        _i(S.IKE_I_MM2, PROCESS_COMPLETE, "send_mm3", S.IKE_I_MM3, "run-first"),
        _i(S.IKE_I_MM3, MM_EXCH, "receive_mm4", S.IKE_I_MM4, "log-first"),
        _i(S.IKE_I_MM4, PROCESS_MAIN_MODE, "process_mm4", S.IKE_I_MM4, "run-first"),
        _i(S.IKE_I_MM4, PROCESS_COMPLETE, "send_mm5", S.IKE_I_MM5, "run-first"),
        # IOS authenticates MM6 before it logs the move (seed log: "SA has been
        # authenticated" precedes "Old State = IKE_I_MM5 New State = IKE_I_MM6").
        _i(S.IKE_I_MM5, MM_EXCH, "receive_mm6", S.IKE_I_MM6, "run-first"),
        _i(S.IKE_I_MM6, PROCESS_MAIN_MODE, "process_mm6", S.IKE_I_MM6, "run-first"),
        _i(S.IKE_I_MM6, PROCESS_COMPLETE, "complete_phase1", S.IKE_P1_COMPLETE, "run-first"),
        _r(S.IKE_READY, MM_EXCH, "receive_mm1", S.IKE_R_MM1, "log-first"),
        _r(S.IKE_R_MM1, PROCESS_MAIN_MODE, "process_mm1", S.IKE_R_MM1, "run-first"),
        _r(S.IKE_R_MM1, PROCESS_COMPLETE, "send_mm2", S.IKE_R_MM2, "run-first"),
        _r(S.IKE_R_MM2, MM_EXCH, "receive_mm3", S.IKE_R_MM3, "log-first"),
        _r(S.IKE_R_MM3, PROCESS_MAIN_MODE, "process_mm3", S.IKE_R_MM3, "run-first"),
        _r(S.IKE_R_MM3, PROCESS_COMPLETE, "send_mm4", S.IKE_R_MM4, "run-first"),
        _r(S.IKE_R_MM4, MM_EXCH, "receive_mm5", S.IKE_R_MM5, "log-first"),
        _r(S.IKE_R_MM5, PROCESS_MAIN_MODE, "process_mm5", S.IKE_R_MM5, "run-first"),
        _r(S.IKE_R_MM5, PROCESS_COMPLETE, "send_mm6", S.IKE_P1_COMPLETE, "run-first"),
        Move(
            S.IKE_P1_COMPLETE,
            PHASE1_COMPLETE,
            "start_quick_mode",
            S.IKE_P1_COMPLETE,
            "run-first",
            "both",
        ),
        *_death_moves(),
    ],
)
"""Main Mode (RFC 2409 §5.1) with IOS state names; seed log order for the initiator; and the
moves to ``IKE_DEST_SA`` when the SA is deleted or given up."""

QUICK_MODE = TransitionTable(
    "Quick Mode",
    [
        _i(S.IKE_QM_READY, INIT_QM, "send_qm1", S.IKE_QM_I_QM1, "run-first"),
        _i(S.IKE_QM_I_QM1, QM_EXCH, "receive_qm2", S.IKE_QM_PHASE2_COMPLETE, "run-first"),
        _r(S.IKE_QM_READY, QM_EXCH, "receive_qm1", S.IKE_QM_SPI_STARVE, "run-first"),
        _r(S.IKE_QM_SPI_STARVE, GOT_SPI, "install_sas", S.IKE_QM_IPSEC_INSTALL_AWAIT, "log-first"),
        _r(S.IKE_QM_IPSEC_INSTALL_AWAIT, INSTALL_DONE, "send_qm2", S.IKE_QM_R_QM2, "run-first"),
        _r(S.IKE_QM_R_QM2, QM_EXCH, "receive_qm3", S.IKE_QM_PHASE2_COMPLETE, "run-first"),
    ],
)
"""Quick Mode (RFC 2409 §5.5), one machine per message ID, IOS state names."""

_LIVE_AM_STATES = (
    S.IKE_READY,
    S.IKE_I_AM1,
    S.IKE_R_AM_AAA_AWAIT,
    S.IKE_R_AM2,
    S.IKE_P1_COMPLETE,
)

AGGRESSIVE_MODE = TransitionTable(
    "Aggressive Mode",
    [
        _i(S.IKE_READY, SA_REQ_AM, "send_am1", S.IKE_I_AM1, "log-first"),
        # AM2 is authenticated and AM3 sent before the move is logged: a forged or wrong AM2
        # leaves the initiator waiting in IKE_I_AM1.
        _i(S.IKE_I_AM1, AM_EXCH, "receive_am2", S.IKE_P1_COMPLETE, "run-first"),
        _r(S.IKE_READY, AM_EXCH, "receive_am1", S.IKE_R_AM_AAA_AWAIT, "log-first"),
        _r(S.IKE_R_AM_AAA_AWAIT, PSK_REPLY, "send_am2", S.IKE_R_AM2, "run-first"),
        _r(S.IKE_R_AM2, AM_EXCH, "receive_am3", S.IKE_P1_COMPLETE, "run-first"),
        Move(
            S.IKE_P1_COMPLETE,
            PHASE1_COMPLETE,
            "start_quick_mode",
            S.IKE_P1_COMPLETE,
            "run-first",
            "both",
        ),
        *(
            Move(s, PHASE1_DEL, "delete_sa", S.IKE_DEST_SA, "log-first", "both")
            for s in _LIVE_AM_STATES
        ),
        *(
            Move(s, TIMER_EXPIRED, "delete_sa", S.IKE_DEST_SA, "log-first", "both")
            for s in (S.IKE_I_AM1, S.IKE_P1_COMPLETE)
        ),
    ],
)
"""Aggressive Mode (RFC 2409 §5.4, exchange type 4), both roles, IOS state names (the
responder's ``IKE_R_AM_AAA_AWAIT`` -> ``IKE_R_AM2`` step on ``PRESHARED_KEY_REPLY`` is IOS's key
lookup; with rsa-sig IOS has no AAA step, here it takes the same path: approximate)."""

TABLES = (MAIN_MODE, QUICK_MODE, AGGRESSIVE_MODE)


class Machine:
    """Runs one table for one SA (or one Quick Mode node).

    ``fire(input, handlers)`` looks the move up, calls ``handlers.<move.handler>()`` and
    reports the move through ``on_move`` in the row's order; it then follows the internal
    input the handler returned, until there is none. A handler's exception propagates and,
    for a run-first move, leaves the state unchanged.
    """

    def __init__(
        self, table: TransitionTable, state: IkeState, on_move: Callable[[Move], None]
    ) -> None:
        self.table = table
        self.state = state
        self.on_move = on_move

    def fire(self, input: Input, handlers: object) -> None:
        """Apply ``input`` and every internal input it leads to."""
        pending: Input | None = input
        while pending is not None:
            move = self.table.lookup(self.state, pending)
            handler: Callable[[], Input | None] = getattr(handlers, move.handler)
            if move.order == "log-first":
                self._enter(move)
                pending = handler()
            else:
                pending = handler()
                self._enter(move)

    def _enter(self, move: Move) -> None:
        self.state = move.next_state
        self.on_move(move)


def to_dot(table: TransitionTable) -> str:
    """The table as Graphviz DOT source: states are nodes, moves are labelled edges.

    No graphviz import: ``vpnteach.ui`` renders the text.
    """
    lines = [f'digraph "{table.name}" {{', "  rankdir=TB;", "  node [shape=box, style=rounded];"]
    for state in table.states():
        lines.append(f'  "{state.value}";')
    for m in table.moves:
        colour = {"initiator": "blue", "responder": "darkgreen", "both": "black"}[m.role]
        label = f"{m.input.event.value}\\n{m.handler}()"
        edge = f'  "{m.state.value}" -> "{m.next_state.value}"'
        lines.append(f'{edge} [label="{label}", color={colour}, fontcolor={colour}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
