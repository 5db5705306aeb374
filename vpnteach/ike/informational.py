"""The Informational exchange (RFC 2409 §5.7, RFC 2408 §4.8): notifications, deletes, DPD.

Once an ISAKMP SA has keys, an informational message is encrypted and starts with
``HASH(1) = prf(SKEYID_a, M-ID | N/D)`` under a fresh message ID; before that (a refused MM1,
say) it travels in clear with only the Notify payload. Dead Peer Detection (RFC 3706) uses
Notify R-U-THERE / R-U-THERE-ACK carrying the cookies as SPI and a 32-bit sequence number.
"""

from __future__ import annotations

import hmac

from vpnteach.ike import keymat
from vpnteach.ike.context import PEER_DELETE, Context, IkeError
from vpnteach.ike.events import (
    DeadPeerAnswered,
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    SaDeleted,
)
from vpnteach.ike.lifetimes import (
    RESPONDER_LIFETIME,
    honour_phase1_lifetime,
    phase1_responder_lifetime,
)
from vpnteach.ike.protection import open_body, seal
from vpnteach.ike.records_endpoint import DeleteReceived, DpdAcked, NotifyReceived, NotifySent
from vpnteach.ike.sa import IsakmpSa
from vpnteach.ike.states import IkeState
from vpnteach.wire.chain import Payload, encode_payload_chain
from vpnteach.wire.constants import ExchangeType, NotifyMessageType, ProtocolId
from vpnteach.wire.message import IsakmpHeader, Message, encode_message
from vpnteach.wire.payloads import DeletePayload, HashPayload, NotificationPayload

INFO = ExchangeType.INFORMATIONAL
ISAKMP = ProtocolId.PROTO_ISAKMP


def notify_name(notify_type: int) -> str:
    """``NO_PROPOSAL_CHOSEN`` for 14; the number for an unknown type."""
    try:
        return NotifyMessageType(notify_type).name
    except ValueError:
        return str(notify_type)


def _message_id(ctx: Context, sa: IsakmpSa) -> int:
    while True:
        mid = int.from_bytes(ctx.rng.random_bytes(4), "big")
        if mid and mid not in sa.nodes and mid not in sa.message_ids:
            return mid


def send_informational(ctx: Context, sa: IsakmpSa, payloads: list[Payload]) -> None:
    """Send ``payloads`` protected by the ISAKMP SA if it can, else in clear (RFC 2408 §4.8)."""
    k = sa.keying
    if k is not None:
        mid = _message_id(ctx, sa)
        try:
            k.ivs.iv(mid)
        except ValueError:
            mid = 0
        if mid:
            rest = encode_payload_chain(tuple(payloads))
            h1 = keymat.informational_hash(k.hash, k.keys.skeyid_a, mid, rest, ctx.trace)
            header = IsakmpHeader(sa.cky_i, sa.cky_r, INFO, message_id=mid)
            data = seal(
                header, [HashPayload(h1), *payloads], k.cipher, k.keys.ka, k.ivs, label="INFO"
            )
            k.ivs.forget(mid)
            ctx.send(sa, data, expect_reply=False, label="INFO")
            return
    data = encode_message(Message(IsakmpHeader(sa.cky_i, sa.cky_r, INFO), tuple(payloads)))
    ctx.send(sa, data, expect_reply=False, label="INFO")


def pay_lifetime(ctx: Context, sa: IsakmpSa) -> None:
    """Tell the initiator the shorter ISAKMP SA lifetime we took, if we owe it (RFC 2407
    §4.6.3.1), once a phase-2 message of its own has shown that it processed MM6.

    The informational's IV is derived from MM6's last cipher block (RFC 2409 Appendix B). Sent
    right after MM6, as IOS does, it can be read first by a multi-threaded peer (charon), which
    then decrypts it with the wrong IV and drops it as malformed; after the peer's first Quick
    Mode or informational message it cannot overtake MM6 any more.
    """
    if sa.cky_i not in ctx.lifetime_owed or not sa.established or sa.dead:
        return
    ctx.lifetime_owed.discard(sa.cky_i)
    told = phase1_responder_lifetime(ctx, sa)
    if told is not None:
        last = sa.messages.last_sent
        send_informational(ctx, sa, [told])
        sa.messages.last_sent = last  # a retransmitted MM5 still gets MM6 again


def send_notify(
    ctx: Context, sa: IsakmpSa, notify_type: int, reason: str, data: bytes = b""
) -> None:
    """Tell the peer why we stopped (or answer DPD); the SPI is the cookie pair."""
    payload = NotificationPayload(
        notify_type, protocol_id=ISAKMP, spi=sa.cookies.spi, notification_data=data
    )
    ctx.log(NotifySent(notify=notify_name(notify_type), peer=sa.peer[0]))
    send_informational(ctx, sa, [payload])
    ctx.emit(NotificationSent(sa.peer, notify_type, reason))


def send_invalid_spi(ctx: Context, sa: IsakmpSa, spi: bytes) -> None:
    """INVALID-SPI for an ESP packet we have no SA for (RFC 2408 §3.14.1, type 11): the peer
    deletes its outbound SA with that SPI and negotiates anew (IOS invalid-spi-recovery)."""
    payload = NotificationPayload(
        NotifyMessageType.INVALID_SPI, protocol_id=ProtocolId.PROTO_IPSEC_ESP, spi=spi
    )
    ctx.log(NotifySent(notify=notify_name(NotifyMessageType.INVALID_SPI), peer=sa.peer[0]))
    send_informational(ctx, sa, [payload])
    ctx.emit(NotificationSent(sa.peer, NotifyMessageType.INVALID_SPI, f"ESP SPI {spi.hex()}"))


def send_delete(ctx: Context, sa: IsakmpSa, protocol_id: int, spis: tuple[bytes, ...]) -> None:
    """A Delete payload for our ISAKMP SA (16-byte cookie pair) or IPsec SAs (4-byte SPIs)."""
    spi_size = len(spis[0]) if spis else 0
    send_informational(ctx, sa, [DeletePayload(protocol_id, spi_size, spis)])


def send_dpd(ctx: Context, sa: IsakmpSa, sequence: int) -> None:
    """R-U-THERE with ``sequence`` (RFC 3706 §5)."""
    send_notify(ctx, sa, NotifyMessageType.R_U_THERE, "DPD", sequence.to_bytes(4, "big"))


def receive_informational(ctx: Context, sa: IsakmpSa, msg: Message) -> None:
    """Process an informational message for ``sa`` (authenticated when encrypted)."""
    payloads = _authenticated_payloads(ctx, sa, msg)
    if not any(isinstance(p, (NotificationPayload, DeletePayload)) for p in payloads):
        # RFC 2408 §4.8: an informational exchange carries a Notification or a Delete.
        raise IkeError("informational message without Notification or Delete payload")
    for p in payloads:
        if isinstance(p, NotificationPayload):
            _on_notify(ctx, sa, p)
        elif isinstance(p, DeletePayload):
            _on_delete(ctx, sa, p)


def _authenticated_payloads(ctx: Context, sa: IsakmpSa, msg: Message) -> tuple[Payload, ...]:
    if msg.encrypted_body is None:
        # An Aggressive Mode responder waiting for AM3 has keys nobody has proven yet: an
        # initiator whose pre-shared key differs can only tell it in clear (RFC 2409 §5.4).
        if sa.keying is not None and sa.state != IkeState.IKE_R_AM2:
            raise IkeError("unprotected informational message after keys exist: ignored")
        if any(_about_established_sas(p) for p in msg.payloads):
            # Anyone can open a half-open SA from a spoofed address and send this in clear:
            # a Delete or an ESP INVALID-SPI is believed only when authenticated (RFC 2408
            # §4.8: informationals after the keys exist are protected; §3.15 Delete).
            raise IkeError("unprotected Delete or INVALID-SPI about IPsec SAs: ignored")
        return msg.payloads
    k = sa.keying
    if k is None:
        raise IkeError("encrypted informational message before keys exist")
    mid = msg.header.message_id
    payloads, raw = open_body(msg, k.cipher, k.keys.ka, k.ivs)
    k.ivs.forget(mid)
    first = payloads[0] if payloads else None
    if not isinstance(first, HashPayload):
        raise IkeError("informational message without HASH(1)")
    expected = keymat.informational_hash(
        k.hash, k.keys.skeyid_a, mid, raw[4 + len(first.hash_data) :], ctx.trace
    )
    if not hmac.compare_digest(expected, first.hash_data):
        raise IkeError("informational HASH(1) does not verify")
    # HASH(1) proves who made the message, not when: a copy sent again verifies too. Its
    # Message ID, never reused on this SA (RFC 2408 §3.1), tells.
    sa.message_ids.use(mid, "informational message")
    return payloads[1:]


def _about_established_sas(p: Payload) -> bool:
    """A Delete, or an INVALID-SPI naming an ESP SA: it would remove installed SAs."""
    if isinstance(p, DeletePayload):
        return True
    return (
        isinstance(p, NotificationPayload)
        and p.notify_message_type == NotifyMessageType.INVALID_SPI
        and p.protocol_id == ProtocolId.PROTO_IPSEC_ESP
    )


def _on_notify(ctx: Context, sa: IsakmpSa, n: NotificationPayload) -> None:
    name = notify_name(n.notify_message_type)
    ctx.log(NotifyReceived(notify=name, protocol=n.protocol_id))
    ctx.emit(
        NotificationReceived(
            sa.peer, n.notify_message_type, n.protocol_id, n.spi, n.notification_data
        )
    )
    if n.notify_message_type == NotifyMessageType.R_U_THERE:
        send_notify(ctx, sa, NotifyMessageType.R_U_THERE_ACK, "DPD", n.notification_data)
    elif n.notify_message_type == NotifyMessageType.R_U_THERE_ACK:
        sequence = int.from_bytes(n.notification_data[:4], "big")
        ctx.log(DpdAcked(peer=sa.peer[0], sequence=f"{sequence:08X}"))
        ctx.emit(DeadPeerAnswered(sa.peer, sequence))
    elif n.notify_message_type == RESPONDER_LIFETIME and n.protocol_id == ISAKMP:
        honour_phase1_lifetime(ctx, sa, n)
    elif (
        n.notify_message_type == NotifyMessageType.INVALID_SPI
        and n.protocol_id == ProtocolId.PROTO_IPSEC_ESP
        and sa.established
    ):
        return  # about one IPsec SA, not this exchange: the gateway drops that SA
    elif n.notify_message_type < 8192:
        _on_error(ctx, sa, name, n.notify_message_type)


def _on_error(ctx: Context, sa: IsakmpSa, name: str, notify_type: int) -> None:
    """RFC 2408 §3.14.1: types below 8192 are errors; they end the exchange in progress."""
    reason = f"peer sent {name}"
    if not sa.established:
        ctx.emit(NegotiationFailed(sa.peer, 1, reason, notify_type))
        ctx.destroy(sa, reason)
        return
    for mid, node in list(sa.nodes.items()):
        if node.state not in (IkeState.IKE_QM_PHASE2_COMPLETE,):
            ctx.emit(NegotiationFailed(sa.peer, 2, reason, notify_type))
            del sa.nodes[mid]


def _on_delete(ctx: Context, sa: IsakmpSa, d: DeletePayload) -> None:
    ctx.log(DeleteReceived(protocol=ProtocolId(d.protocol_id).name))
    ctx.emit(SaDeleted(sa.peer, d.protocol_id, d.spis, True))
    if d.protocol_id == ISAKMP:
        ctx.destroy(sa, PEER_DELETE)
