"""What an IKE endpoint did, in order, as data: the material of the ``debug`` log.

The engine appends a :class:`LogLine` for every step IOS would log — a state move, a packet
sent or received, a payload processed, a transform checked — with the simulated time, the
ISAKMP SA's conn-id and the values involved. :mod:`vpnteach.ike.debuglog` renders them as IOS
``debug crypto isakmp`` text; the stepper and the widgets read the same records (and may
:meth:`Recorder.subscribe` to hear of each one as it is recorded). Nothing here formats text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from vpnteach._html import HtmlRepr
from vpnteach.ike.states import IkeState, Input
from vpnteach.ike.transitions import Move
from vpnteach.trace import Observable


# The records are written once and never changed, but not ``frozen``: a frozen dataclass sets
# each field through ``object.__setattr__``, three times slower to build, and an exchange
# records some 200 of them on the path of every message.
@dataclass(slots=True)
class LogLine(HtmlRepr):
    """One logged step: ``kind`` names a template in ``debuglog.TEMPLATES``."""

    time: float
    conn_id: int
    kind: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class MoveRecorded(HtmlRepr):
    """A state-machine move: ``Input = ...`` / ``Old State = ... New State = ...``."""

    time: float
    conn_id: int
    input: Input
    old_state: IkeState
    new_state: IkeState
    handler: str
    node: int | None = None


Record = LogLine | MoveRecorded


class Recorder(Observable[Record]):
    """The append-only list of records of one endpoint.

    ``now`` and ``conn_id`` are set by the engine before it calls handlers, so handlers only
    say *what* happened. :meth:`subscribe` calls a function with each new record.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.records: list[Record] = []
        self.now = 0.0
        self.conn_id = 0

    def log(self, kind: str, **params: object) -> None:
        """Record one step of kind ``kind``."""
        if self.enabled:
            line = LogLine(self.now, self.conn_id, kind, params)
            self.records.append(line)
            if self._subscribers:
                self._publish(line)

    def move(self, move: Move, node: int | None = None) -> None:
        """Record a state move (``move.state`` -> ``move.next_state``)."""
        if self.enabled:
            rec = MoveRecorded(
                self.now, self.conn_id, move.input, move.state, move.next_state, move.handler, node
            )
            self.records.append(rec)
            if self._subscribers:
                self._publish(rec)

    def moves(self) -> list[MoveRecorded]:
        """Only the state moves, in order."""
        return [r for r in self.records if isinstance(r, MoveRecorded)]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)
