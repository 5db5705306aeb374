"""The ``debug crypto isakmp`` records of an endpoint's bookkeeping: peers, packets, nodes,
notifications and deletes, retransmission, DPD, drops and errors (RFC 2408 §3.14, §3.15, §5;
RFC 3706).

One slotted dataclass per record kind; its ``template`` is the IOS text
:mod:`vpnteach.ike.debuglog` fills from the fields (``{c}``: the conn-id). The engine constructs
them (``ctx.log(PacketSent(...))``), readers match on the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vpnteach.ike.records import CC, C, LogLine


@dataclass(slots=True)
class SaRequested(LogLine):
    """IPsec asked for an ISAKMP SA (the first line of a negotiation)."""

    template: ClassVar[str] = C + " SA request profile is (NULL)"


@dataclass(slots=True)
class PeerCreated(LogLine):
    """A peer structure was created for the new ISAKMP SA."""

    template: ClassVar[str] = "ISAKMP: Created a peer struct for {peer}, peer port {port}"
    peer: str
    port: int


@dataclass(slots=True)
class PeerHandle(LogLine):
    """The new peer's handle (IOS prints pointers; ours come from the cookie)."""

    template: ClassVar[str] = (
        "ISAKMP: New peer created peer = 0x{peer_ptr} peer_handle = 0x{handle}"
    )
    peer_ptr: str
    handle: str


@dataclass(slots=True)
class PeerLocked(LogLine):
    """The initiator locked the peer structure."""

    template: ClassVar[str] = (
        "ISAKMP: Locking peer struct 0x{peer_ptr}, refcount 1 for isakmp_initiator"
    )
    peer_ptr: str


@dataclass(slots=True)
class SaInserted(LogLine):
    """The ISAKMP SA was inserted into the SA table."""

    template: ClassVar[str] = "insert sa successfully sa = {sa_ptr}"
    sa_ptr: str


@dataclass(slots=True)
class PortsChosen(LogLine):
    """The UDP ports of the exchange."""

    template: ClassVar[str] = "ISAKMP: local port {local_port}, remote port {remote_port}"
    local_port: int
    remote_port: int


@dataclass(slots=True)
class NodeCreated(LogLine):
    """A new node (message ID; 0 for phase 1) starts in QM_IDLE."""

    template: ClassVar[str] = "ISAKMP: set new node {node} to QM_IDLE"
    node: int


@dataclass(slots=True)
class AggressiveNotStarted(LogLine):
    """No Aggressive Mode for this peer: Main Mode is used."""

    template: ClassVar[str] = C + "Can not start Aggressive mode, trying Main mode."


@dataclass(slots=True)
class NoPresharedKey(LogLine):
    """No pre-shared key is configured for the peer."""

    template: ClassVar[str] = C + "No pre-shared key with {peer}!"
    peer: str


@dataclass(slots=True)
class PresharedKeyFound(LogLine):
    """A pre-shared key for the peer was found."""

    template: ClassVar[str] = C + "found peer pre-shared key matching {peer}"
    peer: str


@dataclass(slots=True)
class PacketSent(LogLine):
    """A datagram was queued to the peer (``role``: I or R; ``sa_state``: MM_NO_STATE...)."""

    template: ClassVar[str] = (
        C
        + " sending packet to {peer} my_port {my_port} peer_port {peer_port} ({role}) {sa_state}\n"
        + C
        + "Sending an IKE IPv4 Packet."
    )
    peer: str
    my_port: int
    peer_port: int
    role: str
    sa_state: str


@dataclass(slots=True)
class PacketReceived(LogLine):
    """A datagram from the peer was accepted for processing."""

    template: ClassVar[str] = (
        CC + " received packet from {peer} dport {dport} sport {sport} Global ({role}) {sa_state}"
    )
    peer: str
    dport: int
    sport: int
    role: str
    sa_state: str


@dataclass(slots=True)
class PayloadProcessing(LogLine):
    """A received payload is processed (``mid``: the signed message ID)."""

    template: ClassVar[str] = C + " processing {payload} payload. message ID = {mid}"
    payload: str
    mid: int


@dataclass(slots=True)
class NotifySent(LogLine):
    """A notification was sent to the peer (RFC 2408 §3.14)."""

    template: ClassVar[str] = C + "sending {notify} notify to {peer}"
    notify: str
    peer: str


@dataclass(slots=True)
class NotifyReceived(LogLine):
    """A notification from the peer was processed (RFC 2408 §3.14)."""

    template: ClassVar[str] = C + " processing NOTIFY {notify} protocol {protocol}"
    notify: str
    protocol: int


@dataclass(slots=True)
class DeleteReceived(LogLine):
    """A Delete payload from the peer was processed (RFC 2408 §3.15)."""

    template: ClassVar[str] = C + " processing DELETE payload for {protocol} SA"
    protocol: str


@dataclass(slots=True)
class Retransmitted(LogLine):
    """An unanswered message was sent again (RFC 2408 §5.3)."""

    template: ClassVar[str] = (
        C
        + " retransmitting phase {phase} {sa_state}...\n"
        + C
        + " incrementing error counter on sa, attempt {attempt} of {limit}: "
        "retransmit phase {phase}"
    )
    phase: int
    sa_state: str
    attempt: int
    limit: int


@dataclass(slots=True)
class RetransmissionsExhausted(LogLine):
    """The retransmission limit was reached: the SA is deleted."""

    template: ClassVar[str] = C + " retransmission limit reached: deleting SA"


@dataclass(slots=True)
class ResendSkipped(LogLine):
    """A duplicate request was not answered: our answer went out too recently."""

    template: ClassVar[str] = (
        C + " retransmission skipped for phase {phase} (time since last transmission {since_ms})"
    )
    phase: int
    since_ms: int


@dataclass(slots=True)
class NegotiationError(LogLine):
    """A negotiation failed (or an SA's lifetime ran out): why."""

    template: ClassVar[str] = C + "{text}"
    text: str


@dataclass(slots=True)
class DpdSent(LogLine):
    """A DPD R-U-THERE was sent (RFC 3706 §5)."""

    template: ClassVar[str] = (
        C + "Sending NOTIFY DPD/R_U_THERE to {peer}, seq. no 0x{sequence} (attempt {attempt} of 5)"
    )
    peer: str
    sequence: str
    attempt: int


@dataclass(slots=True)
class DpdAcked(LogLine):
    """A DPD R-U-THERE-ACK arrived (RFC 3706 §5)."""

    template: ClassVar[str] = (
        C + "DPD/R_U_THERE_ACK received from peer {peer}, sequence 0x{sequence}"
    )
    peer: str
    sequence: str


@dataclass(slots=True)
class PeerDead(LogLine):
    """DPD gave up on the peer (RFC 3706 §5.4)."""

    template: ClassVar[str] = C + "peer {peer} not responding!"
    peer: str


@dataclass(slots=True)
class MessageDropped(LogLine):
    """A received datagram was discarded without an answer: why."""

    template: ClassVar[str] = C + " dropping message: {reason}"
    reason: str


@dataclass(slots=True)
class BadMessage(LogLine):
    """A message failed its sanity check (it did not decrypt or parse)."""

    template: ClassVar[str] = (
        "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {peer} failed its sanity "
        "check or is malformed"
    )
    peer: str


@dataclass(slots=True)
class SaDeleting(LogLine):
    """The ISAKMP SA is being deleted (RFC 2408 §5.15)."""

    template: ClassVar[str] = (
        C + 'deleting SA reason "{reason}" state ({role}) {sa_state} (peer {peer})'
    )
    reason: str
    role: str
    sa_state: str
    peer: str


@dataclass(slots=True)
class NodeDeleted(LogLine):
    """A node (message ID) was deleted."""

    template: ClassVar[str] = C + "deleting node {mid} error FALSE reason '{reason}'"
    mid: int
    reason: str


@dataclass(slots=True)
class ResponderLifetimeSent(LogLine):
    """We took a shorter lifetime than offered and say so (RFC 2407 §4.5.4, §4.6.3.1);
    ``protocol`` is 1 (ISAKMP SA) or 3 (ESP SA), as IOS prints it."""

    template: ClassVar[str] = (
        C + "Sending NOTIFY RESPONDER_LIFETIME protocol {protocol}: our lifetime is {lifetime}"
    )
    protocol: int
    lifetime: str


@dataclass(slots=True)
class ResponderLifetimeReceived(LogLine):
    """The responder's RESPONDER-LIFETIME: its shorter lifetime is ours from now on."""

    template: ClassVar[str] = (
        C + "processing NOTIFY RESPONDER_LIFETIME protocol {protocol}: lifetime now {lifetime}"
    )
    protocol: int
    lifetime: str


@dataclass(slots=True)
class ResponderLifetimeIgnored(LogLine):
    """A RESPONDER-LIFETIME we do not act on: malformed, or not shorter than ours."""

    template: ClassVar[str] = C + "ignoring NOTIFY RESPONDER_LIFETIME: {reason}"
    reason: str
