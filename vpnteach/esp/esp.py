"""ESP tunnel mode: encapsulation and decapsulation (RFC 4303 §2-3, RFC 3948 for UDP).

Outbound (RFC 4303 §3.3), for an inner IPv4 packet and an outbound :class:`IpsecSa`:

1. sequence number = previous + 1; it never cycles (§3.3.3): at 2^32-1 a new SA is needed;
2. plaintext = inner packet | padding 1, 2, 3, ... (§2.4 default) | pad length | next header 4
   (IPv4, the whole inner packet is the payload in tunnel mode), to a whole number of blocks
   (CBC) or of 4 bytes (AES-GCM, RFC 4106 §3.2);
3. CBC: a fresh random IV per packet (RFC 3602 §3, RFC 2451 §3), then CBC encryption, then
   ICV = trunc(HMAC(K_a, SPI | Seq | IV | ciphertext)) (§3.3.4, RFC 2403/2404/4868);
   AES-GCM: IV = the sequence number, nonce = salt | IV, AAD = SPI | Seq, one call gives
   ciphertext | ICV (RFC 4106 §3-§6, :mod:`vpnteach.esp.gcm`);
4. the outer IPv4 header local -> peer, protocol 50, or protocol 17 + UDP 4500 (RFC 3948 §2.1,
   UDP checksum 0 as §3.1 advises) (:mod:`vpnteach.esp.outer`).

Inbound (RFC 4303 §3.4): find the SA by (SPI, destination, protocol 50) (§3.4.2), reject a
replayed sequence number early (§3.4.3), verify the ICV in constant time *before* decrypting
(§3.4.4; with AES-GCM verification and decryption are one operation that releases nothing when
the tag is wrong), only then update the replay window, check padding (§2.4: the receiver
SHOULD inspect it) and next header, and check that the inner packet matches the SA's proxy
identities (RFC 4301 §5.2 step 4). A bad packet is never an exception: it is a
:class:`Dropped` result with a :class:`DropReason`, and the SA's counters record it as IOS does.

A router whose sockets carry only the ESP part (a UDP 4500 socket, a raw protocol-50 socket)
calls :func:`protect` and :func:`decapsulate_esp`, which skip the outer headers; the results
are the same. Facts (``trace``) are recorded only when the trace is enabled: the per-packet
path builds nothing for a learner when nobody is looking.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable

from vpnteach.crypto.rng import Rng
from vpnteach.esp import facts
from vpnteach.esp.gcm import GcmContext, gcm_trailer_padding
from vpnteach.esp.inspect import esp_packet, inspect_esp
from vpnteach.esp.outer import ESP_PROTOCOL, Outer, outer_headers, parse_outer
from vpnteach.esp.policy import ProxyIdentity
from vpnteach.esp.results import (
    DecapResult,
    Decapsulated,
    Dropped,
    DropReason,
    EspPacket,
    EspSendError,
)
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.trace import NULL_TRACE, FactKind, Trace
from vpnteach.wire.esp import ESP_HEADER_LEN
from vpnteach.wire.ip import IPV4_HEADER_LEN, IpProtocol, unpack_address

__all__ = [
    "ESP_PROTOCOL",
    "DecapResult",
    "Decapsulated",
    "DropReason",
    "Dropped",
    "EspPacket",
    "EspSendError",
    "SaLookup",
    "decapsulate",
    "decapsulate_esp",
    "encapsulate",
    "esp_trailer",
    "inspect_esp",
    "parse_outer",
    "protect",
    "unpad_verified",
]

NEXT_HEADER_IPV4 = int(IpProtocol.IPV4)
NEXT_HEADER_DUMMY = int(IpProtocol.NO_NEXT_HEADER)
SEQ_MAX = 0xFFFFFFFF
# RFC 4303 §2.4: "the first padding byte appended to the plaintext is numbered 1".
_PADDING = [bytes(range(1, n + 1)) for n in range(256)]
_TRAILERS = [_PADDING[n] + bytes((n, NEXT_HEADER_IPV4)) for n in range(256)]
_SPI_SEQ = struct.Struct("!II")
_INBOUND, _OUTBOUND = Direction.INBOUND, Direction.OUTBOUND

SaLookup = Callable[[int, str, int], "IpsecSa | None"]
"""``lookup(spi, destination, protocol) -> IpsecSa | None``: the SAD's inbound index."""


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
    esp = protect(sa, inner_packet, rng, now, trace)
    udp = sa.udp
    ports = None if udp is None else (udp.local_port, udp.peer_port)
    outer = outer_headers(sa.local, sa.peer, ports, len(esp), sa.seq) + esp
    if trace.enabled:
        packet = inspect_esp(sa, outer)
        trace.derived("ESP packet", "outer IPv4 [| UDP 4500] | ESP", packet,
                      FactKind.ESP_PACKET, rfc="RFC 4303 §3.3")  # fmt: skip
    return outer


def protect(
    sa: IpsecSa, inner_packet: bytes, rng: Rng, now: float, trace: Trace = NULL_TRACE
) -> bytes:
    """The ESP part (SPI | Seq | IV | ciphertext | ICV) of ``inner_packet`` under ``sa``:
    :func:`encapsulate` without the outer headers, for a socket that adds them.

    Raises:
        EspSendError: as :func:`encapsulate`.
    """
    _check_sendable(sa, now)
    sa.seq = seq = sa.seq + 1
    gcm = sa.gcm
    if gcm is not None:
        esp = _seal_gcm(sa, gcm, seq, inner_packet, trace)
    else:
        esp = _seal_cbc(sa, seq, inner_packet, rng, trace)
    c = sa.counters
    c.pkts_encaps += 1
    c.pkts_encrypt += 1
    c.pkts_digest += 1
    sa.count_bytes(len(inner_packet))
    return esp


def _seal_cbc(sa: IpsecSa, seq: int, inner: bytes, rng: Rng, trace: Trace) -> bytes:
    cbc, mac = sa.cbc, sa.hmac
    assert cbc is not None and mac is not None  # an SA is CBC + HMAC or AES-GCM
    bs = cbc.block_size
    random_block = rng.random_bytes(bs)
    plaintext = inner + _TRAILERS[-(len(inner) + 2) % bs]
    iv, ciphertext = cbc.encrypt(random_block, plaintext)
    authenticated = _SPI_SEQ.pack(sa.spi, seq) + iv + ciphertext
    icv = mac.icv(authenticated)
    if trace.enabled:
        facts.cbc_outbound(trace, sa, seq, (random_block, iv, plaintext, ciphertext), icv, inner)
    return authenticated + icv


def _seal_gcm(sa: IpsecSa, gcm: GcmContext, seq: int, inner: bytes, trace: Trace) -> bytes:
    spi = sa.spi
    plaintext = inner + _TRAILERS[gcm_trailer_padding(len(inner))]
    iv = gcm.iv_for(seq)
    sealed = gcm.seal(spi, seq, iv, plaintext)
    if trace.enabled:
        facts.gcm_outbound(trace, sa, gcm, seq, iv, plaintext, sealed, inner)
    return _SPI_SEQ.pack(spi, seq) + iv + sealed


def _check_sendable(sa: IpsecSa, now: float) -> None:
    if sa.direction is not _OUTBOUND:
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


# -- inbound --------------------------------------------------------------------------------
def decapsulate(
    sa_lookup: SaLookup, outer_packet: bytes, now: float, trace: Trace = NULL_TRACE
) -> DecapResult:
    """Verify and decrypt one received packet (RFC 4303 §3.4); never raises for bad bytes.

    With an enabled ``trace`` a drop is recorded as an ``ESP packet dropped`` fact and a
    delivered packet as an ``ESP packet`` fact (an :class:`EspPacket`).
    """
    outer = parse_outer(outer_packet)
    if isinstance(outer, Dropped):
        if trace.enabled:
            facts.dropped(trace, outer)
        return outer
    return decapsulate_esp(sa_lookup, outer.esp, outer.dst, now, trace, outer)


def decapsulate_esp(
    sa_lookup: SaLookup,
    esp: bytes,
    destination: str,
    now: float,
    trace: Trace = NULL_TRACE,
    outer: Outer | None = None,
) -> DecapResult:
    """:func:`decapsulate` for the ESP part alone (SPI to ICV), sent to ``destination``.

    ``outer`` (where it came from) only names the packet in the facts.
    """
    result = _decapsulate(sa_lookup, esp, destination, now, trace, outer)
    if trace.enabled and type(result) is Dropped:
        facts.dropped(trace, result)
    return result


def _decapsulate(
    sa_lookup: SaLookup, esp: bytes, dst: str, now: float, trace: Trace, outer: Outer | None
) -> DecapResult:
    if len(esp) < ESP_HEADER_LEN:
        return Dropped(DropReason.MALFORMED, f"ESP packet of {len(esp)} bytes")
    spi, seq = _SPI_SEQ.unpack_from(esp)
    sa = sa_lookup(spi, dst, ESP_PROTOCOL)
    if sa is None or sa.direction is not _INBOUND:
        return Dropped(DropReason.NO_SA, f"SPI 0x{spi:08X} to {dst}", spi)
    dropped = _precheck(sa, esp, seq, now)
    if dropped is not None:
        return dropped
    plaintext = _open(sa, esp, spi, seq)
    if plaintext is None:
        sa.counters.pkts_verify_failed += 1
        icv = bytes(esp[-sa.icv_size :]).hex()
        return _drop(sa, DropReason.ICV_FAILURE, f"sequence {seq}: ICV {icv} is wrong")
    sa.replay.accept(seq)
    result = _unpad(sa, plaintext, seq)
    if trace.enabled and type(result) is Decapsulated:
        where = outer if outer is not None else _outer_of(sa, esp)
        packet = esp_packet(where, sa.iv_size, sa.icv_size, True, plaintext)
        trace.derived("ESP packet", "outer IPv4 [| UDP 4500] | ESP", packet,
                      FactKind.ESP_PACKET, rfc="RFC 4303 §3.4")  # fmt: skip
    return result


def _outer_of(sa: IpsecSa, esp: bytes) -> Outer:
    """What the outer headers of a packet for inbound ``sa`` said (peer -> us)."""
    udp = sa.udp
    ports = None if udp is None else (udp.peer_port, udp.local_port)
    return Outer(sa.local, bytes(esp), ports, sa.peer)


def _drop(sa: IpsecSa, reason: DropReason, detail: str) -> Dropped:
    sa.counters.recv_errors += 1
    return Dropped(reason, detail, sa.spi, sa)


def _precheck(sa: IpsecSa, esp: bytes, seq: int, now: float) -> Dropped | None:
    """Lifetime, length and the replay pre-check (RFC 4303 §3.4.3), before any crypto."""
    c = sa.counters
    sa.handle_timer(now)
    if not sa.alive:
        c.pkts_invalid_sa_rcv += 1
        return _drop(sa, DropReason.SA_EXPIRED, "hard lifetime reached")
    body_len = len(esp) - ESP_HEADER_LEN - sa.iv_size - sa.icv_size
    cbc = sa.cbc
    if cbc is None:  # AES-GCM: a stream, at least pad length and next header
        if body_len < 2:
            c.pkts_invalid_len_rcv += 1
            return _drop(sa, DropReason.BAD_LENGTH, f"{body_len} ciphertext bytes, at least 2")
    elif body_len < cbc.block_size or body_len % cbc.block_size:
        c.pkts_invalid_len_rcv += 1
        detail = f"{body_len} ciphertext bytes, block {cbc.block_size}"
        return _drop(sa, DropReason.BAD_LENGTH, detail)
    verdict = sa.replay.check(seq)
    if not verdict.ok:
        c.pkts_replay_failed_rcv += 1
        return _drop(sa, DropReason.REPLAY, f"sequence {seq}: {verdict.value}")
    return None


def _open(sa: IpsecSa, esp: bytes, spi: int, seq: int) -> bytes | None:
    """ICV check then decryption (RFC 4303 §3.4.4); ``None`` if the ICV is wrong."""
    start = ESP_HEADER_LEN + sa.iv_size
    gcm = sa.gcm
    if gcm is not None:
        return gcm.open(spi, seq, esp[ESP_HEADER_LEN:start], esp[start:])
    cbc, mac, icv_size = sa.cbc, sa.hmac, sa.icv_size
    assert cbc is not None and mac is not None  # an SA is CBC + HMAC or AES-GCM
    expected = mac.icv(esp[:-icv_size])
    if not hmac.compare_digest(esp[-icv_size:], expected):
        return None
    return cbc.decrypt(esp[ESP_HEADER_LEN:start], esp[start:-icv_size])


def _unpad(sa: IpsecSa, plaintext: bytes, seq: int) -> DecapResult:
    """Trailer, next header and proxy identities of a verified packet (RFC 4303 §2.4, §2.6)."""
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
    sa.count_bytes(payload_len)
    return Decapsulated(inner, sa, seq)


unpad_verified = _unpad
"""``unpad_verified(sa, plaintext, seq)``: the checks after a good ICV (trailer, next header,
proxy identities, RFC 4303 §2.4, RFC 4301 §5.2) with their counters, for a caller that
verified and decrypted ``plaintext`` itself and updated the replay window."""


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
    netmask, network = ident.bounds
    return address & netmask == network
