"""What the router process reads from its configuration to set itself up (the LAN it puts on
the TUN device, the routes into the tunnel, its clock's zone), and how it names events in its
log. Functions of the configuration and the gateway only: no I/O.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from vpnteach.gateway import Gateway, SasInstalled, SasRemoved
from vpnteach.gateway import tunnels_up as tunnels_up  # for router.commands
from vpnteach.ike.events import Phase1Complete
from vpnteach.ikev2.events import IkeSaEstablished, IkeSaRekeyCollision, IkeSaRekeyed
from vpnteach.ios.model import RouterConfig
from vpnteach.ios.vti_model import is_tunnel
from vpnteach.router.sockets import RouterSetupError


def lan_interface(config: RouterConfig) -> ipaddress.IPv4Interface:
    """The protected LAN: the first up interface with an address and no crypto map that is
    neither a tunnel nor the ``tunnel source`` of one (a static VTI's WAN).

    Raises:
        RouterSetupError: the configuration has none.
    """
    sources = {i.tunnel_source for i in config.interfaces.values() if i.tunnel_source}
    for iface in config.interfaces.values():
        wan = iface.crypto_map is not None or is_tunnel(iface.name)
        wan = wan or bool({iface.name, iface.address} & sources)
        if not wan and not iface.shutdown and iface.ip_interface is not None:
            return iface.ip_interface
    raise RouterSetupError(
        f"{config.hostname}: no LAN interface (an 'interface' with 'ip address' and no "
        "'crypto map') to put on the TUN device"
    )


def config_timezone(config: RouterConfig) -> dt.tzinfo:
    """The router's clock zone: ``clock timezone`` of the config, else UTC (IOS's default)."""
    return config.clock_timezone.tzinfo if config.clock_timezone else dt.timezone.utc


def remote_networks(gateway: Gateway) -> list[str]:
    """The networks routed into the TUN: the destinations of every crypto ACL permit line, or
    for a static VTI (whose selectors are 0.0.0.0/0) the ``ip route`` lines out of the tunnel
    interface: there routing, not an ACL, says what is protected."""
    if gateway.crypto.carrier is not None:
        routes = gateway.config.static_routes
        found = {str(ipaddress.IPv4Network(f"{r.prefix}/{r.mask}")) for r in routes
                 if r.interface == gateway.crypto.name}  # fmt: skip
    else:
        found = {str(flow.remote_ident.network) for flow in gateway.sad.spd.flows}
    return sorted(found)


def brief(event: object) -> str:
    """One line for the log about an event the router reports."""
    if isinstance(event, SasInstalled):
        return f"peer {event.peer} in 0x{event.inbound_spi:08X} out 0x{event.outbound_spi:08X}"
    if isinstance(event, SasRemoved):
        return f"{', '.join(f'0x{s:08X}' for s in event.spis)} ({event.reason})"
    if isinstance(event, Phase1Complete):
        return f"ISAKMP SA with {event.peer[0]} (CKY-I {event.cky_i.hex()})"
    if isinstance(event, IkeSaEstablished):
        return f"IKEv2 SA with {event.peer[0]} (SPIi {event.spi_i.hex()}, {event.suite})"
    if isinstance(event, IkeSaRekeyed):
        old, new = event.old_spi_i.hex(), event.spi_i.hex()
        return f"IKEv2 SA with {event.peer[0]} rekeyed (SPIi {old} -> {new})"
    if isinstance(event, IkeSaRekeyCollision):  # RFC 7296 §2.8.2
        kept, gone = event.kept_spi_i.hex(), event.redundant_spi_i.hex()
        who = "us" if event.we_delete else "the peer"
        return (
            f"IKEv2 SA with {event.peer[0]} rekeyed by both ends at once: SPIi {kept} kept, "
            f"redundant SPIi {gone} deleted by {who} (lowest nonce {event.lowest_nonce.hex()})"
        )
    return repr(event)
