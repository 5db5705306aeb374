"""Fuzz ESP decapsulation and inspection (vpnteach.esp.esp): they must never raise.

The first input byte picks the mode (mod 4); the SAs are the seed's 3DES/MD5 pair
(``tests/esp/_helpers.sa_pair``), over plain ESP or UDP 4500:

0. the input is a whole outer packet;
1. the input is the ESP part (SPI, sequence, IV, ciphertext, ICV) in a valid outer IPv4
   header (protocol 50) from Branch1 to Branch2;
2. the same inside UDP 4500 (RFC 3948);
3. structure-aware: the input is the *plaintext* (inner packet, padding, pad length, next
   header), zero-filled to whole blocks, encrypted and authenticated with the SA's real keys
   under the next sequence number, so the checks behind the ICV (padding, next header, inner
   IPv4, proxy identities) see fuzzed bytes.

Each input goes to ``decapsulate``, ``inspect_esp(sa, ...)`` and ``inspect_esp(None, ...)``.
Invariants: no exception; a result is ``Dropped`` or ``Decapsulated``; a delivered packet had
a valid ICV (recomputed here) and lies inside the SA's proxy identities; a packet whose ICV
does not verify leaves the anti-replay window as it was (RFC 4303 §3.4.3: the window moves
only after the ICV verified, even if decryption then fails).
"""

from __future__ import annotations

import hmac
import struct
import sys
from ipaddress import IPv4Address
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import main
from tests.esp._helpers import BRANCH1, BRANCH2, ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import (
    Decapsulated,
    Dropped,
    SaLookup,
    decapsulate,
    encapsulate,
    inspect_esp,
)
from vpnteach.esp.sa import IpsecSa
from vpnteach.wire.ip import IpProtocol, ipv4_header_bytes, pack_address

NAME = "esp"
NOW = 1_000.0
PLAIN = sa_pair()
UDP = sa_pair(udp=True)
RNG = SeededRng("fuzz-esp")


def _lookup(sa: IpsecSa) -> SaLookup:
    def lookup(spi: int, dst: str, protocol: int) -> IpsecSa | None:
        return sa if (spi, dst) == (sa.spi, sa.local) else None

    return lookup


def _outer(esp: bytes, udp: bool) -> bytes:
    src, dst = pack_address(BRANCH1), pack_address(BRANCH2)
    if not udp:
        return ipv4_header_bytes(src, dst, IpProtocol.ESP, len(esp)) + esp
    body = struct.pack("!HHHH", 4500, 4500, 8 + len(esp), 0) + esp
    return ipv4_header_bytes(src, dst, IpProtocol.UDP, len(body)) + body


def _sealed(plaintext: bytes, out: IpsecSa, inb: IpsecSa) -> bytes:
    bs = out.cipher.block_size
    plaintext += bytes(-len(plaintext) % bs) if plaintext else bytes(bs)
    seq = inb.replay.top + 1
    iv, ciphertext = out.cbc.encrypt(RNG.random_bytes(bs), plaintext)
    authenticated = struct.pack("!II", out.spi, seq) + iv + ciphertext
    return authenticated + out.integrity.icv(out.integrity_key, authenticated)


def _window(sa: IpsecSa) -> tuple[int, int]:
    return sa.replay.top, sa.replay.bitmap


def _icv_valid(packet: bytes, inb: IpsecSa) -> bool:
    """Recompute the ICV of a well-formed outer packet (RFC 4303 §3.4.4), independently."""
    icv_size = inb.integrity.icv_size
    hlen, total = (packet[0] & 15) * 4, int.from_bytes(packet[2:4], "big")
    esp = packet[hlen + 8 * (packet[9] == IpProtocol.UDP) : total]
    if len(esp) <= icv_size:
        return False
    expected = inb.integrity.icv(inb.integrity_key, esp[:-icv_size])
    return hmac.compare_digest(expected, esp[-icv_size:])


def _check_delivered(result: Decapsulated, packet: bytes, inb: IpsecSa) -> None:
    if not _icv_valid(packet, inb):
        raise AssertionError(f"delivered a packet whose ICV does not verify: {packet.hex()}")
    src, dst = IPv4Address(result.inner[12:16]), IPv4Address(result.inner[16:20])
    if src not in inb.remote_ident.network or dst not in inb.local_ident.network:
        raise AssertionError(f"delivered {src} -> {dst} outside the proxy identities")


def test_one_input(data: bytes) -> None:
    """One input: the first byte picks the mode and (bit 2) the UDP-encapsulated SA pair."""
    if not data:
        return
    mode, body = data[0] % 4, data[1:]
    out, inb = UDP if mode == 2 or (mode == 3 and data[0] & 4) else PLAIN
    if mode == 0:
        packet = body
    elif mode in (1, 2):
        packet = _outer(body, mode == 2)
    else:
        packet = _outer(_sealed(body, out, inb), inb.udp is not None)
    window = _window(inb)
    result = decapsulate(_lookup(inb), packet, NOW)
    if isinstance(result, Decapsulated):
        _check_delivered(result, packet, inb)
    elif not isinstance(result, Dropped):
        raise AssertionError(f"decapsulate returned {result!r}")
    elif _window(inb) != window and not _icv_valid(packet, inb):
        raise AssertionError(f"a packet with a bad ICV moved the replay window: {result}")
    inspect_esp(inb, packet)
    inspect_esp(None, packet)


def seeds() -> list[bytes]:
    """Real ESP packets (both encapsulations), their ESP parts, and real plaintexts."""
    found = []
    for udp, (out, _) in ((False, sa_pair()), (True, sa_pair(udp=True))):
        for seq in range(3):
            packet = encapsulate(out, ping(seq), RNG, NOW)
            esp = packet[28:] if udp else packet[20:]
            found += [bytes([0]) + packet, bytes([2 if udp else 1]) + esp]
    for size in (100, 28, 21):
        inner = ping(0, size)
        pad = bytes(range(1, 1 + (-(len(inner) + 2) % 8)))
        found.append(bytes([3]) + inner + pad + bytes([len(pad), 4]))
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
