"""What ESP processing returns: a taken-apart packet, a delivered one, or a drop and its reason.

:mod:`vpnteach.esp.esp` re-exports every name here, so callers import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Span
from vpnteach.wire.ip import IPV4_HEADER_LEN, UDP_HEADER_LEN

if TYPE_CHECKING:
    from vpnteach.esp.sa import IpsecSa


class DropReason(Enum):
    """Why a packet was dropped; the text names the RFC rule or the IOS message."""

    NO_SA = "no SA for this SPI and destination (IOS %CRYPTO-4-RECVD_PKT_INV_SPI)"
    NOT_ESP = "not an ESP packet (IKE or NAT keepalive on port 4500, or another protocol)"
    MALFORMED = "malformed outer IPv4/UDP/ESP header"
    BAD_LENGTH = "ciphertext is not a whole number of cipher blocks, or too short"
    SA_EXPIRED = "the SA's hard lifetime has expired"
    REPLAY = "replayed or out-of-window sequence number (RFC 4303 §3.4.3)"
    ICV_FAILURE = "ICV verification failed (RFC 4303 §3.4.4)"
    BAD_PADDING = "padding does not follow RFC 4303 §2.4"
    DUMMY_PACKET = "dummy packet, next header 59 (RFC 4303 §2.6), discarded"
    BAD_NEXT_HEADER = "next header is not 4 (IPv4) in tunnel mode"
    BAD_INNER_PACKET = "the decrypted inner packet is not valid IPv4"
    POLICY_MISMATCH = "inner addresses outside the SA's proxy identities (RFC 4301 §5.2)"
    SEQUENCE_EXHAUSTED = "sequence number would cycle: a new SA is needed (RFC 4303 §3.3.3)"


class EspSendError(ValueError):
    """An outbound packet could not be protected; ``reason`` says why (counted as a send error)."""

    def __init__(self, reason: DropReason, spi: int) -> None:
        self.reason = reason
        self.spi = spi
        super().__init__(f"SA 0x{spi:08X}: {reason.value}")


@dataclass(frozen=True)
class EspPacket(HtmlRepr):
    """An ESP packet taken apart: outer addresses, header, IV, ciphertext, ICV, trailer, inner.

    Built by :func:`~vpnteach.esp.esp.inspect_esp` (or recorded as the ``ESP packet`` fact by
    :func:`~vpnteach.esp.esp.encapsulate`) so a learner can see both the outer and the inner
    packet. ``inner``/``padding``/... are ``None`` when the packet was not decrypted. With
    AES-GCM the ICV is GCM's tag (RFC 4106 §6) and ``iv`` the 8-byte explicit IV (§3.1).
    """

    outer_src: str
    outer_dst: str
    udp_ports: tuple[int, int] | None
    spi: int
    seq: int
    iv: bytes
    ciphertext: bytes
    icv: bytes
    icv_valid: bool | None = None
    padding: bytes | None = None
    pad_length: int | None = None
    next_header: int | None = None
    inner: bytes | None = None

    def spans(self) -> list[Span]:
        """Annotated byte ranges of the outer packet, for a hex dump (offsets from byte 0)."""
        parts = [("outer IPv4 header", IPV4_HEADER_LEN, f"{self.outer_src} -> {self.outer_dst}")]
        if self.udp_ports:
            parts.append(
                (
                    "UDP header",
                    UDP_HEADER_LEN,
                    f"ports {self.udp_ports[0]} -> {self.udp_ports[1]} (RFC 3948)",
                )
            )
        parts += [
            ("ESP.spi", 4, f"0x{self.spi:08X}"),
            ("ESP.sequence_number", 4, str(self.seq)),
            ("ESP.iv", len(self.iv), "per-packet IV"),
            ("ESP.ciphertext", len(self.ciphertext), "inner packet + padding + trailer"),
            ("ESP.icv", len(self.icv), f"ICV, {'valid' if self.icv_valid else 'not checked'}"),
        ]
        spans, offset = [], 0
        for name, length, meaning in parts:
            spans.append(Span(name, offset, length, meaning))
            offset += length
        return spans


@dataclass(frozen=True)
class Decapsulated(HtmlRepr):
    """A packet that passed every check: the inner IPv4 packet to forward."""

    inner: bytes
    sa: IpsecSa = field(repr=False)
    seq: int = 0


@dataclass(frozen=True)
class Dropped(HtmlRepr):
    """A packet that was dropped, and why (``sa`` is ``None`` if no SA was found)."""

    reason: DropReason
    detail: str
    spi: int | None = None
    sa: IpsecSa | None = field(default=None, repr=False)


DecapResult = Decapsulated | Dropped
