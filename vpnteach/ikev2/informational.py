"""INFORMATIONAL exchanges once READY (RFC 7296 §1.4): Delete and liveness checks.

::

    HDR, SK {[N,] [D,] [CP,] ...}  -->
                              <--  HDR, SK {[N,] [D,] [CP], ...}

A Delete of the IKE SA (protocol 1, no SPI) is answered with an empty message and ends the
SA with all its Child SAs (§1.4.1). A Delete of ESP SAs names the sender's *inbound* SPIs,
which are our outbound ones; we answer with a Delete naming our inbound SPIs of the same
pairs. An empty request is a liveness check (dead peer detection) and gets an empty answer.
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
from vpnteach.wire.ikev2.constants import ExchangeType, ProtocolId
from vpnteach.wire.ikev2.message import Payload
from vpnteach.wire.ikev2.payloads import DeletePayload

INFO = ExchangeType.INFORMATIONAL


def receive_informational_request(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """Answer a peer's INFORMATIONAL request: Delete, notifies, or liveness."""
    assert rx is not None
    for n in rx.notifies():
        ctx.emit(NotifyReceived(sa.peer, INFO, n.notify_message_type))
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
                ours.append(child.spi_in)
                ctx.emit(ChildSaDeleted(sa.peer, child.spi_in, child.spi_out))
    if ours:
        answer.append(DeletePayload(ProtocolId.ESP, 4, tuple(ours)))
    ctx.send_response(sa, INFO, rx.message_id, answer)
    return sa.state


def receive_informational_response(ctx: Context, sa: IkeSa, rx: Received | None) -> State:
    """The answer to our liveness check or Child SA Delete."""
    assert rx is not None
    if not rx.payloads and not sa.deleting:
        ctx.emit(LivenessChecked(sa.peer))
    for child in sa.deleting:  # §1.4.1: the answer confirms our Delete of these pairs
        if child in sa.children:
            sa.children.remove(child)
        ctx.emit(ChildSaDeleted(sa.peer, child.spi_in, child.spi_out))
    sa.deleting = []
    return State.READY


def send_liveness(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """An empty INFORMATIONAL request: is the peer alive? (§1.4)"""
    ctx.send_request(sa, INFO, [])
    return State.READY


def send_delete_child_sa(ctx: Context, sa: IkeSa, _: Received | None) -> State:
    """Delete the Child SA pair of ``sa.delete_request``: name our inbound SPI (§1.4.1); the
    answer names the peer's."""
    child = sa.delete_request
    assert child is not None
    sa.delete_request = None
    ctx.send_request(sa, INFO, [DeletePayload(ProtocolId.ESP, 4, (child.spi_in,))])
    sa.deleting.append(child)
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
    """No answer after every retransmission (§2.4): the SA is dead."""
    if sa.state in (State.READY, State.DELETE):
        ctx.emit(IkeSaDeleted(sa.peer, sa.spi_i, sa.spi_r, "peer not responding"))
    else:
        ctx.emit(NegotiationFailed(sa.peer, f"no answer in state {sa.state}", 0))
    return State.EXIT
