"""What an IKE endpoint did, in order, as data: the material of the ``debug`` log.

The engine records a typed value for every step IOS would log — a state move
(:class:`MoveRecorded`), a packet sent or received, a payload processed, a transform checked
(one :class:`LogLine` subclass per kind, in :mod:`~vpnteach.ike.records_endpoint`,
:mod:`~vpnteach.ike.records_phase1` and :mod:`~vpnteach.ike.records_quick_mode`) — with the
simulated time and the ISAKMP SA's conn-id, which the :class:`Recorder` stamps.
:mod:`vpnteach.ike.debuglog` renders them as IOS ``debug crypto isakmp`` text from each kind's
``template``; the stepper, the widgets and the troubleshooting read the same records by type
(and may :meth:`Recorder.subscribe` to hear of each one as it is recorded). A kind that does
not exist is a name error (and a mypy error), never a generic fallback line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from vpnteach._html import HtmlRepr
from vpnteach.ike.machine import Exchange, Move
from vpnteach.ike.states import IkeState, Input
from vpnteach.trace import Observable, Ring

C = "ISAKMP:({c}):"
"""The prefix of most IOS lines: the ISAKMP SA's conn-id (``ISAKMP:(1001):``)."""
CC = "ISAKMP (0:{c}):"
"""The older prefix some IOS lines keep (``ISAKMP (0:1001):``)."""


# The records are written once and never changed, but not ``frozen``: a frozen dataclass sets
# each field through ``object.__setattr__``, three times slower to build, and an exchange
# records some 200 of them on the path of every message.
@dataclass(slots=True)
class LogLine(HtmlRepr):
    """One logged step; each kind is a subclass whose ``template`` is its IOS text.

    ``time`` and ``conn_id`` are not constructor arguments: :meth:`Recorder.log` stamps them.
    """

    template: ClassVar[str]
    time: float = field(default=0.0, init=False)
    conn_id: int = field(default=0, init=False)


_FIELD_NAMES: dict[type[LogLine], tuple[str, ...]] = {}


def fields_of(line: LogLine) -> dict[str, object]:
    """The values a record kind carries (its template's fields), by name."""
    kind = type(line)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(line) if f.init)
    return {name: getattr(line, name) for name in names}


@dataclass(slots=True)
class MoveRecorded(HtmlRepr):
    """A state-machine move: ``Input = ...`` / ``Old State = ... New State = ...``.

    ``exchange`` names the transition table the move came from (Main Mode, Aggressive Mode or
    Quick Mode); ``node`` is the Quick Mode message ID (``None`` for phase 1).
    """

    time: float
    conn_id: int
    exchange: Exchange
    input: Input
    old_state: IkeState
    new_state: IkeState
    handler: str
    node: int | None = None


Record = LogLine | MoveRecorded
L = TypeVar("L", bound=LogLine)


class Recorder(Observable[Record]):
    """The append-only list of records of one endpoint.

    ``now`` and ``conn_id`` are set by the engine before it calls handlers, so handlers only
    say *what* happened. :meth:`subscribe` calls a function with each new record.
    """

    def __init__(self, enabled: bool = True, limit: int | None = None) -> None:
        self.enabled = enabled
        self.records: Ring[Record] = Ring(limit)  # limit: a ring (the router process)
        self.now = 0.0
        self.conn_id = 0

    def log(self, line: LogLine) -> None:
        """Record one step, stamped with the current time and conn-id."""
        if self.enabled:
            line.time = self.now
            line.conn_id = self.conn_id
            self.records.append(line)
            if self._subscribers:
                self._publish(line)

    def move(self, exchange: Exchange, move: Move, node: int | None = None) -> None:
        """Record a state move (``move.state`` -> ``move.next_state``) of ``exchange``'s table."""
        if self.enabled:
            rec = MoveRecorded(
                self.now,
                self.conn_id,
                exchange,
                move.input,
                move.state,
                move.next_state,
                move.handler_name,
                node,
            )
            self.records.append(rec)
            if self._subscribers:
                self._publish(rec)

    def moves(self) -> list[MoveRecorded]:
        """Only the state moves, in order."""
        return [r for r in self.records if isinstance(r, MoveRecorded)]

    def lines(self, kind: type[L]) -> list[L]:
        """Only the records of ``kind``, in order."""
        return [r for r in self.records if isinstance(r, kind)]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)
