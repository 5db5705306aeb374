"""The state one IKE SA keeps, in small pieces that exist once they are known.

An :class:`IkeSa` is created by our IKE_SA_INIT request (initiator) or by a peer's
(responder). What IKE_SA_INIT settles — SPIs, nonces, the suite, the DH computation, the two
messages AUTH signs, the keys — arrives as :class:`InitResult`; the Child SAs as
:class:`ChildSa`. Message IDs follow RFC 7296 §2.2: ``next_request_id`` counts the requests we
send, ``expected_request_id`` the peer's; the last response is kept to answer a retransmitted
request again (§2.1) and our pending request is retransmitted by the timer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import NamedTuple

from vpnteach.crypto.dh import DhComputation
from vpnteach.ikev2.config import PeerConfig
from vpnteach.ikev2.keymat import ChildSaKeys, IkeSaKeys
from vpnteach.ikev2.proposals import EspSuite, IkeSuite
from vpnteach.ikev2.sk import SkKeys
from vpnteach.ikev2.transitions import State

Address = tuple[str, int]


class Datagram(NamedTuple):
    """A UDP datagram to send (non-ESP marker included on 4500) and from which local port."""

    data: bytes
    addr: Address
    local_port: int = 500


@dataclass
class Retransmit:
    """Our request that awaits its response, and when to send it again (RFC 7296 §2.1)."""

    datagrams: tuple[Datagram, ...]  # one, or every fragment (RFC 7383 §2.6.1)
    message_id: int
    due: float
    interval: float
    attempts: int = 0


@dataclass(frozen=True)
class InitResult:
    """What IKE_SA_INIT settled (RFC 7296 §1.2)."""

    suite: IkeSuite
    dh: DhComputation
    ni: bytes
    nr: bytes
    message1: bytes  # RealMessage1: the initiator's IKE_SA_INIT request, as sent
    message2: bytes  # RealMessage2: the responder's answer
    keys: IkeSaKeys
    nat_detected: bool


@dataclass(frozen=True)
class ChildSa:
    """One Child SA pair (ESP)."""

    spi_in: bytes
    spi_out: bytes
    suite: EspSuite
    keys: ChildSaKeys
    local_ts: ipaddress.IPv4Network
    remote_ts: ipaddress.IPv4Network


@dataclass(frozen=True)
class PendingCreate:
    """Our CREATE_CHILD_SA request (RFC 7296 §1.3): what its answer completes."""

    message_id: int
    ni: bytes
    spi_in: bytes
    dh: DhComputation | None
    rekeyed: ChildSa | None
    ike: bool = False  # an IKE SA rekey (§1.3.2): ``spi_in`` is our SPI of the new IKE SA


@dataclass(frozen=True)
class RekeyCollision:
    """We answered the peer's rekey of ``old_spi_in`` while ours of it was in flight
    (RFC 7296 §2.8.1, :mod:`vpnteach.ikev2.rekey_collision`)."""

    old_spi_in: bytes  # our inbound SPI of the pair both ends rekey
    their_ni: bytes  # the Ni of the peer's request
    our_nr: bytes  # the Nr of our answer to it
    their_child_spi_in: bytes  # our inbound SPI of the pair that exchange created


@dataclass(frozen=True)
class IkeRekeyCollision:
    """We answered the peer's rekey of this IKE SA while ours of it was in flight
    (RFC 7296 §2.8.2, :mod:`vpnteach.ikev2.ike_rekey_collision`)."""

    their_ni: bytes  # the Ni of the peer's request
    our_nr: bytes  # the Nr of our answer to it
    theirs: IkeSa = field(compare=False)  # the new IKE SA that exchange created


@dataclass
class FragmentBuffer:
    """The authenticated fragments of one message received so far (RFC 7383 §2.6)."""

    total: int
    first_payload: int = 0
    parts: dict[int, bytes] = field(default_factory=dict)  # number -> decrypted inside
    started: float = 0.0  # when its first fragment was kept (``now``), for the timeout

    def size(self) -> int:
        """Bytes of decrypted content kept so far."""
        return sum(len(part) for part in self.parts.values())

    def complete(self) -> list[bytes] | None:
        """Every part in order, once all have arrived."""
        if len(self.parts) < self.total:
            return None
        return [self.parts[n] for n in range(1, self.total + 1)]


@dataclass
class IkeSa:
    """One IKE SA, initiator or responder."""

    role: str
    spi_i: bytes
    peer: Address
    config: PeerConfig
    local_port: int = 500
    state: State = State.IDLE
    spi_r: bytes = bytes(8)
    init: InitResult | None = None
    children: list[ChildSa] = field(default_factory=list)
    next_request_id: int = 0
    expected_request_id: int = 0
    last_request: bytes | None = None  # the peer's last request, as received
    last_response: tuple[Datagram, ...] = ()  # our answer to it (all its fragments)
    retransmit: Retransmit | None = None
    # the initiator's IKE_SA_INIT in flight: its DH, nonce, message and any COOKIE
    pending_dh: DhComputation | None = None
    pending_ni: bytes = b""
    pending_message1: bytes = b""
    cookie: bytes = b""
    dh_group: int | None = None  # set by INVALID_KE_PAYLOAD
    retries: int = 0  # INVALID_KE_PAYLOAD / COOKIE answers followed
    # the Child SA the IKE_AUTH request proposes (initiator)
    pending_child_spi: bytes = b""
    # our CREATE_CHILD_SA request in flight, and what the application asked for
    pending_create: PendingCreate | None = None
    rekey_request: tuple[ChildSa | None, int | None] | None = None  # None: a new Child SA
    # the peer's rekey of the pair ours rekeys, answered (RFC 7296 §2.8.1; rekey_collision.py)
    rekey_collision: RekeyCollision | None = None
    # the peer's rekey of this IKE SA, answered while ours was in flight (§2.8.2)
    ike_rekey_collision: IkeRekeyCollision | None = None
    # when a newer IKE SA took the Child SAs; the peer deletes this one (RFC 7296 §2.8)
    superseded_at: float | None = None
    delete_queue: list[ChildSa] = field(default_factory=list)  # to delete when our window is free
    deleting: list[ChildSa] = field(default_factory=list)  # our Delete awaits its answer
    invalid_spi: bytes | None = None  # the unknown ESP SPI to report (RFC 7296 §1.5)
    delete_ike_queued: bool = False  # our Delete of this IKE SA waits for the window
    fragmentation: bool = False  # both sent IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3)
    # fragments received so far, by (Message ID, response)
    fragments: dict[tuple[int, bool], FragmentBuffer] = field(default_factory=dict)
    peer_identity: str = ""
    conn_id: int = 0
    created: float = 0.0  # when the SA was created (``now``), for the half-open timeout

    @property
    def initiator(self) -> bool:
        """We are the original initiator (the I flag of our messages, RFC 7296 §3.1)."""
        return self.role == "initiator"

    @property
    def established(self) -> bool:
        """IKE_AUTH completed and the SA is not being deleted."""
        return self.state == State.READY

    @property
    def superseded(self) -> bool:
        """A rekey replaced this IKE SA (§1.3.2, §2.8.2): it waits for the peer's Delete."""
        return self.superseded_at is not None

    @property
    def current(self) -> bool:
        """Established and not replaced by a rekey (new requests go on this one)."""
        return self.established and not self.superseded

    @property
    def ike_keys(self) -> IkeSaKeys:
        """The SA's keys (only once IKE_SA_INIT completed)."""
        if self.init is None:
            raise ValueError("no keys before IKE_SA_INIT completes")
        return self.init.keys

    def sk_out(self) -> SkKeys:
        """The keys we seal with: SK_ei/SK_ai as initiator, SK_er/SK_ar as responder."""
        keys, suite = self.ike_keys, self._suite()
        if self.initiator:
            return SkKeys(suite.encr, suite.integ, keys.sk_ei, keys.sk_ai)
        return SkKeys(suite.encr, suite.integ, keys.sk_er, keys.sk_ar)

    def sk_in(self) -> SkKeys:
        """The keys the peer seals with."""
        keys, suite = self.ike_keys, self._suite()
        if self.initiator:
            return SkKeys(suite.encr, suite.integ, keys.sk_er, keys.sk_ar)
        return SkKeys(suite.encr, suite.integ, keys.sk_ei, keys.sk_ai)

    def _suite(self) -> IkeSuite:
        if self.init is None:
            raise ValueError("no suite before IKE_SA_INIT completes")
        return self.init.suite
