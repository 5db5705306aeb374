"""A static VTI keeps its tunnel up: IKE starts when the tunnel interface comes up, with no
traffic, and starts again whenever the tunnel is left without IPsec SAs.

A crypto map negotiates on demand: the first packet its ACL sends to PROTECT finds no SA and
asks IKE for one (an acquire, RFC 4301 §5.1; the seed's ``.!!!!``). A static VTI does not wait:
IOS negotiates its SAs as soon as the tunnel interface is up (configured, not shut, its source
up, its destination routable; Cisco's "IPsec Virtual Tunnel Interfaces" guide ties the
tunnel's line protocol to its IPsec SAs), and keeps trying while the peer does not answer.
Here, for the one peer of a protected tunnel (``tunnel destination``):

* when the tunnel has no IPsec SA and nothing is negotiating with the peer, the gateway
  starts IKE itself: an IKE_SA_INIT (RFC 7296 §1.2), or a CREATE_CHILD_SA on the IKE SA that
  is still up (§1.3.1, after ``clear crypto sa`` or the peer's Delete of the Child SA);
* attempts are at least :data:`VTI_RETRY` seconds apart until one succeeds (a tunnel that
  was up and loses its SAs starts again at once): a negotiation that fails at once
  (the peer answers NO_PROPOSAL_CHOSEN, say) is not repeated in a tight loop; one that fails
  by timeout (the engine's retransmissions, §2.1, about a minute) is followed at once by the
  next, so an unanswered tunnel sends IKE_SA_INIT for ever, as IOS does;
* once the tunnel has its SAs, our own IKE_SA_INIT still unanswered is given up (the peer's
  negotiation won the race; without this, its retransmission would make a second IKE SA);
* two IKE_SA_INITs crossing on the wire (both ends came up at once) make two IKE SAs, each
  with a Child SA for the same "any to any" flow. RFC 7296 settles such a tie only for
  rekeys (§2.8.1: the SA created with the lowest of the four nonces is redundant and is
  deleted by the end that initiated it); both ends apply that rule to the two new IKE SAs,
  which both know: the redundant one's initiator deletes it (an INFORMATIONAL Delete, its
  Child SA with it, §1.4.1) and both ends take its Child SA out of the SAD at once, so the
  same pair carries the traffic at both ends and only one IKE SA is left to rekey it;
* nothing of this runs for a crypto map (``crypto.carrier is None``): it stays traffic-driven.

It runs from the gateway's timer (:meth:`keepup_timer` joins ``get_timer``), so the lab and the
router process, which both arm that timer after each input, need no call of their own: the
first timer after the gateway is built starts the tunnel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.gateway import ipsec_log
from vpnteach.ikev2.transitions import State

if TYPE_CHECKING:
    from vpnteach.esp.sa import IpsecSa
    from vpnteach.esp.sad import Sad
    from vpnteach.gateway.adapt import CryptoInterface
    from vpnteach.ikev2 import Ikev2Endpoint

VTI_RETRY = 10.0
"""The least time, in seconds, between two attempts of a static VTI to bring its tunnel up
(the lab's choice: IOS documents no figure)."""


class TunnelKeepUp:
    """The keep-up of a static VTI, mixed into :class:`~vpnteach.gateway.Ikev2Gateway`."""

    crypto: CryptoInterface
    sad: Sad
    v2: Ikev2Endpoint
    _asked: set[tuple[str, int, str]]
    _keepup_at: float = 0.0  # the epoch, long past: the first timer starts the tunnel

    if TYPE_CHECKING:  # the Ikev2Gateway's

        def _negotiating(self, peer: str) -> bool: ...

        def _acquire(self, peer: str, now: float, pfs_group: int | None = None) -> None: ...

        def _log(self, now: float, text: str) -> None: ...

        def _remove(self, sas: list[IpsecSa], reason: str, now: float) -> None: ...

    def keepup_timer(self) -> float | None:
        """When the tunnel should next be started (``None``: a crypto map, SAs up, or a
        negotiation in flight, whose outcome moves the timer again)."""
        peer = self._vti_peer()
        if peer is None or self.sad.sas() or self._negotiating(peer):
            return None
        if self._peer_bringing_up(peer):
            return None
        return self._keepup_at

    def _peer_bringing_up(self, peer: str) -> bool:
        """We answered an IKE_SA_INIT from ``peer`` and wait for its IKE_AUTH, one round trip
        away: starting our own would only cross it. A forged IKE_SA_INIT (RFC 7296 §2.6) holds
        the tunnel back until that half-open SA expires, not for good: the traffic trigger
        (``_negotiating``) does not wait for responder SAs, and the peer's own IKE_SA_INIT
        is answered beside the forged one."""
        return any(
            sa.peer[0] == peer and sa.state is State.R_WAIT_AUTH for sa in self.v2.sas.values()
        )

    def keep_tunnel_up(self, now: float) -> None:
        """Start the tunnel if :meth:`keepup_timer` says it is due at ``now``."""
        due = self.keepup_timer()
        if due is None or due > now:
            return
        peer, entry = str(self._vti_peer()), self.crypto.entries[0]
        self._keepup_at = now + VTI_RETRY
        self._asked |= {f.key for f in self.sad.spd.flows_to(peer)}
        self._log(now, ipsec_log.text("vti", f"{self.crypto.name}: no IPsec SA, IKE with {peer}"))
        self._acquire(peer, now, entry.pfs_group)

    def tunnel_came_up(self, peer: str, now: float) -> None:
        """A Child SA with ``peer`` is installed: our unanswered IKE_SA_INITs to the VTI's
        peer are useless now (RFC 7296 §2.1: we stop retransmitting them)."""
        if peer == self._vti_peer():
            self.v2.abandon_init(peer, now)
            self._keepup_at = 0.0  # a tunnel that goes down after this is started again at once
            self._drop_duplicate(peer, now)

    def _drop_duplicate(self, peer: str, now: float) -> None:
        """Two IKE SAs with ``peer`` from crossed IKE_SA_INITs: the one created with the
        lowest nonce goes (the module docstring; RFC 7296 §2.8.1's rule for rekeys)."""
        both = [sa for sa in self.v2.sas.values()
                if sa.peer[0] == peer and sa.established and sa.init is not None
                and not sa.delete_ike_queued]  # fmt: skip
        if len(both) != 2:
            return
        redundant = min(both, key=lambda sa: min(sa.init.ni, sa.init.nr) if sa.init else b"")
        spis = {int.from_bytes(s, "big") for c in redundant.children for s in (c.spi_in, c.spi_out)}
        gone = [sa for sa in self.sad.sas() if sa.peer == peer and sa.spi in spis]
        self._remove(gone, "duplicate IKEv2 SA (crossed IKE_SA_INITs)", now)
        if redundant.initiator:
            self.v2.delete_ike_sa(peer, now, redundant.spi_i)

    def restart_keepup(self) -> None:
        """Try at the next timer (a new configuration: IOS brings the tunnel up at once)."""
        self._keepup_at = 0.0

    def _vti_peer(self) -> str | None:
        """The ``tunnel destination`` of a static VTI (``None`` for a crypto map)."""
        if self.crypto.carrier is None or not self.crypto.entries:
            return None
        return self.crypto.entries[0].peer
