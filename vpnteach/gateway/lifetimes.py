"""When an IPsec SA pair (or an ISAKMP SA) is rekeyed, and what its end looks like on the wire.

RFC 4301 §4.4.2.1 gives an SA a soft lifetime, when a successor is negotiated, and a hard one,
when it is deleted. Which side negotiates the successor is left to the implementations:

* The side that started the pair's Quick Mode rekeys first: IOS 30 s before the seconds
  lifetime ends (:data:`~vpnteach.esp.sa.IOS_SOFT_MARGIN_SECONDS`, or at 90 % of the kilobytes),
  less a random jitter of up to 5 % of the lifetime (at most 10 s), as strongSwan's
  ``rand_time`` does, so two tunnels set up together do not all rekey in the same second.
* The other side rekeys too, later (:data:`RESPONDER_SOFT_MARGIN_SECONDS` before the end, less
  at most 5 s), if by then the pair is still the flow's newest and has carried traffic: the peer
  may have a longer lifetime and no intention of rekeying (strongSwan initiating with its 8-hour
  default against our 1 hour, in which case our RESPONDER-LIFETIME told it in vain), and
  traffic must not wait for the next packet to start a negotiation. An idle pair is left to
  expire.
* At the hard lifetime the pair is removed and the peer told: a Delete payload naming the
  pair's inbound SPI (RFC 2408 §3.15; the SPI the peer sends to), so that it stops sending into
  an SA that no longer exists (IOS "IPSEC(delete_sa)", strongSwan "received DELETE for ESP
  CHILD_SA").
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.crypto.rng import Rng, random_int_below
from vpnteach.esp.sa import (
    IOS_SOFT_MARGIN_SECONDS,
    Direction,
    HardLifetimeExpired,
    IpsecSa,
    SoftLifetimeExpired,
)
from vpnteach.esp.sad import Sad
from vpnteach.esp.spd import Flow
from vpnteach.gateway import ipsec_log
from vpnteach.gateway.pairs import SaPairs
from vpnteach.ike.endpoint import IkeEndpoint

RESPONDER_SOFT_MARGIN_SECONDS = 15
"""How long before the hard seconds lifetime the side that did not start the pair rekeys it."""

JITTER_FRACTION = 0.05
"""The largest random jitter taken off a soft lifetime, as a fraction of the lifetime ..."""

JITTER_LIMIT = {True: 10, False: 5}
"""... and in seconds, for the pair's initiator (``True``) and the other side: the responder
rekeys 15 to 20 s before the end, always after the initiator (30 to 40 s before)."""


def soft_seconds(seconds: int, *, ours: bool, rng: Rng) -> float:
    """The age at which a pair with a hard lifetime of ``seconds`` is rekeyed by this side
    (``ours``: we started its Quick Mode); never before half (initiator) or three quarters
    (responder) of the lifetime, so that very short lifetimes still rekey in order."""
    if not seconds:
        return 0.0
    bound = min(int(seconds * JITTER_FRACTION), JITTER_LIMIT[ours])
    jitter = random_int_below(rng, bound + 1) if bound else 0
    if ours:
        return max(seconds - IOS_SOFT_MARGIN_SECONDS - jitter, seconds * 0.5)
    return max(seconds - RESPONDER_SOFT_MARGIN_SECONDS - jitter, seconds * 0.75)


def carried_traffic(sas: list[IpsecSa]) -> bool:
    """Did any SA of the pair protect a packet?"""
    return any(sa.bytes_protected for sa in sas)


def seconds_soft_reached(sa: IpsecSa, now: float) -> bool:
    """The soft event came from the seconds lifetime (not the kilobytes one, which both sides
    reach in the same instant: that rekey stays with the pair's initiator)."""
    return bool(sa.lifetime.seconds) and now >= sa.created_at + sa.soft_seconds


class IsakmpRekeys:
    """When each ISAKMP SA is replaced by a new Main Mode before its lifetime ends.

    The same rule as for IPsec SAs, applied to the ISAKMP SA (RFC 2409 §5 has no rekey of its
    own: a new Main Mode with the peer): the SA's initiator 30 to 40 s before it expires, the
    responder 15 to 20 s before, each only if the IPsec SAs with that peer carry traffic (an
    idle tunnel lets the SA expire, announced with a Delete, and negotiates anew on demand). The
    margin is kept, not the time: a RESPONDER-LIFETIME may still move the end closer.
    """

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self._margin: dict[bytes, float] = {}  # CKY-I -> seconds before expiry

    def __len__(self) -> int:
        return len(self._margin)

    def established(self, cky_i: bytes, lifetime: int, *, ours: bool) -> None:
        """An ISAKMP SA with this ``lifetime`` completed (``ours``: we initiated it)."""
        self._margin[cky_i] = lifetime - soft_seconds(lifetime, ours=ours, rng=self.rng)

    def timer(self, expiry: Callable[[bytes], float | None]) -> float | None:
        """The next rekey time, given each SA's current expiry (``None``: gone)."""
        times = [e - m for k, m in self._margin.items() if (e := expiry(k)) is not None]
        return min(times) if times else None

    def due(self, expiry: Callable[[bytes], float | None], now: float) -> list[bytes]:
        """The SAs whose rekey time has come (each returned once); gone SAs are forgotten."""
        found = []
        for key, margin in list(self._margin.items()):
            expires = expiry(key)
            if expires is None or expires - margin <= now:
                del self._margin[key]
                if expires is not None:
                    found.append(key)
        return found


class LifetimeGlue:
    """The gateway's part in lifetimes: rekeys and the Delete at expiry (mixed into
    :class:`~vpnteach.gateway.gateway.Gateway`, whose attributes these are)."""

    ike: IkeEndpoint
    sad: Sad
    pairs: SaPairs
    _asked: set[tuple[str, int, str]]

    def _log(self, now: float, text: str) -> None:
        raise NotImplementedError

    def _remove(self, sas: list[IpsecSa], reason: str, now: float) -> None:
        raise NotImplementedError

    def _rekey(self, event: SoftLifetimeExpired, now: float) -> None:
        """Soft lifetime of the *current* outbound SA of a flow: negotiate its successor.

        The side that initiated the pair rekeys at its soft limit; the other side at its later
        one, if the pair still serves the flow and carried traffic (:mod:`.lifetimes`).
        """
        if event.direction is not Direction.OUTBOUND:
            return
        sa = self.pairs.find(event.spi, Direction.OUTBOUND)
        flow = self.sad.flow_of(sa) if sa is not None else None
        if sa is None or flow is None or self.sad.outbound_sa(flow) is not sa:
            return
        busy = seconds_soft_reached(sa, now) and carried_traffic(self.pairs.with_partners([sa]))
        if not (self.pairs.initiated_by_us(sa) or busy):
            return
        self._log(now, ipsec_log.text("rekey", f"{event.reason}: rekeying {flow}"))
        self._asked.add(flow.key)
        self._negotiate_successor(flow, now)

    def _negotiate_successor(self, flow: Flow, now: float) -> None:
        """A Quick Mode for the flow's crypto map entry (IKEv2: CREATE_CHILD_SA)."""
        self.ike.initiate(flow.peer, now, flow.crypto_map)

    def _isakmp_expiry(self, cky_i: bytes) -> float | None:
        sa = self.ike.sas.get(cky_i)
        return sa.expires if sa is not None and not sa.dead else None

    def _rekey_isakmp(self, cky_i: bytes, now: float) -> None:
        """An ISAKMP SA near its end: a new Main Mode if the tunnel to its peer is busy."""
        sa = self.ike.sas.get(cky_i)
        peer = sa.peer[0] if sa is not None else ""
        busy = carried_traffic([s for s in self.sad.sas() if s.peer == peer])
        if busy and self.ike.rekey_isakmp_sa(cky_i, now):
            self._log(now, ipsec_log.text("rekey", f"ISAKMP SA with {peer}: new Main Mode"))

    def _expired(self, event: HardLifetimeExpired, now: float) -> None:
        """The hard lifetime of an SA ended: remove its pair and tell the peer with a Delete
        naming the pair's inbound SPI (RFC 2408 §3.15), as IOS does."""
        self._log(now, ipsec_log.text("lifetime", f"SA 0x{event.spi:08X} expired: {event.reason}"))
        sa = self.pairs.find(event.spi, event.direction)
        if sa is not None:
            pair = self.pairs.with_partners([sa])
            self._remove(pair, "lifetime expired", now)
            inbound = [s.spi.to_bytes(4, "big") for s in pair if s.direction is Direction.INBOUND]
            self.ike.delete_ipsec_sas(sa.peer, inbound, now)
        self.pairs.prune(lambda sa: self.sad.flow_of(sa) is not None)
