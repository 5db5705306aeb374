"""The IPsec gateway a router runs: IKE + SPD/SAD glued together, sans-IO.

:class:`Gateway` is built from an IOS :class:`~vpnteach.ios.RouterConfig` and the router's
PKI; the simulated lab drives it through the router's hooks and UDP ports, a real router
process would drive it from a TUN device and UDP sockets. See :mod:`vpnteach.gateway.gateway`.
"""

from __future__ import annotations

from vpnteach.gateway.adapt import (
    CryptoInterface,
    GatewayConfigError,
    crypto_interface,
    ike_config_from,
)
from vpnteach.gateway.dpd import DpdTracker, PeerDead
from vpnteach.gateway.gateway import Gateway, GatewayEvent
from vpnteach.gateway.ipsec_log import IpsecLogLine
from vpnteach.gateway.packets import is_esp
from vpnteach.gateway.results import Deliver, Discard, SasInstalled, SasRemoved, Transmit
from vpnteach.gateway.weak import Weakness, weaknesses

__all__ = [
    "CryptoInterface",
    "Deliver",
    "Discard",
    "DpdTracker",
    "Gateway",
    "GatewayConfigError",
    "GatewayEvent",
    "IpsecLogLine",
    "PeerDead",
    "SasInstalled",
    "SasRemoved",
    "Transmit",
    "Weakness",
    "crypto_interface",
    "ike_config_from",
    "is_esp",
    "weaknesses",
]
