"""Static virtual tunnel interfaces (FlexVPN site-to-site, tunnel-interface form): grammar rows
and ``show running-config`` lines. The records are in :mod:`vpnteach.ios.vti_model`.

``crypto ipsec profile NAME`` enters ``ipsec-profile`` mode (IOS's prompt
``Router(ipsec-profile)#``), whose ``set`` lines are a crypto map entry's; ``interface Tunnel0``
takes ``ip unnumbered`` and the ``tunnel`` lines besides the usual ``config-if`` ones::

    tunnel source Serial1/0 | A.B.C.D       tunnel destination A.B.C.D
    tunnel mode ipsec ipv4 | gre ip          tunnel protection ipsec profile NAME

The ``tunnel`` lines exist on a tunnel interface only (``interface Tunnel0`` enters
:data:`TUNNEL_INTERFACE`, prompted ``config-if`` as on IOS; elsewhere they are invalid input).
Refused with a message that names the line (nothing is applied): ``tunnel protection`` naming
a profile that does not exist, ``no crypto ipsec profile`` of a profile a tunnel still uses.
Routing decides what a static VTI protects (``ip route 192.168.22.0 255.255.255.0 Tunnel0``,
a route out of an interface, refused for one not configured): its one Child SA's selectors are
0.0.0.0/0 both ways
(RFC 7296 §2.9; Cisco: "the traffic selector for the IPsec SA is always IP any any").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from vpnteach.ike.policy import PolicyError
from vpnteach.ios.argtypes import interface_rank
from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args
from vpnteach.ios.model import InterfaceConfig, RouterConfig, StaticRoute
from vpnteach.ios.static_routes import check_network
from vpnteach.ios.vti_model import IpsecProfileConfig, is_tunnel

PROFILE = "ipsec-profile"

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]


def _nothing(d: Draft, a: Args) -> None:
    """``exit``: only the mode changes."""


# --- crypto ipsec profile -------------------------------------------------------------------


def _profile(d: Draft, a: Args) -> None:
    d.ipsec_profiles.setdefault(a["name"], IpsecProfileConfig(a["name"]))
    d.context = a["name"]


def _no_profile(d: Draft, a: Args) -> None:
    users = [i.name for i in d.interfaces.values() if i.tunnel_protection == a["name"]]
    if users:
        raise PolicyError(
            f"crypto ipsec profile {a['name']} is in use by {', '.join(users)}: remove "
            "tunnel protection there first"
        )
    d.ipsec_profiles.pop(a["name"], None)


def _edit(**defaults: object) -> Handler:
    """Set the profile's fields from the arguments (a ``no`` form: back to ``defaults``)."""

    def handler(d: Draft, a: Args) -> None:
        changes = {k: a.get(k, v) for k, v in defaults.items()}
        d.ipsec_profiles[d.context] = replace(d.ipsec_profiles[d.context], **changes)

    return handler


_SA = "set security-association lifetime"

PROFILE_ROWS: tuple[Row, ...] = (
    ("set transform-set <transform_sets:ts_names>", _edit(transform_sets=())),
    ("no set transform-set", _edit(transform_sets=())),
    ("set ikev2-profile <ikev2_profile:word>", _edit(ikev2_profile=None)),
    ("no set ikev2-profile", _edit(ikev2_profile=None)),
    ("set pfs [<pfs_group:pfs_group>]", _edit(pfs_group=1)),
    ("no set pfs", _edit(pfs_group=None)),
    (f"{_SA} seconds <lifetime_seconds:int:120-86400>", _edit(lifetime_seconds=None)),
    (
        f"{_SA} kilobytes <lifetime_kilobytes:int:2560-4294967295>",
        _edit(lifetime_kilobytes=None),
    ),
    (f"no {_SA} seconds", _edit(lifetime_seconds=None)),
    (f"no {_SA} kilobytes", _edit(lifetime_kilobytes=None)),
    ("exit", _nothing),
)


def _route_out(d: Draft, a: Args) -> None:
    """``ip route PREFIX MASK INTERFACE [NEXT-HOP]``: out of an interface that exists (a VTI's
    route decides what its IPsec SA protects)."""
    where = f"ip route {a['prefix']} {a['mask']} {a['interface']}"
    check_network(a)
    if a["interface"] not in d.interfaces:
        raise PolicyError(
            f"{where}: no interface {a['interface']} (configure it first: interface "
            f"{a['interface']})"
        )
    route = StaticRoute(a["prefix"], a["mask"], a.get("next_hop"), a["interface"])
    if route not in d.static_routes:
        d.static_routes.append(route)


def _no_route_out(d: Draft, a: Args) -> None:
    def same(r: StaticRoute) -> bool:
        hop = a.get("next_hop")
        return (r.prefix, r.mask, r.interface) == (a["prefix"], a["mask"], a["interface"]) and (
            hop in (None, r.next_hop)
        )

    d.static_routes = [r for r in d.static_routes if not same(r)]


_ROUTE = "ip route <prefix:ip> <mask:mask> <interface:interface> [<next_hop:ip>]"
GLOBAL_ROWS: tuple[Row, ...] = (
    ("crypto ipsec profile <name:word>", _profile, PROFILE),
    ("no crypto ipsec profile <name:word>", _no_profile),
    (_ROUTE, _route_out),
    (f"no {_ROUTE}", _no_route_out),
)


# --- interface Tunnel0 ----------------------------------------------------------------------


def enter_tunnel(d: Draft, a: Args) -> None:
    """``interface Tunnel0``: the interface (new if need be) in :data:`TUNNEL_INTERFACE` mode."""
    d.interfaces.setdefault(a["tunnel"], InterfaceConfig(a["tunnel"]))
    d.context = a["tunnel"]


def _tunnel_edit(change: Callable[[InterfaceConfig, Args, Draft], InterfaceConfig]) -> Handler:
    """A line of ``interface Tunnel0`` that edits the interface being configured."""

    def handler(d: Draft, a: Args) -> None:
        d.interfaces[d.context] = change(d.interfaces[d.context], a, d)

    return handler


def _field(name: str, key: str | None = None) -> Handler:
    def change(i: InterfaceConfig, a: Args, d: Draft) -> InterfaceConfig:
        changes: dict[str, Any] = {name: a.get(key) if key else None}
        return replace(i, **changes)

    return _tunnel_edit(change)


def _protection(i: InterfaceConfig, a: Args, d: Draft) -> InterfaceConfig:
    name = a["ipsec_profile"]
    if name not in d.ipsec_profiles:
        known = ", ".join(sorted(d.ipsec_profiles)) or "none yet"
        raise PolicyError(
            f"tunnel protection ipsec profile {name}: no crypto ipsec profile {name} "
            f"(configured: {known}); configure the profile first"
        )
    return replace(i, tunnel_protection=name)


def _no_protection(i: InterfaceConfig, a: Args, d: Draft) -> InterfaceConfig:
    if a.get("ipsec_profile") not in (None, i.tunnel_protection):
        return i
    return replace(i, tunnel_protection=None)


def _unnumbered(d: Draft, a: Args) -> None:
    """``ip unnumbered IF``: borrow that interface's address (no address of its own)."""
    interface = d.interfaces[d.context]
    d.interfaces[d.context] = replace(
        interface, unnumbered=a["unnumbered"], address=None, mask=None
    )


def _no_unnumbered(d: Draft, a: Args) -> None:
    d.interfaces[d.context] = replace(d.interfaces[d.context], unnumbered=None)


_TUNNEL_SOURCE = "tunnel source"
INTERFACE_ROWS: tuple[Row, ...] = (
    ("ip unnumbered <unnumbered:interface>", _unnumbered),
    ("no ip unnumbered", _no_unnumbered),
    (f"{_TUNNEL_SOURCE} <source:interface>", _field("tunnel_source", "source")),
    (f"{_TUNNEL_SOURCE} <source:ip>", _field("tunnel_source", "source")),
    (f"no {_TUNNEL_SOURCE}", _field("tunnel_source")),
    ("tunnel destination <destination:ip>", _field("tunnel_destination", "destination")),
    ("no tunnel destination", _field("tunnel_destination")),
    ("tunnel mode ipsec ipv4", _tunnel_edit(lambda i, a, d: replace(i, tunnel_mode="ipsec ipv4"))),
    ("tunnel mode gre ip", _tunnel_edit(lambda i, a, d: replace(i, tunnel_mode=None))),
    ("no tunnel mode", _tunnel_edit(lambda i, a, d: replace(i, tunnel_mode=None))),
    ("tunnel protection ipsec profile <ipsec_profile:word>", _tunnel_edit(_protection)),
    ("no tunnel protection ipsec profile [<ipsec_profile:word>]", _tunnel_edit(_no_protection)),
)


# --- show running-config --------------------------------------------------------------------


def running_config_sections(config: RouterConfig) -> list[list[str]]:
    """The ``crypto ipsec profile`` blocks (IOS prints them after the transform sets)."""
    return [_profile_lines(p) for p in config.ipsec_profiles.values()]


def _profile_lines(p: IpsecProfileConfig) -> list[str]:
    lines = [f"crypto ipsec profile {p.name}"]
    if p.lifetime_seconds is not None:
        lines.append(f" set security-association lifetime seconds {p.lifetime_seconds}")
    if p.lifetime_kilobytes is not None:
        lines.append(f" set security-association lifetime kilobytes {p.lifetime_kilobytes}")
    lines += [f" set transform-set {' '.join(p.transform_sets)} "] if p.transform_sets else []
    lines += [f" set pfs group{p.pfs_group}"] if p.pfs_group is not None else []
    lines += [f" set ikev2-profile {p.ikev2_profile}"] if p.ikev2_profile else []
    return lines


def interface_lines(i: InterfaceConfig) -> list[str]:
    """A tunnel interface's own lines, in IOS's order (after its address)."""
    lines = [f" tunnel source {i.tunnel_source}"] if i.tunnel_source else []
    lines += [f" tunnel mode {i.tunnel_mode}"] if i.tunnel_mode else []
    lines += [f" tunnel destination {i.tunnel_destination}"] if i.tunnel_destination else []
    if i.tunnel_protection:
        lines.append(f" tunnel protection ipsec profile {i.tunnel_protection}")
    return lines


# --- show ip interface brief ----------------------------------------------------------------


def show_ip_interface_brief(config: RouterConfig, tunnels_up: frozenset[str]) -> str:
    """``show ip interface brief``: each interface's address and state, in IOS's columns. A
    shut interface is "administratively down"; a tunnel's line protocol is up only when it is
    in ``tunnels_up`` (a static VTI with its IPsec SAs), the others' follow their status.

    As on IOS, a static VTI negotiates as soon as the tunnel interface is up, with no traffic,
    and keeps trying (:mod:`vpnteach.gateway.vti_keepup`): its line protocol comes up with the
    SAs. Unlike IOS, the lab keeps the route into a tunnel whose line protocol is down (a
    packet routed there meanwhile is dropped while IKE runs, as under a crypto map)."""
    lines = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
    for name in sorted(config.interfaces, key=interface_rank):
        i = config.interfaces[name]
        borrowed = config.interfaces.get(i.unnumbered or "")
        address = i.address or (borrowed.address if borrowed is not None else None)
        method = "manual" if address else "unset"
        status = "administratively down" if i.shutdown else "up"
        up = not i.shutdown and (name in tunnels_up if is_tunnel(name) else True)
        row = f"{name:<27}{address or 'unassigned':<16}YES {method:<7}{status:<22}"
        lines.append(row + ("up" if up else "down"))
    return "\n".join(lines) + "\n"
