"""The records of a static virtual tunnel interface (VTI): ``crypto ipsec profile`` and what an
``interface Tunnel0`` needs to carry IPsec.

Cisco's FlexVPN site-to-site configuration (document 115782, "FlexVPN Site-to-Site
Configuration Example") and the IOS XE "IPsec Virtual Tunnel Interfaces" guide protect a tunnel
interface instead of applying a crypto map to the WAN interface::

    crypto ipsec profile PROF           ! what a crypto map entry says, minus peer and ACL
     set transform-set TS
     set ikev2-profile PROF
    interface Tunnel0
     ip address 10.0.0.1 255.255.255.252
     tunnel source Serial1/0            ! the outer source address: that interface's
     tunnel mode ipsec ipv4             ! IPsec itself is the encapsulation (no GRE)
     tunnel destination 10.2.2.1        ! the peer
     tunnel protection ipsec profile PROF
    ip route 192.168.22.0 255.255.255.0 Tunnel0

A static VTI has one Child SA whose traffic selectors are "IP any any" (0.0.0.0/0 on both
sides, RFC 7296 §2.9, §3.13.1): the routing table, not an access list, decides what enters the
tunnel. IOS names the crypto map it builds for the interface ``Tunnel0-head-0``
(``show crypto ipsec sa``'s "Crypto map tag"): :func:`head_map_name`.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr

IPSEC_MODE = "ipsec ipv4"
"""``tunnel mode ipsec ipv4``: the static VTI (IOS's default mode is ``gre ip``)."""
TUNNEL_MODES = ("ipsec ipv4", "gre ip")
"""The ``tunnel mode`` values the grammar takes (GRE is parsed, not run: see the gateway)."""
TUNNEL_INTERFACE = "config-if-tunnel"
"""``interface Tunnel0``'s mode: ``config-if`` with the ``tunnel`` lines (IOS lists them on a
tunnel interface only); its prompt is IOS's ``(config-if)#`` (:data:`PROMPT`)."""
PROMPT = {TUNNEL_INTERFACE: "config-if"}
"""Modes whose prompt shows another mode's name."""


@dataclass(frozen=True)
class IpsecProfileConfig(HtmlRepr):
    """``crypto ipsec profile NAME``: a crypto map entry's ``set`` lines without a peer or an
    access list (the tunnel interface supplies both).

    Attributes:
        transform_sets: ``set transform-set`` names, in preference order.
        ikev2_profile: ``set ikev2-profile``: the tunnel negotiates with IKEv2 (FlexVPN).
        pfs_group: ``set pfs groupN``; lifetime_*: ``set security-association lifetime``.
    """

    name: str
    transform_sets: tuple[str, ...] = ()
    ikev2_profile: str | None = None
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: int | None = None

    def gaps(self) -> list[str]:
        """What keeps a tunnel protected by this profile from negotiating."""
        out = [] if self.transform_sets else ["no set transform-set: nothing to propose for ESP"]
        if self.ikev2_profile is None:
            out.append("no set ikev2-profile: this lab runs tunnel protection over IKEv2 only")
        return out


def head_map_name(interface: str) -> str:
    """The crypto map IOS builds for a protected tunnel interface (``Tunnel0-head-0``)."""
    return f"{interface}-head-0"


def is_tunnel(interface: str) -> bool:
    """``interface`` is a tunnel interface (``Tunnel0``), where ``tunnel ...`` lines belong."""
    return interface.startswith("Tunnel")
