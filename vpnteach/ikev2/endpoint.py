"""The sans-IO IKEv2 endpoint: bytes and time in, bytes and events out (STYLE.md shape).

::

    ep = Ikev2Endpoint(config, rng)
    ep.initiate("10.2.2.1", now)
    for data, addr, local_port in ep.datagrams_to_send(now): ...
    ep.receive_datagram(data, ("10.2.2.1", 500), now, local_port=500)
    while (event := ep.next_event()) is not None: ...
    if (t := ep.get_timer()) is not None and now >= t: ep.handle_timer(now)

A datagram finds its IKE SA by the initiator's SPI (RFC 7296 §2.6: new IKE_SA_INIT requests
create one). Requests must carry the next Message ID the peer owes us; a retransmitted
request is answered with our last response again; a response must answer our pending
request (§2.1-2.2). The message is checked against the payload rules, its SK payload opened,
and the move looked up in :data:`~vpnteach.ikev2.transitions.IKEV2`; the handler's outcome
is recorded in :attr:`Ikev2Endpoint.moves`. IKE fragments (RFC 7383) are opened one by one
and the message is processed once all are in (within :mod:`.reassembly`'s bounds). Anything
malformed, unauthenticated or out of place is counted in :attr:`stats` and dropped:
``receive_datagram`` never raises and never changes an SA for a message it drops. Timers
retransmit our requests (§2.1) and forget half-open responder SAs (§2.6).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from vpnteach.crypto.rng import Rng
from vpnteach.ikev2 import create_child, ike_auth, informational, rekey_ike, sa_init
from vpnteach.ikev2.config import Ikev2Config, PeerConfig
from vpnteach.ikev2.context import NAT_T_PORT, Context, ProtocolError, Received
from vpnteach.ikev2.deadlines import HALF_OPEN_SECONDS as HALF_OPEN_SECONDS
from vpnteach.ikev2.deadlines import deadline
from vpnteach.ikev2.events import Event, IkeSaRekeyCollision
from vpnteach.ikev2.ike_rekey_collision import refuse_create_child_sa
from vpnteach.ikev2.reassembly import add_fragment, expire_fragments
from vpnteach.ikev2.rules import RULES
from vpnteach.ikev2.sa import Address, Datagram, IkeSa
from vpnteach.ikev2.sk import SkError, open_sk, open_skf
from vpnteach.ikev2.transitions import IKEV2, Input, State, TransitionError
from vpnteach.trace import Trace
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ikev2.constants import ExchangeType
from vpnteach.wire.ikev2.message import Ikev2Message, Payload, decode_message
from vpnteach.wire.natt import strip_non_esp_marker

Handler = Callable[[Context, IkeSa, Received | None], State]
HANDLERS: dict[str, Handler] = {
    "send_sa_init": sa_init.send_sa_init,
    "receive_sa_init_response": sa_init.receive_sa_init_response,
    "receive_sa_init_request": sa_init.receive_sa_init_request,
    "receive_auth_request": ike_auth.receive_auth_request,
    "receive_auth_response": ike_auth.receive_auth_response,
    "receive_informational_request": informational.receive_informational_request,
    "receive_informational_response": informational.receive_informational_response,
    "send_delete_ike_sa": informational.send_delete_ike_sa,
    "receive_delete_response": informational.receive_delete_response,
    "give_up": informational.give_up,
    "send_rekey_child_sa": create_child.send_rekey_child_sa,
    "send_rekey_ike_sa": rekey_ike.send_rekey_ike_sa,
    "send_liveness": informational.send_liveness,
    "send_delete_child_sa": informational.send_delete_child_sa,
    "send_invalid_spi": informational.send_invalid_spi,
    "receive_create_child_sa_request": create_child.receive_create_child_sa_request,
    "receive_create_child_sa_response": create_child.receive_create_child_sa_response,
    "refuse_create_child_sa": refuse_create_child_sa,
}
_INPUTS: dict[tuple[int, bool], Input] = {
    (ExchangeType.IKE_SA_INIT, False): Input.SA_INIT_REQUEST,
    (ExchangeType.IKE_SA_INIT, True): Input.SA_INIT_RESPONSE,
    (ExchangeType.IKE_AUTH, False): Input.AUTH_REQUEST,
    (ExchangeType.IKE_AUTH, True): Input.AUTH_RESPONSE,
    (ExchangeType.INFORMATIONAL, False): Input.INFORMATIONAL_REQUEST,
    (ExchangeType.INFORMATIONAL, True): Input.INFORMATIONAL_RESPONSE,
    (ExchangeType.CREATE_CHILD_SA, False): Input.CREATE_CHILD_SA_REQUEST,
    (ExchangeType.CREATE_CHILD_SA, True): Input.CREATE_CHILD_SA_RESPONSE,
}


@dataclass(frozen=True)
class MoveRecord:
    """One move an SA made: the stepper and the debug log read these."""

    time: float
    conn_id: int
    role: str
    state: State
    input: Input
    handler: str
    next_state: State
    collision: IkeSaRekeyCollision | None = None  # the move settled one (RFC 7296 §2.8.2)


class Ikev2Endpoint:
    """One router's IKEv2 engine (initiator and responder), without any I/O.

    Args:
        config: addresses, peers, proposals and credentials.
        rng: where SPIs, nonces, DH private values and IVs come from.
        trace: where derived values are recorded as facts.
        name: a label for the trace.
    """

    def __init__(
        self, config: Ikev2Config, rng: Rng, trace: Trace | None = None, *, name: str = ""
    ) -> None:
        self.trace = trace if trace is not None else Trace(name)
        self.ctx = Context(config, rng, self.trace)
        self.sas: dict[bytes, IkeSa] = {}
        self.moves: list[MoveRecord] = []
        self.last_internal_error = ""  # the newest bug's text (its count is in stats)
        self._conn_ids = 0

    @property
    def config(self) -> Ikev2Config:
        """The configuration in use."""
        return self.ctx.config

    def reconfigure(self, config: Ikev2Config) -> None:
        """Use ``config`` from now on (existing SAs keep the peer settings they began with)."""
        self.ctx.config = config

    @property
    def stats(self) -> Counter[str]:
        """Counters: dropped messages by reason, retransmissions, retries."""
        return self.ctx.stats

    # ------------------------------------------------------------------ commands

    def initiate(self, peer: str, now: float) -> IkeSa:
        """Start IKE_SA_INIT with ``peer`` (its :class:`PeerConfig` must exist)."""
        self.ctx.now = now
        cfg = self.config.peer_config(peer)
        if cfg is None:
            raise ValueError(f"no IKEv2 peer {peer} configured")
        sa = self._new_sa("initiator", (peer, 500), cfg, self.ctx.rng.random_bytes(8), 500)
        self._fire(sa, Input.EV_INIT_SA, None)
        return sa

    def delete_ike_sa(self, peer: str, now: float, spi_i: bytes | None = None) -> bool:
        """Delete our established IKE SA with ``peer`` (the one whose SPIi is ``spi_i`` if
        given, even one a rekey replaced whose Delete never came) with an INFORMATIONAL
        Delete (§1.4.1)."""
        self.ctx.now = now
        sa = self._established(peer, spi_i, superseded=spi_i is not None)
        if sa is None:
            return False
        sa.delete_ike_queued = True  # now, or once our outstanding request is answered (§2.3)
        self._send_queued_deletes(sa)
        return True

    def declare_dead(self, peer: str, now: float) -> int:
        """The peer answered nothing (§2.4): every IKE SA with it ends here, without a word
        to it (:class:`~vpnteach.ikev2.events.IkeSaDeleted`); returns how many."""
        return self._give_up(peer, now, None)

    def abandon_init(self, peer: str, now: float) -> int:
        """Our IKE_SA_INIT requests to ``peer`` still unanswered end here, as if timed out
        (§2.1; another IKE SA with it has made them useless); returns how many."""
        return self._give_up(peer, now, State.I_WAIT_INIT)

    def _give_up(self, peer: str, now: float, state: State | None) -> int:
        self.ctx.now = now
        gone = [sa for sa in self.sas.values()
                if sa.peer[0] == peer and state in (None, sa.state)]  # fmt: skip
        for sa in gone:
            sa.retransmit = None
            self._fire(sa, Input.EV_TIMEOUT, None)
        return len(gone)

    def check_liveness(self, peer: str, now: float, retry: float | None = None) -> bool:
        """Send an empty INFORMATIONAL request to ``peer`` (§1.4), retransmitted first after
        ``retry`` seconds if given (then doubling, §2.1); ``False`` if none READY or a
        request of ours is still outstanding (window size 1, §2.3)."""
        self.ctx.now = now
        sa = self.ike_sa(peer)
        if sa is None or sa.retransmit is not None:
            return False
        self._fire(sa, Input.EV_LIVENESS, None)
        if retry is not None and sa.retransmit is not None:
            sa.retransmit.interval, sa.retransmit.due = retry, now + retry
        return True

    def notify_invalid_spi(self, peer: str, spi: bytes, now: float) -> bool:
        """Tell ``peer`` that its ESP with ``spi`` found no SA here: N(INVALID_SPI) in an
        INFORMATIONAL request (§1.5); ``False`` if there is no IKE SA with it or a request of
        ours is outstanding."""
        self.ctx.now = now
        sa = self.ike_sa(peer)
        if sa is None or sa.retransmit is not None:
            return False
        sa.invalid_spi = spi
        self._fire(sa, Input.EV_INVALID_SPI, None)
        return True

    def create_child_sa(self, peer: str, now: float, pfs_group: int | None = None) -> bool:
        """Open a new Child SA for the configured selectors on the IKE SA with ``peer`` by
        CREATE_CHILD_SA without N(REKEY_SA) (§1.3.1), with PFS in ``pfs_group`` if given.
        ``False`` if there is no IKE SA or a request of ours is outstanding."""
        self.ctx.now = now
        sa = self.ike_sa(peer)
        if sa is None or sa.retransmit is not None:
            return False
        sa.rekey_request = (None, pfs_group)
        self._fire(sa, Input.EV_CREATE_CHILD, None)
        return True

    def rekey_child_sa(
        self, peer: str, now: float, pfs_group: int | None = None, spi_out: bytes | None = None
    ) -> bool:
        """Rekey the Child SA with ``peer`` whose outbound SPI is ``spi_out`` (default: the
        newest) by CREATE_CHILD_SA (§1.3.3), with a fresh Diffie-Hellman exchange in
        ``pfs_group`` if given. ``False`` if there is none, or a request of ours is still
        outstanding (window size 1, §2.3)."""
        self.ctx.now = now
        sa = self.ike_sa(peer)
        if sa is None or not sa.children or sa.retransmit is not None:
            return False
        chosen = [c for c in sa.children if spi_out in (None, c.spi_out)]
        if not chosen:
            return False
        sa.rekey_request = (chosen[-1], pfs_group)
        self._fire(sa, Input.EV_REKEY_CHILD, None)
        return True

    def rekey_ike_sa(self, peer: str, now: float, spi_i: bytes | None = None) -> bool:
        """Replace the IKE SA with ``peer`` (the one whose SPIi is ``spi_i`` if given) by a
        new one (CREATE_CHILD_SA, §1.3.2); ``False`` if there is none or a request of ours
        is outstanding."""
        self.ctx.now = now
        sa = self._established(peer, spi_i)
        if sa is None or sa.retransmit is not None:
            return False
        self._fire(sa, Input.EV_REKEY_IKE, None)
        return True

    def delete_child_sa(self, peer: str, spi_in: bytes, now: float) -> bool:
        """Delete the Child SA pair whose inbound SPI is ``spi_in`` (see
        :meth:`delete_child_sas`); ``False`` if there is none."""
        return self.delete_child_sas(peer, [spi_in], now) == 1

    def delete_child_sas(self, peer: str, spis_in: list[bytes], now: float) -> int:
        """Delete the Child SA pairs with ``peer`` whose inbound SPIs are ``spis_in``: one
        INFORMATIONAL request whose Delete payload names them all (§1.4.1, §3.11), now, or
        once our outstanding request is answered (window size 1, §2.3). Returns how many
        pairs were found."""
        self.ctx.now = now
        sa = self.ike_sa(peer)
        if sa is None:
            return 0
        queued = {c.spi_in for c in (*sa.delete_queue, *sa.deleting)}
        found = [c for c in sa.children if c.spi_in in spis_in and c.spi_in not in queued]
        sa.delete_queue.extend(found)
        self._send_queued_deletes(sa)
        return len(found)

    def _established(
        self, peer: str, spi_i: bytes | None, superseded: bool = False
    ) -> IkeSa | None:
        if spi_i is None:
            return self.ike_sa(peer)
        sa = self.sas.get(spi_i)
        if sa is None or sa.peer[0] != peer or not sa.established:
            return None
        return sa if superseded or not sa.superseded else None

    def ike_sa(self, peer: str) -> IkeSa | None:
        """The newest established IKE SA with ``peer`` that no rekey replaced, if any."""
        live = [s for s in self.sas.values() if s.peer[0] == peer and s.current]
        return live[-1] if live else None

    # ------------------------------------------------------------------ sans-IO API

    def receive_datagram(
        self, data: bytes, addr: Address, now: float, local_port: int = 500
    ) -> None:
        """Process one UDP datagram received on ``local_port`` from ``addr``. Never raises."""
        self.ctx.now = now
        try:
            self._receive(data, addr, local_port)
        except ProtocolError as exc:
            self._drop(exc.reason)
        except (DecodeError, SkError, TransitionError) as exc:
            self._drop(type(exc).__name__)
        except Exception as exc:  # a bug must not kill the router: count it, keep going
            # the counter's name is the type alone: the text may hold peer data, and one
            # counter per distinct text would grow without end
            self.last_internal_error = f"{type(exc).__name__}: {exc}"
            self._drop(f"internal_error {type(exc).__name__}")

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        """The datagrams queued since the last call."""
        self.ctx.now = now
        out, self.ctx.outbox = self.ctx.outbox, []
        return out

    def next_event(self) -> Event | None:
        """The oldest unread event, or ``None``."""
        return self.ctx.events.popleft() if self.ctx.events else None

    def get_timer(self) -> float | None:
        """When :meth:`handle_timer` should next run (a retransmission, or a half-open or
        replaced SA to forget), or ``None``."""
        dues = [sa.retransmit.due for sa in self.sas.values() if sa.retransmit is not None]
        half_open = self.config.half_open_timeout
        dues += [e[0] for sa in self.sas.values() if (e := deadline(sa, half_open)) is not None]
        return min(dues, default=None)

    def handle_timer(self, now: float) -> None:
        """Retransmit due requests with exponential backoff; give up after the limit; forget
        half-open responder SAs whose IKE_AUTH never came (§2.6) and replaced ones the peer
        never deleted (:mod:`.deadlines`)."""
        self.ctx.now = now
        limit = self.config.retransmission.limit
        for sa in list(self.sas.values()):
            if sa.fragments:
                self.stats["fragments_expired"] += expire_fragments(sa.fragments, now)
            if (end := deadline(sa, self.config.half_open_timeout)) is not None and end[0] <= now:
                self.stats[end[1]] += 1
                self._fire(sa, Input.EV_TIMEOUT, None)
                continue
            r = sa.retransmit
            if r is None or r.due > now:
                continue
            if r.attempts >= limit:
                sa.retransmit = None
                self._fire(sa, Input.EV_TIMEOUT, None)
                continue
            r.attempts += 1
            r.interval *= 2
            r.due = now + r.interval
            self.stats["retransmissions"] += 1
            self.ctx.outbox.extend(r.datagrams)

    # ------------------------------------------------------------------ internals

    def _drop(self, reason: str) -> None:
        self.stats["dropped"] += 1
        self.stats[f"dropped {reason}"] += 1

    def _new_sa(self, role: str, peer: Address, cfg: PeerConfig, spi_i: bytes, port: int) -> IkeSa:
        self._conn_ids += 1
        sa = IkeSa(role, spi_i, peer, cfg, local_port=port, conn_id=self._conn_ids)
        sa.created = self.ctx.now
        return sa

    def _receive(self, data: bytes, addr: Address, local_port: int) -> None:
        if local_port == NAT_T_PORT:
            kind, data = strip_non_esp_marker(data)
            if kind != "ike":
                self.stats[f"ignored {kind}"] += 1
                return
        msg = decode_message(data)
        h = msg.header
        key = (h.exchange_type, h.response)
        input = _INPUTS.get(key)
        if input is None:
            raise ProtocolError("unknown_exchange", f"exchange type {h.exchange_type}")
        sa = self.sas.get(h.spi_i)
        if sa is None:
            sa = self._responder_sa(msg, addr, local_port)
        self._check_header(sa, msg)
        if not h.response and self._retransmitted_request(sa, msg, data):
            return
        if msg.skf is not None:
            complete = self._fragment(sa, msg, data)
            if complete is None:
                return
            payloads = complete
        else:
            payloads = self._open(sa, msg, data)
        RULES[input].check(payloads)
        rx = Received(msg, data, payloads, addr, local_port)
        self._fire(sa, input, rx)

    def _responder_sa(self, msg: Ikev2Message, addr: Address, local_port: int) -> IkeSa:
        h = msg.header
        fresh = h.exchange_type == ExchangeType.IKE_SA_INIT and not h.response
        if not fresh or h.message_id != 0 or h.spi_r != bytes(8) or not h.initiator:
            raise ProtocolError("unknown_sa", f"no IKE SA for SPIi {h.spi_i.hex()}")
        cfg = self.config.peer_config(addr[0])
        if cfg is None:
            raise ProtocolError("unknown_peer", f"no IKEv2 peer {addr[0]} configured")
        return self._new_sa("responder", addr, cfg, h.spi_i, local_port)

    def _check_header(self, sa: IkeSa, msg: Ikev2Message) -> None:
        """SPIs, the I flag and Message IDs (§2.2, §3.1)."""
        h = msg.header
        if h.initiator == sa.initiator:
            raise ProtocolError("bad_flags", "the I flag says the message is our own")
        learning = sa.initiator and sa.state == State.I_WAIT_INIT and h.response
        repeated_init = h.exchange_type == ExchangeType.IKE_SA_INIT and h.spi_r == bytes(8)
        if not (learning or repeated_init) and h.spi_r != sa.spi_r:
            raise ProtocolError("bad_spi", f"SPIr {h.spi_r.hex()} is not this SA's")
        if h.response:
            r = sa.retransmit
            if r is None or h.message_id != r.message_id:
                raise ProtocolError("unexpected_response", f"no request {h.message_id} pending")
        elif h.message_id not in (sa.expected_request_id, sa.expected_request_id - 1):
            raise ProtocolError(
                "bad_message_id", f"request {h.message_id}, expected {sa.expected_request_id}"
            )

    def _retransmitted_request(self, sa: IkeSa, msg: Ikev2Message, data: bytes) -> bool:
        """The peer repeated its last request: send our answer again (§2.1); for a
        fragmented request, once per repeated first fragment (RFC 7383 §2.6.1)."""
        if msg.header.message_id != sa.expected_request_id - 1:
            return False
        skf = msg.skf
        if skf is not None and sa.last_response and sa.init is not None:
            open_skf(data, msg, sa.sk_in())  # only an authentic fragment makes us resend
            if skf.fragment_number == 1:
                self.stats["retransmitted_requests_answered"] += 1
                self.ctx.outbox.extend(sa.last_response)
            else:
                self.stats["retransmitted_fragments_ignored"] += 1
            return True
        if data == sa.last_request and sa.last_response:
            self.stats["retransmitted_requests_answered"] += 1
            self.ctx.outbox.extend(sa.last_response)
            return True
        raise ProtocolError("bad_message_id", "an old Message ID with different content")

    def _fragment(self, sa: IkeSa, msg: Ikev2Message, data: bytes) -> tuple[Payload, ...] | None:
        """Keep one authenticated fragment (RFC 7383 §2.6, :mod:`.reassembly`); the payloads
        once all are in."""
        skf = msg.skf
        assert skf is not None
        if sa.init is None or not sa.fragmentation:
            raise ProtocolError("unexpected_fragment", "IKE fragments were not negotiated")
        inside = open_skf(data, msg, sa.sk_in())  # an unauthentic fragment is never kept
        key = (msg.header.message_id, msg.header.response)
        payloads = add_fragment(sa.fragments, key, skf, inside, self.ctx.now)  # bounded
        self.stats["fragments_received"] += 1
        return payloads

    def _open(self, sa: IkeSa, msg: Ikev2Message, data: bytes) -> tuple[Payload, ...]:
        if msg.header.exchange_type == ExchangeType.IKE_SA_INIT:
            if msg.sk is not None:
                raise ProtocolError("unexpected_payload", "an SK payload in IKE_SA_INIT")
            return msg.payloads
        if sa.init is None or msg.sk is None or len(msg.payloads) != 1:
            raise ProtocolError(
                "not_encrypted", "after IKE_SA_INIT every message is one SK payload"
            )
        return open_sk(data, msg, sa.sk_in())

    def _fire(self, sa: IkeSa, input: Input, rx: Received | None) -> None:
        """Run the table's move for ``input``; a handler that raises leaves ``sa`` as it was."""
        move = IKEV2.lookup(sa.state, input)
        self.ctx.half_open = sum(1 for s in self.sas.values() if s.state == State.R_WAIT_AUTH)
        before, events = sa.state, len(self.ctx.events)
        saved = (sa.local_port, sa.peer, sa.retransmit)
        if rx is not None:
            if rx.local_port != sa.local_port and sa.init is not None:
                sa.local_port, sa.peer = rx.local_port, rx.addr  # the peer floated (§2.23)
            if rx.message.header.response:
                sa.retransmit = None  # answered (checked in _check_header)
        try:
            reached = HANDLERS[move.handler](self.ctx, sa, rx)
        except Exception:
            sa.local_port, sa.peer, sa.retransmit = saved
            self.ctx.adopted.clear()
            raise
        if reached not in (move.next_state, *move.alternatives):
            raise AssertionError(f"{move.handler} reached {reached}, not allowed by the table")
        if rx is not None and not rx.message.header.response:
            sa.expected_request_id = rx.message_id + 1
            sa.last_request = rx.data
        sa.state = reached
        settled = [e for e in list(self.ctx.events)[events:] if isinstance(e, IkeSaRekeyCollision)]
        record = MoveRecord(self.ctx.now, sa.conn_id, sa.role, before, input, move.handler, reached)
        self.moves.append(replace(record, collision=settled[0]) if settled else record)
        if reached == State.EXIT:
            self.sas.pop(sa.spi_i, None)
        else:
            self.sas[sa.spi_i] = sa
        for new in self.ctx.adopted:  # an IKE SA rekey created its successor (§1.3.2)
            self.sas[new.spi_i] = new
        self.ctx.adopted.clear()
        self._send_queued_deletes(sa)

    def _send_queued_deletes(self, sa: IkeSa) -> None:
        """The Deletes that waited for our request window (§2.3), once it is free; one of the
        IKE SA makes those of its Child SAs needless (§1.4.1)."""
        if sa.retransmit is not None or sa.state != State.READY:
            return
        if sa.delete_ike_queued:
            sa.delete_ike_queued, sa.delete_queue = False, []
            self._fire(sa, Input.EV_DELETE, None)
        elif sa.delete_queue:
            self._fire(sa, Input.EV_DELETE_CHILD, None)
