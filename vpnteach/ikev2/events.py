"""What an IKEv2 endpoint reports: milestones and failures, as types readers match on."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

from vpnteach._html import HtmlRepr

Address = tuple[str, int]


@dataclass(frozen=True)
class IkeSaEstablished(HtmlRepr):
    """IKE_AUTH completed: an authenticated IKE SA (RFC 7296 §1.2)."""

    peer: Address
    role: str
    spi_i: bytes
    spi_r: bytes
    suite: str
    peer_identity: str
    nat_detected: bool


@dataclass(frozen=True)
class ChildSaEstablished(HtmlRepr):
    """A Child SA pair (ESP) exists: install ``spi_in``/``spi_out`` with their keys.

    ``spi_in`` is the SPI we chose (the peer sends with it), ``spi_out`` the peer's.
    The keys come from KEYMAT (RFC 7296 §2.17); ``*_in`` protect what the peer sends us.
    """

    peer: Address
    role: str
    spi_in: bytes
    spi_out: bytes
    encr_id: int
    key_bits: int
    integ_id: int | None
    encr_key_in: bytes
    integ_key_in: bytes
    encr_key_out: bytes
    integ_key_out: bytes
    local_ts: IPv4Network
    remote_ts: IPv4Network
    udp_encapsulated: bool
    pfs_group: int | None = None
    rekeyed_spi: bytes | None = None  # the inbound SPI of the Child SA this one replaces


@dataclass(frozen=True)
class ChildSaFailed(HtmlRepr):
    """The IKE SA stands but its Child SA was refused (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE);
    ``rekeyed_spi``: the inbound SPI of the Child SA our refused request was to rekey."""

    peer: Address
    reason: str
    notify_type: int
    rekeyed_spi: bytes | None = None


@dataclass(frozen=True)
class NegotiationFailed(HtmlRepr):
    """The IKE SA could not be set up; ``notify_type`` is what was sent or received (0: none)."""

    peer: Address
    reason: str
    notify_type: int = 0


@dataclass(frozen=True)
class NotifyReceived(HtmlRepr):
    """A Notify payload arrived (status types included), with its Notification Data."""

    peer: Address
    exchange: int
    notify_type: int
    data: bytes = b""


@dataclass(frozen=True)
class IkeSaDeleted(HtmlRepr):
    """The IKE SA (and its Child SAs) is gone: by our request, the peer's, or a timeout."""

    peer: Address
    spi_i: bytes
    spi_r: bytes
    reason: str


@dataclass(frozen=True)
class IkeSaRekeyed(HtmlRepr):
    """A new IKE SA replaces the old one (CREATE_CHILD_SA, RFC 7296 §1.3.2); the Child SAs
    move to it and the old one is deleted next."""

    peer: Address
    old_spi_i: bytes
    old_spi_r: bytes
    spi_i: bytes
    spi_r: bytes


@dataclass(frozen=True)
class IkeSaRekeyCollision(HtmlRepr):
    """Both ends rekeyed the IKE SA at once and both exchanges made a new IKE SA (RFC 7296
    §2.8.2): the one whose exchange holds the lowest of the four nonces is redundant and is
    deleted by its initiator (``we_delete``: that is us); the other one keeps the Child SAs,
    and the old IKE SA is deleted by the end whose new SA survived."""

    peer: Address
    old_spi_i: bytes
    old_spi_r: bytes
    kept_spi_i: bytes
    kept_spi_r: bytes
    redundant_spi_i: bytes
    redundant_spi_r: bytes
    our_ni: bytes  # our request's Ni and the peer's Nr to it: our exchange
    their_nr: bytes
    their_ni: bytes  # the peer's request's Ni and our Nr to it: its exchange
    our_nr: bytes
    we_delete: bool

    @property
    def lowest_nonce(self) -> bytes:
        """The lowest of the four nonces (octet strings compared as ``bytes`` compare)."""
        return min(self.our_ni, self.their_nr, self.their_ni, self.our_nr)


@dataclass(frozen=True)
class ChildSaDeleted(HtmlRepr):
    """A Child SA pair is gone (INFORMATIONAL Delete, RFC 7296 §1.4.1)."""

    peer: Address
    spi_in: bytes
    spi_out: bytes


@dataclass(frozen=True)
class LivenessChecked(HtmlRepr):
    """An empty INFORMATIONAL request was answered: the peer is alive (RFC 7296 §1.4)."""

    peer: Address


Event = (
    IkeSaEstablished
    | ChildSaEstablished
    | ChildSaFailed
    | NegotiationFailed
    | NotifyReceived
    | IkeSaDeleted
    | IkeSaRekeyed
    | IkeSaRekeyCollision
    | ChildSaDeleted
    | LivenessChecked
)
