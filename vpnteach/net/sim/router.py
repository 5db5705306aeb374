"""A router: a node that forwards (RFC 1812), with IOS-style interface names.

Everything a router does is in :class:`~vpnteach.net.sim.node.Node`; a router only turns
forwarding on. The crypto map is plugged in through ``outbound_hook`` (egress interface,
after routing) and ``inbound_hook``; IKE binds UDP 500 and 4500 with ``bind_udp``.
"""

from __future__ import annotations

from vpnteach.net.sim.node import Node


class Router(Node):
    """A node that forwards packets not addressed to itself, decrementing their TTL."""

    forwarding = True
