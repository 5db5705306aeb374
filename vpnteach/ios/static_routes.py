"""Static routes, as IOS configures them (``ip route``)::

    ip route 192.168.22.0 255.255.255.0 10.1.1.2
    ip route 192.168.22.0 255.255.255.0 Tunnel0       ! out of an interface (a VTI)
    no ip route 192.168.22.0 255.255.255.0            ! every route to that prefix

The seed's branches reach each other's LAN through their default route; a learner may add
routes of their own (the lab's simulated network forwards by them). With a static virtual
tunnel interface the route into ``Tunnel0`` is what decides which traffic IPsec protects
(:mod:`vpnteach.ios.vti`); a route out of an interface that is not configured is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach.ike.policy import PolicyError
from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args
from vpnteach.ios.model import StaticRoute

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]


def _ip_route(d: Draft, a: Args) -> None:
    interface = a.get("interface")
    if interface is not None and interface not in d.interfaces:
        raise PolicyError(
            f"ip route {a['prefix']} {a['mask']} {interface}: no interface {interface} "
            f"(configure it first: interface {interface})"
        )
    route = StaticRoute(a["prefix"], a["mask"], a.get("next_hop"), interface)
    if route not in d.static_routes:
        d.static_routes.append(route)


def _no_ip_route(d: Draft, a: Args) -> None:
    def same(r: StaticRoute) -> bool:
        hop, interface = a.get("next_hop"), a.get("interface")
        return (
            (r.prefix, r.mask) == (a["prefix"], a["mask"])
            and hop in (None, r.next_hop)
            and interface in (None, r.interface)
        )

    d.static_routes = [r for r in d.static_routes if not same(r)]


_PREFIX = "ip route <prefix:ip> <mask:mask>"
GLOBAL_ROWS: tuple[Row, ...] = (
    (f"{_PREFIX} <next_hop:ip>", _ip_route),
    (f"{_PREFIX} <interface:interface> [<next_hop:ip>]", _ip_route),
    (f"no {_PREFIX} [<next_hop:ip>]", _no_ip_route),
    (f"no {_PREFIX} <interface:interface> [<next_hop:ip>]", _no_ip_route),
)
