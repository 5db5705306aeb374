"""The IPsec gateway a router runs: IKE + SPD/SAD glued together, sans-IO.

:class:`Gateway` is built from an IOS :class:`~vpnteach.ios.RouterConfig` and the router's
PKI; the simulated lab drives it through the router's hooks and UDP ports, a real router
process would drive it from a TUN device and UDP sockets. See :mod:`vpnteach.gateway.gateway`.
"""

from __future__ import annotations

from typing import Any

from vpnteach.crypto.rng import Rng
from vpnteach.gateway.adapt import (
    CryptoInterface,
    GatewayConfigError,
    crypto_interface,
    ike_config_from,
)
from vpnteach.gateway.dpd import DpdTracker, PeerDead
from vpnteach.gateway.gateway import Gateway, GatewayEvent
from vpnteach.gateway.ikev2_gateway import Ikev2Gateway, check_ikev2_config, uses_ikev2
from vpnteach.gateway.ipsec_log import IpsecLogLine
from vpnteach.gateway.packets import is_esp
from vpnteach.gateway.results import Deliver, Discard, SasInstalled, SasRemoved, Transmit
from vpnteach.gateway.weak import Weakness, weaknesses
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki

__all__ = [
    "CryptoInterface",
    "Deliver",
    "Discard",
    "DpdTracker",
    "Gateway",
    "GatewayConfigError",
    "GatewayEvent",
    "Ikev2Gateway",
    "IpsecLogLine",
    "PeerDead",
    "SasInstalled",
    "SasRemoved",
    "Transmit",
    "Weakness",
    "check_ikev2_config",
    "crypto_interface",
    "ike_config_from",
    "is_esp",
    "make_gateway",
    "tunnels_up",
    "uses_ikev2",
    "weaknesses",
]


def make_gateway(
    config: RouterConfig,
    pki: RouterPki | None = None,
    rng: Rng | None = None,
    **options: Any,
) -> Gateway:
    """The gateway ``config`` asks for: an :class:`Ikev2Gateway` when the applied crypto map's
    entries have ``set ikev2-profile``, else the IKEv1 :class:`Gateway` (same ``options``).

    Raises:
        GatewayConfigError: the configuration cannot run a gateway (the message says why).
    """
    kind = Ikev2Gateway if uses_ikev2(config) else Gateway
    return kind(config, pki, rng, **options)


def tunnels_up(gateway: Gateway | None) -> frozenset[str]:
    """The tunnel interfaces whose line protocol is up: a static VTI's, once its IPsec SAs are
    installed (IOS ties a VTI's line protocol to its IPsec SAs); none without a gateway."""
    if gateway is None or gateway.crypto.carrier is None or not gateway.sad.sas():
        return frozenset()
    return frozenset({gateway.crypto.name})
