"""The machinery that runs a transition table: rows, tables, and the machine that fires them.

A :class:`TransitionTable` is the plain data ``(state, input) -> (handler, next state)`` of one
exchange (:class:`Exchange`); the tables themselves are in :mod:`vpnteach.ike.transitions`. A
row names its handler as a function (an unbound method of the exchange's handler class, called
with the handler object), and, for a row fired by a peer's message, which message that is
(``"MM2"``: RFC 2409 numbering), so the endpoint reads what each state expects from the table.

``order`` says whether IOS logs the ``Old State/New State`` line *before* the handler runs
(``"log-first"``: e.g. it logs ``IKE_I_MM1 -> IKE_I_MM2`` and then "processing SA payload")
or *after* it (``"run-first"``: e.g. it sends MM3 and then logs ``IKE_I_MM2 -> IKE_I_MM3``).
A run-first handler that fails leaves the state unchanged.

A handler returns the next internal input (or ``None``) — that is how IOS chains
``IKE_MM_EXCH`` -> ``IKE_PROCESS_MAIN_MODE`` -> ``IKE_PROCESS_COMPLETE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from vpnteach.ike.states import IkeState, Input
from vpnteach.wire.errors import InputError

Order = Literal["log-first", "run-first"]
Role = Literal["initiator", "responder", "both"]
Handler = Callable[[Any], Input | None]
"""A handler: an unbound method of an exchange's handler class (``MainModeHandlers.send_mm1``),
called with the handler object; returns the next internal input or ``None``."""


class Exchange(str, Enum):
    """The exchange a transition table runs (RFC 2409 §5, §5.4, §5.5); value = its name."""

    MAIN_MODE = "Main Mode"
    AGGRESSIVE_MODE = "Aggressive Mode"
    QUICK_MODE = "Quick Mode"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Move:
    """One row of a transition table (``message``: the peer's message the row receives)."""

    state: IkeState
    input: Input
    handler: Handler
    next_state: IkeState
    order: Order
    role: Role
    message: str = ""
    handler_name: str = field(init=False, repr=False, compare=False)
    """``"receive_mm2"``: the handler's name, as the diagrams and the stepper print it."""

    def __post_init__(self) -> None:
        # Kept, not looked up: the recorder stores it with every move.
        object.__setattr__(self, "handler_name", self.handler.__name__)


class TransitionError(InputError):
    """An input that the table has no row for in the current state (an out-of-state message)."""

    def __init__(self, table: str, state: IkeState, input: Input) -> None:
        self.state = state
        self.input = input
        super().__init__(f"{table}: no move for input ({input}) in state {state}")


class TransitionTable:
    """The list of :class:`Move` rows of one exchange, indexed by ``(state, input)``."""

    def __init__(self, exchange: Exchange, moves: Iterable[Move]) -> None:
        self.exchange = exchange
        self.name = exchange.value
        self.moves = tuple(moves)
        # Keyed by the input's two enum members, not the Input itself: a frozen dataclass
        # hashes in Python, and every message and internal input is looked up here.
        self._index = {(m.state, m.input.source, m.input.event): m for m in self.moves}
        if len(self._index) != len(self.moves):
            raise ValueError(f"{self.name}: two rows share a (state, input) key")

    def lookup(self, state: IkeState, input: Input) -> Move:
        """The row for ``(state, input)``; :class:`TransitionError` if there is none."""
        move = self._index.get((state, input.source, input.event))
        if move is None:
            raise TransitionError(self.name, state, input)
        return move

    def allows(self, state: IkeState, input: Input) -> bool:
        """The table has a row for ``(state, input)``."""
        return (state, input.source, input.event) in self._index

    def expected(self, state: IkeState, input: Input, role: str) -> Move:
        """The row by which a ``role`` endpoint in ``state`` takes a peer's message ``input``
        (its ``message`` says which: ``"MM3"``); :class:`TransitionError` if the table has
        none, or none for that role (an out-of-state or wrong-direction message)."""
        move = self._index.get((state, input.source, input.event))
        if move is None or not move.message or move.role not in ("both", role):
            raise TransitionError(self.name, state, input)
        return move

    def states(self) -> list[IkeState]:
        """Every state that appears in the table, in first-seen order."""
        seen: dict[IkeState, None] = {}
        for m in self.moves:
            seen.setdefault(m.state)
            seen.setdefault(m.next_state)
        return list(seen)


OnMove = Callable[[Exchange, Move], None]
"""What a :class:`Machine` calls with each move it makes (the recorder)."""


class Machine:
    """Runs one table for one SA (or one Quick Mode node).

    ``fire(input, handlers)`` looks the move up, calls ``move.handler(handlers)`` and reports
    the move through ``on_move`` in the row's order; it then follows the internal input the
    handler returned, until there is none. A handler's exception propagates and, for a
    run-first move, leaves the state unchanged.
    """

    def __init__(self, table: TransitionTable, state: IkeState, on_move: OnMove) -> None:
        self.table = table
        self.state = state
        self.on_move = on_move

    def fire(self, input: Input, handlers: object) -> None:
        """Apply ``input`` and every internal input it leads to."""
        # The path of every message: the table's index, the move and the report are read
        # here directly rather than through TransitionTable.lookup and a helper per move.
        table = self.table
        pending: Input | None = input
        while pending is not None:
            move = table._index.get((self.state, pending.source, pending.event))
            if move is None:
                raise TransitionError(table.name, self.state, pending)
            if move.order == "log-first":
                self.state = move.next_state
                self.on_move(table.exchange, move)
                pending = move.handler(handlers)
            else:
                pending = move.handler(handlers)
                self.state = move.next_state
                self.on_move(table.exchange, move)


def _ignore(exchange: Exchange, move: Move) -> None:
    """An ``on_move`` that records nothing."""


IGNORE_MOVES: OnMove = _ignore
"""The ``on_move`` of a machine nobody records (until the endpoint sets its recorder)."""


def to_dot(table: TransitionTable) -> str:
    """The table as Graphviz DOT source: states are nodes, moves are labelled edges.

    No graphviz import: ``vpnteach.ui`` renders the text.
    """
    lines = [f'digraph "{table.name}" {{', "  rankdir=TB;", "  node [shape=box, style=rounded];"]
    for state in table.states():
        lines.append(f'  "{state.value}";')
    for m in table.moves:
        colour = {"initiator": "blue", "responder": "darkgreen", "both": "black"}[m.role]
        label = f"{m.input.event.value}\\n{m.handler_name}()"
        edge = f'  "{m.state.value}" -> "{m.next_state.value}"'
        lines.append(f'{edge} [label="{label}", color={colour}, fontcolor={colour}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
