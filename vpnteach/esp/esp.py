"""ESP tunnel mode: encapsulation and decapsulation (RFC 4303 §2-3, RFC 3948 for UDP).

Outbound (RFC 4303 §3.3), for an inner IPv4 packet and an outbound :class:`IpsecSa`:

1. sequence number = previous + 1; it never cycles (§3.3.3): at 2^32-1 a new SA is needed;
2. plaintext = inner packet | padding 1, 2, 3, ... (§2.4 default) | pad length | next header 4
   (IPv4, the whole inner packet is the payload in tunnel mode), to a whole number of blocks;
3. a fresh random IV per packet (RFC 3602 §3, RFC 2451 §3), then CBC encryption;
4. ICV = trunc(HMAC(K_a, SPI | Seq | IV | ciphertext)) (§3.3.4, RFC 2403/2404/4868);
5. the outer IPv4 header local -> peer, protocol 50, or protocol 17 + UDP 4500 (RFC 3948 §2.1,
   UDP checksum 0 as §3.1 advises).

Inbound (RFC 4303 §3.4): find the SA by (SPI, destination, protocol 50) (§3.4.2), reject a
replayed sequence number early (§3.4.3), verify the ICV in constant time *before* decrypting
(§3.4.4), only then update the replay window, decrypt, check padding (§2.4: the receiver SHOULD
inspect it) and next header, and check that the inner packet matches the SA's proxy identities
(RFC 4301 §5.2 step 4). A bad packet is never an exception: it is a :class:`Dropped` result with
a :class:`DropReason`, and the SA's counters record it as IOS does.
"""

from __future__ import annotations

import functools
import hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.ike.policy import ProxyIdentity
from vpnteach.trace import NULL_TRACE, FactKind, Trace
from vpnteach.wire.buffer import Span
from vpnteach.wire.esp import ESP_HEADER_LEN, NAT_KEEPALIVE, NAT_T_PORT, NON_ESP_MARKER
from vpnteach.wire.ip import (
    IPV4_HEADER_LEN,
    UDP_HEADER_LEN,
    IpProtocol,
    internet_checksum,
    ipv4_header_bytes,
    pack_address,
    unpack_address,
)

ESP_PROTOCOL = int(IpProtocol.ESP)
NEXT_HEADER_IPV4 = int(IpProtocol.IPV4)
NEXT_HEADER_DUMMY = int(IpProtocol.NO_NEXT_HEADER)
SEQ_MAX = 0xFFFFFFFF
# RFC 4303 §2.4: "the first padding byte appended to the plaintext is numbered 1".
_PADDING = [bytes(range(1, n + 1)) for n in range(256)]
_SPI_SEQ = struct.Struct("!II")
_UDP = struct.Struct("!HHHH")

SaLookup = Callable[[int, str, int], "IpsecSa | None"]
"""``lookup(spi, destination, protocol) -> IpsecSa | None``: the SAD's inbound index."""


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

    Built by :func:`inspect_esp` (or recorded as the ``ESP packet`` fact by
    :func:`encapsulate`) so a learner can see both the outer and the inner packet.
    ``inner``/``padding``/... are ``None`` when the packet was not decrypted.
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


# -- outbound -------------------------------------------------------------------------------
def esp_trailer(payload_len: int, block_size: int, next_header: int = NEXT_HEADER_IPV4) -> bytes:
    """Padding 1, 2, 3, ... + pad length + next header so the total fills whole blocks (§2.4)."""
    pad_length = -(payload_len + 2) % block_size
    return _PADDING[pad_length] + bytes((pad_length, next_header))


def encapsulate(
    sa: IpsecSa, inner_packet: bytes, rng: Rng, now: float, trace: Trace = NULL_TRACE
) -> bytes:
    """Protect ``inner_packet`` with the outbound ``sa``; return the outer IPv4 packet.

    Raises:
        EspSendError: the SA is expired or its sequence numbers are exhausted (counted in
            ``#send errors``); nothing is sent.
    """
    _check_sendable(sa, now)
    sa.seq = seq = sa.seq + 1
    bs = sa.cipher.block_size
    random_block = rng.random_bytes(bs)
    plaintext = inner_packet + esp_trailer(len(inner_packet), bs)
    iv, ciphertext = sa.cbc.encrypt(random_block, plaintext)
    authenticated = _SPI_SEQ.pack(sa.spi, seq) + iv + ciphertext
    icv = sa.integrity.icv(sa.integrity_key, authenticated)
    outer = _outer_headers(sa, len(authenticated) + len(icv), seq) + authenticated + icv
    c = sa.counters
    c.pkts_encaps += 1
    c.pkts_encrypt += 1
    c.pkts_digest += 1
    sa.count_bytes(len(inner_packet))
    if trace.enabled:
        blocks = (random_block, iv, plaintext, ciphertext)
        _trace_outbound(trace, sa, seq, blocks, icv, outer, inner_packet)
    return outer


def _check_sendable(sa: IpsecSa, now: float) -> None:
    if sa.direction is not Direction.OUTBOUND:
        raise ValueError(f"SA 0x{sa.spi:08X} is inbound: encapsulate needs an outbound SA")
    sa.handle_timer(now)
    reason = None
    if not sa.alive:
        reason = DropReason.SA_EXPIRED
    elif sa.seq >= SEQ_MAX:
        sa.counters.pkts_replay_rollover_send += 1
        reason = DropReason.SEQUENCE_EXHAUSTED
    if reason is not None:
        sa.counters.send_errors += 1
        sa.counters.pkts_encaps_failed_send += 1
        raise EspSendError(reason, sa.spi)


_packed = functools.lru_cache(maxsize=1024)(pack_address)
_unpacked = functools.lru_cache(maxsize=1024)(unpack_address)


def _outer_headers(sa: IpsecSa, esp_len: int, seq: int) -> bytes:
    src, dst = _packed(sa.local), _packed(sa.peer)
    if sa.udp is None:
        return ipv4_header_bytes(src, dst, ESP_PROTOCOL, esp_len, ident=seq)
    udp_len = UDP_HEADER_LEN + esp_len
    ip = ipv4_header_bytes(src, dst, IpProtocol.UDP, udp_len, ident=seq)
    # RFC 3948 §3.1: the UDP checksum SHOULD be transmitted as zero.
    return ip + _UDP.pack(sa.udp.local_port, sa.udp.peer_port, udp_len, 0)


def _trace_outbound(
    trace: Trace, sa: IpsecSa, seq: int, blocks: tuple[bytes, bytes, bytes, bytes],
    icv: bytes, outer: bytes, inner: bytes,
) -> None:  # fmt: skip
    rfc = "RFC 4303 §3.3"
    random_block, iv, plaintext, ciphertext = blocks
    trace.derived("ESP sequence number", "previous + 1", seq, rfc="RFC 4303 §3.3.3", spi=sa.spi)
    trace.derived(
        "ESP IV", "E_K(R xor previous ciphertext block), R random", iv,
        rfc="RFC 3602 §3, NIST SP 800-38A App. C", random_block=random_block,
    )  # fmt: skip
    trace.derived(
        "ESP plaintext", "inner packet | padding 1,2,3.. | pad length | next header 4",
        plaintext, rfc="RFC 4303 §2.4", inner=inner,
    )  # fmt: skip
    trace.derived(
        "ESP ciphertext", f"{sa.cipher.name}-CBC(K_e, IV, plaintext)", ciphertext, rfc=rfc,
        iv=iv, plaintext=plaintext,
    )  # fmt: skip
    trace.derived(
        "ESP ICV", f"first {sa.integrity.icv_size} bytes of HMAC(K_a, SPI | Seq | IV | ciphertext)",
        icv, rfc=f"RFC 4303 §3.3.4, {sa.integrity.rfc}", spi=sa.spi, seq=seq,
    )  # fmt: skip
    trace.derived(
        "ESP packet",
        "outer IPv4 [| UDP 4500] | ESP",
        inspect_esp(sa, outer),
        FactKind.ESP_PACKET,
        rfc=rfc,
    )


# -- inbound --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Outer:
    dst: str
    esp: bytes
    udp_ports: tuple[int, int] | None
    src: str


def parse_outer(outer_packet: bytes) -> _Outer | Dropped:
    """Find the ESP bytes in an outer IPv4 packet (protocol 50, or UDP 4500 per RFC 3948)."""
    data = bytes(outer_packet)  # bytearray or memoryview in: slices must be hashable
    if len(data) < IPV4_HEADER_LEN or data[0] >> 4 != 4:
        return Dropped(DropReason.MALFORMED, "not an IPv4 packet")
    hlen = (data[0] & 0xF) * 4
    total = int.from_bytes(data[2:4], "big")
    if hlen < IPV4_HEADER_LEN or not hlen <= total <= len(data):
        return Dropped(DropReason.MALFORMED, f"IPv4 IHL {hlen // 4} / total length {total}")
    if internet_checksum(data[:hlen]):
        return Dropped(DropReason.MALFORMED, "IPv4 header checksum is wrong")
    src, dst = _unpacked(data[12:16]), _unpacked(data[16:20])
    protocol, body = data[9], data[hlen:total]
    if protocol == ESP_PROTOCOL:
        return _Outer(dst, body, None, src)
    if protocol == IpProtocol.UDP and len(body) >= UDP_HEADER_LEN:
        return _parse_udp(src, dst, body)
    return Dropped(DropReason.NOT_ESP, f"IP protocol {protocol} is neither ESP nor UDP")


def _parse_udp(src: str, dst: str, body: bytes) -> _Outer | Dropped:
    sport, dport, length, _ = _UDP.unpack_from(body)
    if dport != NAT_T_PORT or not UDP_HEADER_LEN <= length <= len(body):
        return Dropped(DropReason.NOT_ESP, f"UDP to port {dport} (length {length})")
    payload = body[UDP_HEADER_LEN:length]
    if payload == NAT_KEEPALIVE or payload[:4] == NON_ESP_MARKER:
        return Dropped(DropReason.NOT_ESP, "NAT keepalive or IKE (non-ESP marker), RFC 3948 §2")
    return _Outer(dst, payload, (sport, dport), src)


def decapsulate(
    sa_lookup: SaLookup, outer_packet: bytes, now: float, trace: Trace = NULL_TRACE
) -> DecapResult:
    """Verify and decrypt one received packet (RFC 4303 §3.4); never raises for bad bytes.

    With an enabled ``trace`` a drop is recorded as an ``ESP packet dropped`` fact and a
    delivered packet as an ``ESP packet`` fact (an :class:`EspPacket`).
    """
    result = _decapsulate(sa_lookup, outer_packet, now, trace)
    if trace.enabled and isinstance(result, Dropped):
        trace.derived(
            "ESP packet dropped",
            result.reason.value,
            result,
            FactKind.ESP_PACKET,
            rfc="RFC 4303 §3.4",
        )
    return result


def _decapsulate(sa_lookup: SaLookup, outer_packet: bytes, now: float, trace: Trace) -> DecapResult:
    outer = parse_outer(outer_packet)
    if isinstance(outer, Dropped):
        return outer
    esp = outer.esp
    if len(esp) < ESP_HEADER_LEN:
        return Dropped(DropReason.MALFORMED, f"ESP packet of {len(esp)} bytes")
    spi, seq = _SPI_SEQ.unpack_from(esp)
    sa = sa_lookup(spi, outer.dst, ESP_PROTOCOL)
    if sa is None or sa.direction is not Direction.INBOUND:
        return Dropped(DropReason.NO_SA, f"SPI 0x{spi:08X} to {outer.dst}", spi)
    dropped = _verify(sa, esp, seq, now)
    if dropped is not None:
        return dropped
    return _decrypt(sa, esp, seq, trace, outer)


def _drop(sa: IpsecSa, reason: DropReason, detail: str) -> Dropped:
    sa.counters.recv_errors += 1
    return Dropped(reason, detail, sa.spi, sa)


def _verify(sa: IpsecSa, esp: bytes, seq: int, now: float) -> Dropped | None:
    """Lifetime, length, replay pre-check, then the ICV (RFC 4303 §3.4.3-3.4.4)."""
    c = sa.counters
    sa.handle_timer(now)
    if not sa.alive:
        c.pkts_invalid_sa_rcv += 1
        return _drop(sa, DropReason.SA_EXPIRED, "hard lifetime reached")
    bs, icv_size = sa.cipher.block_size, sa.integrity.icv_size
    body_len = len(esp) - ESP_HEADER_LEN - bs - icv_size
    if body_len < bs or body_len % bs:
        c.pkts_invalid_len_rcv += 1
        return _drop(sa, DropReason.BAD_LENGTH, f"{body_len} ciphertext bytes, block {bs}")
    verdict = sa.replay.check(seq)
    if not verdict.ok:
        c.pkts_replay_failed_rcv += 1
        return _drop(sa, DropReason.REPLAY, f"sequence {seq}: {verdict.value}")
    icv = esp[-icv_size:]
    expected = sa.integrity.icv(sa.integrity_key, esp[:-icv_size])
    if not hmac.compare_digest(icv, expected):
        c.pkts_verify_failed += 1
        return _drop(sa, DropReason.ICV_FAILURE, f"sequence {seq}: ICV {icv.hex()} is wrong")
    sa.replay.accept(seq)
    return None


def _decrypt(sa: IpsecSa, esp: bytes, seq: int, trace: Trace, outer: _Outer) -> DecapResult:
    bs, icv_size = sa.cipher.block_size, sa.integrity.icv_size
    iv = esp[ESP_HEADER_LEN : ESP_HEADER_LEN + bs]
    plaintext = sa.cbc.decrypt(iv, esp[ESP_HEADER_LEN + bs : -icv_size])
    pad_length, next_header = plaintext[-2], plaintext[-1]
    payload_len = len(plaintext) - 2 - pad_length
    c = sa.counters
    c.pkts_decrypt += 1
    if payload_len < 0 or plaintext[payload_len:-2] != _PADDING[pad_length]:
        c.pkts_decaps_failed_rcv += 1
        return _drop(sa, DropReason.BAD_PADDING, f"pad length {pad_length}")
    if next_header != NEXT_HEADER_IPV4:
        c.pkts_invalid_prot_rcv += 1
        if next_header == NEXT_HEADER_DUMMY:
            return Dropped(DropReason.DUMMY_PACKET, f"sequence {seq}", sa.spi, sa)
        return _drop(sa, DropReason.BAD_NEXT_HEADER, f"next header {next_header}")
    inner = plaintext[:payload_len]
    dropped = _check_inner(sa, inner)
    if dropped is not None:
        return dropped
    c.pkts_decaps += 1
    c.pkts_verify += 1
    sa.count_bytes(len(inner))
    if trace.enabled:
        packet = _esp_packet(outer, esp, bs, icv_size, True, plaintext)
        trace.derived(
            "ESP packet",
            "outer IPv4 [| UDP 4500] | ESP",
            packet,
            FactKind.ESP_PACKET,
            rfc="RFC 4303 §3.4",
        )
    return Decapsulated(inner, sa, seq)


def _check_inner(sa: IpsecSa, inner: bytes) -> Dropped | None:
    """The inner packet is IPv4 and lies inside the SA's proxy identities (RFC 4301 §5.2)."""
    if len(inner) < IPV4_HEADER_LEN or inner[0] >> 4 != 4:
        sa.counters.pkts_decaps_failed_rcv += 1
        return _drop(sa, DropReason.BAD_INNER_PACKET, "not an IPv4 header")
    src, dst = int.from_bytes(inner[12:16], "big"), int.from_bytes(inner[16:20], "big")
    # Inbound: the packet comes from the remote network to ours.
    if not (_in_ident(src, sa.remote_ident) and _in_ident(dst, sa.local_ident)):
        sa.counters.pkts_invalid_identity_rcv += 1
        detail = f"inner {unpack_address(inner[12:16])} -> {unpack_address(inner[16:20])}"
        return _drop(sa, DropReason.POLICY_MISMATCH, detail)
    return None


def _in_ident(address: int, ident: ProxyIdentity) -> bool:
    network = ident.network
    return address & int(network.netmask) == int(network.network_address)


# -- inspection -----------------------------------------------------------------------------
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
        return _esp_packet(outer, outer.esp, 0, 0, None, None)
    bs, icv_size = sa.cipher.block_size, sa.integrity.icv_size
    esp = outer.esp
    if len(esp) < ESP_HEADER_LEN + 2 * bs + icv_size or (len(esp) - ESP_HEADER_LEN - icv_size) % bs:
        return Dropped(DropReason.BAD_LENGTH, f"ESP packet of {len(esp)} bytes", sa.spi, sa)
    expected = sa.integrity.icv(sa.integrity_key, esp[:-icv_size])
    valid = hmac.compare_digest(esp[-icv_size:], expected)
    ciphertext = esp[ESP_HEADER_LEN + bs : -icv_size]
    plain = sa.cipher.decrypt(sa.encryption_key, esp[ESP_HEADER_LEN:][:bs], ciphertext)
    return _esp_packet(outer, esp, bs, icv_size, valid, plain if valid else None)


def _esp_packet(
    outer: _Outer, esp: bytes, bs: int, icv_size: int, valid: bool | None, plain: bytes | None
) -> EspPacket:
    spi, seq = _SPI_SEQ.unpack_from(esp)
    body = esp[ESP_HEADER_LEN:]
    iv, ciphertext = body[:bs], body[bs : len(body) - icv_size]
    icv = body[len(body) - icv_size :] if icv_size else b""
    common = (outer.src, outer.dst, outer.udp_ports, spi, seq, iv, ciphertext, icv, valid)
    if plain is None or len(plain) < 2 or plain[-2] > len(plain) - 2:
        return EspPacket(*common)
    pad_length = plain[-2]
    end = len(plain) - 2 - pad_length
    return EspPacket(*common, plain[end:-2], pad_length, plain[-1], plain[:end])
