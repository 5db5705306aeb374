"""The legal moves of an IKEv2 SA, as plain data: ``(state, input) -> (handler, next states)``.

State names are the ones Cisco IOS prints in ``debug crypto ikev2`` (``I_WAIT_INIT``,
``R_WAIT_AUTH``, ``READY`` ...) for the states in which an SA waits for a message; the
transient build/process states IOS also names are the handlers here. One table covers both
roles (RFC 7296 §1.2: IKE_SA_INIT then IKE_AUTH; §1.3 CREATE_CHILD_SA and §1.4
INFORMATIONAL once READY). A handler returns the state it reached, which must be the row's
``next_state`` or one of its ``alternatives`` (a failure, or an INVALID_KE_PAYLOAD/COOKIE
retry): the engine checks that, records the move, and :func:`to_dot` draws every row,
alternatives dashed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal


class State(str, Enum):
    """Where an IKE SA stands (IOS ``debug crypto ikev2`` names)."""

    def __str__(self) -> str:
        return str(self.value)

    IDLE = "IDLE"
    I_WAIT_INIT = "I_WAIT_INIT"
    I_WAIT_AUTH = "I_WAIT_AUTH"
    R_WAIT_AUTH = "R_WAIT_AUTH"
    READY = "READY"
    DELETE = "DELETE"  # our Delete of the IKE SA awaits its answer
    EXIT = "EXIT"


class Input(str, Enum):
    """What drives a move: a message of an exchange (request or response) or a local event."""

    def __str__(self) -> str:
        return str(self.value)

    EV_INIT_SA = "EV_INIT_SA"
    SA_INIT_REQUEST = "IKE_SA_INIT request"
    SA_INIT_RESPONSE = "IKE_SA_INIT response"
    AUTH_REQUEST = "IKE_AUTH request"
    AUTH_RESPONSE = "IKE_AUTH response"
    INFORMATIONAL_REQUEST = "INFORMATIONAL request"
    INFORMATIONAL_RESPONSE = "INFORMATIONAL response"
    CREATE_CHILD_SA_REQUEST = "CREATE_CHILD_SA request"
    CREATE_CHILD_SA_RESPONSE = "CREATE_CHILD_SA response"
    EV_DELETE = "EV_DELETE"
    EV_REKEY_CHILD = "EV_REKEY_CHILD"
    EV_CREATE_CHILD = "EV_CREATE_CHILD"
    EV_REKEY_IKE = "EV_REKEY_IKE"
    EV_LIVENESS = "EV_LIVENESS"
    EV_DELETE_CHILD = "EV_DELETE_CHILD"
    EV_INVALID_SPI = "EV_INVALID_SPI"
    EV_TIMEOUT = "EV_TIMEOUT"


S, In = State, Input
Role = Literal["initiator", "responder", "both"]


@dataclass(frozen=True)
class Move:
    """One row of the table."""

    state: State
    input: Input
    handler: str
    next_state: State
    alternatives: tuple[State, ...] = ()
    role: Role = "both"


class TransitionError(ValueError):
    """A message or event the table has no row for in the SA's current state."""

    def __init__(self, state: State, input: Input) -> None:
        self.state = state
        self.input = input
        super().__init__(f"IKEv2: no move for ({input}) in state {state}")


class TransitionTable:
    """Rows indexed by ``(state, input)``."""

    def __init__(self, name: str, moves: Iterable[Move]) -> None:
        self.name = name
        self.moves = tuple(moves)
        self._index = {(m.state, m.input): m for m in self.moves}
        if len(self._index) != len(self.moves):
            raise ValueError(f"{name}: two rows share a (state, input) key")

    def lookup(self, state: State, input: Input) -> Move:
        """The row for ``(state, input)``; :class:`TransitionError` if there is none."""
        move = self._index.get((state, input))
        if move is None:
            raise TransitionError(state, input)
        return move

    def allows(self, state: State, input: Input) -> bool:
        """The table has a row for ``(state, input)``."""
        return (state, input) in self._index

    def states(self) -> list[State]:
        """Every state in the table, in first-seen order."""
        seen: dict[State, None] = {}
        for m in self.moves:
            for s in (m.state, m.next_state, *m.alternatives):
                seen.setdefault(s)
        return list(seen)


_LIVE = (S.I_WAIT_INIT, S.I_WAIT_AUTH, S.R_WAIT_AUTH, S.READY, S.DELETE)

IKEV2 = TransitionTable(
    "IKEv2",
    [
        # RFC 7296 §1.2: IKE_SA_INIT, initiator side (INVALID_KE_PAYLOAD / COOKIE: send again)
        Move(S.IDLE, In.EV_INIT_SA, "send_sa_init", S.I_WAIT_INIT, (), "initiator"),
        Move(
            S.I_WAIT_INIT,
            In.SA_INIT_RESPONSE,
            "receive_sa_init_response",
            S.I_WAIT_AUTH,
            (S.I_WAIT_INIT, S.EXIT),
            "initiator",
        ),
        Move(
            S.I_WAIT_AUTH,
            In.AUTH_RESPONSE,
            "receive_auth_response",
            S.READY,
            (S.EXIT,),
            "initiator",
        ),
        # responder side: IKE_SA_INIT creates the SA, IKE_AUTH authenticates it
        Move(
            S.IDLE,
            In.SA_INIT_REQUEST,
            "receive_sa_init_request",
            S.R_WAIT_AUTH,
            (S.EXIT,),
            "responder",
        ),
        Move(
            S.R_WAIT_AUTH, In.AUTH_REQUEST, "receive_auth_request", S.READY, (S.EXIT,), "responder"
        ),
        # RFC 7296 §1.4: INFORMATIONAL (Delete, liveness) and §1.3 CREATE_CHILD_SA once READY
        Move(
            S.READY, In.INFORMATIONAL_REQUEST, "receive_informational_request", S.READY, (S.EXIT,)
        ),
        Move(S.READY, In.INFORMATIONAL_RESPONSE, "receive_informational_response", S.READY),
        Move(S.READY, In.CREATE_CHILD_SA_REQUEST, "receive_create_child_sa_request", S.READY),
        # an IKE SA rekey ends with the old SA deleting itself (§1.3.2)
        Move(
            S.READY,
            In.CREATE_CHILD_SA_RESPONSE,
            "receive_create_child_sa_response",
            S.READY,
            (S.DELETE,),
        ),
        Move(S.READY, In.EV_DELETE, "send_delete_ike_sa", S.DELETE),
        Move(S.READY, In.EV_REKEY_CHILD, "send_rekey_child_sa", S.READY),
        Move(S.READY, In.EV_CREATE_CHILD, "send_rekey_child_sa", S.READY),  # §1.3.1
        Move(S.READY, In.EV_REKEY_IKE, "send_rekey_ike_sa", S.READY),
        Move(S.READY, In.EV_LIVENESS, "send_liveness", S.READY),
        Move(S.READY, In.EV_DELETE_CHILD, "send_delete_child_sa", S.READY),
        Move(S.READY, In.EV_INVALID_SPI, "send_invalid_spi", S.READY),
        Move(S.DELETE, In.INFORMATIONAL_RESPONSE, "receive_delete_response", S.EXIT),
        Move(
            S.DELETE, In.INFORMATIONAL_REQUEST, "receive_informational_request", S.DELETE, (S.EXIT,)
        ),
        # §2.8.2, §2.25.2: a rekey or new Child SA on an IKE SA we are deleting: refused
        Move(S.DELETE, In.CREATE_CHILD_SA_REQUEST, "refuse_create_child_sa", S.DELETE),
        *(Move(s, In.EV_TIMEOUT, "give_up", S.EXIT) for s in _LIVE),
    ],
)


def to_dot(table: TransitionTable = IKEV2) -> str:
    """The table as a graphviz digraph (alternatives dashed), for the state diagram."""
    lines = [f'digraph "{table.name}" {{', "  rankdir=LR;", "  node [shape=box];"]
    for m in table.moves:
        label = m.input.value + ("" if m.role == "both" else f"\\n({m.role})")
        lines.append(f'  "{m.state}" -> "{m.next_state}" [label="{label}"];')
        for alt in m.alternatives:
            lines.append(f'  "{m.state}" -> "{alt}" [label="{m.input.value}", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"
