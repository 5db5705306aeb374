"""Static routes, as IOS configures them (``ip route``)::

    ip route 192.168.22.0 255.255.255.0 10.1.1.2
    no ip route 192.168.22.0 255.255.255.0            ! every next hop of that prefix

The seed's branches reach each other's LAN through their default route; a learner may add
routes of their own (the lab's simulated network forwards by them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.model import StaticRoute

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]


def check_network(a: Args) -> None:
    """``ip route PREFIX MASK ...`` names a network: no host bits under the mask (IOS:
    "%Inconsistent address and mask"); the caret goes under the mask."""
    try:
        ipaddress.IPv4Network(f"{a['prefix']}/{a['mask']}")
    except ValueError:
        raise Mismatch(2, [f"a network address for mask {a['mask']} (no host bits)"]) from None


def _ip_route(d: Draft, a: Args) -> None:
    check_network(a)
    route = StaticRoute(a["prefix"], a["mask"], a["next_hop"])
    if route not in d.static_routes:
        d.static_routes.append(route)


def _no_ip_route(d: Draft, a: Args) -> None:
    def same(r: StaticRoute) -> bool:
        hop = a.get("next_hop")
        return (r.prefix, r.mask) == (a["prefix"], a["mask"]) and hop in (None, r.next_hop)

    d.static_routes = [r for r in d.static_routes if not same(r)]


GLOBAL_ROWS: tuple[Row, ...] = (
    ("ip route <prefix:ip> <mask:mask> <next_hop:ip>", _ip_route),
    ("no ip route <prefix:ip> <mask:mask> [<next_hop:ip>]", _no_ip_route),
)
