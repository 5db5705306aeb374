"""The routing table: connected and static routes, longest prefix match (RFC 1812 §5.2.4.3).

Connected routes come from the interfaces' addresses; static routes name an outgoing
interface, a next hop, or both (``ip route 192.168.22.0 255.255.255.0 Serial1/0`` /
``... 10.1.1.2``). A next-hop-only route is resolved recursively through the table, as IOS
does. Links are point-to-point, so the next hop only matters for choosing the interface.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from vpnteach._html import HtmlRepr


class RouteError(ValueError):
    """A route that names neither an interface nor a next hop, or a malformed prefix."""


@dataclass(frozen=True)
class Route(HtmlRepr):
    """One entry: ``kind`` is ``"connected"`` or ``"static"`` (IOS codes C and S)."""

    prefix: IPv4Network
    interface: str | None
    next_hop: IPv4Address | None
    kind: str = "static"

    def __post_init__(self) -> None:
        if self.interface is None and self.next_hop is None:
            raise RouteError(f"route to {self.prefix} needs an interface or a next hop")


def parse_prefix(prefix: str, mask: str | None = None) -> IPv4Network:
    """``"192.168.22.0/24"`` or (``"192.168.22.0"``, ``"255.255.255.0"``) -> network."""
    text = f"{prefix}/{mask}" if mask is not None else prefix
    try:
        return IPv4Network(text, strict=True)
    except ValueError as exc:
        raise RouteError(f"{text!r} is not an IPv4 prefix: {exc}") from None


class RoutingTable(HtmlRepr):
    """Routes of one node; :meth:`lookup` returns the longest matching prefix."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, route: Route) -> None:
        """Add ``route`` (a later route for the same prefix and kind replaces it)."""
        self.routes = [
            r for r in self.routes if (r.prefix, r.kind) != (route.prefix, route.kind)
        ] + [route]

    def remove(self, prefix: IPv4Network, kind: str = "static") -> None:
        """Remove the route of ``kind`` to ``prefix`` if there is one."""
        self.routes = [r for r in self.routes if (r.prefix, r.kind) != (prefix, kind)]

    def lookup(self, dst: str | IPv4Address, _depth: int = 0) -> tuple[str, Route] | None:
        """``(outgoing interface, route)`` for ``dst``, or None if no route matches."""
        address = ipaddress.IPv4Address(dst)
        matches = [r for r in self.routes if address in r.prefix]
        if not matches or _depth > 8:
            return None
        # Longest prefix wins; on equal length a connected route beats a static one.
        best = max(matches, key=lambda r: (r.prefix.prefixlen, r.kind == "connected"))
        if best.interface is not None:
            return best.interface, best
        assert best.next_hop is not None
        via = self.lookup(best.next_hop, _depth + 1)
        return (via[0], best) if via is not None else None
