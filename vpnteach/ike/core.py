"""The part of an IKE endpoint that the public API and the receive path share.

:class:`EndpointCore` holds the ISAKMP SA table (keyed by CKY-I, RFC 2408 §2.5.3, with an index
by peer address and the timer index), creates SAs and Quick Mode nodes, and fires their
transition tables with the right handlers (:mod:`vpnteach.ike.main_mode`,
:mod:`vpnteach.ike.aggressive`, :mod:`vpnteach.ike.quick_mode`); a handler's
:class:`~vpnteach.ike.context.IkeError` becomes a notification and a failed negotiation here.
:class:`~vpnteach.ike.endpoint.IkeEndpoint` adds the sans-IO API and the dispatch of received
datagrams on top.
"""

from __future__ import annotations

from collections import Counter

from vpnteach.crypto.rng import OsRng, Rng
from vpnteach.ike import aggressive, vendor
from vpnteach.ike.admission import HalfOpenTable
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.informational import send_notify
from vpnteach.ike.main_mode import MainModeHandlers
from vpnteach.ike.quick_mode import QuickModeHandlers
from vpnteach.ike.records import Recorder
from vpnteach.ike.records_endpoint import (
    AggressiveNotStarted,
    MessageDropped,
    NodeCreated,
    NoPresharedKey,
    PeerCreated,
    PeerHandle,
    PeerLocked,
    PortsChosen,
    PresharedKeyFound,
    SaInserted,
    SaRequested,
)
from vpnteach.ike.records_phase1 import VendorIdConstructed
from vpnteach.ike.sa import Cookies, IsakmpSa, Path, QmRequest, QuickModeNode, Role
from vpnteach.ike.secrets import forget_secrets
from vpnteach.ike.states import INIT_QM, SA_REQ_AM, SA_REQ_MM, IkeState, Input
from vpnteach.ike.timers import TimerIndex
from vpnteach.ike.transitions import (
    AGGRESSIVE_MODE,
    MAIN_MODE,
    QUICK_MODE,
    Exchange,
    Machine,
    Move,
)
from vpnteach.trace import Trace
from vpnteach.wire.message import Message

S = IkeState

ZERO_COOKIE = bytes(8)
"""CKY-R before the responder answered (RFC 2408 §2.5.3)."""

HALF_OPEN_EXPIRED = "half-open SA timed out"
"""Why a responder SA that never completed Main Mode ends (:mod:`vpnteach.ike.admission`)."""


class EndpointCore:
    """The SA table of one endpoint and the firing of its machines (see the module docstring).

    Args:
        config: the router's IKE configuration.
        rng: the random source (``SeededRng`` for replayable runs).
        trace: where derived values are recorded as facts.
        name: a label for the trace and the records.
    """

    def __init__(
        self,
        config: IkeConfig,
        rng: Rng | None = None,
        trace: Trace | None = None,
        *,
        name: str = "",
    ) -> None:
        self.config = config
        self.trace = trace if trace is not None else Trace(name)
        self.recorder = Recorder()
        self.ctx = Context(config, rng or OsRng(), self.trace, self.recorder)
        self.sas: dict[bytes, IsakmpSa] = {}
        self.stats: Counter[str] = Counter()
        self._timers = TimerIndex()
        self._by_peer: dict[str, list[bytes]] = {}  # peer IP -> CKY-Is, in ``sas`` order
        self._touched: set[bytes] = set()  # SAs a handler may have marked dead since _reap
        self.half_open = HalfOpenTable()  # responder SAs still negotiating (admission.py)

    def _clock(self, now: float) -> None:
        self.ctx.now = now
        self.recorder.now = now

    def _drop(self, reason: str, detail: str) -> None:
        self.stats[f"dropped_{reason}"] += 1
        self.ctx.log(MessageDropped(reason=detail))

    def _live_with(self, peer: str) -> list[IsakmpSa]:
        """The live SAs with ``peer`` in ``sas`` order (an index, not a scan)."""
        found = (self.sas.get(key) for key in self._by_peer.get(peer, ()))
        return [sa for sa in found if sa is not None and sa.peer[0] == peer and not sa.dead]

    def _sa_with(self, peer: str) -> IsakmpSa | None:
        """The SA with ``peer``: the first established one, else the first live one. A
        half-open SA (anyone can make one with a forged MM1) never hides an established one."""
        live = self._live_with(peer)
        return next((sa for sa in live if sa.established), live[0] if live else None)

    def _sa_for_initiation(self, peer: str) -> IsakmpSa | None:
        """The SA our own negotiation with ``peer`` uses: an established one, else one we
        initiated. A responder SA still negotiating is not ours to wait for: it may come from
        a forged MM1 and never complete, so we start our own Main Mode beside it."""
        live = self._live_with(peer)
        established = [sa for sa in live if sa.established]
        ours = [sa for sa in live if sa.role is Role.INITIATOR]
        return (established or ours)[0] if established or ours else None

    def _touch(self, sa: IsakmpSa) -> None:
        """``sa`` is being worked on: its timers may move, it may die (then _reap drops it)."""
        cky_i = sa.cookies.cky_i
        self._timers.dirty.add(cky_i)  # TimerIndex.touch, without a call per message
        self._touched.add(cky_i)

    def _check_cky_r(self, sa: IsakmpSa, msg: Message) -> None:
        """The initiator learns CKY-R from MM2; afterwards it must never change.

        A responder's cookie is never zero (RFC 2408 §2.5.3: it is made from a secret and the
        addresses); an "answer" with none would leave the SA without one for good.
        """
        cky_r = msg.header.cky_r
        ours = sa.cookies
        if cky_r == ours.cky_r and cky_r != ZERO_COOKIE:  # the common case: the SA's own
            return
        state = sa.machine.state
        first_answer = state is IkeState.IKE_I_MM1 or state is IkeState.IKE_I_AM1
        if sa.role is Role.INITIATOR and ours.cky_r == ZERO_COOKIE and first_answer:
            if cky_r == ZERO_COOKIE:
                raise IkeError("the answer to our first message has a zero responder cookie")
            sa.cookies = Cookies(ours.cky_i, cky_r)
        elif cky_r != ours.cky_r and cky_r != ZERO_COOKIE:
            raise IkeError(f"responder cookie {cky_r.hex()} does not belong to this SA")

    def _reap(self) -> None:
        """Forget the dead SAs; only the touched ones can have died since the last call."""
        touched, self._touched = self._touched, set()
        for key in touched:
            sa = self.sas.get(key)
            if sa is None or not sa.dead:
                continue
            del self.sas[key]
            self._timers.remove(key)
            self.ctx.rekeys.discard(key)
            self.ctx.lifetime_owed.discard(key)
            self.half_open.settled(key)
            forget_secrets(sa)
            keys = self._by_peer.get(sa.peer[0])
            if keys is not None and key in keys:
                keys.remove(key)
                if not keys:
                    del self._by_peer[sa.peer[0]]

    def _reindex_peers(self) -> None:
        """Rebuild the peer index (after an SA's peer address changed: a NAT rebinding)."""
        self._by_peer = {}
        for key, sa in self.sas.items():
            self._by_peer.setdefault(sa.peer[0], []).append(key)

    def _new_sa(self, role: Role, path: Path, cookies: Cookies) -> IsakmpSa:
        sa = IsakmpSa(role, path, cookies, Machine(MAIN_MODE, S.IKE_READY, self.recorder.move))
        cky_i, peer = cookies.cky_i, path.peer[0]
        old = self.sas.get(cky_i)
        self.sas[cky_i] = sa
        if old is not None and old.peer[0] != peer:
            self._reindex_peers()
        elif old is None:
            self._by_peer.setdefault(peer, []).append(cky_i)
            self._timers.add(cky_i)
        if role is Role.RESPONDER:  # half-open until established, deleted after the timeout
            self.half_open.opened(sa)
            sa.expires = self.ctx.now + self.config.half_open.timeout
        self._touch(sa)
        return sa

    def rekey_isakmp_sa(self, cky_i: bytes, now: float) -> bool:
        """Replace the established ISAKMP SA ``cky_i`` before its lifetime ends: a new Main
        Mode with its peer, as initiator whichever role we had, without INITIAL-CONTACT (the
        IPsec SAs stay). The old SA lives on until it expires (then a Delete tells the peer).
        Returns ``False`` (nothing started) if that SA is gone or another one with the peer
        exists or is being negotiated by us: the peer rekeyed first, or we already did."""
        self._clock(now)
        old = self.sas.get(cky_i)
        if old is None or old.dead or not old.established:
            return False
        peer = old.peer[0]
        for key in self._by_peer.get(peer, ()):
            other = self.sas.get(key)
            if key == cky_i or other is None or other.dead:
                continue
            if other.established or other.role is Role.INITIATOR:
                return False
        self.ctx.rekeys.add(self._begin_main_mode(peer, None).cky_i)
        self._reap()
        return True

    def _heard(self, sa: IsakmpSa) -> None:
        """A message for ``sa`` arrived: a responder SA still negotiating gets its whole
        ``half_open.timeout`` again, counted from now. An initiator under loss retransmits
        (5, 10, 20 ... s apart): its SA must not expire between two of its attempts."""
        if sa.role is Role.RESPONDER and not sa.established and not sa.dead:
            sa.expires = self.ctx.now + self.config.half_open.timeout

    def _half_open_expired(self, sa: IsakmpSa) -> None:
        """A responder SA still negotiating after ``half_open.timeout`` seconds (strongSwan's
        ``half_open_timeout``): deleted without a Delete (it has no authenticated peer)."""
        self.recorder.conn_id = sa.conn_id
        self.half_open.expired += 1
        self.ctx.destroy(sa, HALF_OPEN_EXPIRED, timer=True)

    def _begin_main_mode(self, peer: str, request: QmRequest | None) -> IsakmpSa:
        ctx = self.ctx
        self.recorder.conn_id = 0
        sa = self._new_sa(Role.INITIATOR, Path((peer, 500), 500), Cookies(ctx.rng.random_bytes(8)))
        if request is not None:
            sa.quick.pending.append(request)
        ctx.log(SaRequested())
        ctx.log(PeerCreated(peer=peer, port=500))
        # IOS prints memory addresses here; ours are made from the cookie, for recognisability.
        pointer = sa.cky_i[:4].hex().upper()
        ctx.log(PeerHandle(peer_ptr=pointer, handle="80000002"))
        ctx.log(PeerLocked(peer_ptr=pointer))
        ctx.log(PortsChosen(local_port=500, remote_port=500))
        ctx.log(NodeCreated(node=0))
        ctx.log(SaInserted(sa_ptr=sa.cky_i[4:].hex().upper()))
        am = self.config.aggressive_with(peer)
        if not am:
            ctx.log(AggressiveNotStarted())
        if self.config.psk_for(peer) is None:
            ctx.log(NoPresharedKey(peer=peer))
        else:
            ctx.log(PresharedKeyFound(peer=peer))
        if self.config.nat_traversal:
            for vid in vendor.NAT_T_ALL:
                ctx.log(VendorIdConstructed(name=vid.ios_name))
        if am:  # RFC 2409 §5.4: the SA runs the Aggressive Mode table instead
            sa.machine.table = AGGRESSIVE_MODE
        self._fire_main(sa, SA_REQ_AM if am else SA_REQ_MM)
        return sa

    def _fire_main(self, sa: IsakmpSa, input: Input) -> None:
        self._touch(sa)
        kind = MainModeHandlers
        if sa.machine.table is AGGRESSIVE_MODE:
            kind = aggressive.AggressiveModeHandlers
        try:
            sa.machine.fire(input, kind(self.ctx, sa, self._start_quick_mode))
        except IkeError as exc:
            if kind is not MainModeHandlers:
                self.stats["aggressive_mode_failed"] += 1
            self._phase1_failed(sa, exc)
        if sa.established:
            self.half_open.settled(sa.cky_i)
        self._reap()

    def _phase1_failed(self, sa: IsakmpSa, exc: IkeError) -> None:
        if exc.notify is not None:
            send_notify(self.ctx, sa, exc.notify, str(exc))
        self.ctx.fail(sa, 1, str(exc), exc.notify)

    def _start_quick_mode(self, sa: IsakmpSa, request: QmRequest) -> None:
        mid = self._new_message_id(sa)
        sa.message_ids.add(mid)
        node = self._new_node(sa, mid, Role.INITIATOR)
        node.entry, node.acl_entry = request.entry, request.acl_entry
        self._fire_quick(sa, node, INIT_QM)

    def _new_message_id(self, sa: IsakmpSa) -> int:
        while True:
            mid = int.from_bytes(self.ctx.rng.random_bytes(4), "big")
            if mid and mid not in sa.nodes and mid not in sa.message_ids:
                return mid

    def _new_node(self, sa: IsakmpSa, mid: int, role: Role) -> QuickModeNode:
        recorder = self.recorder

        def on_move(exchange: Exchange, move: Move) -> None:
            recorder.move(exchange, move, node=mid)

        node = QuickModeNode(mid, role, Machine(QUICK_MODE, S.IKE_QM_READY, on_move))
        sa.nodes[mid] = node
        return node

    def _fire_quick(self, sa: IsakmpSa, node: QuickModeNode, input: Input) -> None:
        self._touch(sa)
        try:
            node.machine.fire(input, QuickModeHandlers(self.ctx, sa, node))
        except IkeError as exc:
            if exc.notify is not None:
                send_notify(self.ctx, sa, exc.notify, str(exc))
            self.ctx.fail(sa, 2, str(exc), exc.notify)
            del sa.nodes[node.message_id]
