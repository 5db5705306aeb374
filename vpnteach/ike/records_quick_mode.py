"""The ``debug crypto isakmp`` records of Quick Mode (RFC 2409 §5.5): the IPsec proposal check
and the IPsec SAs it creates.

One slotted dataclass per record kind; its ``template`` is the IOS text
:mod:`vpnteach.ike.debuglog` fills from the fields (``{c}``: the conn-id, ``{T}``: a timestamp).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import ClassVar

from vpnteach.ike.records import C, LogLine


@dataclass(slots=True)
class QuickModeBegun(LogLine):
    """The initiator begins Quick Mode (RFC 2409 §5.5) with this signed message ID."""

    template: ClassVar[str] = C + "beginning Quick Mode exchange, M-ID of {mid}"
    mid: int


@dataclass(slots=True)
class QmSpiObtained(LogLine):
    """Quick Mode got its inbound SPI (``role``: Initiator or Responder)."""

    template: ClassVar[str] = C + "QM {role} gets spi"
    role: str


@dataclass(slots=True)
class IpsecProposalChecked(LogLine):
    """An offered IPsec proposal is compared with the transform set."""

    template: ClassVar[str] = C + "Checking IPSec proposal {number}"
    number: int


@dataclass(slots=True)
class IpsecAttribute(LogLine):
    """One attribute of the IPsec proposal being checked."""

    template: ClassVar[str] = "ISAKMP: {line}"
    line: str


@dataclass(slots=True)
class IpsecAttributesAcceptable(LogLine):
    """The IPsec proposal matches the transform set."""

    template: ClassVar[str] = C + "atts are acceptable."


@dataclass(slots=True)
class IpsecAttributesNotAcceptable(LogLine):
    """The IPsec proposal does not match the transform set."""

    template: ClassVar[str] = C + "atts are not acceptable."


@dataclass(slots=True)
class IpsecSasCreating(LogLine):
    """Quick Mode creates the IPsec SAs."""

    template: ClassVar[str] = C + " Creating IPSec SAs"


@dataclass(slots=True)
class IpsecSaCreated(LogLine):
    """One IPsec SA: direction, tunnel endpoints, proxies, SPI and lifetimes (RFC 2409 §5.5)."""

    template: ClassVar[str] = (
        "{direction} SA from {src} to {dst} (f/i) 0/ 0\n"
        + "        (proxy {src_proxy} to {dst_proxy})\n"
        + "{T}has spi 0x{spi} and conn_id 0\n"
        + "{T}lifetime of {seconds} seconds\n"
        + "{T}lifetime of {kilobytes} kilobytes"
    )
    direction: str
    src: str
    dst: str
    src_proxy: IPv4Address
    dst_proxy: IPv4Address
    spi: str
    seconds: int
    kilobytes: int
