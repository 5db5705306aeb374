"""INFORMATIONAL exchanges once READY (RFC 7296 §1.4): Delete, INVALID_SPI, liveness checks.

::

    HDR, SK {[N,] [D,] [CP,] ...}  -->
                              <--  HDR, SK {[N,] [D,] [CP], ...}

A Delete of the IKE SA (protocol 1, no SPI) is answered with an empty message and ends the
SA with all its Child SAs (§1.4.1). A Delete of ESP SAs names the sender's *inbound* SPIs,
which are our outbound ones; we answer with a Delete naming our inbound SPIs of the same
pairs; several pairs go in one Delete payload (§3.11: "Num of SPIs"). An empty request is a
liveness check (dead peer detection) and gets an empty answer.

ESP arriving with an SPI we do not know, from a peer we share an IKE SA with, may be reported
in an INFORMATIONAL request carrying N(INVALID_SPI) whose Notification Data is that SPI
(§1.5; Protocol ID and SPI Size zero, §3.10). Receiving one that names the outbound SPI of a
Child SA we hold, we drop the pair (the peer cannot open what we send on it) and delete it
with a Delete the next time our request window is free (§2.3); the next packet of its flow
negotiates a new one. strongSwan 5.9 answers such a request and otherwise ignores the notify
(``task_manager_v2.c`` has no case for it).
"""

from __future__ import annotations

from vpnteach.ikev2.context import Context, Received
from vpnteach.ikev2.events import (
    ChildSaDeleted,
    IkeSaDeleted,
    LivenessChecked,
    NegotiationFailed,
    NotifyReceived,
)
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType, ProtocolId
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import DeletePayload, NotifyPayload

INFO = ExchangeType.INFORMATIONAL


def receive_informational_request(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """Answer a peer's INFORMATIONAL request: Delete, notifies, or liveness."""
    assert rx is not None
    for n in rx.notifies():
        ctx.emit(NotifyReceived(sa.peer, INFO, n.notify_message_type, n.notification_data))
        if n.notify_message_type == NotifyType.INVALID_SPI:
            _invalid_spi(ctx, sa, n.notification_data)
    deletes = [p for p in rx.payloads if isinstance(p, DeletePayload)]
    if any(d.protocol_id == ProtocolId.IKE for d in deletes):
        ctx.send_response(sa, INFO, rx.message_id, [])
        ctx.emit(IkeSaDeleted(sa.peer, sa.spi_i, sa.spi_r, "deleted by the peer"))
        return State.EXIT
    answer: list[Payload] = []
    ours: list[bytes] = []
    for d in deletes:
        if d.protocol_id != ProtocolId.ESP:
            continue
        for spi in d.spis:
            child = next((c for c in sa.children if c.spi_out == spi), None)
            if child is not None:
                sa.children.remove(child)
                sa.delete_queue = [c for c in sa.delete_queue if c != child]
                ours.append(child.spi_in)
                ctx.emit(ChildSaDeleted(sa.peer, child.spi_in, child.spi_out))
    if ours:
        answer.append(DeletePayload(ProtocolId.ESP, 4, tuple(ours)))
    ctx.send_response(sa, INFO, rx.message_id, answer)
    return sa.state


def _invalid_spi(ctx: Context, sa: IkeSa, spi: bytes) -> None:
    """N(INVALID_SPI) names our outbound SPI of a pair (§1.5): the pair goes now, its Delete
    when our window allows; an SPI of no pair of ours is only counted."""
    child = next((c for c in sa.children if c.spi_out == spi), None)
    if child is None:
        ctx.stats["invalid_spi_unknown"] += 1
        return
    sa.children.remove(child)
    sa.delete_queue.append(child)
    ctx.emit(ChildSaDeleted(sa.peer, child.spi_in, child.spi_out))


def receive_informational_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """The answer to our liveness check, INVALID_SPI notify or Child SA Delete."""
    assert rx is not None
    if not rx.payloads and not sa.deleting:
        ctx.emit(LivenessChecked(sa.peer))
    for child in sa.deleting:  # §1.4.1: the answer confirms our Delete of these pairs
        if child in sa.children:
            sa.children.remove(child)
            ctx.emit(ChildSaDeleted(sa.peer, child.spi_in, child.spi_out))
    sa.deleting = []
    return State.READY


def send_invalid_spi(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Tell the peer its ESP came with an SPI we do not know (§1.5): N(INVALID_SPI) whose
    Notification Data is that SPI, inside the IKE SA."""
    assert sa.invalid_spi is not None
    notify = NotifyPayload(NotifyType.INVALID_SPI, sa.invalid_spi)
    sa.invalid_spi = None
    ctx.send_request(sa, INFO, [notify])
    return State.READY


def send_liveness(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """An empty INFORMATIONAL request: is the peer alive? (§1.4)"""
    ctx.send_request(sa, INFO, [])
    return State.READY


def send_delete_child_sa(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Delete the Child SA pairs of ``sa.delete_queue`` in one request: one Delete payload
    naming our inbound SPIs (§1.4.1, §3.11); the answer names the peer's."""
    children, sa.delete_queue = sa.delete_queue, []
    spis = tuple(c.spi_in for c in children)
    ctx.send_request(sa, INFO, [DeletePayload(ProtocolId.ESP, 4, spis)])
    sa.deleting.extend(children)
    return State.READY


def send_delete_ike_sa(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Delete the IKE SA and its Child SAs (§1.4.1); wait for the answer."""
    ctx.send_request(sa, INFO, [DeletePayload(ProtocolId.IKE, 0)])
    return State.DELETE


def receive_delete_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """The peer confirmed our Delete of the IKE SA."""
    ctx.emit(IkeSaDeleted(sa.peer, sa.spi_i, sa.spi_r, "deleted by us"))
    return State.EXIT


def give_up(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """No answer after every retransmission (§2.4): the SA is dead. (Also: a half-open SA
    or one a rekey replaced that the peer never deleted, :mod:`.deadlines`.)"""
    if sa.superseded and sa.state == State.READY:
        ctx.emit(IkeSaDeleted(sa.peer, sa.spi_i, sa.spi_r, "replaced, never deleted by the peer"))
    elif sa.state in (State.READY, State.DELETE):
        ctx.emit(IkeSaDeleted(sa.peer, sa.spi_i, sa.spi_r, "peer not responding"))
    else:
        ctx.emit(NegotiationFailed(sa.peer, f"no answer in state {sa.state}", 0))
    return State.EXIT
