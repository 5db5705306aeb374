"""When an IPsec SA pair is rekeyed, and what its end looks like on the wire.

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

from vpnteach.crypto.rng import Rng, random_int_below
from vpnteach.esp.sa import IOS_SOFT_MARGIN_SECONDS, IpsecSa

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
