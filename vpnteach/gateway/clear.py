"""The ``clear crypto ...`` EXEC commands on a gateway, for the lab's console and the router's
control socket alike.

* ``clear crypto sa [peer IP]``: the IPsec SAs (with that peer); each peer is told with
  Delete payloads naming their SPIs (RFC 2408 §3.15; RFC 7296 §1.4.1, one Delete listing
  them all); the IKE SAs stay.
* ``clear crypto isakmp`` / ``clear crypto ikev2 sa``: the IKE SAs (IKEv1: the IPsec SAs stay;
  IKEv2: the Child SAs go with their IKE SA).
* ``clear crypto session [remote IP]``: both, IPsec SAs first (IOS: "clear crypto session").
"""

from __future__ import annotations

from vpnteach.gateway.gateway import Gateway
from vpnteach.gateway.ikev2_gateway import Ikev2Gateway

CLEARABLE = ("sa", "isakmp", "session")


def clear_crypto(gateway: Gateway, what: str, now: float, peer: str | None = None) -> int:
    """Run ``clear crypto <what>`` (``sa``, ``isakmp`` or ``session``) for every peer or
    ``peer``; returns how many SAs the command removed.

    Raises:
        ValueError: ``what`` is none of :data:`CLEARABLE`.
    """
    if what == "sa":
        return gateway.clear_crypto_sa(now, peer)
    if what == "isakmp":
        return gateway.clear_crypto_isakmp(now, peer)
    if what != "session":
        raise ValueError(f"clear crypto {what!r}: not one of {', '.join(CLEARABLE)}")
    if isinstance(gateway, Ikev2Gateway):
        return gateway.clear_crypto_session(now, peer)
    removed = gateway.clear_crypto_sa(now, peer)
    return removed + gateway.clear_crypto_isakmp(now, peer)


def clear_all(gateway: Gateway, now: float) -> tuple[int, int]:
    """Every IPsec SA and every IKE SA, the peers told (a router stopping): returns how many
    IPsec SAs and IKE SAs. Over IKEv2 one Delete of each IKE SA covers its Child SAs
    (RFC 7296 §1.4.1) and keeps a single request in flight (§2.3), where a Delete of the
    Child SAs followed by one of the IKE SA would send two at once."""
    if isinstance(gateway, Ikev2Gateway):
        peers = len({sa.peer[0] for sa in gateway.v2.sas.values() if sa.established})
        return gateway.clear_crypto_session(now), peers
    return gateway.clear_crypto_sa(now), gateway.clear_crypto_isakmp(now)
