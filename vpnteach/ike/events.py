"""Events an IKE endpoint reports: each names a completed milestone or a failure.

The ESP layer installs the two :class:`IpsecSaSpec` of a :class:`Phase2Complete`; the
stepper and the widgets show them. Nothing here is computed: the engine fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

from vpnteach._html import HtmlRepr
from vpnteach.ike.proposal import EspSuite, IkeSuite

Address = tuple[str, int]


@dataclass(frozen=True)
class Phase1Complete(HtmlRepr):
    """Main Mode finished: an authenticated ISAKMP SA exists (RFC 2409 §5)."""

    peer: Address
    conn_id: int
    role: str
    cky_i: bytes
    cky_r: bytes
    suite: IkeSuite
    peer_identity: str
    nat_detected: bool


@dataclass(frozen=True)
class IpsecSaSpec(HtmlRepr):
    """One unidirectional ESP SA as negotiated (RFC 2401 §4, RFC 2409 §5.5).

    ``enc_key`` and ``auth_key`` are the two halves of the SA's KEYMAT (encryption first).
    ``udp_encapsulated`` means ESP-in-UDP on port 4500 (RFC 3948).
    """

    direction: str
    spi: bytes
    src: str
    dst: str
    src_proxy: IPv4Network
    dst_proxy: IPv4Network
    transform_id: int
    key_length: int | None
    enc_key: bytes
    auth_algorithm: int
    auth_key: bytes
    encapsulation: int
    lifetime_seconds: int
    lifetime_kilobytes: int
    udp_encapsulated: bool = False
    src_port: int = 0
    dst_port: int = 0

    @property
    def spi_int(self) -> int:
        """The SPI as a number (``0xAC4D6EB3``)."""
        return int.from_bytes(self.spi, "big")


@dataclass(frozen=True)
class Phase2Complete(HtmlRepr):
    """Quick Mode finished: a pair of IPsec SAs (RFC 2409 §5.5)."""

    peer: Address
    conn_id: int
    message_id: int
    suite: EspSuite
    inbound: IpsecSaSpec
    outbound: IpsecSaSpec
    crypto_map: str
    seq: int


@dataclass(frozen=True)
class NotificationReceived(HtmlRepr):
    """An ISAKMP Notify payload arrived (RFC 2408 §3.14)."""

    peer: Address
    notify_type: int
    protocol_id: int
    spi: bytes
    data: bytes


@dataclass(frozen=True)
class NotificationSent(HtmlRepr):
    """We sent a Notify payload, e.g. NO-PROPOSAL-CHOSEN."""

    peer: Address
    notify_type: int
    reason: str


@dataclass(frozen=True)
class NegotiationFailed(HtmlRepr):
    """An exchange was abandoned: a refused proposal, a failed check, no answer."""

    peer: Address
    phase: int
    reason: str
    notify_type: int | None = None


@dataclass(frozen=True)
class SaDeleted(HtmlRepr):
    """The peer deleted SAs (Delete payload, RFC 2408 §3.15) or we deleted ours."""

    peer: Address
    protocol_id: int
    spis: tuple[bytes, ...]
    by_peer: bool


@dataclass(frozen=True)
class DeadPeerAnswered(HtmlRepr):
    """An R-U-THERE-ACK arrived for our R-U-THERE (RFC 3706 §5)."""

    peer: Address
    sequence: int


Event = (
    Phase1Complete
    | Phase2Complete
    | NotificationReceived
    | NotificationSent
    | NegotiationFailed
    | SaDeleted
    | DeadPeerAnswered
)
