"""The sans-IO IKEv1 endpoint: bytes and time in, bytes and events out (STYLE.md shape).

::

    ep = IkeEndpoint(config, rng)
    ep.initiate("10.2.2.1", now)                   # or ep.acquire(src, dst, now)
    for data, addr, local_port in ep.datagrams_to_send(now): ...
    ep.receive_datagram(data, ("10.2.2.1", 500), now, local_port=500)
    while (event := ep.next_event()) is not None: ...
    if (t := ep.get_timer()) is not None and now >= t: ep.handle_timer(now)

The endpoint finds the ISAKMP SA a datagram belongs to by its cookies (RFC 2408 §2.5.3),
checks the message against the payload rules of the message it must be, and runs the
exchange's transition table (:mod:`vpnteach.ike.transitions`) with the handlers of
:mod:`vpnteach.ike.main_mode`, :mod:`vpnteach.ike.quick_mode` and
:mod:`vpnteach.ike.informational`. A retransmitted request gets the last answer again; an
unexpected or malformed datagram is counted and dropped; any other exception is a bug and
propagates.
The SA table and the firing of the machines live in :mod:`vpnteach.ike.core`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from vpnteach.ike import debuglog
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.context import LIFETIME_EXPIRED, MANUAL_CLEAR, IkeError
from vpnteach.ike.core import EndpointCore
from vpnteach.ike.events import Event, SaDeleted
from vpnteach.ike.informational import (
    pay_lifetime,
    receive_informational,
    send_delete,
    send_dpd,
    send_invalid_spi,
)
from vpnteach.ike.policy import AclEntry, CryptoMapEntry
from vpnteach.ike.protection import ProtectionError, open_body
from vpnteach.ike.records_endpoint import (
    BadMessage,
    DpdSent,
    NegotiationError,
    NodeCreated,
    PacketReceived,
    PeerDead,
    ResendSkipped,
    RetransmissionsExhausted,
    Retransmitted,
)
from vpnteach.ike.rules import rule_for
from vpnteach.ike.sa import Address, Cookies, Datagram, IsakmpSa, Messages, Path, QmRequest, Role
from vpnteach.ike.states import (
    AM_EXCH,
    MM_EXCH,
    QM_EXCH,
    IkeState,
    Input,
    isakmp_sa_state,
)
from vpnteach.ike.timers import holders
from vpnteach.ike.transitions import AGGRESSIVE_MODE, TransitionError, TransitionTable
from vpnteach.wire.chain import Payload
from vpnteach.wire.constants import ExchangeType, ProtocolId
from vpnteach.wire.errors import InputError
from vpnteach.wire.message import Message, decode_message
from vpnteach.wire.natt import strip_non_esp_marker

S = IkeState

RESEND_GUARD = 1.0
"""Seconds within which a duplicate request is not answered again (IOS's retransmission skip)."""

DPD_DEAD = "peer not responding (DPD)"
"""Why an ISAKMP SA ends when Dead Peer Detection gave up on the peer (RFC 3706 §5.4)."""


class IkeEndpoint(EndpointCore):
    """One router's IKEv1 engine (initiator and responder), without any I/O.

    Constructed as :class:`~vpnteach.ike.core.EndpointCore` is: ``IkeEndpoint(config, rng,
    trace, name=...)``.
    """

    # ------------------------------------------------------------------ public API

    def initiate(
        self,
        peer: str,
        now: float,
        entry: CryptoMapEntry | None = None,
        acl_entry: AclEntry | None = None,
    ) -> None:
        """Negotiate IPsec SAs with ``peer`` for ``entry`` (default: its first crypto map entry)
        and the ACL line ``acl_entry`` (default: the entry's first permit).

        Starts Main Mode if no ISAKMP SA exists yet, else Quick Mode right away.
        """
        self._clock(now)
        if entry is None:
            entries = self.config.entries_for(peer)
            if not entries:
                raise ValueError(f"no crypto map entry has 'set peer {peer}'")
            entry = entries[0]
        request = QmRequest(entry, acl_entry or entry.match_address.permits()[0])
        sa = self._sa_for_initiation(peer)
        if sa is not None and sa.established:
            self._start_quick_mode(sa, request)
        elif sa is not None:
            sa.quick.pending.append(request)
        else:
            self._begin_main_mode(peer, request)

    def acquire(self, src: str, dst: str, now: float) -> bool:
        """A packet ``src -> dst`` needs protection: start IKE if a crypto ACL permits it."""
        entry = self.config.entry_for_traffic(src, dst)
        if entry is None:
            return False
        self.initiate(entry.peer, now, entry, entry.match_address.first_match(src, dst))
        return True

    def receive_datagram(
        self, data: bytes, addr: Address, now: float, local_port: int = 500
    ) -> None:
        """Process one UDP datagram received on ``local_port`` from ``addr``.

        A datagram the package refuses (an :class:`~vpnteach.wire.errors.InputError`: it does
        not decode or decrypt, breaks the payload rules, arrives out of state, fails the
        protocol) is counted and dropped; any other exception is a bug and propagates.
        """
        self._clock(now)
        try:
            self._receive(data, addr, local_port)
        except ProtectionError as exc:
            self.ctx.log(BadMessage(peer=addr[0]))
            self._drop(type(exc).__name__, str(exc))
        except InputError as exc:
            self._drop(type(exc).__name__, str(exc))

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        """The datagrams queued since the last call: ``(data, (ip, port), local_port)``."""
        self._clock(now)
        out, self.ctx.outbox = self.ctx.outbox, []
        return out

    def next_event(self) -> Event | None:
        """The oldest unread event, or ``None``."""
        return self.ctx.events.popleft() if self.ctx.events else None

    def get_timer(self) -> float | None:
        """When :meth:`handle_timer` should next be called (``None``: no timer)."""
        return self._timers.earliest(self.sas)

    def handle_timer(self, now: float) -> None:
        """Retransmit what is due (with backoff), or give up after the limit."""
        self._clock(now)
        limit = self.config.retransmission.limit
        for sa in self._timers.due(self.sas, now):
            self._touch(sa)
            if sa.expires is not None and sa.expires <= now and not sa.dead:
                self._expire(sa)
                continue
            for holder in holders(sa):
                r = holder.retransmit
                if r is None or r.due > now or sa.dead:
                    continue
                self.recorder.conn_id = sa.conn_id
                if r.attempts >= limit:
                    holder.retransmit = None
                    self.ctx.log(RetransmissionsExhausted())
                    phase = 1 if holder is sa.messages else 2
                    self.ctx.fail(sa, phase, f"no answer to {r.label}", timer=True)
                    continue
                r.attempts += 1
                r.interval *= self.config.retransmission.backoff
                r.due = now + r.interval
                self.stats["retransmissions"] += 1
                phase = 1 if holder is sa.messages else 2
                self.ctx.log(
                    Retransmitted(
                        phase=phase,
                        sa_state=isakmp_sa_state(sa.state),
                        attempt=r.attempts,
                        limit=limit,
                    )
                )
                self.ctx.outbox.append(r.datagram)
                holder.last_sent_at = now
        self._reap()

    def _expire(self, sa: IsakmpSa) -> None:
        """The ISAKMP SA lifetime ran out: delete it (new traffic starts a new Main Mode)."""
        if not sa.established:  # a responder SA still negotiating (admission.py)
            return self._half_open_expired(sa)
        self.recorder.conn_id = sa.conn_id
        self.ctx.log(
            NegotiationError(
                text=f"ISAKMP SA lifetime expired after {sa.suite.lifetime if sa.suite else '?'} s"
            )
        )
        send_delete(self.ctx, sa, ProtocolId.PROTO_ISAKMP, (sa.cookies.spi,))
        self.ctx.emit(SaDeleted(sa.peer, ProtocolId.PROTO_ISAKMP, (sa.cookies.spi,), False))
        self.ctx.destroy(sa, LIFETIME_EXPIRED, timer=True)

    def send_dpd(self, peer: str, now: float, sequence: int, attempt: int = 0) -> None:
        """Send an R-U-THERE to ``peer`` over the established ISAKMP SA (RFC 3706);
        ``attempt`` (1 to 5, as the gateway's DPD counts them) is logged when given."""
        self._clock(now)
        sa = self._sa_with(peer)
        if sa is None or not sa.established:
            raise ValueError(f"no established ISAKMP SA with {peer}")
        self._touch(sa)
        self.recorder.conn_id = sa.conn_id
        if attempt:
            self.ctx.log(DpdSent(peer=peer, sequence=f"{sequence:08X}", attempt=attempt))
        send_dpd(self.ctx, sa, sequence)

    def declare_dead(self, peer: str, now: float) -> bool:
        """DPD got no answer (RFC 3706 §5.4): forget the ISAKMP SA with ``peer`` without a
        Delete (nobody would read it). Returns ``False`` if there was no such SA."""
        self._clock(now)
        sa = self._sa_with(peer)
        if sa is None:
            return False
        self._touch(sa)
        self.recorder.conn_id = sa.conn_id
        self.ctx.log(PeerDead(peer=peer))
        self.ctx.emit(SaDeleted(sa.peer, ProtocolId.PROTO_ISAKMP, (sa.cookies.spi,), False))
        self.ctx.destroy(sa, DPD_DEAD)
        self._reap()
        return True

    def delete_isakmp_sa(self, peer: str | None, now: float) -> int:
        """``clear crypto isakmp``: delete every ISAKMP SA with ``peer`` (``None``: any), half-open
        or not, with a Delete if it has keys (RFC 2408 §3.15); returns how many."""
        self._clock(now)
        doomed = [sa for sa in self.sas.values() if not sa.dead and peer in (None, sa.peer[0])]
        for sa in doomed:
            self._touch(sa)
            self.recorder.conn_id = sa.conn_id
            if sa.keying is not None:
                send_delete(self.ctx, sa, ProtocolId.PROTO_ISAKMP, (sa.cookies.spi,))
            self.ctx.destroy(sa, MANUAL_CLEAR)
        self._reap()
        return len(doomed)

    def delete_ipsec_sas(self, peer: str, spis: Iterable[bytes], now: float) -> bool:
        """Tell ``peer`` that our inbound ESP SAs ``spis`` (4 bytes each) are gone: a Delete
        payload in an informational exchange over the ISAKMP SA (RFC 2408 §3.15, RFC 2409
        §5.7). Returns ``False`` (nothing sent) without an established ISAKMP SA.
        """
        self._clock(now)
        spis = tuple(spis)
        if any(len(spi) != 4 for spi in spis):
            raise ValueError("an ESP SPI in a Delete payload is 4 bytes (RFC 2408 §3.15)")
        sa = self._sa_with(peer)
        if sa is None or not sa.established or not spis:
            return False
        self._touch(sa)
        self.recorder.conn_id = sa.conn_id
        send_delete(self.ctx, sa, ProtocolId.PROTO_IPSEC_ESP, spis)
        return True

    def notify_invalid_spi(self, peer: str, spi: bytes, now: float) -> bool:
        """Tell ``peer`` that ESP SPI ``spi`` is unknown here (IOS invalid-spi-recovery):
        an INVALID-SPI notification over the ISAKMP SA (RFC 2408 §3.14.1). Returns ``False``
        (nothing sent) without an established ISAKMP SA."""
        self._clock(now)
        if len(spi) != 4:
            raise ValueError("an ESP SPI is 4 bytes (RFC 2406 §2.1)")
        sa = self._sa_with(peer)
        if sa is None or not sa.established:
            return False
        self._touch(sa)
        self.recorder.conn_id = sa.conn_id
        send_invalid_spi(self.ctx, sa, spi)
        return True

    def reconfigure(self, config: IkeConfig, now: float) -> None:
        """Use ``config`` from now on (IOS: a configuration change). Existing ISAKMP SAs and
        Quick Modes keep what they negotiated; new negotiations follow ``config``."""
        self._clock(now)
        self.config = config
        self.ctx.config = config  # the handlers read the configuration through the context

    # ------------------------------------------------------------------ views

    def isakmp_sa(self, peer: str) -> IsakmpSa | None:
        """The live ISAKMP SA with ``peer`` (for inspection)."""
        return self._sa_with(peer)

    def show_crypto_isakmp_sa(self) -> str:
        """``show crypto isakmp sa``."""
        rows = []
        for sa in self.sas.values():
            local = self.config.local_address
            # IOS lists the responder's address as dst, the initiator's as src
            src, dst = sa.role.i_r(local, sa.peer[0])
            rows.append(debuglog.IsakmpSaRow(dst, src, isakmp_sa_state(sa.state), sa.conn_id))
        return debuglog.show_crypto_isakmp_sa(rows)

    def show_crypto_isakmp_policy(self) -> str:
        """``show crypto isakmp policy``."""
        return debuglog.show_crypto_isakmp_policy(self.config.policies)

    def debug_log(self) -> str:
        """Everything recorded so far, as ``debug crypto isakmp`` prints it."""
        return debuglog.render_debug(self.recorder, self.config.timezone)

    # ------------------------------------------------------------------ receiving

    def _receive(self, data: bytes, addr: Address, local_port: int) -> None:
        if local_port == 4500:
            kind, data = strip_non_esp_marker(data)
            if kind != "ike":
                self.stats[f"ignored_{kind}"] += 1
                return
        msg = decode_message(data)
        sa = self.sas.get(msg.header.cky_i)
        if sa is None or sa.dead:
            sa = self._maybe_responder(msg, addr, local_port)
        keying = sa.keying
        self.recorder.conn_id = keying.conn_id if keying is not None else 0  # sa.conn_id
        self._touch(sa)
        self._heard(sa)  # a half-open SA's timeout runs from the initiator's last message
        if self._duplicate(sa, msg, data):
            return
        # RFC 3947 §4: follow the peer's port float (or a NAT's new mapping), and learn CKY-R
        # from MM2, but only for a message that is processed without error: a forged datagram
        # must not move the SA or give it a responder cookie.
        before = (sa.path, sa.cookies)
        ivs = keying.ivs.checkpoint() if keying is not None else None
        try:
            self._check_cky_r(sa, msg)
            if before[0] != (addr, local_port):
                sa.path = Path(addr, local_port)
            self._dispatch(sa, msg, data)
            if msg.header.message_id:  # the peer's first phase-2 message: MM6 was read
                pay_lifetime(self.ctx, sa)
        except Exception:
            if not sa.dead:
                sa.path, sa.cookies = before
                if keying is not None and ivs is not None:  # nor move the IV chains
                    keying.ivs.rollback(ivs)
            raise
        finally:
            if sa.path.peer[0] != before[0].peer[0]:
                self._reindex_peers()
        self._reap()

    def _maybe_responder(self, msg: Message, addr: Address, local_port: int) -> IsakmpSa:
        h = msg.header
        am = h.exchange_type == ExchangeType.AGGRESSIVE
        fresh = (h.exchange_type == ExchangeType.IDENTITY_PROTECTION or am) and h.cky_r == bytes(8)
        if not fresh or h.encrypted:
            raise IkeError(f"no ISAKMP SA for cookies {h.cky_i.hex()}/{h.cky_r.hex()}")
        self.half_open.admit(addr[0], self.config.half_open)  # call admission control
        self.recorder.conn_id = 0
        cookies = Cookies(h.cky_i, self.ctx.rng.random_bytes(8))
        sa = self._new_sa(Role.RESPONDER, Path(addr, local_port), cookies)
        if am:
            sa.machine.table = AGGRESSIVE_MODE
        return sa

    def _duplicate(self, sa: IsakmpSa, msg: Message, data: bytes) -> bool:
        """A retransmitted request: answer with our last message again (RFC 2408 §5).

        As IOS does, the answer is skipped when we sent that message less than
        :data:`RESEND_GUARD` seconds ago ("retransmission skipped ... time since last
        transmission"): a copy duplicated by the network would otherwise make both peers
        re-send to each other for ever, each copy answering the other.
        """
        mid = msg.header.message_id
        holder: Messages | None = sa.messages
        if mid:
            node = sa.nodes.get(mid)
            holder = node.messages if node is not None else None
        if holder is None or data != holder.last_received:
            return False
        self.stats["duplicates"] += 1
        if holder.last_sent is None:
            return True
        since = self.ctx.now - holder.last_sent_at
        if since < RESEND_GUARD:
            self.stats["duplicates_not_answered"] += 1
            self.recorder.conn_id = sa.conn_id
            self.ctx.log(
                ResendSkipped(phase=1 if holder is sa.messages else 2, since_ms=int(since * 1000))
            )
            return True
        self.ctx.outbox.append(holder.last_sent)
        holder.last_sent_at = self.ctx.now
        return True

    def _dispatch(self, sa: IsakmpSa, msg: Message, data: bytes) -> None:
        exchange = msg.header.exchange_type
        if exchange == ExchangeType.IDENTITY_PROTECTION:
            self._receive_main_mode(sa, msg, data)
        elif exchange == ExchangeType.QUICK_MODE:
            self._receive_quick_mode(sa, msg, data)
        elif exchange == ExchangeType.INFORMATIONAL:
            self._log_received(sa, "QM_IDLE" if sa.established else isakmp_sa_state(sa.state))
            receive_informational(self.ctx, sa, msg)
        elif exchange == ExchangeType.AGGRESSIVE:
            self._receive_aggressive(sa, msg, data)
        else:
            raise IkeError(f"exchange type {exchange} is not supported")

    def _log_received(self, sa: IsakmpSa, state: str, role: str | None = None) -> None:
        (address, port), local_port = sa.path
        self.ctx.log(
            PacketReceived(
                peer=address,
                dport=local_port,
                sport=port,
                role=role or sa.role.letter,
                sa_state=state,
            )
        )

    def _expected(self, table: TransitionTable, state: IkeState, input: Input, role: str) -> str:
        """The message ``state`` waits for, as ``table`` says (``"MM3"``); an out-of-state or
        wrong-direction message is counted and refused (:class:`TransitionError`)."""
        try:
            return table.expected(state, input, role).message
        except TransitionError:
            self.stats["out_of_state"] += 1
            raise

    def _accept_phase1(self, sa: IsakmpSa, msg: Message, data: bytes, exchange: Input) -> str:
        """A phase 1 message the state table expects, opened and its payloads checked against
        the message's rule (before any handler runs), kept for the hashes; its name (MM3...)."""
        name = self._expected(sa.machine.table, sa.state, exchange, sa.role)
        payloads, raw = self._open(sa, msg)
        rule_for(name, sa.auth_method).check(
            [p.payload_type for p in payloads], msg.header.encrypted
        )
        sa.messages.received(payloads, raw, data)
        return name

    def _receive_main_mode(self, sa: IsakmpSa, msg: Message, data: bytes) -> None:
        name = self._accept_phase1(sa, msg, data, MM_EXCH)
        if name == "MM1":
            self._log_received(sa, "NEW SA", "N")
        else:
            self._log_received(sa, isakmp_sa_state(sa.state))
        self._fire_main(sa, MM_EXCH)

    def _receive_aggressive(self, sa: IsakmpSa, msg: Message, data: bytes) -> None:
        """An Aggressive Mode message (RFC 2409 §5.4): checked like a Main Mode one."""
        name = self._accept_phase1(sa, msg, data, AM_EXCH)
        state = "NEW SA" if name == "AM1" else isakmp_sa_state(sa.state)
        self._log_received(sa, state, "N" if name == "AM1" else None)
        self._fire_main(sa, AM_EXCH)

    def _open(self, sa: IsakmpSa, msg: Message) -> tuple[tuple[Payload, ...], bytes]:
        if not msg.header.encrypted:
            return msg.payloads, b""
        k = sa.keying
        if k is None:
            raise IkeError("encrypted message before keys exist")
        return open_body(msg, k.cipher, k.keys.ka, k.ivs)

    def _receive_quick_mode(self, sa: IsakmpSa, msg: Message, data: bytes) -> None:
        if not sa.established:
            raise IkeError("Quick Mode before phase 1 completed")
        mid = msg.header.message_id
        if mid == 0:  # RFC 2408 §3.1: M-ID 0 is phase 1's; its IV chain is not Quick Mode's
            raise IkeError("Quick Mode message with message ID 0")
        self._log_received(sa, "QM_IDLE")
        node = sa.nodes.get(mid)
        fresh = node is None
        if node is None:
            # a QM1 whose exchange is over (its node forgotten) must not start it again
            sa.message_ids.refuse_used(mid, "Quick Mode message")
            self.ctx.log(NodeCreated(node=debuglog.signed_mid(mid)))
            node = self._new_node(sa, mid, Role.RESPONDER)
        name = self._expected(node.machine.table, node.state, QM_EXCH, node.role)
        try:
            payloads, raw = self._open(sa, msg)
            rule_for(name).check([p.payload_type for p in payloads], msg.header.encrypted)
        except Exception:
            if fresh:  # a QM1 that does not decrypt or fit the rules leaves no node behind
                del sa.nodes[mid]
                if sa.keying is not None:
                    sa.keying.ivs.forget(mid)
            raise
        node.messages.received(payloads, raw, data)
        self._fire_quick(sa, node, QM_EXCH)
        if mid in sa.nodes:  # HASH(1) verified: this message ID is taken
            sa.message_ids.add(mid)


def utc(now: float) -> dt.datetime:
    """A simulated-clock value as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(now, tz=dt.timezone.utc)
