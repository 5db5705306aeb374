"""UDP port 4500 framing for NAT traversal (RFC 3948 §2.2–2.3, RFC 3947 §4).

On port 4500 one socket carries three kinds of datagram:

* IKE, prefixed with the 4-byte non-ESP marker ``00 00 00 00`` (an SPI of 0 is never valid
  for ESP, RFC 3948 §2.2);
* ESP, starting directly with its non-zero SPI;
* NAT keepalive, a single byte ``0xFF`` (RFC 3948 §2.3), to be ignored.
"""

from __future__ import annotations

from typing import Literal

from vpnteach.wire.errors import DecodeError

NON_ESP_MARKER = bytes(4)
NAT_KEEPALIVE = b"\xff"

Kind = Literal["ike", "esp", "keepalive"]


def strip_non_esp_marker(udp_payload: bytes) -> tuple[Kind, bytes]:
    """Classify a port-4500 datagram; for IKE return the message without its marker."""
    if udp_payload == NAT_KEEPALIVE:
        return "keepalive", b""
    if len(udp_payload) < 4:
        raise DecodeError("UDP 4500 body", 0, f"{len(udp_payload)} bytes is neither IKE nor ESP")
    if udp_payload[:4] == NON_ESP_MARKER:
        return "ike", udp_payload[4:]
    return "esp", udp_payload


def add_non_esp_marker(ike_message: bytes) -> bytes:
    """Prefix an IKE message with the non-ESP marker for sending on port 4500."""
    return NON_ESP_MARKER + ike_message
