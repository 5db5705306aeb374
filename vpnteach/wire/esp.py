"""The ESP header (RFC 4303 §2) and its UDP encapsulation for NAT traversal (RFC 3948 §2).

An ESP packet on the wire (RFC 4303 §2, Figure 1, with a CBC cipher's explicit IV)::

    |               Security Parameters Index (SPI)                 |  4 bytes
    |                      Sequence Number                          |  4 bytes
    |        IV (one cipher block) | encrypted payload, padding,    |
    |        pad length, next header ...                            |  n blocks
    |        Integrity Check Value (ICV), 12 or 16 bytes            |

Behind a NAT (RFC 3948 §2.1) the same bytes ride in UDP port 4500. Port 4500 also carries IKE,
preceded by a 4-byte zero "non-ESP marker" (RFC 3948 §2.2: SPI 0 is reserved, so a zero first
word cannot be ESP) and NAT keepalives, a single 0xFF byte (RFC 3948 §2.3).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

from vpnteach._html import HtmlRepr
from vpnteach.wire.errors import DecodeError

ESP_HEADER_LEN = 8
NAT_T_PORT = 4500
"""UDP port of IKE after the NAT-T port float and of UDP-encapsulated ESP (RFC 3947 §4)."""
NON_ESP_MARKER = b"\0\0\0\0"
"""Precedes an IKE message on port 4500 (RFC 3948 §2.2)."""
NAT_KEEPALIVE = b"\xff"
"""The whole payload of a NAT-keepalive packet (RFC 3948 §2.3)."""

_ESP_HEADER = struct.Struct("!II")


@dataclass(frozen=True)
class EspHeader(HtmlRepr):
    """The cleartext start of an ESP packet: SPI and sequence number (RFC 4303 §2.1, §2.2)."""

    spi: int
    seq: int

    def encode(self) -> bytes:
        """The 8 header bytes."""
        return _ESP_HEADER.pack(self.spi, self.seq)


def decode_esp_header(data: bytes, *, offset: int = 0) -> EspHeader:
    """The SPI and sequence number at the start of ``data``.

    Raises:
        DecodeError: fewer than 8 bytes, or SPI 0 (reserved, RFC 4303 §2.1).
    """
    if len(data) < ESP_HEADER_LEN:
        raise DecodeError("ESP header", offset, f"8 bytes (SPI, sequence), got {len(data)}")
    spi, seq = _ESP_HEADER.unpack_from(data)
    if spi == 0:
        raise DecodeError("ESP header", offset, "a non-zero SPI (0 is reserved, RFC 4303 §2.1)")
    return EspHeader(spi, seq)


class Port4500Kind(Enum):
    """What a UDP payload on port 4500 is (RFC 3948 §2)."""

    ESP = "ESP"
    IKE = "IKE (after the non-ESP marker)"
    KEEPALIVE = "NAT keepalive"


def classify_port_4500(payload: bytes, *, offset: int = 28) -> Port4500Kind:
    """Tell ESP, IKE and keepalives apart on UDP 4500 (RFC 3948 §2.2-2.3).

    Raises:
        DecodeError: a payload that is none of the three (1..7 bytes other than 0xFF).
    """
    if payload == NAT_KEEPALIVE:
        return Port4500Kind.KEEPALIVE
    if len(payload) >= 4 and payload[:4] == NON_ESP_MARKER:
        return Port4500Kind.IKE
    if len(payload) < ESP_HEADER_LEN:
        raise DecodeError(
            "UDP-encapsulated body", offset, f"ESP (>= 8 bytes), IKE or 0xFF, got {payload.hex()}"
        )
    return Port4500Kind.ESP


def ike_over_4500(ike_message: bytes) -> bytes:
    """The UDP payload carrying an IKE message on port 4500: non-ESP marker + message."""
    return NON_ESP_MARKER + ike_message
