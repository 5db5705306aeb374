"""The gateway of a router whose crypto map says ``set ikev2-profile``: IKEv2 (RFC 7296)
negotiates the ESP SAs the same SPD/SAD uses.

:class:`Ikev2Gateway` is a :class:`~vpnteach.gateway.Gateway` whose IKE is an
:class:`~vpnteach.ikev2.Ikev2Endpoint`: the data plane (SPD lookups, ESP, acquires, lifetimes,
``show crypto ipsec sa``) is the same; what differs is the glue, in RFC 7296 terms:

* an acquire (RFC 4301 §5.1) starts IKE_SA_INIT with the peer, whose IKE_AUTH also creates the
  first Child SA (§1.2): no separate Quick Mode; with an IKE SA already up (after ``clear
  crypto sa`` or an INVALID_SPI) a CREATE_CHILD_SA opens a new Child SA on it (§1.3.1);
* :class:`~vpnteach.ikev2.ChildSaEstablished` carries both directions' KEYMAT (§2.17): the pair
  is installed in the SAD under the flow whose networks are the negotiated traffic selectors
  (a narrower pair never displaces a covering one as the flow's outbound SA, §2.9);
* an SA's soft lifetime rekeys the Child SA with CREATE_CHILD_SA (§1.3.3, with ``set pfs``'s
  group for a fresh Diffie-Hellman); the old pair goes when the engine deletes it (§2.8); a
  rekey that finds our request window busy (§2.3) or is refused with TEMPORARY_FAILURE
  (§2.25) is tried again while the pair lasts (:mod:`.ikev2_rekey_retry`);
* ``clear crypto sa`` sends one INFORMATIONAL per peer whose Delete lists all its Child SAs
  (§1.4.1, §3.11), ``clear crypto isakmp`` (IOS: ``clear crypto ikev2 sa``) deletes the IKE
  SAs and their children; ESP with an unknown SPI is answered with N(INVALID_SPI) (§1.5);
* the profile's ``lifetime`` and ``dpd`` are :mod:`.ikev2_timers`'s;
* a static VTI does not wait for traffic: it starts IKE itself and keeps its tunnel up
  (:mod:`.vti_keepup`); a crypto map stays traffic-driven.

ESP here is AES-CBC with HMAC-SHA1-96 or HMAC-SHA-256-128 (the transform sets IKEv2 can name).
"""

from __future__ import annotations

from vpnteach.crypto.rng import Rng, SeededRng
from vpnteach.esp.sa import Direction, HardLifetimeExpired, SoftLifetimeExpired
from vpnteach.esp.sad import AcquireRequested, Sad, SadEvent
from vpnteach.esp.spd import Flow, Spd
from vpnteach.gateway import ipsec_log
from vpnteach.gateway.adapt import CryptoInterface, crypto_interface
from vpnteach.gateway.gateway import Gateway
from vpnteach.gateway.ikev2_adapt import ikev2_config_from, ikev2_entries
from vpnteach.gateway.ikev2_install import child_flow, child_sa
from vpnteach.gateway.ikev2_rekey_retry import RekeyRetries
from vpnteach.gateway.ikev2_timers import IkeSaLifetimes, Ikev2TimerGlue, profiles_by_peer
from vpnteach.gateway.lifetimes import soft_seconds
from vpnteach.gateway.results import SasInstalled
from vpnteach.gateway.vti_keepup import TunnelKeepUp
from vpnteach.ike import debuglog
from vpnteach.ike.sa import Datagram
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.config import Ikev2Config
from vpnteach.ikev2.events import (
    ChildSaDeleted,
    ChildSaEstablished,
    ChildSaFailed,
    Event,
    IkeSaDeleted,
    IkeSaEstablished,
    IkeSaRekeyed,
    LivenessChecked,
    NegotiationFailed,
)
from vpnteach.ikev2.show import show_crypto_ikev2_sa
from vpnteach.ikev2.transitions import State
from vpnteach.ikev2.wireshark import decryption_table_line
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.trace import Ring, Trace
from vpnteach.wire.ikev2.constants import EncrId, NotifyType

__all__ = ["Ikev2Gateway", "check_ikev2_config", "uses_ikev2"]


def uses_ikev2(config: RouterConfig) -> bool:
    """The applied crypto map negotiates with IKEv2 (its entries have ``set ikev2-profile``).

    Raises:
        GatewayConfigError: no usable crypto map interface, or a map mixing the two versions.
    """
    return bool(ikev2_entries(config, crypto_interface(config)))


def check_ikev2_config(config: RouterConfig, pki: RouterPki | None) -> None:
    """Raise :class:`GatewayConfigError` unless an IKEv2 gateway can run ``config``."""
    ikev2_config_from(config, pki, crypto_interface(config))


class Ikev2Gateway(TunnelKeepUp, Ikev2TimerGlue, Gateway):
    """A :class:`~vpnteach.gateway.Gateway` negotiating with IKEv2 (see the module docstring).

    Attributes:
        v2: the :class:`~vpnteach.ikev2.Ikev2Endpoint`.
    """

    def _start_ike(self, config: RouterConfig, rng: Rng, trace: Trace | None) -> None:
        v2_config = self._v2_config(config, crypto_interface(config))
        self.v2 = Ikev2Endpoint(v2_config, rng, trace, name=config.hostname)
        self.v2.moves = Ring(self.retain)  # the router process keeps a bounded ring
        self.ikev2_keys: list[str] = []  # Wireshark's table, one line per IKE SA
        self._asked_later: set[str] = set()  # peers whose new Child SA waits for our window
        self.profiles = profiles_by_peer(config)  # lifetime and dpd (ikev2_timers.py)
        life_rng = rng.fork("ikev2-lifetime") if isinstance(rng, SeededRng) else rng
        self.ike_lifetimes = IkeSaLifetimes(life_rng)
        retry_rng = rng.fork("ikev2-rekey-retry") if isinstance(rng, SeededRng) else rng
        self.rekey_retries = RekeyRetries(retry_rng)  # rekeys to try again (ikev2_rekey_retry)

    def _v2_config(self, config: RouterConfig, crypto: CryptoInterface) -> Ikev2Config:
        """The engine's configuration, with the gateway's half-open bounds if it was given
        any (``vpnteach router run --in-negotiation-sa/--half-open-timeout``)."""
        limits = self.half_open
        if limits is None:
            return ikev2_config_from(config, self.pki, crypto)
        return ikev2_config_from(
            config, self.pki, crypto, limits.in_negotiation, limits.ikev2_timeout
        )

    # ------------------------------------------------------------------ control plane

    def receive_datagram(
        self, data: bytes, addr: tuple[str, int], now: float, local_port: int = 500
    ) -> None:
        """A UDP datagram for IKEv2 (port 500, or 4500 with the non-ESP marker)."""
        self.v2.receive_datagram(data, addr, now, local_port)
        self._pump(now, touched_ike=True)

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        """The IKEv2 datagrams to send."""
        return [Datagram(d.data, d.addr, d.local_port) for d in self.v2.datagrams_to_send(now)]

    def get_timer(self) -> float | None:
        """When :meth:`handle_timer` should next run (retransmissions, SA lifetimes)."""
        if self._timer_stale:
            ours = (self.v2.get_timer(), self.sad.get_timer(), self._ikev2_timer(),
                    self.keepup_timer(), self.rekey_retries.timer())  # fmt: skip
            timers = [t for t in ours if t is not None]
            self._timer, self._timer_stale = (min(timers) if timers else None), False
        return self._timer

    def handle_timer(self, now: float) -> None:
        """Retransmit IKEv2 requests, expire and rekey SAs due at ``now``, check liveness,
        bring a static VTI's tunnel up."""
        self.v2.handle_timer(now)
        self.sad.handle_timer(now)
        self._ikev2_timers_due(now)
        self._pump(now, touched_ike=True)
        self.keep_tunnel_up(now)
        self._pump(now, touched_ike=True)

    def initiate(self, peer: str, now: float) -> None:
        """IKE_SA_INIT with ``peer`` now (its first crypto map entry's flows are ours)."""
        entries = [e for e in self.crypto.entries if e.peer == peer]
        if entries:
            flows = self.sad.spd.flows_of(entries[0].name, entries[0].seq)
            self._asked |= {f.key for f in flows}
        self.v2.initiate(peer, now)
        self._pump(now, touched_ike=True)

    def clear_crypto_sa(self, now: float, peer: str | None = None) -> int:
        """``clear crypto sa [peer IP]``: delete every Child SA (with ``peer``), each peer's in
        one INFORMATIONAL request whose Delete payload lists them all (RFC 7296 §1.4.1,
        §3.11); the IKE SAs stay."""
        sas = [sa for sa in self.sad.sas() if peer in (None, sa.peer)]
        by_peer: dict[str, list[bytes]] = {}
        for sa in sas:
            if sa.direction is Direction.INBOUND:
                by_peer.setdefault(sa.peer, []).append(sa.spi.to_bytes(4, "big"))
        for address, spis in by_peer.items():
            self.v2.delete_child_sas(address, spis, now)
        self._remove(sas, "clear crypto sa", now)
        self._pump(now, touched_ike=True)
        return len(sas)

    def clear_crypto_isakmp(self, now: float, peer: str | None = None) -> int:
        """``clear crypto ikev2 sa``: delete every IKE SA (with ``peer``); its Child SAs go
        with it (§1.4.1)."""
        peers = sorted({sa.peer[0] for sa in self.v2.sas.values() if sa.established})
        peers = [p for p in peers if peer in (None, p)]
        for address in peers:
            self.v2.delete_ike_sa(address, now)
        self._pump(now, touched_ike=True)
        return len(peers)

    def clear_crypto_session(self, now: float, peer: str | None = None) -> int:
        """``clear crypto session [remote IP]``: the IKE SAs and their Child SAs, in one Delete
        of each IKE SA (§1.4.1: deleting an IKE SA deletes its Child SAs); the SAD's pairs go
        now. Returns how many Child SAs (one per direction) were removed."""
        sas = [sa for sa in self.sad.sas() if peer in (None, sa.peer)]
        self._remove(sas, "clear crypto session", now)
        self.clear_crypto_isakmp(now, peer)
        return len(sas)

    def reconfigure(self, config: RouterConfig, now: float) -> None:
        """A new configuration: a changed crypto map clears the IPsec SAs; the IKEv2 endpoint
        restarts with the new proposals and profiles (its IKE SAs are deleted first)."""
        crypto: CryptoInterface = crypto_interface(config)
        v2_config = self._v2_config(config, crypto)
        if crypto.entries != self.crypto.entries or crypto.address != self.crypto.address:
            self.clear_crypto_sa(now)
            self.sad = Sad(Spd(crypto.entries))
            self.restart_keepup()  # a changed tunnel comes up at once
        old = self.v2.config
        if (v2_config.local_address, v2_config.peers) != (old.local_address, old.peers):
            self.clear_crypto_isakmp(now)  # negotiated under other peers or proposals
        self.v2.reconfigure(v2_config)  # the half-open bounds change without a teardown
        profiles = profiles_by_peer(config)  # lifetime: for new IKE SAs; dpd: from now on
        if [p.dpd for p in profiles.values()] != [p.dpd for p in self.profiles.values()]:
            self.dpd = self._new_dpd(config, now)
        self.profiles = profiles
        self.config, self.crypto, self.name = config, crypto, config.hostname
        self._timer_stale = True

    # ------------------------------------------------------------------ views

    def show_crypto_isakmp_sa(self) -> str:
        """``show crypto isakmp sa``: no ISAKMP SA on an IKEv2 map."""
        return debuglog.show_crypto_isakmp_sa([])

    def show_crypto_ikev2_sa(self, now: float, *, detail: bool = False) -> str:
        """``show crypto ikev2 sa [detailed]``."""
        lifetimes = {peer: profile.lifetime for peer, profile in self.profiles.items()}
        dpd = (self.dpd.seconds, self.dpd.retry) if self.dpd is not None else None
        return show_crypto_ikev2_sa(
            self.v2.sas.values(), self.crypto.address, now, detail=detail, lifetimes=lifetimes,
            dpd=(int(dpd[0]), int(dpd[1])) if dpd else None,
        )  # fmt: skip

    # ------------------------------------------------------------------ the glue

    def _next_ike_event(self) -> Event | None:
        event = self.v2.next_event()
        if event is None and (self._asked_later or self.rekey_retries):
            now = self.v2.ctx.now  # a request was answered: the window may be free
            for peer in sorted(self._asked_later):
                if self._window_free(peer):
                    self._asked_later.discard(peer)
                    self._acquire(peer, now, self._pfs_group(peer))
            for spi_in in self.rekey_retries.due(now, self._window_free):
                self._retry_rekey(spi_in, now)
            event = self.v2.next_event()
        return event

    def _window_free(self, peer: str) -> bool:
        """No request of ours with ``peer`` awaits its answer (RFC 7296 §2.3, window size 1)."""
        sa = self.v2.ike_sa(peer)
        return sa is None or sa.retransmit is None

    def _retry_rekey(self, spi_in: int, now: float) -> None:
        """Rekey again the pair whose inbound SPI is ``spi_in``, if it is still there and still
        its flow's current pair (not deleted, replaced, or gone at its hard lifetime)."""
        sa = self.pairs.find(spi_in, Direction.INBOUND)
        flow = self.sad.flow_of(sa) if sa is not None else None
        current = self.sad.outbound_sa(flow) if flow is not None else None
        if flow is None or current is None or sa not in self.pairs.with_partners([current]):
            self._log(now, ipsec_log.text("rekey", f"SA 0x{spi_in:08X} gone: no rekey retry"))
            return
        self._log(now, ipsec_log.text("rekey", f"retrying the rekey of {flow}"))
        self._negotiate_successor(flow, now)

    def _pfs_group(self, peer: str) -> int | None:
        entries = [e for e in self.crypto.entries if e.peer == peer]
        return entries[0].pfs_group if entries else None

    def _prune_keys(self) -> None:
        """Forget the keys of IKE SAs and ESP SAs that are gone (a bounded gateway,
        :mod:`.retention`): the ``ikev2_decryption_table`` lines start with SPIi."""
        live = {spi.hex() for spi in self.v2.sas}
        if any(line[:16] not in live for line in self.ikev2_keys):
            self.ikev2_keys = [line for line in self.ikev2_keys if line[:16] in live]
        if any(self.sad.flow_of(sa) is None for sa in self.installed):
            self.installed = [s for s in self.installed if self.sad.flow_of(s) is not None]

    def _on_sad(self, event: SadEvent, now: float) -> None:
        if isinstance(event, AcquireRequested):
            self._log(now, ipsec_log.sa_request(event.flow, self.crypto.address))
            self._asked.add(event.flow.key)
            self._acquire(event.peer, now, event.flow.crypto_map.pfs_group)
        elif isinstance(event, SoftLifetimeExpired):
            self._rekey(event, now)
        else:
            super()._on_sad(event, now)

    def _acquire(self, peer: str, now: float, pfs_group: int | None = None) -> None:
        """A flow to ``peer`` has no SA: a new Child SA by CREATE_CHILD_SA on the IKE SA we
        have with it (RFC 7296 §1.3.1; after ``clear crypto sa`` or an INVALID_SPI), else
        a new IKE SA whose IKE_AUTH brings one (§1.2)."""
        if self._negotiating(peer):
            return  # the IKE_AUTH or CREATE_CHILD_SA in flight brings the Child SA
        sa = self.v2.ike_sa(peer)
        if sa is None:
            self.v2.initiate(peer, now)
        elif sa.pending_create is None and not self.v2.create_child_sa(peer, now, pfs_group):
            self._asked_later.add(peer)  # our request window is busy (§2.3): when it frees

    def _negotiating(self, peer: str) -> bool:
        """An IKE SA we initiated with ``peer`` is between IKE_SA_INIT and the end of IKE_AUTH,
        or our CREATE_CHILD_SA for a new Child SA awaits its answer. A half-open responder SA
        is not ours to wait for: anyone can make one with an IKE_SA_INIT forged from the
        peer's address (RFC 7296 §2.6), which never completes, so we start our own beside it
        (as the IKEv1 endpoint does beside a responder's Main Mode)."""
        pending = (State.I_WAIT_INIT, State.I_WAIT_AUTH)
        return any(
            sa.peer[0] == peer
            and (sa.state in pending or (sa.pending_create is not None
                                         and sa.pending_create.rekeyed is None
                                         and not sa.pending_create.ike))
            for sa in self.v2.sas.values()
        )  # fmt: skip

    def _negotiate_successor(self, flow: Flow, now: float) -> None:
        """CREATE_CHILD_SA rekeys the Child SA of the flow's current outbound SA (RFC 7296
        §1.3.3), whichever of the peer's Child SAs that is."""
        current = self.sad.outbound_sa(flow)
        spi_out = current.spi.to_bytes(4, "big") if current is not None else None
        if self.v2.rekey_child_sa(flow.peer, now, flow.crypto_map.pfs_group, spi_out):
            return
        inbound = [s for s in self.pairs.with_partners([current] if current else [])
                   if s.direction is Direction.INBOUND]  # fmt: skip
        if inbound and not self._window_free(flow.peer):  # §2.3: when the answer comes
            self.rekey_retries.when_free(inbound[0].spi, flow.peer)
            self._log(now, ipsec_log.text("rekey", f"{flow}: rekey waits for our request window"))

    def _expired(self, event: HardLifetimeExpired, now: float) -> None:
        """The hard lifetime of an SA ended: its pair goes, and the peer is told with an
        INFORMATIONAL Delete naming the pair's inbound SPI (RFC 7296 §1.4.1)."""
        self._log(now, ipsec_log.text("lifetime", f"SA 0x{event.spi:08X} expired: {event.reason}"))
        sa = self.pairs.find(event.spi, event.direction)
        if sa is not None:
            pair = self.pairs.with_partners([sa])
            self._remove(pair, "lifetime expired", now)
            for inbound in (s for s in pair if s.direction is Direction.INBOUND):
                self.v2.delete_child_sa(inbound.peer, inbound.spi.to_bytes(4, "big"), now)
        self.pairs.prune(lambda sa: self.sad.flow_of(sa) is not None)

    def _on_ike(self, event: object, now: float) -> None:
        if isinstance(event, IkeSaEstablished | IkeSaRekeyed):
            self._keep_keys(event.spi_i)
            self._ike_sa_up(event.spi_i, now)
        elif isinstance(event, LivenessChecked) and self.dpd is not None:
            self.dpd.received(event.peer[0], now)  # an authenticated answer (RFC 7296 §2.4)
        elif isinstance(event, ChildSaEstablished):
            if self.dpd is not None:
                self.dpd.received(event.peer[0], now)
            self._install_child(event, now)
        elif isinstance(event, ChildSaDeleted):
            spis = {int.from_bytes(event.spi_in, "big"), int.from_bytes(event.spi_out, "big")}
            gone = [s for s in self.sad.sas() if s.spi in spis and s.peer == event.peer[0]]
            self._remove(gone, "Delete from IKEv2", now)
        elif isinstance(event, IkeSaDeleted):
            self.ike_lifetimes.forget(event.spi_i)
            if self.v2.ike_sa(event.peer[0]) is None:  # a newer IKE SA keeps its children
                gone = [s for s in self.sad.sas() if s.peer == event.peer[0]]
                self._remove(gone, f"IKEv2 SA deleted: {event.reason}", now)
            self._acquire_again(event.peer[0])
        elif isinstance(event, NegotiationFailed | ChildSaFailed):
            self._acquire_again(event.peer[0])
            if isinstance(event, ChildSaFailed):
                self._refused(event, now)

    def _refused(self, event: ChildSaFailed, now: float) -> None:
        """Our rekey answered with TEMPORARY_FAILURE: tried again after a random delay
        (RFC 7296 §2.25, :mod:`.ikev2_rekey_retry`)."""
        if event.notify_type != NotifyType.TEMPORARY_FAILURE or event.rekeyed_spi is None:
            return
        spi_in = int.from_bytes(event.rekeyed_spi, "big")
        due = self.rekey_retries.later(spi_in, event.peer[0], now)
        why = f"rekey of SA 0x{spi_in:08X} refused: TEMPORARY_FAILURE, retry in {due - now:.1f} s"
        self._log(now, ipsec_log.text("rekey", why))
        self._timer_stale = True

    def _acquire_again(self, peer: str) -> None:
        """The next packet of a flow to ``peer`` may start IKE again (RFC 4301 §5.1)."""
        if not self._negotiating(peer):
            for flow in self.sad.spd.flows_to(peer):
                self.sad.acquire_failed(flow)

    def _keep_keys(self, spi_i: bytes) -> None:
        """The Wireshark record of a new IKE SA (its SK_e*/SK_a*, RFC 7296 §2.14)."""
        sa = self.v2.sas.get(spi_i)
        if sa is not None and sa.init is not None:
            line = decryption_table_line(sa.spi_i, sa.spi_r, sa.init.keys, sa.init.suite)
            self.ikev2_keys.append(line)

    def _install_child(self, event: ChildSaEstablished, now: float) -> None:
        flow = child_flow(self.sad.spd, event)
        if flow is None:
            why = f"no flow to {event.peer[0]} matches {event.local_ts} -> {event.remote_ts}"
            self._log(now, ipsec_log.text("install", why))
            return
        if event.encr_id != EncrId.ENCR_AES_CBC:
            why = f"ESP transform {event.encr_id} is not in the ESP layer (AES-CBC only)"
            self._log(now, ipsec_log.text("install", why))
            return
        ours = flow.key in self._asked
        lifetime = flow.crypto_map.sa_lifetime_seconds
        soft = soft_seconds(lifetime, ours=ours, rng=self._lifetime_rng)
        local = self.crypto.address
        pair = [
            child_sa(event, flow, inbound=inbound, local=local, now=now, conn_id=self._conn())
            for inbound in (True, False)
        ]
        for sa in pair:
            sa.soft_seconds = soft  # this side's rekey time for the pair (lifetimes.py)
            self.sad.install(sa, flow)
            self.installed.append(sa)
            self._log(now, ipsec_log.create_sa(sa))
        self._asked.discard(flow.key)
        self.pairs.add(pair[0], pair[1], ours=ours)
        if (event.local_ts, event.remote_ts) != (
            flow.local_ident.network, flow.remote_ident.network
        ) or (event.rekeyed_spi is not None and not ours):  # fmt: skip
            # the peer's rekey: it installs its new inbound SA only when our answer arrives,
            # so we send on the old pair until its Delete of it (RFC 7296 §2.8; strongSwan
            # does the same as a rekey's responder)
            self._behind_wider(flow)
        entry = flow.crypto_map
        self._events.append(
            SasInstalled(flow.peer, pair[0].spi, pair[1].spi, entry.name, entry.seq)
        )
        self.tunnel_came_up(flow.peer, now)

    def _behind_wider(self, flow: Flow) -> None:
        """A Child SA narrower than its flow (the peer asked for less, RFC 7296 §2.9) must not
        carry the flow's other traffic, which the peer would drop: the flow keeps sending on
        a pair that covers it, if it has one (the newest outbound SA is the one used)."""
        outbound = self.sad.outbound.get(flow.key, [])
        if len(outbound) > 1:
            outbound.insert(0, outbound.pop())

    def _recover_invalid_spi(self, peer: str, spi: int | None, now: float) -> None:
        """ESP for an SPI we do not have, from a peer we share an IKE SA with: N(INVALID_SPI)
        naming it in an INFORMATIONAL request (RFC 7296 §1.5), as often as
        :class:`~vpnteach.gateway.invalid_spi.InvalidSpiLimiter` allows (the SPI is in the
        clear: anyone can make us send one)."""
        if spi is None or not self.invalid_spi.allow(peer, spi, now):
            return
        if self.v2.notify_invalid_spi(peer, spi.to_bytes(4, "big"), now):
            self.invalid_spi.sent(peer, spi, now)
            self._log(now, ipsec_log.text("invalid_spi", f"sent INVALID_SPI for 0x{spi:08X}"))

    def _log(self, now: float, text: str) -> None:
        self.ipsec_log.append(ipsec_log.IpsecLogLine(now, text, len(self.v2.moves)))
