"""The sans-IO IPsec gateway one router runs: IKE endpoint + SPD/SAD + the glue between them.

::

    gw = Gateway(router_config, router_pki, rng)
    gw.outbound(packet, "Serial1/0", now)   -> Transmit(packet | esp) | Discard(reason)
    gw.inbound(packet, "Serial1/0", now)    -> Deliver(packet | inner) | Discard(reason)
    gw.inbound_esp(esp, (ip, port), now)    -> the same, for a UDP 4500 socket's ESP payload
    gw.receive_datagram(data, (ip, port), now, local_port)   # UDP 500 / 4500 from the WAN
    for d in gw.datagrams_to_send(now): ...                    # UDP to send (IKE)
    if (t := gw.get_timer()) is not None and now >= t: gw.handle_timer(now)
    while (event := gw.next_event()) is not None: ...

It is driven the same way by the simulated lab (:mod:`vpnteach.lab`) and by a real router
process on TUN + UDP: it never opens a socket, reads a clock or prints. ``now`` is seconds since
the Unix epoch (the simulated clock's wall time in the lab), because IKE checks certificate
validity and prints ``debug`` timestamps from it.

The glue, in RFC 4301 §5.1 / RFC 2409 terms:

* an outbound packet the SPD says to PROTECT with no SA is dropped and the SAD raises
  :class:`~vpnteach.esp.sad.AcquireRequested`; the gateway asks IKE to negotiate for that crypto
  map entry (Main Mode first if there is no ISAKMP SA, else Quick Mode right away);
* :class:`~vpnteach.ike.events.Phase2Complete` carries the two SAs' keys: both are installed
  in the SAD under the flow they protect (:mod:`vpnteach.gateway.install`);
* an SA's soft lifetime starts a Quick Mode rekey (by either side, :mod:`.lifetimes`); the
  hard lifetime removes the pair and tells the peer with a Delete payload;
* a Delete from the peer removes the SA pair; ``clear crypto sa`` removes ours and tells the
  peer; ``clear crypto isakmp`` deletes the ISAKMP SAs.
"""

from __future__ import annotations

import datetime as dt
from collections import deque

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import OsRng, Rng, SeededRng
from vpnteach.esp.esp import DecapResult, Decapsulated, DropReason
from vpnteach.esp.outer import Outer
from vpnteach.esp.sa import Direction, HardLifetimeExpired, IpsecSa, SoftLifetimeExpired
from vpnteach.esp.sad import AcquireRequested, Sad, SadEvent, Sent
from vpnteach.esp.show import show_crypto_ipsec_sa
from vpnteach.esp.spd import PolicyAction, Spd, selectors_of
from vpnteach.gateway import ipsec_log, retention
from vpnteach.gateway.adapt import CryptoInterface, crypto_interface, ike_config_from
from vpnteach.gateway.dpd import PeerDead
from vpnteach.gateway.dpd_glue import DeadPeerGlue
from vpnteach.gateway.install import flow_for, sa_from_spec
from vpnteach.gateway.invalid_spi import InvalidSpiLimiter
from vpnteach.gateway.lifetimes import IsakmpRekeys, LifetimeGlue, soft_seconds
from vpnteach.gateway.packets import is_esp, is_own_ike, peek, source
from vpnteach.gateway.pairs import SaPairs
from vpnteach.gateway.results import Deliver, Discard, SasInstalled, SasRemoved, Transmit
from vpnteach.gateway.weak import Weakness, weaknesses
from vpnteach.ike import debuglog
from vpnteach.ike.admission import HalfOpenLimits
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import (
    DeadPeerAnswered,
    Event,
    NegotiationFailed,
    NotificationReceived,
    Phase1Complete,
    Phase2Complete,
    SaDeleted,
)
from vpnteach.ike.sa import Datagram
from vpnteach.ikev2.events import Event as Ikev2Event
from vpnteach.ikev2.show import show_crypto_ikev2_sa
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.trace import NULL_TRACE, Trace
from vpnteach.wire.constants import NotifyMessageType, ProtocolId
from vpnteach.wire.ip import pack_address

__all__ = [
    "Deliver",
    "Discard",
    "Gateway",
    "GatewayEvent",
    "IpsecLogLine",
    "SasInstalled",
    "SasRemoved",
    "Transmit",
    "is_esp",
]

GatewayEvent = Event | Ikev2Event | SadEvent | SasInstalled | SasRemoved | PeerDead


class Gateway(LifetimeGlue, DeadPeerGlue, HtmlRepr):
    """One router's IPsec: its IKE endpoint and its SPD/SAD, without I/O.

    Args:
        config: the router's parsed IOS configuration (one interface with a crypto map).
        pki: the router's keys and trustpoints (``None``: pre-share only).
        rng: the random source (IKE and ESP get forked streams when it is seeded).
        timezone: the zone of ``debug`` timestamps (default: the config's, else UTC).
        trace: where IKE records derived values (default: a new :class:`Trace`).
        esp_trace: where ESP records per-packet facts (default: off, for speed).
        force_udp_encapsulation: fake our NAT-D hash so that ESP travels in UDP 4500 even
            without a NAT (``IkeConfig.force_udp_encapsulation``, strongSwan's ``encap = yes``).
        half_open: the bounds on responder SAs still negotiating (default: the config's
            ``crypto call admission limit``; :mod:`vpnteach.ike.admission`).
        retain: ``None`` (the lab): keep every record, fact and key; a number (the router
            process): a ring of records, no facts (:mod:`vpnteach.gateway.retention`).

    Attributes:
        ike: the :class:`~vpnteach.ike.endpoint.IkeEndpoint`; sad: the SAD (with its SPD).
        ipsec_log: the ``debug crypto ipsec`` records; ike_keys: ``(CKY-I, Ka)`` of every
        ISAKMP SA and installed: every ESP SA installed (Wireshark's key tables), deleted
        ones included while ``keep_keys`` (the default with ``retain=None``).
    """

    def __init__(
        self,
        config: RouterConfig,
        pki: RouterPki | None = None,
        rng: Rng | None = None,
        *,
        timezone: dt.tzinfo | None = None,
        trace: Trace | None = None,
        esp_trace: Trace = NULL_TRACE,
        force_udp_encapsulation: bool = False,
        half_open: HalfOpenLimits | None = None,
        retain: int | None = None,
    ) -> None:
        rng = rng if rng is not None else OsRng()
        self.force_udp_encapsulation = force_udp_encapsulation
        self.half_open = half_open
        self.retain = retain
        self.keep_keys = retain is None  # the ISAKMP and ESP keys of deleted SAs (Wireshark)
        self.name = config.hostname
        self.config = config
        self.pki = pki
        self.timezone = timezone
        self.crypto: CryptoInterface = crypto_interface(config)
        self._address_bytes = pack_address(self.crypto.address)
        ike_rng = rng.fork("ike") if isinstance(rng, SeededRng) else rng
        self.esp_rng = rng.fork("esp") if isinstance(rng, SeededRng) else rng
        self._start_ike(config, ike_rng, retention.trace_for(config.hostname, trace, retain))
        self.esp_trace = esp_trace
        self.sad = Sad(Spd(self.crypto.entries))
        self.ipsec_log = retention.ipsec_log(retain)
        self.ike_keys: list[tuple[bytes, bytes]] = []
        self.installed: list[IpsecSa] = []
        self._events: deque[GatewayEvent] = deque()
        self.pairs = SaPairs()
        self._asked: set[tuple[str, int, str]] = set()  # flows we asked IKE to negotiate
        self.invalid_spi = InvalidSpiLimiter()
        self._next_conn_id = 1
        self._timer_stale = True
        self._timer: float | None = None
        self._dpd_rng = rng.fork("dpd") if isinstance(rng, SeededRng) else rng
        self._lifetime_rng = rng.fork("lifetime") if isinstance(rng, SeededRng) else rng
        self.isakmp_rekeys = IsakmpRekeys(self._lifetime_rng)
        self.dpd = self._new_dpd(config, 0.0)

    def _start_ike(self, config: RouterConfig, rng: Rng, trace: Trace | None) -> None:
        """The IKEv1 endpoint for ``config`` (:class:`~vpnteach.gateway.ikev2_gateway.
        Ikev2Gateway` starts an IKEv2 one instead)."""
        ike_config = ike_config_from(
            config, self.pki, timezone=self.timezone, half_open=self.half_open,
            force_udp_encapsulation=self.force_udp_encapsulation,
        )  # fmt: skip
        self.ike = IkeEndpoint(ike_config, rng, trace, name=config.hostname)
        self.ike.recorder.records.limit = self.retain

    def __repr__(self) -> str:
        where = f"{self.crypto.name} {self.crypto.address}"
        return f"Gateway({self.name!r}, {where}, {len(self.sad.sas())} SAs)"

    # ------------------------------------------------------------------ data plane

    @property
    def interface(self) -> str:
        """The name of the interface the crypto map is applied on."""
        return self.crypto.name

    @property
    def local_address(self) -> str:
        """The local tunnel endpoint (that interface's address)."""
        return self.crypto.address

    def outbound(self, packet: bytes, interface: str, now: float) -> Transmit | Discard:
        """A packet leaving by ``interface``: bypass, protect (ESP) or drop (and maybe acquire)."""
        if interface != self.crypto.name:
            return Transmit(packet)
        ip = peek(packet) if packet[9:10] == b"\x11" else None  # our IKE is UDP: else none
        if ip is not None and is_own_ike(packet, ip, self._address_bytes, outbound=True):
            return Transmit(packet)
        result = self.sad.send(packet, self.esp_rng, now, self.esp_trace)
        self._pump(now)
        if isinstance(result, Sent):
            if self.dpd is not None and result.sa is not None:
                self._timer_stale |= self.dpd.sent(result.sa.peer, now)
            return Transmit(result.packet, result.action is PolicyAction.PROTECT)
        return Discard(result.reason)

    def inbound(self, packet: bytes, interface: str, now: float) -> Deliver | Discard:
        """A packet arriving on ``interface``: decrypt ESP for us, police cleartext."""
        if interface not in (self.crypto.name, self.crypto.carrier):  # carrier: a VTI's WAN
            return Deliver(packet)
        ip = peek(packet)
        if ip is None or not is_esp(packet, ip):
            # Our own IKE always bypasses (RFC 4301 §4.4.1; IOS, whatever the crypto ACL says).
            if ip is not None and is_own_ike(packet, ip, self._address_bytes, outbound=False):
                return Deliver(packet)
            return self._inbound_clear(packet)
        if ip.dst != self._address_bytes:
            return Deliver(packet)  # ESP passing through: not ours to open
        result = self.sad.receive(packet, now, self.esp_trace)
        if not isinstance(result, Decapsulated) and result.reason is DropReason.NO_SA:
            self._recover_invalid_spi(source(ip), result.spi, now)
        return self._opened(result, now)

    def inbound_esp(self, esp: bytes, addr: tuple[str, int], now: float) -> Deliver | Discard:
        """ESP in UDP (RFC 3948) from ``addr`` to our port 4500, the UDP payload alone: what
        :meth:`inbound` does with the whole packet, without building and parsing its headers."""
        trace = self.esp_trace
        outer = Outer(self.crypto.address, esp, (addr[1], 4500), addr[0]) if trace.enabled else None
        result = self.sad.receive_esp(esp, self.crypto.address, now, trace, outer)
        if not isinstance(result, Decapsulated) and result.reason is DropReason.NO_SA:
            self._recover_invalid_spi(addr[0], result.spi, now)
        return self._opened(result, now)

    def _opened(self, result: DecapResult, now: float) -> Deliver | Discard:
        self._pump(now)
        if isinstance(result, Decapsulated):
            if self.dpd is not None:  # authenticated ESP: its SA's peer is alive (RFC 3706 §5.4)
                self.dpd.received(result.sa.peer, now)
            return Deliver(result.inner, decrypted=True)
        return Discard(f"{result.reason.value}: {result.detail}")

    def _recover_invalid_spi(self, peer: str, spi: int | None, now: float) -> None:
        """IOS invalid-spi-recovery: ESP for an SPI we do not have (say, the peer completed a
        Quick Mode whose last message we never got) -> INVALID-SPI to the peer over the ISAKMP
        SA, as often as :class:`~vpnteach.gateway.invalid_spi.InvalidSpiLimiter` allows."""
        if spi is None or not self.invalid_spi.allow(peer, spi, now):
            return
        if self.ike.notify_invalid_spi(peer, spi.to_bytes(4, "big"), now):
            self.invalid_spi.sent(peer, spi, now)
            self._log(now, ipsec_log.text("invalid_spi", f"sent INVALID_SPI for 0x{spi:08X}"))

    def _inbound_clear(self, packet: bytes) -> Deliver | Discard:
        if self.crypto.carrier is not None:
            return Deliver(packet)  # a static VTI: routing, not an ACL, says what is protected
        try:
            sel = selectors_of(packet)
        except ValueError:
            return Deliver(packet)  # not IPv4: the IP stack will say why it drops it
        decision = self.sad.spd.lookup_inbound_clear(sel)
        if decision.action is PolicyAction.DISCARD:
            if decision.flow is not None:
                decision.flow.counters.recv_errors += 1
            return Discard(f"%CRYPTO-4-RECVD_PKT_NOT_IPSEC: {decision.why}")
        return Deliver(packet)

    # ------------------------------------------------------------------ control plane

    def receive_datagram(
        self, data: bytes, addr: tuple[str, int], now: float, local_port: int = 500
    ) -> None:
        """A UDP datagram for IKE (port 500, or 4500 with the non-ESP marker)."""
        # Not a sign of life by itself: anyone can send from the peer's address. IKE proves
        # it through the events it raises for authenticated messages (see dpd.py).
        self.ike.receive_datagram(data, addr, now, local_port)
        self._pump(now, touched_ike=True)

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        """The IKE datagrams to send: ``(data, (ip, port), local_port)``."""
        return self.ike.datagrams_to_send(now)

    def get_timer(self) -> float | None:
        """When :meth:`handle_timer` should next run (IKE retransmission, SA lifetimes)."""
        # Recomputed only after something that can move a timer (an IKE input, an event, a
        # timer run): both engines scan every SA to answer. An early wake-up does no harm.
        if self._timer_stale:
            dpd = self.dpd.timer() if self.dpd is not None else None
            p1 = self.isakmp_rekeys.timer(self._isakmp_expiry)
            timers = [t for t in (self.ike.get_timer(), self.sad.get_timer(), dpd, p1) if t]
            self._timer, self._timer_stale = (min(timers) if timers else None), False
        return self._timer

    def handle_timer(self, now: float) -> None:
        """Retransmit IKE messages, expire SAs, start rekeys that are due at ``now``."""
        self.ike.handle_timer(now)
        self.sad.handle_timer(now)
        for cky_i in self.isakmp_rekeys.due(self._isakmp_expiry, now):
            self._rekey_isakmp(cky_i, now)
        self._dead_peer_detection(now)
        self._pump(now, touched_ike=True)

    def next_event(self) -> GatewayEvent | None:
        """The oldest event not yet read (IKE, SAD and gateway events, in order)."""
        return self._events.popleft() if self._events else None

    def initiate(self, peer: str, now: float) -> None:
        """Negotiate with ``peer`` now, for its first crypto map entry (no traffic needed)."""
        entries = self.ike.config.entries_for(peer)
        if entries:
            flows = self.sad.spd.flows_of(entries[0].name, entries[0].seq)
            self._asked |= {f.key for f in flows if f.crypto_map == entries[0]}
        self.ike.initiate(peer, now)
        self._pump(now, touched_ike=True)

    # ------------------------------------------------------------------ admin commands

    def clear_crypto_sa(self, now: float, peer: str | None = None) -> int:
        """``clear crypto sa [peer IP]``: delete every IPsec SA (with ``peer``), telling each
        peer; return how many."""
        sas = [sa for sa in self.sad.sas() if peer in (None, sa.peer)]
        by_peer: dict[str, list[bytes]] = {}
        for sa in sas:
            if sa.direction is Direction.INBOUND:
                by_peer.setdefault(sa.peer, []).append(sa.spi.to_bytes(4, "big"))
        for peer, spis in by_peer.items():
            self.ike.delete_ipsec_sas(peer, spis, now)  # RFC 2408 §3.15, ESP, 4-byte SPIs
        self._remove(sas, "clear crypto sa", now)
        self._pump(now, touched_ike=True)
        return len(sas)

    def clear_crypto_isakmp(self, now: float, peer: str | None = None) -> int:
        """``clear crypto isakmp``: delete every ISAKMP SA, established or negotiating, with
        every peer (or ``peer``; a Delete to each that has keys); IPsec SAs stay. Returns how
        many."""
        cleared = self.ike.delete_isakmp_sa(peer, now)
        self._pump(now, touched_ike=True)
        return cleared

    def reconfigure(self, config: RouterConfig, now: float) -> None:
        """Use a new configuration; if the crypto map changed, the IPsec SAs are cleared (and
        the peers told, as ``clear crypto sa``): they were negotiated under the old map."""
        crypto = crypto_interface(config)
        ike_config = ike_config_from(
            config,
            self.pki,
            timezone=self.timezone,
            force_udp_encapsulation=self.force_udp_encapsulation,
            half_open=self.half_open,
        )
        self.ike.reconfigure(ike_config, now)
        if crypto.entries != self.crypto.entries or crypto.address != self.crypto.address:
            self.clear_crypto_sa(now)
            self.sad = Sad(Spd(crypto.entries))
        if config.isakmp_keepalive != self.config.isakmp_keepalive:
            self.dpd = self._new_dpd(config, now)
        self.config, self.crypto, self.name = config, crypto, config.hostname
        self._address_bytes = pack_address(crypto.address)
        self._timer_stale = True

    # ------------------------------------------------------------------ views

    @property
    def weaknesses(self) -> list[Weakness]:
        """The weak algorithms, groups and keys this configuration uses (DES, 3DES, MD5,
        groups 1/2, RSA below 2048 bits, rsa-encr): see :mod:`vpnteach.gateway.weak`."""
        return weaknesses(self.config, self.pki)

    def show_crypto_isakmp_sa(self) -> str:
        """``show crypto isakmp sa``."""
        return self.ike.show_crypto_isakmp_sa()

    def show_crypto_ikev2_sa(self, now: float, *, detail: bool = False) -> str:
        """``show crypto ikev2 sa``: an ISAKMP map has no IKEv2 SA (IOS prints the headings)."""
        return show_crypto_ikev2_sa((), self.crypto.address, now, detail=detail)

    def show_crypto_isakmp_policy(self) -> str:
        """``show crypto isakmp policy``."""
        return debuglog.show_crypto_isakmp_policy(self.config.policies_by_priority())

    def show_crypto_ipsec_sa(self, now: float, *, detail: bool = False) -> str:
        """``show crypto ipsec sa [detail]`` with the run's real counters."""
        return show_crypto_ipsec_sa(
            self.sad,
            now,
            local_addr=self.crypto.address,
            interface=self.crypto.name,
            detail=detail,
            idb=self.crypto.carrier,
        )

    # ------------------------------------------------------------------ the glue

    def _pump(self, now: float, *, touched_ike: bool = False) -> None:
        """Act on every pending SAD and IKE event until none is left."""
        self._timer_stale = self._timer_stale or touched_ike
        while True:
            sad_event = self.sad.next_event()
            if sad_event is not None:
                self._timer_stale = True
                self._events.append(sad_event)
                self._on_sad(sad_event, now)
                continue
            ike_event = self._next_ike_event()
            if ike_event is None:
                if not self.keep_keys and self._timer_stale:
                    self._prune_keys()  # something moved: SAs may be gone
                return
            self._timer_stale = True
            self._events.append(ike_event)
            self._on_ike(ike_event, now)

    def _next_ike_event(self) -> Event | Ikev2Event | None:
        """The IKE endpoint's next event (:class:`Ikev2Gateway` reads its IKEv2 one)."""
        return self.ike.next_event()

    def _prune_keys(self) -> None:
        """Forget the Wireshark keys of SAs that are gone (:mod:`.retention`)."""
        retention.prune_keys(self)

    def _on_sad(self, event: SadEvent, now: float) -> None:
        if isinstance(event, AcquireRequested):
            self._log(now, ipsec_log.sa_request(event.flow, self.crypto.address))
            self._asked.add(event.flow.key)
            self.ike.initiate(event.peer, now, event.crypto_map)
        elif isinstance(event, SoftLifetimeExpired):
            self._rekey(event, now)
        elif isinstance(event, HardLifetimeExpired):
            self._expired(event, now)

    def _on_ike(self, event: Event | Ikev2Event, now: float) -> None:
        if isinstance(event, Phase1Complete):
            isakmp = self.ike.sas.get(event.cky_i)
            if isakmp is not None and isakmp.keying is not None:
                self.ike_keys.append((event.cky_i, isakmp.keying.keys.ka))
            if self.dpd is not None:
                self.dpd.established(event.peer[0], now)
            ours = event.role == "initiator"
            self.isakmp_rekeys.established(event.cky_i, event.suite.lifetime, ours=ours)
        elif isinstance(event, DeadPeerAnswered) and self.dpd is not None:
            self.dpd.answered(event.peer[0], event.sequence, now)
        elif isinstance(event, Phase2Complete):
            if self.dpd is not None:  # a Quick Mode that verified its HASHes
                self.dpd.received(event.peer[0], now)
            self._install(event, now)
        elif isinstance(event, NegotiationFailed):
            for flow in self.sad.spd.flows_to(event.peer[0]):
                self.sad.acquire_failed(flow)
        elif (
            isinstance(event, NotificationReceived)
            and event.notify_type == NotifyMessageType.INVALID_SPI
            and event.protocol_id == ProtocolId.PROTO_IPSEC_ESP
        ):
            spi = int.from_bytes(event.spi, "big")
            gone = [sa for sa in self.sad.sas() if sa.spi == spi and sa.peer == event.peer[0]]
            self._remove(self.pairs.with_partners(gone), "INVALID_SPI from the peer", now)
        elif isinstance(event, SaDeleted) and event.protocol_id == ProtocolId.PROTO_IPSEC_ESP:
            spis = {int.from_bytes(s, "big") for s in event.spis}
            gone = [sa for sa in self.sad.sas() if sa.spi in spis and sa.peer == event.peer[0]]
            self._remove(self.pairs.with_partners(gone), "Delete from the peer", now)

    def _dead_peer_event(self, event: PeerDead) -> None:
        self._events.append(event)

    def _install(self, event: Phase2Complete, now: float) -> None:
        flow = flow_for(self.sad.spd, event)
        if flow is None:
            why = f"no flow of {event.crypto_map} {event.seq} matches the negotiated identities"
            self._log(now, ipsec_log.text("install", why))
            return
        pair = []
        ours = flow.key in self._asked
        soft = soft_seconds(event.outbound.lifetime_seconds, ours=ours, rng=self._lifetime_rng)
        for spec in (event.inbound, event.outbound):
            sa = sa_from_spec(spec, crypto_map=event.crypto_map, conn_id=self._conn(), now=now)
            sa.soft_seconds = soft  # this side's rekey time for the pair (lifetimes.py)
            self.sad.install(sa, flow)
            self.installed.append(sa)
            self._log(now, ipsec_log.create_sa(sa))
            pair.append(sa)
        self._asked.discard(flow.key)
        self.pairs.add(pair[0], pair[1], ours=ours)
        self._events.append(
            SasInstalled(flow.peer, pair[0].spi, pair[1].spi, event.crypto_map, event.seq)
        )

    def _remove(self, sas: list[IpsecSa], reason: str, now: float) -> None:
        for sa in sas:
            self.sad.remove(sa)
            self.pairs.forget(sa)
            self._log(now, ipsec_log.delete_sa(sa, reason))
        if sas:
            self._events.append(SasRemoved(tuple(sa.spi for sa in sas), reason))

    def _conn(self) -> int:
        conn_id = self._next_conn_id
        self._next_conn_id += 1
        return conn_id

    def _log(self, now: float, text: str) -> None:
        self.ipsec_log.append(IpsecLogLine(now, text, self.ike.recorder.records.total))


IpsecLogLine = ipsec_log.IpsecLogLine
