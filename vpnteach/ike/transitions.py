"""The legal moves of each IKEv1 exchange, as plain data: ``(state, input) -> (handler, next)``.

One table per exchange: :data:`MAIN_MODE` (RFC 2409 §5.1, both roles; the initiator's
states are ``IKE_I_MM*``, the responder's ``IKE_R_MM*``), :data:`AGGRESSIVE_MODE` (RFC 2409
§5.4) and :data:`QUICK_MODE` (RFC 2409 §5.5, one machine per message ID, the IOS "node"). Each
row names its handler as a function of the exchange's handler class
(:class:`~vpnteach.ike.main_mode.MainModeHandlers`, ...) and, for a row fired by a peer's
message, which message it is: the endpoint reads what each state expects from here. The engine
looks a move up, records it (with the table's :class:`Exchange`) and calls the handler; the
``debug crypto isakmp`` log is rendered from the recorded moves, and :func:`to_dot` draws the
table. The machinery (rows, tables, the machine, ``order``) is :mod:`vpnteach.ike.machine`.
"""

from __future__ import annotations

from vpnteach.ike.aggressive import AggressiveModeHandlers
from vpnteach.ike.context import Teardown
from vpnteach.ike.machine import (
    Exchange,
    Handler,
    Machine,
    Move,
    Order,
    TransitionError,
    TransitionTable,
    to_dot,
)
from vpnteach.ike.main_mode import MainModeHandlers
from vpnteach.ike.quick_mode import QuickModeHandlers
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

__all__ = [
    "AGGRESSIVE_MODE",
    "MAIN_MODE",
    "QUICK_MODE",
    "TABLES",
    "Exchange",
    "Machine",
    "Move",
    "TransitionError",
    "TransitionTable",
    "table_for",
    "to_dot",
]

S = IkeState
MM, AM, QM = MainModeHandlers, AggressiveModeHandlers, QuickModeHandlers


def _i(state: S, input: Input, handler: Handler, nxt: S, order: Order, message: str = "") -> Move:
    return Move(state, input, handler, nxt, order, "initiator", message)


def _r(state: S, input: Input, handler: Handler, nxt: S, order: Order, message: str = "") -> Move:
    return Move(state, input, handler, nxt, order, "responder", message)


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
        Move(s, PHASE1_DEL, Teardown.delete_sa, S.IKE_DEST_SA, "log-first", "both")
        for s in _LIVE_MM_STATES
    ]
    return moves + [
        Move(s, TIMER_EXPIRED, Teardown.delete_sa, S.IKE_DEST_SA, "log-first", "both")
        for s in _TIMED_MM_STATES
    ]


MAIN_MODE = TransitionTable(
    Exchange.MAIN_MODE,
    [
        _i(S.IKE_READY, SA_REQ_MM, MM.send_mm1, S.IKE_I_MM1, "log-first"),
        _i(S.IKE_I_MM1, MM_EXCH, MM.receive_mm2, S.IKE_I_MM2, "log-first", "MM2"),
        _i(S.IKE_I_MM2, PROCESS_MAIN_MODE, MM.process_mm2, S.IKE_I_MM2, "run-first"),
        _i(S.IKE_I_MM2, PROCESS_COMPLETE, MM.send_mm3, S.IKE_I_MM3, "run-first"),
        _i(S.IKE_I_MM3, MM_EXCH, MM.receive_mm4, S.IKE_I_MM4, "log-first", "MM4"),
        _i(S.IKE_I_MM4, PROCESS_MAIN_MODE, MM.process_mm4, S.IKE_I_MM4, "run-first"),
        _i(S.IKE_I_MM4, PROCESS_COMPLETE, MM.send_mm5, S.IKE_I_MM5, "run-first"),
        # IOS authenticates MM6 before it logs the move (seed log: "SA has been
        # authenticated" precedes "Old State = IKE_I_MM5 New State = IKE_I_MM6").
        _i(S.IKE_I_MM5, MM_EXCH, MM.receive_mm6, S.IKE_I_MM6, "run-first", "MM6"),
        _i(S.IKE_I_MM6, PROCESS_MAIN_MODE, MM.process_mm6, S.IKE_I_MM6, "run-first"),
        _i(S.IKE_I_MM6, PROCESS_COMPLETE, MM.complete_phase1, S.IKE_P1_COMPLETE, "run-first"),
        _r(S.IKE_READY, MM_EXCH, MM.receive_mm1, S.IKE_R_MM1, "log-first", "MM1"),
        _r(S.IKE_R_MM1, PROCESS_MAIN_MODE, MM.process_mm1, S.IKE_R_MM1, "run-first"),
        _r(S.IKE_R_MM1, PROCESS_COMPLETE, MM.send_mm2, S.IKE_R_MM2, "run-first"),
        _r(S.IKE_R_MM2, MM_EXCH, MM.receive_mm3, S.IKE_R_MM3, "log-first", "MM3"),
        _r(S.IKE_R_MM3, PROCESS_MAIN_MODE, MM.process_mm3, S.IKE_R_MM3, "run-first"),
        _r(S.IKE_R_MM3, PROCESS_COMPLETE, MM.send_mm4, S.IKE_R_MM4, "run-first"),
        _r(S.IKE_R_MM4, MM_EXCH, MM.receive_mm5, S.IKE_R_MM5, "log-first", "MM5"),
        _r(S.IKE_R_MM5, PROCESS_MAIN_MODE, MM.process_mm5, S.IKE_R_MM5, "run-first"),
        _r(S.IKE_R_MM5, PROCESS_COMPLETE, MM.send_mm6, S.IKE_P1_COMPLETE, "run-first"),
        Move(
            S.IKE_P1_COMPLETE,
            PHASE1_COMPLETE,
            MM.start_quick_mode,
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
    Exchange.QUICK_MODE,
    [
        _i(S.IKE_QM_READY, INIT_QM, QM.send_qm1, S.IKE_QM_I_QM1, "run-first"),
        _i(S.IKE_QM_I_QM1, QM_EXCH, QM.receive_qm2, S.IKE_QM_PHASE2_COMPLETE, "run-first", "QM2"),
        _r(S.IKE_QM_READY, QM_EXCH, QM.receive_qm1, S.IKE_QM_SPI_STARVE, "run-first", "QM1"),
        _r(S.IKE_QM_SPI_STARVE, GOT_SPI, QM.install_sas, S.IKE_QM_IPSEC_INSTALL_AWAIT, "log-first"),
        _r(S.IKE_QM_IPSEC_INSTALL_AWAIT, INSTALL_DONE, QM.send_qm2, S.IKE_QM_R_QM2, "run-first"),
        _r(S.IKE_QM_R_QM2, QM_EXCH, QM.receive_qm3, S.IKE_QM_PHASE2_COMPLETE, "run-first", "QM3"),
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
    Exchange.AGGRESSIVE_MODE,
    [
        _i(S.IKE_READY, SA_REQ_AM, AM.send_am1, S.IKE_I_AM1, "log-first"),
        # AM2 is authenticated and AM3 sent before the move is logged: a forged or wrong AM2
        # leaves the initiator waiting in IKE_I_AM1.
        _i(S.IKE_I_AM1, AM_EXCH, AM.receive_am2, S.IKE_P1_COMPLETE, "run-first", "AM2"),
        _r(S.IKE_READY, AM_EXCH, AM.receive_am1, S.IKE_R_AM_AAA_AWAIT, "log-first", "AM1"),
        _r(S.IKE_R_AM_AAA_AWAIT, PSK_REPLY, AM.send_am2, S.IKE_R_AM2, "run-first"),
        _r(S.IKE_R_AM2, AM_EXCH, AM.receive_am3, S.IKE_P1_COMPLETE, "run-first", "AM3"),
        Move(
            S.IKE_P1_COMPLETE,
            PHASE1_COMPLETE,
            AM.start_quick_mode,
            S.IKE_P1_COMPLETE,
            "run-first",
            "both",
        ),
        *(
            Move(s, PHASE1_DEL, Teardown.delete_sa, S.IKE_DEST_SA, "log-first", "both")
            for s in _LIVE_AM_STATES
        ),
        *(
            Move(s, TIMER_EXPIRED, Teardown.delete_sa, S.IKE_DEST_SA, "log-first", "both")
            for s in (S.IKE_I_AM1, S.IKE_P1_COMPLETE)
        ),
    ],
)
"""Aggressive Mode (RFC 2409 §5.4, exchange type 4), both roles, IOS state names (the
responder's ``IKE_R_AM_AAA_AWAIT`` -> ``IKE_R_AM2`` step on ``PRESHARED_KEY_REPLY`` is IOS's key
lookup; with rsa-sig IOS has no AAA step, here it takes the same path: approximate)."""

TABLES = (MAIN_MODE, QUICK_MODE, AGGRESSIVE_MODE)
_BY_EXCHANGE = {table.exchange: table for table in TABLES}


def table_for(exchange: Exchange) -> TransitionTable:
    """The transition table of ``exchange`` (what a recorded move's ``exchange`` names)."""
    return _BY_EXCHANGE[exchange]
