"""The state of one ISAKMP SA and of its Quick Mode exchanges ("nodes" in IOS terms).

An :class:`IsakmpSa` is a handful of small pieces, each present only once Main Mode (RFC 2409
§5) has produced it, so a handler that holds the piece holds everything in it:

* :class:`Path` and :class:`Cookies`: where the peer is and which SA this is (RFC 2408 §2.5.3),
  from the first message on;
* :class:`Negotiated`: the transform MM1/MM2 (or AM1/AM2) settled, its hash and cipher, and the
  :class:`~vpnteach.ike.authenticators.Authenticator` of its authentication method;
* :class:`KeyExchange`: our Diffie-Hellman private value and nonce, drawn before the peer's
  arrive (RFC 2409 §5: ``g^xi``/``g^xr``, ``Ni_b``/``Nr_b``);
* :class:`Keying`: once both KE and nonces are known, ``g^xy``, the SKEYID family, the IV chains
  and the IOS connection ID;
* :class:`PeerIdentity`: the peer's ID payload body, once received (and proven before the SA is
  established);
* :class:`~vpnteach.ike.nat_t.NatDetection`: what the NAT-D payloads said (RFC 3947 §3.2);
* :class:`Messages`: the last message each way, for payload processing, duplicates and
  retransmission (RFC 2408 §5), which a :class:`QuickModeNode` keeps as well;
* :class:`QuickModes`: the Quick Mode requests waiting for phase 1 and the running nodes
  (RFC 2409 §5.5), keyed by message ID, and the phase 2 message IDs already used, so that a
  replayed exchange is refused (RFC 2408 §3.1).

The handlers in ``main_mode``/``aggressive``/``quick_mode`` replace a piece when they learn
more; nothing is set for a while and reset afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from vpnteach._html import HtmlRepr
from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike.events import IpsecSaSpec
from vpnteach.ike.ivs import IvManager
from vpnteach.ike.keymat import Phase1Keys
from vpnteach.ike.machine import IGNORE_MOVES, Machine
from vpnteach.ike.message_ids import MessageIds
from vpnteach.ike.nat_t import NatDetection
from vpnteach.ike.policy import AclEntry, CryptoMapEntry, ProxyIdentity
from vpnteach.ike.proposal import EspSuite, IkeSuite, Phase2Selection
from vpnteach.ike.states import IkeState
from vpnteach.wire.attributes import DataAttribute
from vpnteach.wire.chain import Payload
from vpnteach.wire.payloads import IdPayload
from vpnteach.wire.sa import Proposal

if TYPE_CHECKING:
    from vpnteach.ike.authenticators import Authenticator

Address = tuple[str, int]
T = TypeVar("T")
P = TypeVar("P", bound=Payload)


class Role(str, Enum):
    """Who started the exchange (RFC 2408 §2.5.3: the initiator chose CKY-I)."""

    INITIATOR = "initiator"
    RESPONDER = "responder"

    letter: str
    """``I`` or ``R``, as IOS prints the role in its ``debug`` lines (set once per member:
    every packet logged reads it)."""

    def __init__(self, value: str) -> None:
        self.letter = value[0].upper()

    def i_r(self, mine: T, peers: T) -> tuple[T, T]:
        """``(initiator's, responder's)`` from ``(ours, the peer's)``: ``g^xi, g^xr``."""
        return (mine, peers) if self is Role.INITIATOR else (peers, mine)


class Datagram(NamedTuple):
    """A UDP datagram to send: the payload (with the non-ESP marker on 4500), where to, and
    from which local port."""

    data: bytes
    addr: Address
    local_port: int = 500


class Path(NamedTuple):
    """The peer's address and our UDP port: 500, or 4500 after a NAT-T float (RFC 3947 §4)."""

    peer: Address
    local_port: int


class Cookies(NamedTuple):
    """CKY-I and CKY-R, which name the ISAKMP SA (RFC 2408 §2.5.3); CKY-R is zero until
    the responder answered."""

    cky_i: bytes
    cky_r: bytes = bytes(8)

    @property
    def spi(self) -> bytes:
        """The 16-byte SPI of the ISAKMP SA in Notification and Delete payloads (§3.14)."""
        return self.cky_i + self.cky_r


@dataclass
class Retransmit:
    """The last message sent that awaits an answer, and when to send it again."""

    datagram: Datagram
    due: float
    interval: float
    attempts: int = 0
    label: str = ""


@dataclass
class Messages:
    """The last message each way of one exchange: the payloads being processed, the datagram
    a duplicate must match, and what to resend (RFC 2408 §5, retransmission)."""

    inbound: list[Payload] = field(default_factory=list)
    inbound_raw: bytes = b""
    last_received: bytes = b""
    last_sent: Datagram | None = None
    last_sent_at: float = float("-inf")
    retransmit: Retransmit | None = None

    def received(self, payloads: tuple[Payload, ...], raw: bytes, data: bytes) -> None:
        """Keep a received message for the handlers and for duplicate detection."""
        self.inbound, self.inbound_raw, self.last_received = list(payloads), raw, data


@dataclass(frozen=True)
class Negotiated(HtmlRepr):
    """What MM1/MM2 (or AM1/AM2) settled (RFC 2409 §5): the accepted transform, the algorithms
    it names, how the peers authenticate, and whether both speak NAT-T (RFC 3947 §3.1)."""

    transform_number: int
    attributes: tuple[DataAttribute, ...]
    suite: IkeSuite
    hash: HashAlgorithm
    cipher: CipherAlgorithm
    authenticator: Authenticator
    nat_t: bool


@dataclass(frozen=True)
class KeyExchange:
    """Our half of the Diffie-Hellman exchange and our nonce (RFC 2409 §5: ``g^xi`` and
    ``Ni_b`` for the initiator, ``g^xr`` and ``Nr_b`` for the responder)."""

    dh: DhComputation
    nonce: bytes


@dataclass
class Keying(HtmlRepr):
    """Everything derived once both KE and nonces are known (RFC 2409 §5, Appendix B): the
    shared DH computation, the SKEYID family, the phase 1 IV chains, the IOS conn-id.

    Made once and never reassigned, but not frozen: the IV chains in ``ivs`` move with
    every encrypted message (Appendix B)."""

    conn_id: int
    hash: HashAlgorithm
    cipher: CipherAlgorithm
    dh: DhComputation
    g_xi: bytes
    g_xr: bytes
    ni_b: bytes
    nr_b: bytes
    keys: Phase1Keys
    ivs: IvManager


@dataclass(frozen=True)
class PeerIdentity(HtmlRepr):
    """The peer's phase 1 ID (RFC 2407 §4.6.2): its payload body ``IDii_b``/``IDir_b`` (an
    input of the peer's HASH), as text, and the payload when it travelled readable."""

    id_b: bytes
    text: str
    payload: IdPayload | None = None


@dataclass(frozen=True)
class QmRequest(HtmlRepr):
    """Traffic waiting for IPsec SAs: the crypto map entry and the ACL line it matched
    (IOS negotiates one pair of SAs per permit line)."""

    entry: CryptoMapEntry
    acl_entry: AclEntry


@dataclass
class QuickModeNode(HtmlRepr):
    """One Quick Mode exchange, keyed by its message ID (RFC 2409 §5.5)."""

    message_id: int
    role: Role
    machine: Machine
    entry: CryptoMapEntry | None = None
    acl_entry: AclEntry | None = None
    idci: ProxyIdentity | None = None
    idcr: ProxyIdentity | None = None
    spi_i: bytes = b""
    spi_r: bytes = b""
    ni_b: bytes = b""
    nr_b: bytes = b""
    dh: DhComputation | None = None
    proposals: tuple[Proposal, ...] = ()
    selection: Phase2Selection | None = None
    suite: EspSuite | None = None
    messages: Messages = field(default_factory=Messages)
    specs: tuple[IpsecSaSpec, IpsecSaSpec] | None = None

    @property
    def state(self) -> IkeState:
        """The node's IOS state."""
        return self.machine.state


@dataclass
class QuickModes:
    """The phase 2 side of an ISAKMP SA: requests waiting for phase 1, running nodes, and
    the message IDs of its phase 2 exchanges (Quick Mode, informational) used so far."""

    pending: list[QmRequest] = field(default_factory=list)
    nodes: dict[int, QuickModeNode] = field(default_factory=dict)
    message_ids: MessageIds = field(default_factory=MessageIds)


def _main_mode() -> Machine:
    # The tables name the handlers, whose modules import this one: read the table late.
    from vpnteach.ike.transitions import MAIN_MODE

    return Machine(MAIN_MODE, IkeState.IKE_READY, IGNORE_MOVES)


@dataclass
class IsakmpSa(HtmlRepr):
    """One ISAKMP SA with a peer, from MM1 to deletion (RFC 2408 §2.4, RFC 2409 §5)."""

    role: Role
    path: Path
    cookies: Cookies
    machine: Machine = field(default_factory=_main_mode)
    sai_b: bytes = b""
    negotiated: Negotiated | None = None
    exchange: KeyExchange | None = None
    keying: Keying | None = None
    my_id_b: bytes | None = None
    peer_id: PeerIdentity | None = None
    nat: NatDetection | None = None
    messages: Messages = field(default_factory=Messages)
    quick: QuickModes = field(default_factory=QuickModes)
    expires: float | None = None
    dead: bool = False

    @property
    def peer(self) -> Address:
        """The peer's address and UDP port."""
        return self.path.peer

    @property
    def local_port(self) -> int:
        """Our UDP port for this SA (500, or 4500 after a float)."""
        return self.path.local_port

    @property
    def cky_i(self) -> bytes:
        """The initiator's cookie."""
        return self.cookies.cky_i

    @property
    def cky_r(self) -> bytes:
        """The responder's cookie (zero until MM2)."""
        return self.cookies.cky_r

    @property
    def nodes(self) -> dict[int, QuickModeNode]:
        """The running Quick Mode exchanges by message ID."""
        return self.quick.nodes

    @property
    def message_ids(self) -> MessageIds:
        """The phase 2 message IDs used on this SA (a replay reuses one, RFC 2408 §3.1)."""
        return self.quick.message_ids

    @property
    def conn_id(self) -> int:
        """IOS's connection ID: 0 until the keys exist."""
        return self.keying.conn_id if self.keying is not None else 0

    @property
    def suite(self) -> IkeSuite | None:
        """The negotiated suite (``None`` until MM1/MM2 settled it)."""
        return self.negotiated.suite if self.negotiated is not None else None

    @property
    def auth_method(self) -> int | None:
        """The negotiated authentication method (``None`` until MM1/MM2 settled it)."""
        return self.negotiated.suite.authentication if self.negotiated is not None else None

    @property
    def state(self) -> IkeState:
        """The SA's IOS Main Mode state."""
        return self.machine.state

    @property
    def established(self) -> bool:
        """Main Mode completed."""
        return self.machine.state is IkeState.IKE_P1_COMPLETE

    @property
    def nat_detected(self) -> bool:
        """RFC 3947 §3.2: some NAT-D hash did not match (or we faked ours to force UDP
        encapsulation: ``IkeConfig.force_udp_encapsulation``)."""
        return self.nat is not None and self.nat.nat_detected
