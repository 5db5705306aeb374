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
