"""The simulated network: hosts, routers, links with faults, a clock and an event queue.

A discrete-event simulation of the seed topology's IPv4 network (hosts and routers with real
IPv4/ICMP/UDP packets and checksums, point-to-point links with latency and fault injection,
captures exportable as pcap with Wireshark key tables). Nothing here opens a socket or reads
the real clock: time is a :class:`SimClock`, randomness an injected ``Rng``. The IPsec
engines plug in through the routers' hooks (:mod:`vpnteach.net.sim.hooks`) and UDP ports.
"""

from __future__ import annotations

from vpnteach.net.sim.capture import Capture, CaptureRecord
from vpnteach.net.sim.clock import AEST, SEED_START, ClockError, SimClock
from vpnteach.net.sim.events import (
    Event,
    FaultApplied,
    PacketAccepted,
    PacketDelivered,
    PacketDropped,
    PacketHeld,
    PacketSent,
    TimerFired,
)  # fmt: skip
from vpnteach.net.sim.faults import NO_FAULTS, FaultPolicy, FaultPolicyError
from vpnteach.net.sim.hooks import FORWARD, Drop, Forward, Hold, Hook, Replace, Verdict
from vpnteach.net.sim.host import Host
from vpnteach.net.sim.keys import (
    EspKey,
    IkeKey,
    KeyTableError,
    tshark_options,
    write_wireshark_keys,
)
from vpnteach.net.sim.link import Link, LinkError
from vpnteach.net.sim.network import Network
from vpnteach.net.sim.node import (
    Interface,
    InterfaceCounters,
    Node,
    NodeError,
    UdpHandler,
    UdpMessage,
)
from vpnteach.net.sim.ping import EchoResult, Ping, PingError
from vpnteach.net.sim.router import Router
from vpnteach.net.sim.routes import Route, RouteError, RoutingTable
from vpnteach.net.sim.scheduler import Scheduled, Scheduler, SchedulerError

__all__ = [
    "AEST", "FORWARD", "NO_FAULTS", "SEED_START", "Capture", "CaptureRecord", "ClockError",
    "Drop", "EchoResult", "EspKey", "Event", "FaultApplied", "FaultPolicy", "FaultPolicyError",
    "Forward", "Hold", "Hook", "Host", "IkeKey", "Interface", "InterfaceCounters",
    "KeyTableError", "Link", "LinkError", "Network", "Node", "NodeError", "PacketAccepted",
    "PacketDelivered", "PacketDropped", "PacketHeld", "PacketSent", "Ping", "PingError",
    "Replace", "Route", "RouteError", "Router", "RoutingTable", "Scheduled", "Scheduler",
    "SchedulerError", "SimClock", "TimerFired", "UdpHandler", "UdpMessage", "Verdict",
    "tshark_options", "write_wireshark_keys",
]  # fmt: skip
