"""What the gateway answers for a packet, and the events it adds to IKE's and the SAD's.

``outbound`` gives :class:`Transmit` or :class:`Discard`, ``inbound`` gives :class:`Deliver`
or :class:`Discard`; :class:`SasInstalled` and :class:`SasRemoved` tell the driver (the lab,
the router process) that the SAD changed, so it can log it and rewrite key tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr


@dataclass(frozen=True)
class Transmit(HtmlRepr):
    """Send ``packet`` on (``protected``: it is the ESP packet that replaced the original)."""

    packet: bytes
    protected: bool = False


@dataclass(frozen=True)
class Deliver(HtmlRepr):
    """Process ``packet`` as received (``decrypted``: the inner packet of an ESP packet)."""

    packet: bytes
    decrypted: bool = False


@dataclass(frozen=True)
class Discard(HtmlRepr):
    """Drop the packet for ``reason``."""

    reason: str


@dataclass(frozen=True)
class SasInstalled(HtmlRepr):
    """Event: a Quick Mode result is in the SAD (inbound and outbound SPI)."""

    peer: str
    inbound_spi: int
    outbound_spi: int
    crypto_map: str
    seq: int


@dataclass(frozen=True)
class SasRemoved(HtmlRepr):
    """Event: IPsec SAs were removed from the SAD, and why."""

    spis: tuple[int, ...]
    reason: str
