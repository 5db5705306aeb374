"""Taking an ESP packet apart for a learner, without touching counters or the replay window.

:func:`inspect_esp` answers "what is in this packet?": the outer addresses and ports, SPI,
sequence number, IV, ciphertext and ICV, and, given the SA, whether the ICV is right and what
the plaintext holds (inner packet, padding, pad length, next header: RFC 4303 §2). The
``ESP packet`` facts of :mod:`vpnteach.esp.esp` are built by the same code.
"""

from __future__ import annotations

import hmac
import struct
from typing import TYPE_CHECKING

from vpnteach.esp.outer import Outer, parse_outer
from vpnteach.esp.results import Dropped, DropReason, EspPacket
from vpnteach.wire.esp import ESP_HEADER_LEN

if TYPE_CHECKING:
    from vpnteach.esp.sa import IpsecSa

_SPI_SEQ = struct.Struct("!II")


def inspect_esp(sa: IpsecSa | None, outer_packet: bytes) -> EspPacket | Dropped:
    """Take an ESP packet apart without touching counters or the replay window.

    With ``sa`` the ICV is checked and, if valid, the payload decrypted; without it only the
    cleartext parts (addresses, SPI, sequence number, IV, ciphertext, ICV) are filled in.
    """
    outer = parse_outer(outer_packet)
    if isinstance(outer, Dropped):
        return outer
    if len(outer.esp) < ESP_HEADER_LEN:
        return Dropped(DropReason.MALFORMED, f"ESP packet of {len(outer.esp)} bytes")
    if sa is None:
        return esp_packet(outer, 0, 0, None, None)
    iv_size, icv_size, esp = sa.iv_size, sa.icv_size, outer.esp
    body = len(esp) - ESP_HEADER_LEN - iv_size - icv_size
    if sa.gcm is not None:
        if body < 2:
            return Dropped(DropReason.BAD_LENGTH, f"ESP packet of {len(esp)} bytes", sa.spi, sa)
        spi, seq = _SPI_SEQ.unpack_from(esp)
        iv = esp[ESP_HEADER_LEN : ESP_HEADER_LEN + iv_size]
        plain = sa.gcm.open(spi, seq, iv, esp[ESP_HEADER_LEN + iv_size :])
        return esp_packet(outer, iv_size, icv_size, plain is not None, plain)
    cipher, integrity = sa.cbc_suite()
    bs = cipher.block_size
    if body < bs or body % bs:
        return Dropped(DropReason.BAD_LENGTH, f"ESP packet of {len(esp)} bytes", sa.spi, sa)
    expected = integrity.icv(sa.integrity_key, esp[:-icv_size])
    valid = hmac.compare_digest(esp[-icv_size:], expected)
    ciphertext = esp[ESP_HEADER_LEN + bs : -icv_size]
    plain = cipher.decrypt(sa.encryption_key, esp[ESP_HEADER_LEN:][:bs], ciphertext)
    return esp_packet(outer, bs, icv_size, valid, plain if valid else None)


def esp_packet(
    outer: Outer, iv_size: int, icv_size: int, valid: bool | None, plain: bytes | None
) -> EspPacket:
    """The :class:`EspPacket` of ``outer``'s ESP bytes, with the plaintext if there is one."""
    esp = outer.esp
    spi, seq = _SPI_SEQ.unpack_from(esp)
    body = esp[ESP_HEADER_LEN:]
    iv, ciphertext = body[:iv_size], body[iv_size : len(body) - icv_size]
    icv = body[len(body) - icv_size :] if icv_size else b""
    common = (outer.src, outer.dst, outer.udp_ports, spi, seq, iv, ciphertext, icv, valid)
    if plain is None or len(plain) < 2 or plain[-2] > len(plain) - 2:
        return EspPacket(*common)
    pad_length = plain[-2]
    end = len(plain) - 2 - pad_length
    return EspPacket(*common, plain[end:-2], pad_length, plain[-1], plain[:end])
