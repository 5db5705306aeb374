"""A node's IPv4 stack: interfaces, routing, ICMP echo, UDP ports and the two hook points.

Receiving (RFC 1812 §5.2 in outline): the interface counts the packet; the inbound hook may
replace, drop or hold it; the IPv4 header is checked (version, length, checksum: RFC 791,
RFC 1071); a packet for one of the node's own addresses is delivered locally (ICMP echo
request -> echo reply, RFC 792; echo reply -> the waiting ping; UDP -> the handler bound to
its port, checksum verified per RFC 768); any other packet is forwarded by a router (TTL
decremented, RFC 791 §3.2 "Time to Live") or dropped by a host.

Sending: routing lookup (longest prefix match), then the outbound hook on the chosen egress
interface (where IOS applies a crypto map), then the interface puts it on its link. Every
drop is recorded as a :class:`~vpnteach.net.sim.events.PacketDropped` with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

from vpnteach._html import HtmlRepr
from vpnteach.net.sim.capture import Capture
from vpnteach.net.sim.events import PacketAccepted, PacketDropped, PacketHeld, TimerFired
from vpnteach.net.sim.hooks import Drop, Forward, Hold, Hook, Replace, Verdict
from vpnteach.net.sim.link import Link
from vpnteach.net.sim.ping import Ping
from vpnteach.net.sim.routes import Route, RouteError, RoutingTable, parse_prefix
from vpnteach.net.sim.scheduler import Scheduled, Scheduler
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import (
    IcmpEcho,
    IcmpType,
    IpProtocol,
    Ipv4Packet,
    UdpDatagram,
    decode_icmp_echo,
    decode_ipv4,
    decode_udp,
    internet_checksum,
    ipv4_packet,
)  # fmt: skip


class NodeError(ValueError):
    """A node was configured wrongly: unknown interface, duplicate port, bad address."""


@dataclass
class InterfaceCounters:
    """Per-interface counters (as in ``show interfaces``)."""

    packets_in: int = 0
    bytes_in: int = 0
    packets_out: int = 0
    bytes_out: int = 0
    drops: int = 0


@dataclass(frozen=True)
class UdpMessage(HtmlRepr):
    """A UDP datagram delivered to a bound port (RFC 768), with its IP addresses."""

    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes
    interface: str


UdpHandler = Callable[[UdpMessage, float], None]
"""``handler(message, now)``: called for each datagram to a bound port."""


class Interface(HtmlRepr):
    """A named interface (``Serial1/0``, ``FastEthernet0/0``) with an optional address."""

    def __init__(self, node: Node, name: str, address: IPv4Interface | None) -> None:
        self.node, self.name = node, name
        self._address = address
        self.link: Link | None = None
        self.up = True
        self.counters = InterfaceCounters()
        self.captures: list[Capture] = []

    @property
    def address(self) -> IPv4Interface | None:
        """The interface's address and prefix (``None``: unnumbered)."""
        return self._address

    @address.setter
    def address(self, value: IPv4Interface | None) -> None:
        self._address = value
        self.node.forget_addresses()

    @property
    def label(self) -> str:
        """``"<node> <interface>"``, as in events."""
        return f"{self.node.name} {self.name}"

    def capture(self, name: str | None = None) -> Capture:
        """Capture what this interface sends (``out``) and receives (``in``)."""
        cap = Capture(name or self.label, self.node.scheduler.clock)
        self.captures.append(cap)
        return cap

    def transmit(self, packet: bytes) -> None:
        """Put ``packet`` on the link (or drop it if the interface is down or unconnected)."""
        if not self.up or self.link is None:
            why = "interface down" if not self.up else "interface not connected"
            self.node.drop(self, packet, why)
            return
        self.counters.packets_out += 1
        self.counters.bytes_out += len(packet)
        number = self.link.frames + 1
        for cap in self.captures:
            cap.add(self.node.scheduler.now, "out", number, packet)
        self.link.transmit(self, packet)

    def receive(self, packet: bytes, number: int = 0) -> None:
        """A packet arrived from the link (called by :class:`Link`)."""
        if not self.up:
            self.node.drop(self, packet, "interface down")
            return
        self.counters.packets_in += 1
        self.counters.bytes_in += len(packet)
        for cap in self.captures:
            cap.add(self.node.scheduler.now, "in", number, packet)
        self.node.receive(self, packet)

    def __repr__(self) -> str:
        return f"Interface({self.label!r}, {self.address})"


class Node(HtmlRepr):
    """An IPv4 node; :class:`~vpnteach.net.sim.router.Router` turns forwarding on.

    Attributes:
        outbound_hook / inbound_hook: see :mod:`vpnteach.net.sim.hooks` (None: no hook).
    """

    forwarding = False

    def __init__(self, name: str, scheduler: Scheduler) -> None:
        self.name, self.scheduler = name, scheduler
        self.interfaces: dict[str, Interface] = {}
        self.routes = RoutingTable()
        self.outbound_hook: Hook | None = None
        self.inbound_hook: Hook | None = None
        self.pings: list[Ping] = []
        self._udp: dict[int, UdpHandler] = {}
        self._ident = 0
        self._addresses: tuple[list[str], frozenset[str]] | None = None
        # Routing decisions per destination, valid while ``routes.routes`` is the same list
        # object (RoutingTable.add/remove build a new one): a core router's table grows with
        # the topology, and every forwarded packet would scan it.
        self._route_cache: dict[str, tuple[str, Route] | None] = {}
        self._route_cache_for: list[Route] | None = None

    # -- configuration -------------------------------------------------------------------

    def add_interface(
        self, name: str, address: str | None = None, mask: str | None = None
    ) -> Interface:
        """Add an interface; ``address`` as ``"10.1.1.1/24"`` or with a dotted ``mask``."""
        if name in self.interfaces:
            raise NodeError(f"{self.name} already has an interface {name}")
        self.interfaces[name] = Interface(self, name, None)
        self.forget_addresses()
        if address is not None:
            self.set_address(name, address, mask)
        return self.interfaces[name]

    def set_address(self, name: str, address: str, mask: str | None = None) -> None:
        """Give interface ``name`` an address (and its connected route)."""
        iface = self.interface(name)
        text = f"{address}/{mask}" if mask is not None else address
        try:
            new = IPv4Interface(text)
        except ValueError as exc:
            raise NodeError(f"{self.name} {name}: {text!r} is not an address/mask: {exc}") from None
        if iface.address is not None:
            self.routes.remove(iface.address.network, "connected")
        iface.address = new
        self.routes.add(Route(new.network, name, None, "connected"))

    def interface(self, name: str) -> Interface:
        """The interface called ``name``; a :class:`NodeError` listing the names otherwise."""
        try:
            return self.interfaces[name]
        except KeyError:
            raise NodeError(
                f"{self.name} has no interface {name!r} ({list(self.interfaces)})"
            ) from None

    def add_route(
        self, prefix: str, mask: str | None = None, *, interface: str | None = None,
        next_hop: str | None = None,
    ) -> Route:  # fmt: skip
        """A static route, e.g. ``add_route("0.0.0.0/0", interface="Serial1/0")``."""
        if interface is not None:
            self.interface(interface)
        try:
            hop = IPv4Address(next_hop) if next_hop is not None else None
        except ValueError as exc:
            raise RouteError(f"next hop {next_hop!r}: {exc}") from None
        route = Route(parse_prefix(prefix, mask), interface, hop)
        self.routes.add(route)
        return route

    @property
    def addresses(self) -> list[str]:
        """The node's own addresses."""
        return list(self._own_addresses()[0])

    def owns(self, address: str) -> bool:
        """Whether ``address`` is one of this node's addresses."""
        return address in self._own_addresses()[1]

    def forget_addresses(self) -> None:
        """An interface address changed: rebuild the cached list on next use."""
        self._addresses = None

    def _own_addresses(self) -> tuple[list[str], frozenset[str]]:
        # Cached: every received packet asks owns(); rebuilt when an address is set.
        if self._addresses is None:
            found = [str(i.address.ip) for i in self.interfaces.values() if i.address is not None]
            self._addresses = (found, frozenset(found))
        return self._addresses

    def source_for(self, dst: str) -> str | None:
        """The address of the interface the route to ``dst`` leaves by (IOS's default source)."""
        found = self.routes.lookup(dst)
        if found is None:
            return None
        address = self.interfaces[found[0]].address
        return str(address.ip) if address is not None else None

    # -- timers, UDP, ping ---------------------------------------------------------------

    def set_timer(self, name: str, at: float, callback: Callable[[float], None]) -> Scheduled:
        """Run ``callback(now)`` at time ``at`` as a :class:`TimerFired` event; cancellable."""
        return self.scheduler.schedule(
            TimerFired(at, self.name, name), lambda: callback(self.scheduler.now)
        )

    def bind_udp(self, port: int, handler: UdpHandler) -> None:
        """Deliver UDP datagrams to ``port`` on any own address to ``handler(message, now)``."""
        if port in self._udp:
            raise NodeError(f"{self.name}: UDP port {port} is already bound")
        self._udp[port] = handler

    def unbind_udp(self, port: int) -> None:
        """Stop listening on UDP ``port``."""
        self._udp.pop(port, None)

    def send_udp(
        self, src: str, sport: int, dst: str, dport: int, payload: bytes, *, ttl: int = 255
    ) -> None:
        """Originate a UDP datagram (checksum set, RFC 768); routed and hooked like any packet."""
        udp = UdpDatagram(sport, dport, payload).encode(src, dst)
        self.send_packet(
            ipv4_packet(src, dst, IpProtocol.UDP, udp, ttl=ttl, ident=self.next_ident())
        )

    def ping(
        self, dst: str, count: int = 5, size: int = 100, timeout: float = 2.0,
        source: str | None = None, interval: float = 0.0,
    ) -> Ping:  # fmt: skip
        """Start an IOS-style ping (``size`` = whole IP packet); results fill in as time runs.

        ``source`` is an address or an interface name (``ping ... source FastEthernet0/0``).
        """
        if source is not None and source in self.interfaces:
            address = self.interfaces[source].address
            source = str(address.ip) if address is not None else None
        src = source or self.source_for(dst)
        if src is None:
            raise NodeError(f"{self.name}: no route to {dst} (so no source address)")
        ping = Ping(self, src, dst, count, size, timeout, interval, identifier=len(self.pings) + 1)
        self.pings.append(ping)
        ping.start()
        return ping

    def next_ident(self) -> int:
        """The next IPv4 Identification value (a per-node counter, RFC 791 §3.2)."""
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident

    # -- the data path -------------------------------------------------------------------

    def send_packet(self, packet: bytes, *, hooks: bool = True) -> None:
        """Route ``packet`` and send it, through the outbound hook unless ``hooks`` is False."""
        dst = ".".join(str(b) for b in packet[16:20])
        found = self._lookup_route(dst) if len(packet) >= 20 else None
        if found is None:
            self.drop(None, packet, f"no route to {dst}")
            return
        iface = self.interfaces[found[0]]
        if hooks and self.outbound_hook is not None:
            verdict = self.outbound_hook(self, iface, packet, self.scheduler.now)
            self._obey(verdict, iface, packet, lambda p: self.send_packet(p, hooks=False))
            return
        iface.transmit(packet)

    def _lookup_route(self, dst: str) -> tuple[str, Route] | None:
        """``routes.lookup(dst)``, remembered until the routing table changes."""
        cache = self._route_cache
        if self._route_cache_for is not self.routes.routes or len(cache) > 4096:
            cache.clear()
            self._route_cache_for = self.routes.routes
        if dst not in cache:
            cache[dst] = self.routes.lookup(dst)
        return cache[dst]

    def receive(self, iface: Interface, packet: bytes, *, hooks: bool = True) -> None:
        """Process a packet that arrived on ``iface`` (inbound hook unless ``hooks`` False)."""
        if hooks and self.inbound_hook is not None:
            verdict = self.inbound_hook(self, iface, packet, self.scheduler.now)
            self._obey(verdict, iface, packet, lambda p: self.receive(iface, p, hooks=False))
            return
        try:
            ip = decode_ipv4(packet)
        except DecodeError as exc:
            self.drop(iface, packet, f"bad IPv4 packet: {exc}")
            return
        if self.owns(ip.header.dst):
            self._deliver_locally(iface, ip, packet)
        elif self.forwarding:
            self._forward(iface, ip, packet)
        else:
            self.drop(iface, packet, f"not addressed to {self.name}")

    def drop(self, iface: Interface | None, packet: bytes, reason: str) -> None:
        """Record that this node discarded ``packet`` for ``reason``."""
        where = ""
        if iface is not None:
            iface.counters.drops += 1
            where = iface.name
        self.scheduler.record(PacketDropped(self.scheduler.now, self.name, where, reason, packet))

    def _obey(
        self, verdict: Verdict, iface: Interface, packet: bytes, then: Callable[[bytes], None]
    ) -> None:
        if isinstance(verdict, Forward):
            then(packet)
        elif isinstance(verdict, Replace):
            for replacement in verdict.packets:
                then(replacement)
        elif isinstance(verdict, Drop):
            self.drop(iface, packet, verdict.reason)
        elif isinstance(verdict, Hold):
            now = self.scheduler.now
            self.scheduler.record(PacketHeld(now, self.name, iface.name, verdict.reason, packet))
        else:
            raise NodeError(f"{self.name}: a hook returned {verdict!r}, not a Verdict")

    def _forward(self, iface: Interface, ip: Ipv4Packet, packet: bytes) -> None:
        """RFC 791 §3.2: a router decrements TTL and drops the packet when it reaches zero."""
        if ip.header.ttl <= 1:
            self.drop(iface, packet, "TTL exceeded")
            return
        self.send_packet(decrement_ttl(packet))

    def _deliver_locally(self, iface: Interface, ip: Ipv4Packet, packet: bytes) -> None:
        offset = ip.header.header_length
        try:
            if ip.header.protocol == IpProtocol.ICMP:
                self._receive_icmp(iface, ip, decode_icmp_echo(ip.payload, offset=offset), packet)
            elif ip.header.protocol == IpProtocol.UDP:
                udp = decode_udp(ip.payload, ip.header.src, ip.header.dst, offset=offset)
                self._receive_udp(iface, ip, udp, packet)
            else:
                self.drop(iface, packet, f"IP protocol {ip.header.protocol} not handled")
        except DecodeError as exc:
            self.drop(iface, packet, f"bad packet: {exc}")

    def _receive_icmp(
        self, iface: Interface, ip: Ipv4Packet, echo: IcmpEcho, packet: bytes
    ) -> None:
        now, h = self.scheduler.now, ip.header
        if echo.type == IcmpType.ECHO_REQUEST:
            self.scheduler.record(
                PacketAccepted(now, self.name, iface.name, "ICMP echo request", packet)
            )
            reply = IcmpEcho(IcmpType.ECHO_REPLY, echo.identifier, echo.sequence, echo.data)
            self.send_packet(
                ipv4_packet(h.dst, h.src, IpProtocol.ICMP, reply.encode(), ident=self.next_ident())
            )
            return
        self.scheduler.record(PacketAccepted(now, self.name, iface.name, "ICMP echo reply", packet))
        for ping in self.pings:
            if ping.identifier == echo.identifier:
                ping.reply_received(h.src, echo.sequence, now)

    def _receive_udp(
        self, iface: Interface, ip: Ipv4Packet, udp: UdpDatagram, packet: bytes
    ) -> None:
        handler = self._udp.get(udp.dst_port)
        if handler is None:
            self.drop(iface, packet, f"no listener on UDP port {udp.dst_port}")
            return
        now, h = self.scheduler.now, ip.header
        self.scheduler.record(
            PacketAccepted(now, self.name, iface.name, f"UDP port {udp.dst_port}", packet)
        )
        handler(UdpMessage(h.src, udp.src_port, h.dst, udp.dst_port, udp.payload, iface.name), now)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {list(self.interfaces)})"


def decrement_ttl(packet: bytes) -> bytes:
    """``packet`` with TTL one lower and the header checksum recomputed (RFC 791 §3.1)."""
    hlen = (packet[0] & 0x0F) * 4
    header = packet[:8] + bytes([packet[8] - 1]) + packet[9:10] + b"\0\0" + packet[12:hlen]
    checksum = internet_checksum(header).to_bytes(2, "big")
    return header[:10] + checksum + header[12:] + packet[hlen:]
