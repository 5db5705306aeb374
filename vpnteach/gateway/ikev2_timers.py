"""The IKEv2 profile's timers in a gateway: the IKE SA lifetime and dead peer detection.

``crypto ikev2 profile`` carries both (Cisco FlexVPN):

* ``lifetime SECONDS`` (default 86400): an IKE SA is replaced before it ends (RFC 7296 §2.8:
  lifetimes are local policy, never negotiated, and each end rekeys when *its* lifetime
  says). As for ISAKMP SAs (:mod:`.lifetimes`), the SA's original initiator rekeys 30 to
  40 s before the end and the responder 15 to 20 s before, so that both seldom start a
  CREATE_CHILD_SA in the same second; when they do (a shorter lifetime on the responder),
  the engine keeps one of the two new IKE SAs (§2.8.2,
  :mod:`~vpnteach.ikev2.ike_rekey_collision`). The rekey moves the Child SAs to the new IKE
  SA (§1.3.2). A rekey that cannot start (our request window is busy, §2.3) is tried again
  every :data:`REKEY_RETRY` s; an SA still there at its end is deleted with an INFORMATIONAL
  Delete, its Child SAs with it.
* ``dpd INTERVAL RETRY on-demand|periodic``: a peer silent for ``INTERVAL`` s is asked with
  an empty INFORMATIONAL request (§1.4, §2.4), on demand only when we have ESP to send to it
  (IOS's default), periodically whatever the traffic. The request is retransmitted first
  after ``RETRY`` s, doubling (§2.1); without an answer after
  :data:`~vpnteach.gateway.dpd.DPD_LIMIT` retry periods the peer is dead: its IKE SAs end
  without a word (§2.4: "the IKE SA is deemed to have failed") and their Child SAs go. The
  bookkeeping is :class:`~vpnteach.gateway.dpd.DpdTracker`'s, as for IKEv1; only
  authenticated input proves life (ESP that passed its ICV, an answered IKEv2 request, a new
  Child or IKE SA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpnteach.crypto.rng import Rng
from vpnteach.gateway import ipsec_log
from vpnteach.gateway.adapt import crypto_interface
from vpnteach.gateway.dpd import DPD_LIMIT, Dead, DpdTracker, PeerDead
from vpnteach.gateway.ikev2_adapt import ikev2_entries
from vpnteach.gateway.lifetimes import soft_seconds
from vpnteach.ios.ikev2_model import Ikev2ProfileConfig
from vpnteach.ios.model import RouterConfig

if TYPE_CHECKING:
    from vpnteach.esp.sa import IpsecSa
    from vpnteach.ikev2 import Ikev2Endpoint

REKEY_RETRY = 5.0
"""Seconds between two attempts to start an IKE SA rekey that could not start."""


@dataclass
class _Life:
    peer: str
    rekey_at: float
    expires_at: float


class IkeSaLifetimes:
    """When each IKE SA (by SPIi) is rekeyed and when it ends (see the module docstring)."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self._sas: dict[bytes, _Life] = {}

    def __len__(self) -> int:
        return len(self._sas)

    def established(
        self, spi_i: bytes, peer: str, lifetime: int, now: float, *, ours: bool
    ) -> None:
        """An IKE SA with ``lifetime`` began at ``now`` (``ours``: we are its initiator)."""
        soft = soft_seconds(lifetime, ours=ours, rng=self.rng)
        self._sas[spi_i] = _Life(peer, now + soft, now + lifetime)

    def forget(self, spi_i: bytes) -> None:
        """The SA is gone (deleted, rekeyed away, or its peer dead)."""
        self._sas.pop(spi_i, None)

    def timer(self) -> float | None:
        """When :meth:`due` has something to do next."""
        return min((min(x.rekey_at, x.expires_at) for x in self._sas.values()), default=None)

    def due(self, now: float) -> tuple[list[tuple[bytes, str]], list[tuple[bytes, str]]]:
        """``(to rekey, expired)`` as ``(SPIi, peer)`` at ``now``; an expired SA is forgotten,
        a rekey comes due again after :data:`REKEY_RETRY` s until the SA is gone."""
        rekeys, expired = [], []
        for spi_i, life in list(self._sas.items()):
            if life.expires_at <= now:
                del self._sas[spi_i]
                expired.append((spi_i, life.peer))
            elif life.rekey_at <= now:
                life.rekey_at = now + REKEY_RETRY
                rekeys.append((spi_i, life.peer))
        return rekeys, expired


def profiles_by_peer(config: RouterConfig) -> dict[str, Ikev2ProfileConfig]:
    """The IKEv2 profile of each peer of the applied crypto map (its first entry's)."""
    found: dict[str, Ikev2ProfileConfig] = {}
    for item in ikev2_entries(config, crypto_interface(config)):
        found.setdefault(item.entry.peer, item.profile)
    return found


class Ikev2TimerGlue:
    """The profile's ``lifetime`` and ``dpd`` for :class:`~vpnteach.gateway.ikev2_gateway.
    Ikev2Gateway` (mixed in before :class:`~vpnteach.gateway.Gateway`, whose attributes
    these are)."""

    v2: Ikev2Endpoint
    dpd: DpdTracker | None
    profiles: dict[str, Ikev2ProfileConfig]
    ike_lifetimes: IkeSaLifetimes
    _dpd_rng: Rng
    _timer_stale: bool

    if TYPE_CHECKING:  # the Gateway's, not overridden here

        def _remove(self, sas: list[IpsecSa], reason: str, now: float) -> None: ...

        def _log(self, now: float, text: str) -> None: ...

        def _dead_peer_event(self, event: PeerDead) -> None: ...

    def _new_dpd(self, config: RouterConfig, now: float) -> DpdTracker | None:
        """A tracker for the first profile's ``dpd`` (``None``: no profile has one), watching
        the peers we already have an IKE SA with."""
        dpds = [p.dpd for p in profiles_by_peer(config).values() if p.dpd is not None]
        if not dpds:
            return None
        first = int.from_bytes(self._dpd_rng.random_bytes(4), "big")
        dpd = DpdTracker(
            dpds[0].interval, dpds[0].retry, first, periodic=dpds[0].mode == "periodic"
        )
        for sa in self.v2.sas.values():
            if sa.established:
                dpd.established(sa.peer[0], now)
        return dpd

    def _ike_sa_up(self, spi_i: bytes, now: float) -> None:
        """A new IKE SA (IKE_AUTH or a rekey): its lifetime starts; its peer lives."""
        sa = self.v2.sas.get(spi_i)
        if sa is None:
            return
        peer = sa.peer[0]
        profile = self.profiles.get(peer)
        lifetime = profile.lifetime if profile is not None else 86400
        self.ike_lifetimes.established(spi_i, peer, lifetime, now, ours=sa.initiator)
        if self.dpd is not None:
            if peer in self.dpd.peers:
                self.dpd.received(peer, now)
            else:
                self.dpd.established(peer, now)

    def _ikev2_timer(self) -> float | None:
        """The next lifetime or DPD deadline."""
        dpd = self.dpd.timer() if self.dpd is not None else None
        times = [t for t in (self.ike_lifetimes.timer(), dpd) if t is not None]
        return min(times) if times else None

    def _ikev2_timers_due(self, now: float) -> None:
        """Start the rekeys, delete the expired IKE SAs, ask or bury silent peers."""
        rekeys, expired = self.ike_lifetimes.due(now)
        for spi_i, peer in rekeys:
            if self.v2.rekey_ike_sa(peer, now, spi_i):
                self._log(now, ipsec_log.text("rekey", f"IKEv2 SA with {peer}: CREATE_CHILD_SA"))
        for spi_i, peer in expired:
            if self.v2.delete_ike_sa(peer, now, spi_i):
                self._log(now, ipsec_log.text("lifetime", f"IKEv2 SA with {peer} expired"))
        self._dead_peer_detection(now)

    def _dead_peer_detection(self, now: float) -> None:
        """The liveness checks that are due (RFC 7296 §2.4): the first probe of a round is
        an empty INFORMATIONAL request, the engine retransmits it; the verdict is ours."""
        if self.dpd is None:
            return
        for action in self.dpd.due(now):
            if isinstance(action, Dead):
                self.v2.declare_dead(action.peer, now)  # IkeSaDeleted: the Child SAs go
                self._log(now, ipsec_log.text("dpd", f"peer {action.peer} not responding"))
                self._dead_peer_event(PeerDead(action.peer, DPD_LIMIT, "IKEv2 liveness"))
            elif self.v2.ike_sa(action.peer) is None:
                self.dpd.forget(action.peer)  # no IKE SA left to ask over
            elif action.attempt == 1:  # later ones are the engine's retransmissions
                self.v2.check_liveness(action.peer, now, self.dpd.retry)
        self._timer_stale = True
