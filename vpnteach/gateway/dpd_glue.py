"""The gateway's part in dead peer detection (RFC 3706): when to send R-U-THERE over which
ISAKMP SA, and what a dead peer costs (its SAs). The liveness bookkeeping itself is
:class:`~vpnteach.gateway.dpd.DpdTracker`; this is the glue to the IKE endpoint and the SAD,
mixed into :class:`~vpnteach.gateway.gateway.Gateway`, whose attributes these are.
"""

from __future__ import annotations

from vpnteach.crypto.rng import Rng
from vpnteach.esp.sa import IpsecSa
from vpnteach.esp.sad import Sad
from vpnteach.gateway.dpd import DPD_LIMIT, Dead, DpdTracker, PeerDead
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ios.model import RouterConfig


class DeadPeerGlue:
    """``crypto isakmp keepalive`` for a gateway."""

    ike: IkeEndpoint
    sad: Sad
    dpd: DpdTracker | None
    _dpd_rng: Rng
    _timer_stale: bool

    def _remove(self, sas: list[IpsecSa], reason: str, now: float) -> None:
        raise NotImplementedError

    def _dead_peer_event(self, event: PeerDead) -> None:
        raise NotImplementedError

    def _new_dpd(self, config: RouterConfig, now: float) -> DpdTracker | None:
        """A DPD tracker for ``crypto isakmp keepalive`` (``None``: not configured), watching
        the peers we already have an ISAKMP SA with."""
        keepalive = config.isakmp_keepalive
        if keepalive is None:
            return None
        first = int.from_bytes(self._dpd_rng.random_bytes(4), "big")
        dpd = DpdTracker(keepalive.seconds, keepalive.retry, first)
        for sa in self.ike.sas.values():
            if sa.established and not sa.dead:
                dpd.established(sa.peer[0], now)
        return dpd

    def _dead_peer_detection(self, now: float) -> None:
        """Send the R-U-THERE messages that are due; delete every SA with a dead peer."""
        if self.dpd is None:
            return
        for action in self.dpd.due(now):
            isakmp = self.ike.isakmp_sa(action.peer)
            if isinstance(action, Dead):
                self._peer_dead(action.peer, now)
            elif isakmp is None or not isakmp.established:
                self.dpd.forget(action.peer)  # no ISAKMP SA left to ask over
            else:
                self.ike.send_dpd(action.peer, now, action.sequence, action.attempt)
        self._timer_stale = True

    def _peer_dead(self, peer: str, now: float) -> None:
        """RFC 3706 §5.4: the peer is dead; its SAs go, new traffic negotiates afresh."""
        self.ike.declare_dead(peer, now)
        gone = [sa for sa in self.sad.sas() if sa.peer == peer]
        self._remove(gone, "peer not responding (DPD)", now)
        self._dead_peer_event(PeerDead(peer, DPD_LIMIT))
