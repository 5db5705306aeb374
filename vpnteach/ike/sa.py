"""The state of one ISAKMP SA and of its Quick Mode exchanges ("nodes" in IOS terms).

:class:`IsakmpSa` holds what Main Mode accumulates (RFC 2409 §5): cookies, the chosen suite,
the Diffie-Hellman computation, nonces, ``SAi_b``, the identities, the SKEYID family, the IV
chains, the NAT-T state, and the retransmission bookkeeping of the last message sent.
:class:`QuickModeNode` holds one Quick Mode exchange (RFC 2409 §5.5), keyed by message ID.
Both are plain mutable records: the handlers in ``main_mode``/``quick_mode`` fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from vpnteach._html import HtmlRepr
from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike.events import IpsecSaSpec
from vpnteach.ike.keymat import IvManager, Phase1Keys
from vpnteach.ike.machine import IGNORE_MOVES, Machine
from vpnteach.ike.policy import AclEntry, CryptoMapEntry, ProxyIdentity
from vpnteach.ike.proposal import EspSuite, IkeSuite, Phase1Selection, Phase2Selection
from vpnteach.ike.states import IkeState
from vpnteach.wire.chain import Payload
from vpnteach.wire.payloads import IdPayload
from vpnteach.wire.sa import Proposal

Address = tuple[str, int]


class Datagram(NamedTuple):
    """A UDP datagram to send: the payload (with the non-ESP marker on 4500), where to, and
    from which local port."""

    data: bytes
    addr: Address
    local_port: int = 500


@dataclass
class Retransmit:
    """The last message sent that awaits an answer, and when to send it again."""

    datagram: Datagram
    due: float
    interval: float
    attempts: int = 0
    label: str = ""


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
    role: str
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
    inbound: list[Payload] = field(default_factory=list)
    inbound_raw: bytes = b""
    last_received: bytes = b""
    last_sent: Datagram | None = None
    last_sent_at: float = float("-inf")
    retransmit: Retransmit | None = None
    specs: tuple[IpsecSaSpec, IpsecSaSpec] | None = None

    @property
    def state(self) -> IkeState:
        """The node's IOS state."""
        return self.machine.state


def _main_mode() -> Machine:
    # The tables name the handlers, whose modules import this one: read the table late.
    from vpnteach.ike.transitions import MAIN_MODE

    return Machine(MAIN_MODE, IkeState.IKE_READY, IGNORE_MOVES)


@dataclass
class IsakmpSa(HtmlRepr):
    """One ISAKMP SA with a peer, from MM1 to deletion (RFC 2408 §2.4, RFC 2409 §5)."""

    role: str
    peer: Address
    local_port: int
    cky_i: bytes
    cky_r: bytes = bytes(8)
    machine: Machine = field(default_factory=_main_mode)
    conn_id: int = 0
    selection: Phase1Selection | None = None
    suite: IkeSuite | None = None
    hash: HashAlgorithm | None = None
    cipher: CipherAlgorithm | None = None
    sai_b: bytes = b""
    dh: DhComputation | None = None
    ni_b: bytes = b""
    nr_b: bytes = b""
    keys: Phase1Keys | None = None
    ivs: IvManager | None = None
    psk: bytes | None = None
    peer_vendor_ids: list[str] = field(default_factory=list)
    peer_wants_ca: list[bytes] = field(default_factory=list)
    nat_t: bool = False
    nat_local: bool = False
    nat_remote: bool = False
    nat_forced: bool = False
    my_id_b: bytes = b""
    peer_id_b: bytes = b""
    peer_id: IdPayload | None = None  # Aggressive Mode: IDii from AM1, proven in AM3
    peer_identity: str = ""
    inbound: list[Payload] = field(default_factory=list)
    inbound_raw: bytes = b""
    last_received: bytes = b""
    last_sent: Datagram | None = None
    last_sent_at: float = float("-inf")
    retransmit: Retransmit | None = None
    pending: list[QmRequest] = field(default_factory=list)
    nodes: dict[int, QuickModeNode] = field(default_factory=dict)
    expires: float | None = None
    dead: bool = False

    @property
    def state(self) -> IkeState:
        """The SA's IOS Main Mode state."""
        return self.machine.state

    @property
    def established(self) -> bool:
        """Main Mode completed."""
        return self.state == IkeState.IKE_P1_COMPLETE

    @property
    def nat_detected(self) -> bool:
        """RFC 3947 §3.2: some NAT-D hash did not match (or we faked ours to force UDP
        encapsulation: ``IkeConfig.force_udp_encapsulation``)."""
        return self.nat_local or self.nat_remote or self.nat_forced
