"""The engine-wide context every handler works through: config, randomness, records, output.

Handlers never touch sockets or clocks: they call :meth:`Context.send` (which frames the
datagram for port 500 or 4500 and arms retransmission), :meth:`Context.emit` for events and
:meth:`Context.log` for ``debug`` records. The endpoint drains ``outbox`` and ``events``.
"""

from __future__ import annotations

from collections import deque

from vpnteach.crypto.rng import Rng
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.events import Event, NegotiationFailed
from vpnteach.ike.records import Recorder
from vpnteach.ike.sa import Datagram, IsakmpSa, QuickModeNode, Retransmit
from vpnteach.ike.states import isakmp_sa_state
from vpnteach.trace import Trace
from vpnteach.wire.chain import Payload, encode_payload_chain
from vpnteach.wire.natt import add_non_esp_marker

FIRST_CONN_ID = 1001


class IkeError(ValueError):
    """A protocol failure with the ISAKMP notify type to report (``None``: stay silent)."""

    def __init__(self, message: str, notify: int | None = None) -> None:
        self.notify = notify
        super().__init__(message)


def payload_body(payload: Payload) -> bytes:
    """A payload's body without its 4-byte generic header (``SAi_b``, ``IDii_b``, ``Ni_b``)."""
    return encode_payload_chain((payload,))[4:]


class Context:
    """Shared state of one endpoint, handed to every handler."""

    def __init__(self, config: IkeConfig, rng: Rng, trace: Trace, recorder: Recorder) -> None:
        self.config = config
        self.rng = rng
        self.trace = trace
        self.recorder = recorder
        self.outbox: list[Datagram] = []
        self.events: deque[Event] = deque()
        self.now = 0.0
        self._next_conn_id = FIRST_CONN_ID

    def new_conn_id(self) -> int:
        """IOS numbers ISAKMP SAs from 1001 once their keys exist."""
        conn_id = self._next_conn_id
        self._next_conn_id += 1
        return conn_id

    def log(self, kind: str, **params: object) -> None:
        """Record one ``debug`` step at the current time."""
        self.recorder.log(kind, **params)

    def emit(self, event: Event) -> None:
        """Queue an event for ``next_event()``."""
        self.events.append(event)

    def send(
        self,
        sa: IsakmpSa,
        data: bytes,
        *,
        expect_reply: bool,
        node: QuickModeNode | None = None,
        label: str = "",
    ) -> None:
        """Queue ``data`` to the SA's peer, logging it as IOS does and arming retransmission."""
        framed = add_non_esp_marker(data) if sa.local_port == 4500 else data
        datagram = Datagram(framed, sa.peer, sa.local_port)
        self.outbox.append(datagram)
        role = "I" if sa.role == "initiator" else "R"
        self.log(
            "sending",
            peer=sa.peer[0],
            my_port=sa.local_port,
            peer_port=sa.peer[1],
            role=role,
            sa_state=isakmp_sa_state(sa.state),
        )
        holder: IsakmpSa | QuickModeNode = node if node is not None else sa
        holder.last_sent = datagram
        holder.retransmit = None
        if expect_reply:
            interval = self.config.retransmission.interval
            holder.retransmit = Retransmit(datagram, self.now + interval, interval, 0, label)

    def fail(self, sa: IsakmpSa, phase: int, reason: str, notify: int | None = None) -> None:
        """Give up on an exchange: log, report, and mark a phase-1 SA dead."""
        self.log("error", text=reason)
        self.emit(NegotiationFailed(sa.peer, phase, reason, notify))
        if phase == 1:
            sa.dead = True
            sa.retransmit = None
