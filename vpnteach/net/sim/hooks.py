"""Hook verdicts: what a router's outbound or inbound hook decides about a packet.

IOS applies a crypto map on the egress interface after the routing decision, and looks at
ESP (or UDP 4500) addressed to itself when it arrives. The lab plugs the IPsec engines in at
exactly those two points of :class:`~vpnteach.net.sim.node.Node`:

    outbound_hook(node, out_interface, packet, now) -> Verdict
    inbound_hook(node, in_interface, packet, now) -> Verdict

- :data:`FORWARD`: carry on as if there were no hook;
- :class:`Replace`: send (outbound) or process (inbound) these packets instead, e.g. the ESP
  packet that encapsulates the original, or the inner packet of an ESP packet. Replacements
  skip the hook that produced them (so the ESP packet is not encrypted again) and are routed
  afresh (outbound) or processed as arriving on the same interface (inbound);
- :class:`Drop`: discard, with the reason recorded (``"no SA yet"``, ``"ICV mismatch"``);
- :class:`Hold`: the hook keeps the packet (e.g. until Quick Mode completes) and may later
  release it with ``node.send_packet(packet, hooks=False)``; the hold is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpnteach.net.sim.node import Interface, Node


@dataclass(frozen=True)
class Forward:
    """Let the packet continue unchanged."""


@dataclass(frozen=True)
class Replace:
    """Use ``packets`` instead of the original (zero or more whole IPv4 packets)."""

    packets: tuple[bytes, ...]


@dataclass(frozen=True)
class Drop:
    """Discard the packet for ``reason``."""

    reason: str


@dataclass(frozen=True)
class Hold:
    """The hook keeps the packet for later, for ``reason``."""

    reason: str


FORWARD = Forward()

Verdict = Forward | Replace | Drop | Hold
Hook = Callable[["Node", "Interface", bytes, float], Verdict]
"""``hook(node, interface, packet, now) -> Verdict`` (outbound and inbound alike)."""
