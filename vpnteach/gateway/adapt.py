"""From an IOS :class:`~vpnteach.ios.RouterConfig` to what the engines need: the one place.

IOS spreads a router's IPsec configuration over several commands; the engines want it
gathered. :func:`crypto_interface` finds the interface a crypto map is applied on (its address
is the local tunnel endpoint and the IKE identity, ``interface Serial1/0`` /
``crypto map CRYPTO`` in the seed); :func:`ike_config_from` builds the
:class:`~vpnteach.ike.config.IkeConfig` of the IKE endpoint from the ISAKMP policies, the
pre-shared keys, the ``crypto key pubkey-chain rsa`` keys (rsa-encr), the Aggressive Mode
settings (``crypto isakmp peer`` blocks, whose password is that peer's key, and
``crypto isakmp aggressive-mode disable``), the resolved crypto map entries and the router's PKI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vpnteach.ike.admission import DEFAULT_IN_NEGOTIATION, HalfOpenLimits
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.policy import CryptoMapEntry
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki


class GatewayConfigError(ValueError):
    """The router configuration cannot run a gateway (no crypto map interface, no address)."""


@dataclass(frozen=True)
class CryptoInterface:
    """The interface carrying a crypto map: its name, address and the map's entries."""

    name: str
    address: str
    map_name: str
    entries: tuple[CryptoMapEntry, ...]


def crypto_interface(config: RouterConfig) -> CryptoInterface:
    """The (single) interface with ``crypto map NAME`` applied and an address.

    Raises:
        GatewayConfigError: no such interface, several of them, or one without an address.
    """
    found = [i for i in config.interfaces.values() if i.crypto_map and not i.shutdown]
    if not found:
        raise GatewayConfigError(f"{config.hostname}: no interface has a 'crypto map' applied")
    if len(found) > 1:
        names = ", ".join(i.name for i in found)
        raise GatewayConfigError(
            f"{config.hostname}: crypto maps on several interfaces ({names}); one is supported"
        )
    iface = found[0]
    if iface.address is None or iface.crypto_map is None:
        raise GatewayConfigError(
            f"{config.hostname}: interface {iface.name} has 'crypto map' but no 'ip address'"
        )
    entries = config.crypto_map_entries(iface.crypto_map)
    return CryptoInterface(iface.name, iface.address, iface.crypto_map, entries)


def ike_config_from(
    config: RouterConfig,
    pki: RouterPki | None,
    *,
    timezone: dt.tzinfo | None = None,
    force_udp_encapsulation: bool = False,
    half_open: HalfOpenLimits | None = None,
) -> IkeConfig:
    """The IKE endpoint's configuration for ``config`` (and its PKI, for rsa-sig).

    The debug timestamps use ``timezone``, else the ``clock timezone`` of the config, else UTC
    (IOS's default). The IOS default protection suite is offered only when no policy is
    configured, which is what the seed's log shows (one transform checked, priority 10).
    ``force_udp_encapsulation`` fakes our NAT-D hash (``IkeConfig.force_udp_encapsulation``).
    ``half_open`` (default: the config's ``crypto call admission limit ike in-negotiation-sa``,
    strongSwan's per-source limit and timeout) bounds the responder SAs still negotiating.
    """
    crypto = crypto_interface(config)
    if timezone is None:
        tz = config.clock_timezone.tzinfo if config.clock_timezone else dt.timezone.utc
    else:
        tz = timezone
    return IkeConfig(
        crypto.address,
        policies=config.policies_by_priority(),
        crypto_map=crypto.entries,
        pre_shared_keys=config.pre_shared_keys(),
        peer_public_keys=config.peer_public_keys(),
        aggressive_mode_peers=config.aggressive_mode_peers(),
        aggressive_mode_disable=config.aggressive_mode_disable,
        aggressive_mode_ids=config.aggressive_mode_ids(),
        pki=pki,
        default_policy=False,
        timezone=tz,
        force_udp_encapsulation=force_udp_encapsulation,
        half_open=half_open or HalfOpenLimits(config.in_negotiation_sa or DEFAULT_IN_NEGOTIATION),
    )
