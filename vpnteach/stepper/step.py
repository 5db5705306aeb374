"""What the stepper records: one :class:`Step` per thing worth looking at, and its payloads.

A step is a frozen value: its position in the run (``index``), its :class:`StepKind`, who did
it (``actor``), when (simulated seconds and the router-style clock text), a title, the RFC
section it follows, a plain-language explanation, the underlying value (``payload``: a
:class:`~vpnteach.trace.Fact`, a decoded :class:`IkeMessage`, a
:class:`~vpnteach.ike.records.MoveRecorded`, a network event, a :class:`LearnerAction`) and
the state of every IKE peer right after it. Steps are built only from what the engines
recorded (facts, records, network events); nothing here computes protocol values.

Every step and payload inherits :class:`~vpnteach._html.HtmlRepr`: ``vpnteach.ui`` registers
their rich views (:mod:`vpnteach.ui.stepper_widget`), and without it a plain table is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from vpnteach._html import HtmlRepr
from vpnteach.ike.machine import Exchange
from vpnteach.ike.records import LogLine, MoveRecorded
from vpnteach.ike.states import IkeState
from vpnteach.ikev2.endpoint import MoveRecord
from vpnteach.wire.chain import Payload, short_name
from vpnteach.wire.message import Message


class StepKind(Enum):
    """What a step shows (the value is the label the widget prints)."""

    LEARNER_ACTION = "learner action"
    MESSAGE = "ISAKMP message"
    PROPOSAL = "proposal matching"
    DH = "Diffie-Hellman"
    KEY_DERIVATION = "key derivation"
    SIGNATURE = "signature"
    CERTIFICATE_CHECK = "certificate check"
    TRANSITION = "state transition"
    ESP_PACKET = "ESP packet"
    TIMER = "timer"
    DROPPED = "packet dropped"
    LOG = "log"
    SCEP = "SCEP message"
    FINGERPRINT = "CA fingerprint check"


@dataclass(frozen=True)
class PeerState(HtmlRepr):
    """The phase-1 and Quick Mode state of one peer (IOS names).

    Attributes:
        main_mode: the phase-1 state (Main Mode's, or Aggressive Mode's: see ``phase1``).
        quick_mode: the state of the latest Quick Mode.
        phase1: the exchange whose table phase 1 runs.
        last: the exchange of the peer's latest move.
    """

    main_mode: IkeState = IkeState.IKE_READY
    quick_mode: IkeState = IkeState.IKE_QM_READY
    phase1: Exchange = Exchange.MAIN_MODE
    last: Exchange = Exchange.MAIN_MODE

    ikev2: str = ""
    """The IKEv2 state (:class:`~vpnteach.ikev2.State` name) of the peer's latest IKE SA."""

    def after_v2(self, move: MoveRecord) -> PeerState:
        """The states after a move of the IKEv2 table."""
        return replace(self, ikev2=str(move.next_state))

    def after(self, move: MoveRecorded) -> PeerState:
        """The states after ``move``, which the table of ``move.exchange`` made."""
        if move.exchange is Exchange.QUICK_MODE:
            return replace(self, quick_mode=move.new_state, last=move.exchange)
        return replace(self, main_mode=move.new_state, phase1=move.exchange, last=move.exchange)

    @property
    def latest(self) -> IkeState:
        """The state of the machine that moved last (Quick Mode's after a Quick Mode move)."""
        return self.quick_mode if self.last is Exchange.QUICK_MODE else self.main_mode


@dataclass(frozen=True)
class IkeMessage(HtmlRepr):
    """One ISAKMP message as it arrived at its receiver, decoded.

    Attributes:
        label: ``"MM5"``, ``"QM1"``, ``"INFO"`` (from the exchange, cookies and message ID).
        wire: the ISAKMP message as sent (UDP payload, non-ESP marker removed).
        message: the decoded message (``None`` if it does not decode: see ``note``).
        plaintext: for an encrypted message, the payload chain the receiver decrypted.
        payloads: the decoded payloads (decrypted ones for an encrypted message).
        note: why something is missing (not decrypted, rejected by the receiver).
        repeat: the same bytes arrived before (a retransmission or a duplicate).
        modified: the learner changed the bytes on the way.
    """

    label: str
    sender: str
    receiver: str
    wire: bytes = field(repr=False)
    message: Message | None = field(default=None, repr=False)
    plaintext: bytes | None = field(default=None, repr=False)
    payloads: tuple[Payload, ...] = field(default=(), repr=False)
    note: str = ""
    repeat: bool = False
    modified: bool = False
    ip_packet: bytes = field(default=b"", repr=False)

    @property
    def encrypted(self) -> bool:
        """The E flag is set (Main Mode 5/6, Quick Mode, informational after phase 1)."""
        return self.message is not None and self.message.header.encrypted

    @property
    def payload_names(self) -> list[str]:
        """``["ID", "CERT", "SIG"]``: the payloads as IOS names them."""
        return [payload_name(p) for p in self.payloads]


def payload_name(payload: Payload) -> str:
    """A payload's short name as the codec spells it (``ID``, ``CERT``, ``SIG``, ``KE``)."""
    return short_name(payload.payload_type)


@dataclass(frozen=True)
class Transition(HtmlRepr):
    """A move of one peer's state machine (``table``: the name of the exchange whose table
    made it, ``record.exchange``: ``"Main Mode"``, ``"Aggressive Mode"`` or ``"Quick Mode"``)."""

    router: str
    table: str
    record: MoveRecorded


@dataclass(frozen=True)
class LogEntry(HtmlRepr):
    """A ``debug crypto isakmp`` record worth a step of its own (an error, a retransmission),
    with the IOS lines it renders as."""

    router: str
    record: LogLine
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LearnerAction(HtmlRepr):
    """Something the learner did between steps, in words, and what it touched (for a packet:
    its ``label``, the router it was going to (``target``), the bytes before and after)."""

    what: str
    router: str = ""
    detail: str = ""
    before: bytes = field(default=b"", repr=False)
    after: bytes = field(default=b"", repr=False)
    label: str = ""
    target: str = ""
    dropped: bool = False


@dataclass(frozen=True)
class Step(HtmlRepr):
    """One inspectable step of a run (see the module docstring).

    Attributes:
        index: position in the run (0 = the learner's first command).
        kind: what it shows.
        actor: the router (or ``"you"`` for a learner action) that did it.
        time: simulated seconds since the lab's clock started; clock: the same as a router
            prints it (``Jun 6 10:21:50.075``).
        title: one line; rfc: the section it follows; explanation: a sentence or two.
        payload: the recorded value behind the step.
        related: other recorded values shown with it (the DH computation behind a ``g^x``
            fact, the ESP facts behind an ESP packet).
        peers: each IKE peer's states right after the step.
        event: how many scheduled network events had run when the step was recorded.
        log_mark: how many ``debug`` lines the run had printed by then.
    """

    index: int
    kind: StepKind
    actor: str
    time: float
    clock: str
    title: str
    rfc: str
    explanation: str
    payload: object = field(repr=False)
    related: tuple[object, ...] = field(default=(), repr=False)
    peers: tuple[tuple[str, PeerState], ...] = field(default=(), repr=False)
    event: int = field(default=0, repr=False)
    log_mark: int = field(default=0, repr=False)

    @property
    def states(self) -> dict[str, IkeState]:
        """``{"Branch1": IKE_I_MM5, "Branch2": IKE_R_MM4}``: each peer's Main Mode state."""
        return {name: state.main_mode for name, state in self.peers}

    @property
    def quick_mode_states(self) -> dict[str, IkeState]:
        """Each peer's Quick Mode state."""
        return {name: state.quick_mode for name, state in self.peers}

    @property
    def latest_states(self) -> dict[str, IkeState]:
        """Each peer's state in the machine that moved last (Quick Mode's after Quick Mode)."""
        return {name: state.latest for name, state in self.peers}

    @property
    def phase1_exchange(self) -> Exchange:
        """The exchange phase 1 runs (Aggressive Mode if any peer's phase 1 ran its table)."""
        found = {state.phase1 for _, state in self.peers}
        return Exchange.AGGRESSIVE_MODE if Exchange.AGGRESSIVE_MODE in found else Exchange.MAIN_MODE

    def in_state(self, name: str) -> bool:
        """Some peer is in the state called ``name`` (Main Mode, Quick Mode or IKEv2)."""
        return any(name in (s.main_mode.value, s.quick_mode.value, s.ikev2) for _, s in self.peers)

    def signature(self) -> tuple[object, ...]:
        """What must be equal when the same run is replayed (for determinism checks)."""
        return (self.kind, self.actor, round(self.time, 9), self.title, self.peers)

    def __str__(self) -> str:
        return f"[{self.index}] {self.clock} {self.actor}: {self.title}"


@dataclass(frozen=True)
class PendingDatagram(HtmlRepr):
    """The IKE or ESP packet the network will deliver next, decoded, before it arrives.

    Attributes:
        label: ``"MM5"`` (IKE) or ``"ESP"``; kind: ``"IKE"`` or ``"ESP"``.
        sender / destination: the routers at its two ends; next_hop: the node it reaches next.
        time: when it arrives there; data: the ISAKMP message (or the ESP bytes) to modify.
        message: ``data`` decoded (``None`` for ESP or bytes that do not decode).
    """

    label: str
    kind: str
    sender: str
    destination: str
    next_hop: str
    time: float
    data: bytes = field(repr=False)
    message: Message | None = field(default=None, repr=False)
    packet: bytes = field(default=b"", repr=False)
