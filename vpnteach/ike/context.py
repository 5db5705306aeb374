"""The engine-wide context every handler works through: config, randomness, records, output.

Handlers never touch sockets or clocks: they call :meth:`Context.send` (which frames the
datagram for port 500 or 4500 and arms retransmission), :meth:`Context.emit` for events and
:meth:`Context.log` for ``debug`` records. The endpoint drains ``outbox`` and ``events``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from vpnteach.crypto.rng import Rng
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.debuglog import signed_mid
from vpnteach.ike.events import Event, NegotiationFailed
from vpnteach.ike.records import LogLine, Recorder
from vpnteach.ike.records_endpoint import NegotiationError, NodeDeleted, PacketSent, SaDeleting
from vpnteach.ike.sa import Datagram, IsakmpSa, QuickModeNode, Retransmit
from vpnteach.ike.states import PHASE1_DEL, TIMER_EXPIRED, isakmp_sa_state
from vpnteach.trace import Trace
from vpnteach.wire.chain import Payload, encode_payload_chain
from vpnteach.wire.errors import InputError
from vpnteach.wire.natt import add_non_esp_marker

FIRST_CONN_ID = 1001
#: IOS's reason for an SA whose Main Mode message went unanswered too often.
DEATH_BY_RETRANSMISSION = "Death by retransmission P1"
#: IOS's reason for an SA the peer deleted (a public IOS 15 log of a received Delete).
PEER_DELETE = "No reason"
#: Our reasons (not taken from an IOS log) for a lifetime run out and ``clear crypto isakmp``.
LIFETIME_EXPIRED = "ISAKMP SA lifetime expired"
MANUAL_CLEAR = "clear crypto isakmp"


class IkeError(InputError):
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
        #: Record one ``debug`` step at the current time (:meth:`Recorder.log`, bound once:
        #: about 200 steps per Main Mode + Quick Mode, so no extra call layer per step).
        self.log: Callable[[LogLine], None] = recorder.log
        self.outbox: list[Datagram] = []
        self.events: deque[Event] = deque()
        self.now = 0.0
        #: CKY-I of the Main Modes that replace an established ISAKMP SA (a phase 1 rekey):
        #: their MM5 carries no INITIAL-CONTACT, which would tell the peer to drop every SA.
        self.rekeys: set[bytes] = set()
        #: CKY-I of the ISAKMP SAs we answered whose RESPONDER-LIFETIME check waits for the
        #: initiator's first phase-2 message (:func:`~vpnteach.ike.informational.pay_lifetime`).
        self.lifetime_owed: set[bytes] = set()
        self._next_conn_id = FIRST_CONN_ID

    def new_conn_id(self) -> int:
        """IOS numbers ISAKMP SAs from 1001 once their keys exist."""
        conn_id = self._next_conn_id
        self._next_conn_id += 1
        return conn_id

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
        peer, local_port = sa.path
        framed = add_non_esp_marker(data) if local_port == 4500 else data
        datagram = Datagram(framed, peer, local_port)
        self.outbox.append(datagram)
        self.log(
            PacketSent(
                peer=peer[0],
                my_port=local_port,
                peer_port=peer[1],
                role=sa.role.letter,
                sa_state=isakmp_sa_state(sa.machine.state),
            )
        )
        messages = node.messages if node is not None else sa.messages
        messages.last_sent = datagram
        messages.last_sent_at = self.now
        messages.retransmit = None
        if expect_reply:
            interval = self.config.retransmission.interval
            messages.retransmit = Retransmit(datagram, self.now + interval, interval, 0, label)

    def fail(
        self,
        sa: IsakmpSa,
        phase: int,
        reason: str,
        notify: int | None = None,
        *,
        timer: bool = False,
    ) -> None:
        """Give up on an exchange: log, report, and delete a phase-1 SA (:meth:`destroy`;
        ``timer``: the retransmission limit was reached)."""
        self.log(NegotiationError(text=reason))
        self.emit(NegotiationFailed(sa.peer, phase, reason, notify))
        if phase == 1:
            self.destroy(sa, DEATH_BY_RETRANSMISSION if timer else reason, timer=timer)

    def destroy(self, sa: IsakmpSa, reason: str, *, timer: bool = False) -> None:
        """The ISAKMP SA ends: IOS logs why, moves it to ``IKE_DEST_SA`` (input
        ``IKE_PHASE1_DEL``, or ``IKE_TIMER_EXPIRED`` when a timer ended it) and deletes its
        Quick Mode nodes; the endpoint then forgets it (RFC 2408 §5.15)."""
        if sa.dead:
            return
        role = sa.role.letter
        state = isakmp_sa_state(sa.state)
        self.log(SaDeleting(reason=reason, role=role, sa_state=state, peer=sa.peer[0]))
        input = TIMER_EXPIRED if timer else PHASE1_DEL
        if sa.machine.table.allows(sa.state, input):
            sa.machine.fire(input, Teardown(self, sa, reason, role, state))
        sa.dead = True
        sa.messages.retransmit = None


class Teardown:
    """The handler of the moves to ``IKE_DEST_SA``: what IOS logs after the move."""

    def __init__(self, ctx: Context, sa: IsakmpSa, reason: str, role: str, state: str) -> None:
        self.ctx, self.sa = ctx, sa
        self.reason, self.role, self.state = reason, role, state

    def delete_sa(self) -> None:
        """IOS repeats the "deleting SA" line, then deletes every node ("IKE deleted")."""
        self.ctx.log(SaDeleting(self.reason, self.role, self.state, self.sa.peer[0]))
        for mid in self.sa.nodes:
            self.ctx.log(NodeDeleted(mid=signed_mid(mid), reason="IKE deleted"))
