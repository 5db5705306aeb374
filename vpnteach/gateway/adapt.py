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
from vpnteach.ike.policy import (
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
)
from vpnteach.ios.model import InterfaceConfig, RouterConfig
from vpnteach.ios.vti_model import IPSEC_MODE, head_map_name
from vpnteach.pki.trustpoint import RouterPki


class GatewayConfigError(ValueError):
    """The router configuration cannot run a gateway (no crypto map interface, no address)."""


@dataclass(frozen=True)
class CryptoInterface:
    """The interface carrying a crypto map: its name, address and the map's entries.

    For a static VTI (:func:`tunnel_interface`) ``name`` is the tunnel (``Tunnel0``: what is
    routed there is protected), ``carrier`` the interface of its ``tunnel source`` (where ESP
    and IKE come and go; ``address`` is its address), ``entries`` the one entry IOS builds
    (``Tunnel0-head-0``, "permit ip any any") and ``ikev2_profile`` the ipsec profile's.
    """

    name: str
    address: str
    map_name: str
    entries: tuple[CryptoMapEntry, ...]
    carrier: str | None = None
    ikev2_profile: str | None = None


def crypto_interface(config: RouterConfig) -> CryptoInterface:
    """The (single) interface with ``crypto map NAME`` applied and an address.

    Raises:
        GatewayConfigError: no such interface, several of them, or one without an address.
    """
    found = [i for i in config.interfaces.values() if i.crypto_map and not i.shutdown]
    tunnels = [i for i in config.interfaces.values() if i.tunnel_protection and not i.shutdown]
    if tunnels and found:
        raise GatewayConfigError(
            f"{config.hostname}: a crypto map on {found[0].name} and tunnel protection on "
            f"{tunnels[0].name}; this lab runs one of the two"
        )
    if tunnels:
        return tunnel_interface(config, tunnels)
    if not found:
        raise GatewayConfigError(
            f"{config.hostname}: no interface has a 'crypto map' or 'tunnel protection' applied"
        )
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


def tunnel_interface(config: RouterConfig, tunnels: list[InterfaceConfig]) -> CryptoInterface:
    """A static VTI as the gateway runs it: the crypto map IOS builds for ``interface Tunnel0``
    with ``tunnel protection ipsec profile``, whose one entry protects "IP any any" (Cisco:
    "the traffic selector for the IPsec SA is always IP any any"; RFC 7296 §2.9) with the
    profile's transform sets, PFS and lifetimes, towards ``tunnel destination``.

    Raises:
        GatewayConfigError: several protected tunnels, or one that cannot run (which line).
    """
    if len(tunnels) > 1:
        names = ", ".join(t.name for t in tunnels)
        raise GatewayConfigError(f"{config.hostname}: tunnel protection on {names}; one is run")
    tunnel = tunnels[0]
    where = f"interface {tunnel.name}"
    if tunnel.tunnel_mode != IPSEC_MODE:
        raise GatewayConfigError(
            f"{where}: tunnel mode gre ip (IOS's default) is not modelled: "
            "add 'tunnel mode ipsec ipv4' (a static VTI)"
        )
    if tunnel.tunnel_destination is None:
        raise GatewayConfigError(f"{where}: no 'tunnel destination' (the peer's address)")
    carrier, address = _tunnel_source(config, tunnel)
    profile = config.ipsec_profiles.get(str(tunnel.tunnel_protection))
    if profile is None:
        raise GatewayConfigError(f"{where}: no crypto ipsec profile {tunnel.tunnel_protection}")
    sets = tuple(config.transform_sets[n] for n in profile.transform_sets
                 if n in config.transform_sets)  # fmt: skip
    if not sets:
        named = " ".join(profile.transform_sets) or "none; IOS 15's smart default is not modelled"
        raise GatewayConfigError(
            f"crypto ipsec profile {profile.name}: no usable set transform-set ({named})"
        )
    if profile.ikev2_profile is None:
        raise GatewayConfigError(f"crypto ipsec profile {profile.name}: {profile.gaps()[-1]}")
    entry = CryptoMapEntry(
        head_map_name(tunnel.name), 1, _ANY_ANY, tunnel.tunnel_destination, sets,
        pfs_group=profile.pfs_group,
        lifetime_seconds=profile.lifetime_seconds or _changed(config.sa_lifetime_seconds,
                                                              GLOBAL_SA_LIFETIME_SECONDS),
        lifetime_kilobytes=profile.lifetime_kilobytes or _changed(
            config.sa_lifetime_kilobytes, GLOBAL_SA_LIFETIME_KILOBYTES),
    )  # fmt: skip
    return CryptoInterface(
        tunnel.name, address, entry.name, (entry,), carrier, profile.ikev2_profile
    )


_ANY_ANY = AccessList("", (AclEntry("permit", AddressMatch.any(), AddressMatch.any()),))


def _changed(value: int, default: int) -> int | None:
    return None if value == default else value


def _tunnel_source(config: RouterConfig, tunnel: InterfaceConfig) -> tuple[str, str]:
    """The interface ``tunnel source`` names (or owns the address it names), its address."""
    where = f"interface {tunnel.name}: tunnel source"
    source = tunnel.tunnel_source
    if source is None:
        raise GatewayConfigError(f"interface {tunnel.name}: no 'tunnel source'")
    for iface in config.interfaces.values():
        if source in (iface.name, iface.address):
            if iface.address is None:
                raise GatewayConfigError(f"{where} {source}: {iface.name} has no ip address")
            return iface.name, iface.address
    raise GatewayConfigError(f"{where} {source}: no such interface or address on this router")


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
