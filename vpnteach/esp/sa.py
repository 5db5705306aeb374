"""An IPsec security association (RFC 4301 §4.4.2.1): keys, counters, window and lifetimes.

One :class:`IpsecSa` is one direction of one ESP tunnel: Quick Mode creates two, an inbound one
with the SPI *we* chose and an outbound one with the peer's SPI (RFC 2409 §5.5).

**Counters** are :class:`SaCounters`, the numbers ``show crypto ipsec sa`` prints. IOS keeps
them per *flow* (crypto map entry + proxy identities), not per SA: the seed's
``#send errors 1`` is the first ping packet, dropped before any SA existed, and the counts
survive a rekey. So an SA holds a reference to a counters object that the SAD shares between
the inbound and outbound SAs of one flow (a standalone SA gets its own).

**Lifetimes** (RFC 4301 §4.4.2.1 "SA Lifetime"): a hard limit in seconds and in kilobytes of
protected (inner) traffic, whichever comes first, ends the SA; a soft limit before it asks IKE
for a new SA (a Quick Mode rekey) so traffic never waits. We follow IOS's rule: the soft limit is
30 seconds before the hard seconds limit, or 90 % of the kilobytes (Cisco IOS "Security for VPNs
with IPsec": "negotiated either 30 seconds before the seconds lifetime expires or when the
traffic volume ... reaches 90 percent of the kilobytes lifetime"). strongSwan uses
``rekey_time`` = 90 % of ``life_time`` minus a random jitter (``rand_time``) so both peers do
not rekey at the same instant; pass ``jitter_seconds`` and an ``rng`` to get that behaviour.
Time is a float number of seconds given by the caller (sans-IO).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from vpnteach._html import HtmlRepr
from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.crypto.rng import Rng, random_int_below
from vpnteach.esp.cbc import CbcContext
from vpnteach.esp.gcm import GcmAlgorithm, GcmContext
from vpnteach.esp.integrity import HmacContext, IntegrityAlgorithm
from vpnteach.esp.policy import ProxyIdentity
from vpnteach.esp.replay import ReplayWindow
from vpnteach.esp.transform import EspCipher, transform_text
from vpnteach.wire.esp import NAT_T_PORT

IOS_SOFT_MARGIN_SECONDS = 30
IOS_SOFT_KILOBYTE_FRACTION = 0.9


class Direction(Enum):
    """Which way an SA protects traffic."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SaId(NamedTuple):
    """What names one SA: its SPI and destination address (RFC 4301 §4.1: with the protocol,
    always ESP here, the triple that identifies an SA), and which way it protects traffic.

    The destination of an inbound SA is our address (the SPI is one we chose), of an outbound
    SA the peer's, so the two SAs of one Quick Mode never share an :class:`SaId` even when
    both peers picked the same SPI value.
    """

    direction: Direction
    spi: int
    destination: str


class SaState(Enum):
    """``Status:`` in ``show crypto ipsec sa``; REKEYING after the soft limit."""

    ACTIVE = "ACTIVE"
    REKEYING = "ACTIVE (rekey requested)"
    EXPIRED = "EXPIRED"


@dataclass
class SaCounters(HtmlRepr):
    """Every count ``show crypto ipsec sa [detail]`` prints, as data.

    The first twelve are the plain lines (``#pkts encaps: 4, #pkts encrypt: 4, ...``); the
    rest are the ``detail`` breakdown of the errors (IOS "#pkts no sa (send)", "#pkts verify
    failed", "#pkts replay failed (rcv)", ...). Compression is never used here (no IPComp) but
    the counters exist because IOS prints them.
    """

    pkts_encaps: int = 0
    pkts_encrypt: int = 0
    pkts_digest: int = 0
    pkts_decaps: int = 0
    pkts_decrypt: int = 0
    pkts_verify: int = 0
    pkts_compressed: int = 0
    pkts_decompressed: int = 0
    pkts_not_compressed: int = 0
    pkts_compr_failed: int = 0
    pkts_not_decompressed: int = 0
    pkts_decompress_failed: int = 0
    send_errors: int = 0
    recv_errors: int = 0
    pkts_no_sa_send: int = 0
    pkts_invalid_sa_rcv: int = 0
    pkts_encaps_failed_send: int = 0
    pkts_decaps_failed_rcv: int = 0
    pkts_invalid_prot_rcv: int = 0
    pkts_verify_failed: int = 0
    pkts_invalid_identity_rcv: int = 0
    pkts_invalid_len_rcv: int = 0
    pkts_replay_rollover_send: int = 0
    pkts_replay_rollover_rcv: int = 0
    pkts_replay_failed_rcv: int = 0


@dataclass(frozen=True)
class Lifetime(HtmlRepr):
    """An SA lifetime: ``seconds`` and ``kilobytes`` (0 = no limit of that kind)."""

    seconds: int = 3600
    kilobytes: int = 4608000


@dataclass(frozen=True)
class SoftLifetimeExpired(HtmlRepr):
    """The soft limit was reached: start a Quick Mode rekey for this SA's flow."""

    spi: int
    direction: Direction
    reason: str


@dataclass(frozen=True)
class HardLifetimeExpired(HtmlRepr):
    """The hard limit was reached: the SA is dead and must be deleted."""

    spi: int
    direction: Direction
    reason: str


SaEvent = SoftLifetimeExpired | HardLifetimeExpired


@dataclass(frozen=True)
class UdpEncapsulation(HtmlRepr):
    """ESP in UDP (RFC 3948 §2.1): the ports the outer UDP header carries."""

    local_port: int = NAT_T_PORT
    peer_port: int = NAT_T_PORT


@dataclass(eq=False)
class IpsecSa(HtmlRepr):
    """One direction of an ESP tunnel-mode SA (RFC 4301 §4.4.2.1, RFC 4303).

    Args:
        direction: inbound (we decrypt) or outbound (we encrypt).
        spi: the SPI in the packets (for inbound: the one we chose).
        local / peer: tunnel endpoint addresses (``"10.1.1.1"``, ``"10.2.2.1"``).
        cipher / encryption_key: the CBC cipher and its key (KEYMAT, RFC 2409 §5.5), or AES-GCM
            and its key followed by the 4-byte salt (RFC 4106 §8.1).
        integrity / integrity_key: the truncated HMAC and its key; ``None`` and ``b""`` with
            AES-GCM, whose ICV is part of the cipher.
        local_ident / remote_ident: the proxy identities (Quick Mode IDci/IDcr, as seen
            from this router: local = our LAN side).
        lifetime: the hard limits; created_at: ``now`` when the SA was installed.
        udp: UDP encapsulation ports (RFC 3948), or ``None`` for plain ESP (protocol 50).
        crypto_map: the crypto map tag (``"CRYPTO"``) for ``show`` output.
        rng / jitter_seconds: optional random jitter taken off the soft seconds limit.
    """

    direction: Direction
    spi: int
    local: str
    peer: str
    cipher: EspCipher
    encryption_key: bytes
    integrity: IntegrityAlgorithm | None
    integrity_key: bytes
    local_ident: ProxyIdentity
    remote_ident: ProxyIdentity
    lifetime: Lifetime = field(default_factory=Lifetime)
    created_at: float = 0.0
    udp: UdpEncapsulation | None = None
    crypto_map: str = ""
    conn_id: int = 0
    rng: Rng | None = field(default=None, repr=False)
    jitter_seconds: int = 0
    counters: SaCounters = field(default_factory=SaCounters)
    seq: int = 0
    replay: ReplayWindow = field(default_factory=ReplayWindow)
    bytes_protected: int = 0
    state: SaState = SaState.ACTIVE
    soft_seconds: float = field(init=False)
    soft_bytes: int = field(init=False)
    events: list[SaEvent] = field(default_factory=list, repr=False)
    cbc: CbcContext | None = field(init=False, repr=False, default=None)
    gcm: GcmContext | None = field(init=False, repr=False, default=None)
    hmac: HmacContext | None = field(init=False, repr=False, default=None)
    iv_size: int = field(init=False, repr=False, default=0)
    icv_size: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        self._check_keys()
        cipher, integrity = self.cipher, self.integrity
        if isinstance(cipher, GcmAlgorithm):
            self.gcm = GcmContext(cipher, self.encryption_key)
            self.iv_size, self.icv_size = cipher.iv_size, cipher.icv_size
        else:
            self.cbc = CbcContext(cipher, self.encryption_key)
            if integrity is not None:  # (a CBC SA without one is refused by _check_keys)
                self.hmac = HmacContext(integrity, self.integrity_key)
            self.iv_size = cipher.block_size
            self.icv_size = integrity.icv_size if integrity is not None else 0
        jitter = 0
        if self.jitter_seconds and self.rng is not None:
            jitter = random_int_below(self.rng, self.jitter_seconds + 1)
        secs = self.lifetime.seconds
        self.soft_seconds = max(secs - IOS_SOFT_MARGIN_SECONDS - jitter, secs * 0.5) if secs else 0
        kb = self.lifetime.kilobytes
        self.soft_bytes = int(kb * 1024 * IOS_SOFT_KILOBYTE_FRACTION)

    @property
    def sa_id(self) -> SaId:
        """``(direction, SPI, destination)``: the key this SA is found by (RFC 4301 §4.1)."""
        inbound = self.direction is Direction.INBOUND
        return SaId(self.direction, self.spi, self.local if inbound else self.peer)

    def _check_keys(self) -> None:
        integrity = self.integrity
        combined = isinstance(self.cipher, GcmAlgorithm)
        if combined != (integrity is None):
            why = "AES-GCM takes no HMAC" if combined else "a CBC cipher needs an HMAC"
            raise ValueError(f"SA 0x{self.spi:08X}: {why} (RFC 4106 §8.1, RFC 4303 §3.2)")
        for what, key, size, name in (
            ("encryption", self.encryption_key, self.cipher.key_size, self.cipher.name),
            ("integrity", self.integrity_key, integrity.key_size if integrity else 0,
             integrity.name if integrity else "AES-GCM"),
        ):  # fmt: skip
            if len(key) != size:
                raise ValueError(
                    f"SA 0x{self.spi:08X}: {what} key is {len(key)} bytes, {name} needs {size}"
                )
        if not 0 < self.spi <= 0xFFFFFFFF:
            raise ValueError(f"SPI {self.spi}: must be 1..2^32-1 (0 is reserved, RFC 4303 §2.1)")

    def __repr__(self) -> str:
        arrow = "->" if self.direction is Direction.OUTBOUND else "<-"
        return (
            f"IpsecSa({self.direction.value} spi=0x{self.spi:08X} {self.local} {arrow} "
            f"{self.peer}, {self.transform_text()}, seq={self.seq}, {self.state.value})"
        )

    def transform_text(self) -> str:
        """``esp-3des esp-md5-hmac`` / ``esp-256-aes esp-sha256-hmac`` / ``esp-gcm 256``."""
        return transform_text(self.cipher, self.integrity)

    def cbc_suite(self) -> tuple[CipherAlgorithm, IntegrityAlgorithm]:
        """The CBC cipher and HMAC of a CBC SA (``ValueError`` for an AES-GCM SA)."""
        cipher, integrity = self.cipher, self.integrity
        if isinstance(cipher, GcmAlgorithm) or integrity is None:
            raise ValueError(f"SA 0x{self.spi:08X} uses {cipher.name}: no CBC cipher and HMAC")
        return cipher, integrity

    # -- lifetimes -----------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """The SA may still carry traffic (not hard-expired)."""
        return self.state is not SaState.EXPIRED

    def get_timer(self) -> float | None:
        """When :meth:`handle_timer` next has something to do, or ``None``."""
        if not self.lifetime.seconds or self.state is SaState.EXPIRED:
            return None
        if self.state is SaState.ACTIVE:
            return self.created_at + self.soft_seconds
        return self.created_at + self.lifetime.seconds

    def handle_timer(self, now: float) -> None:
        """Raise the soft / hard seconds events that are due at ``now`` (into ``events``)."""
        secs = self.lifetime.seconds
        if not secs or self.state is SaState.EXPIRED:
            return
        age = now - self.created_at
        if age >= secs:
            self._expire(f"{secs} seconds elapsed")
        elif age >= self.soft_seconds and self.state is SaState.ACTIVE:
            self._soften(f"{self.soft_seconds:g} of {secs} seconds elapsed")

    def count_bytes(self, n: int) -> None:
        """Add ``n`` protected bytes and raise the kilobyte events that become due."""
        self.bytes_protected += n
        kb = self.lifetime.kilobytes
        if not kb or self.state is SaState.EXPIRED:
            return
        if self.bytes_protected >= kb * 1024:
            self._expire(f"{kb} kilobytes protected")
        elif self.bytes_protected >= self.soft_bytes and self.state is SaState.ACTIVE:
            self._soften(f"90% of {kb} kilobytes protected")

    def _soften(self, reason: str) -> None:
        self.state = SaState.REKEYING
        self.events.append(SoftLifetimeExpired(self.spi, self.direction, reason))

    def _expire(self, reason: str) -> None:
        if self.state is SaState.ACTIVE:
            self._soften(reason)
        self.state = SaState.EXPIRED
        self.events.append(HardLifetimeExpired(self.spi, self.direction, reason))

    def next_event(self) -> SaEvent | None:
        """The oldest event not yet taken, or ``None``."""
        return self.events.pop(0) if self.events else None

    def remaining(self, now: float) -> tuple[int, int]:
        """(kilobytes, seconds) left: ``sa timing: remaining key lifetime (k/sec)``."""
        kb = max(0, self.lifetime.kilobytes - math.ceil(self.bytes_protected / 1024))
        secs = max(0, math.ceil(self.created_at + self.lifetime.seconds - now))
        return kb, secs
