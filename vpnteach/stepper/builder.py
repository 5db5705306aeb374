"""Turning what one scheduled event recorded into steps.

The adapter's journal holds, in order, the network events, facts and ``debug`` records of one
scheduled event (:mod:`vpnteach.stepper.adapter`). :class:`StepBuilder` walks it once:

* a delivery of an ISAKMP datagram to the router that owns its destination becomes a
  MESSAGE step (decoded; for an encrypted message, the payload chain its sender encrypted,
  read from the sender's "plaintext before encryption" fact, else what the receiver
  decrypted); the plaintext facts themselves make no step of their own;
* a fact becomes a DH, KEY_DERIVATION, SIGNATURE, CERTIFICATE_CHECK or PROPOSAL step by its
  kind (:class:`~vpnteach.trace.FactKind`); ESP facts become one ESP_PACKET step per packet;
* a state move becomes a TRANSITION step and updates that peer's state; an error,
  retransmission or drop record becomes a LOG step; every record adds its IOS lines to the
  ``debug crypto isakmp`` log;
* a dropped packet, an IKE timer and a ping timeout become DROPPED and TIMER steps.

Messages are named from the wire (:class:`MessageNamer`), never from log text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.gateway import Ikev2Gateway
from vpnteach.ike.debuglog import ios_time, render_record
from vpnteach.ike.machine import Exchange
from vpnteach.ike.records import LogLine, MoveRecorded
from vpnteach.ike.records_endpoint import (
    BadMessage,
    MessageDropped,
    NegotiationError,
    RetransmissionsExhausted,
    Retransmitted,
)
from vpnteach.ike.records_phase1 import PkeFailed, ProposalProblem, RsaEncrUnusable
from vpnteach.ikev2.endpoint import MoveRecord
from vpnteach.ikev2.show import render_move
from vpnteach.net.sim.events import FaultApplied, PacketDelivered, PacketDropped, TimerFired
from vpnteach.net.sim.packets import summarize
from vpnteach.pki.validation import CertificateCheck
from vpnteach.stepper import explain, ikev2_steps
from vpnteach.stepper.adapter import JournalEntry, LabAdapter, Wire, wire_of
from vpnteach.stepper.naming import MessageNamer
from vpnteach.stepper.step import (
    IkeMessage,
    LearnerAction,
    LogEntry,
    PeerState,
    Step,
    StepKind,
    Transition,
)
from vpnteach.trace import Fact, FactKind
from vpnteach.wire.chain import Payload, decode_payload_chain
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.message import Message, decode_message

NOTABLE_RECORDS: tuple[type[LogLine], ...] = (
    Retransmitted, RetransmissionsExhausted, NegotiationError, MessageDropped, BadMessage,
    ProposalProblem, RsaEncrUnusable, PkeFailed,
)  # fmt: skip
"""The ``debug`` records that make a LOG step of their own."""
EXCHANGE_RFC = {
    Exchange.MAIN_MODE: "RFC 2409 §5",
    Exchange.AGGRESSIVE_MODE: "RFC 2409 §5.4",
    Exchange.QUICK_MODE: "RFC 2409 §5.5",
}


@dataclass
class _Draft:
    kind: StepKind
    actor: str
    title: str
    rfc: str
    explanation: str
    payload: object
    related: tuple[object, ...] = ()


class StepBuilder:
    """Builds the steps of a run, one scheduled event at a time (see the module docstring)."""

    def __init__(self, adapter: LabAdapter) -> None:
        self.adapter = adapter
        self.namer = MessageNamer()
        self.peers: dict[str, PeerState] = {
            name: PeerState() for name, r in adapter.lab.routers.items() if r.gateway is not None
        }
        self.log_lines: list[tuple[str, str]] = []
        self.modified: set[bytes] = set()
        self._esp: dict[str, list[Fact]] = {}
        self._last_hash: dict[str, str] = {}
        self._plaintexts: dict[bytes, bytes] = {}  # ciphertext -> payload chain (sealed/opened)
        self._seen_v2: set[bytes] = set()  # IKEv2 messages delivered (a repeat is a resend)
        self._fragments_v2 = ikev2_steps.Fragments()
        self.time = adapter.lab.network.now

    # ------------------------------------------------------------------ public

    def build(self, entries: Iterable[JournalEntry], first_index: int) -> list[Step]:
        """The steps recorded in ``entries`` (one scheduled event), numbered from
        ``first_index``."""
        batch = list(entries)
        steps: list[Step] = []
        for entry in batch:
            if entry.source == "net":
                # facts and records carry no network time: they happen at the latest event's
                self.time = float(getattr(entry.item, "time", self.time))
            draft = self._draft(entry, batch)
            if draft is not None:
                steps.append(self._finish(draft, first_index + len(steps), self.time))
        return steps

    def learner_step(self, action: LearnerAction, index: int, time: float) -> Step:
        """The LEARNER_ACTION step for ``action``, done at simulated time ``time``."""
        draft = _Draft(
            StepKind.LEARNER_ACTION, "you", action.what, "", _learner_text(action), action
        )
        return self._finish(draft, index, time)

    # ------------------------------------------------------------------ dispatch

    def _draft(self, entry: JournalEntry, batch: list[JournalEntry]) -> _Draft | None:
        item = entry.item
        if entry.source == "net":
            return self._network(item, batch)
        if entry.source == "record":
            return self._record(entry.actor, item)
        if entry.source == "esp":
            assert isinstance(item, Fact)
            return self._esp_fact(entry.actor, item)
        assert isinstance(item, Fact)
        if item.kind is FactKind.PLAINTEXT:
            ciphertext = item.inputs.get("ciphertext")
            if isinstance(ciphertext, bytes) and isinstance(item.value, bytes):
                self._plaintexts.setdefault(ciphertext, item.value)
            return None
        return self._fact(entry.actor, item)

    def _finish(self, draft: _Draft, index: int, time: float) -> Step:
        lab = self.adapter.lab
        return Step(
            index=index,
            kind=draft.kind,
            actor=draft.actor,
            time=time,
            clock=ios_time(lab.epoch(time), lab.timezone),
            title=draft.title,
            rfc=draft.rfc,
            explanation=draft.explanation,
            payload=draft.payload,
            related=draft.related,
            peers=tuple(self.peers.items()),
            event=self.adapter.events,
            log_mark=len(self.log_lines),
        )

    # ------------------------------------------------------------------ network events

    def _network(self, event: object, batch: list[JournalEntry]) -> _Draft | None:
        if isinstance(event, PacketDelivered):
            return self._delivered(event, batch)
        if isinstance(event, PacketDropped):
            text = f"{event.node} drops {summarize(event.packet)}: {event.reason}"
            why = f"{event.node} could not forward or deliver this packet: {event.reason}."
            return _Draft(StepKind.DROPPED, event.node, text, "RFC 1812 §5.2", why, event)
        if isinstance(event, FaultApplied) and event.kind in ("loss", "rewrite"):
            if self._arrives(event):
                return None  # rewritten, not lost: its delivery step shows what arrives
            text = f"link {event.link} loses packet {event.number}"
            why = f"A fault on {event.link} ({event.kind}) took the packet: {event.detail or '-'}."
            return _Draft(StepKind.DROPPED, event.link, text, "", why, event)
        if isinstance(event, TimerFired):
            return self._timer(event)
        return None

    def _arrives(self, fault: FaultApplied) -> bool:
        """The frame ``fault`` hit is still on its way (a rewrite changed it, did not drop it)."""
        return any(
            isinstance(e := item.event, PacketDelivered)
            and (e.link, e.number) == (fault.link, fault.number)
            for item in self.adapter.lab.network.queued_deliveries()
        )

    def _timer(self, event: TimerFired) -> _Draft | None:
        if event.name == "crypto timers":
            why = (
                f"{event.owner}'s IKE timer is due: an unanswered message may be sent again "
                "(doubling the wait each time), or an SA's lifetime has run out."
            )
            return _Draft(StepKind.TIMER, event.owner, f"{event.owner}: IKE timer fires",
                          "RFC 2408 §5.3", why, event)  # fmt: skip
        if "timeout" in event.name:
            why = f"No answer came in time: {event.owner}'s ping prints '.' for this echo."
            return _Draft(StepKind.TIMER, event.owner, f"{event.owner}: {event.name}",
                          "RFC 792", why, event)  # fmt: skip
        return None

    def _delivered(self, event: PacketDelivered, batch: list[JournalEntry]) -> _Draft | None:
        wire = wire_of(event.packet)
        receiver = event.receiver.partition(" ")[0]
        if wire is None or wire.kind != "IKE" or self.owner(wire.dst) != receiver:
            return None
        sender = self.owner(wire.src) or wire.src
        if ikev2_steps.is_ikev2(wire.data):
            return self._delivered_v2(event, wire, sender, receiver)
        label, repeat = self.namer.name(wire.data, sender)
        message = self._message(wire, label, sender, receiver, repeat, batch)
        message = _with_packet(message, event.packet)
        rfc, text = explain.message_text(label, sender)
        if message.modified:
            text += " The bytes were changed on the way (by you)."
        if message.note:
            text += " " + message.note
        again = " (again)" if repeat else ""
        title = f"{label}{again}: {sender} → {receiver}"
        if message.payload_names:
            title += f" [{', '.join(message.payload_names)}]"
        return _Draft(StepKind.MESSAGE, sender, title, rfc, text, message)

    def _delivered_v2(
        self, event: PacketDelivered, wire: Wire, sender: str, receiver: str
    ) -> _Draft:
        gw = self.adapter.lab.routers[receiver].gateway
        endpoint = gw.v2 if isinstance(gw, Ikev2Gateway) else None
        message = ikev2_steps.ikev2_message(
            wire.data, sender, receiver, endpoint, self._fragments_v2
        )
        repeat = wire.data in self._seen_v2
        self._seen_v2.add(wire.data)
        message = replace(message, ip_packet=event.packet, repeat=repeat)
        rfc, text = ikev2_steps.message_text(message.label, sender)
        title = f"{message.label}{' (again)' if repeat else ''}: {sender} → {receiver}"
        if message.payload_names:
            title += f" [{', '.join(message.payload_names)}]"
        return _Draft(StepKind.MESSAGE, sender, title, rfc, text + message.note, message)

    def owner(self, address: str) -> str | None:
        """The router whose crypto interface has ``address`` (``None``: not a router's)."""
        for name, router in self.adapter.lab.routers.items():
            gw = router.gateway
            if gw is not None and gw.local_address == address:
                return name
        return None

    def _message(
        self, wire: Wire, label: str, sender: str, receiver: str, repeat: bool,
        batch: list[JournalEntry],
    ) -> IkeMessage:  # fmt: skip
        modified = wire.data in self.modified
        base = IkeMessage(label, sender, receiver, wire.data, repeat=repeat, modified=modified)
        try:
            message = decode_message(wire.data)
        except DecodeError as exc:
            return _replace(base, note=f"It does not decode as ISAKMP: {exc}.")
        rejected = _rejection(receiver, batch)
        note = f"{receiver} rejected it: {rejected}." if rejected else ""
        if not message.header.encrypted:
            return _replace(base, message=message, payloads=message.payloads, note=note)
        opened = self._opened(receiver, message, wire.data)
        if opened is None:
            note = note or f"{receiver} did not decrypt it."
            return _replace(base, message=message, note=note)
        plaintext, payloads = opened
        return _replace(base, message=message, plaintext=plaintext, payloads=payloads)

    def _opened(
        self, receiver: str, message: Message, data: bytes
    ) -> tuple[bytes, tuple[Payload, ...]] | None:
        """The payload chain of ``message``: as its sender sealed it (a fact), else what the
        receiving engine decrypted from ``data`` (its SA's last received message)."""
        body = message.encrypted_body
        plaintext = self._plaintexts.get(body) if body is not None else None
        if plaintext is not None:
            try:
                chain = decode_payload_chain(message.header.next_payload, plaintext)
            except ValueError:
                pass
            else:
                return plaintext, chain.payloads
        gw = self.adapter.lab.routers[receiver].gateway
        if gw is None:
            return None
        sa = gw.ike.sas.get(message.header.cky_i)
        if sa is None:
            return None
        mid = message.header.message_id
        node = sa.nodes.get(mid) if mid else None
        if mid and node is None:
            return None
        holder = node.messages if node is not None else sa.messages
        if holder.last_received != data:
            return None
        return holder.inbound_raw, tuple(holder.inbound)

    # ------------------------------------------------------------------ facts

    def _fact(self, actor: str, fact: Fact) -> _Draft:
        name = fact.name
        text = explain.fact_text(name, actor, initiator=self._initiates(actor, fact.rfc))
        kind = fact.kind
        if kind is FactKind.SELECTION:
            return _Draft(StepKind.PROPOSAL, actor, f"{actor}: {name}", fact.rfc, text, fact)
        if kind is FactKind.DH:
            dh = self._dh(actor, fact)
            title = f"{actor} computes {name} = {fact.formula}"
            return _Draft(StepKind.DH, actor, title, fact.rfc, text, fact, dh)
        if kind is FactKind.SIGNATURE:
            signed = self._last_hash.get(actor, "HASH")
            title = f"{actor} signs {signed} with its private RSA key"
            return _Draft(StepKind.SIGNATURE, actor, title, fact.rfc, text, fact)
        if kind is FactKind.SIGNATURE_CHECK and isinstance(fact.value, SignatureCheck):
            verdict = "valid" if fact.value.ok else f"INVALID ({fact.value.reason})"
            title = f"{actor} checks the peer's signature: {verdict}"
            return _Draft(StepKind.SIGNATURE, actor, title, fact.rfc, text, fact)
        if kind is FactKind.CERTIFICATE_CHECK and isinstance(fact.value, CertificateCheck):
            check = fact.value
            verdict = "accepted" if check.ok else f"REJECTED ({len(check.failed)} failed)"
            subject = check.subject.replace("1.2.840.113549.1.9.2=", "hostname=")
            title = f"{actor} checks the certificate of {subject}: {verdict}"
            return _Draft(StepKind.CERTIFICATE_CHECK, actor, title, fact.rfc, text, fact)
        if name in ("HASH_I", "HASH_R"):
            self._last_hash[actor] = name
        title = f"{actor} derives {name} = {fact.formula}"
        return _Draft(StepKind.KEY_DERIVATION, actor, title, fact.rfc, text, fact)

    def _initiates(self, actor: str, rfc: str) -> bool:
        """``actor`` is in an initiator's state (``IKE_I_*``; ``IKE_QM_I_*`` for a Quick Mode
        fact, one whose RFC section is RFC 2409 §5.5)."""
        peer = self.peers.get(actor, PeerState())
        if "§5.5" in rfc:
            return peer.quick_mode.name.startswith("IKE_QM_I_")
        return peer.main_mode.name.startswith("IKE_I_")

    def _dh(self, actor: str, fact: Fact) -> tuple[object, ...]:
        """The engine's DH computation that holds this fact's value (to show x, g, p)."""
        gw = self.adapter.lab.routers[actor].gateway
        if gw is None:
            return ()
        if isinstance(gw, Ikev2Gateway):
            return ikev2_steps.dh_of(gw.v2, fact.value)
        for sa in gw.ike.sas.values():
            own = [p.dh for p in (sa.exchange, sa.keying) if p is not None]
            for dh in [*own, *(node.dh for node in sa.nodes.values())]:
                if isinstance(dh, DhComputation) and fact.value in (
                    dh.public_value,
                    dh.shared_secret,
                ):
                    return (dh,)
        return ()

    def _esp_fact(self, actor: str, fact: Fact) -> _Draft | None:
        if fact.kind is not FactKind.ESP_PACKET:
            self._esp.setdefault(actor, []).append(fact)
            return None
        related = tuple(self._esp.pop(actor, []))
        value = fact.value
        if isinstance(value, Dropped):
            title = f"{actor} drops an ESP packet: {value.reason.value}"
            why = f"{actor} refuses the packet before it reaches anyone: {value.detail}."
            return _Draft(StepKind.ESP_PACKET, actor, title, fact.rfc, why, fact, related)
        assert isinstance(value, EspPacket)
        where = f"SPI 0x{value.spi:08X}, seq {value.seq}"
        if related:
            title = f"{actor} encrypts a packet into ESP ({where})"
            why = (
                f"{actor}'s policy sends the packet to IPsec (a crypto map's ACL matched it, or "
                "a route into a protected tunnel interface): it is encrypted with the outbound "
                "SA's key, authenticated with an ICV, and sent inside a new IP header to the "
                "peer (tunnel mode)."
            )
        else:
            title = f"{actor} checks and decrypts ESP ({where})"
            why = (
                f"{actor} finds the SA by its SPI, checks the sequence number against replay "
                "and the ICV, decrypts, and forwards the inner packet."
            )
        return _Draft(StepKind.ESP_PACKET, actor, title, explain.ESP_RFC, why, fact, related)

    # ------------------------------------------------------------------ records

    def _record(self, actor: str, record: object) -> _Draft | None:
        if isinstance(record, MoveRecord):
            return self._move_v2(actor, record)
        assert isinstance(record, (LogLine, MoveRecorded))
        lines = render_record(record, self.adapter.lab.timezone)
        self.log_lines += [(actor, line) for line in lines]
        if isinstance(record, MoveRecorded):
            return self._move(actor, record)
        if isinstance(record, NOTABLE_RECORDS):
            text = lines[0].split(": ", 1)[-1] if lines else type(record).__name__
            entry = LogEntry(actor, record, tuple(lines))
            why = explain.record_text(record, actor)
            return _Draft(StepKind.LOG, actor, f"{actor}: {text}", "", why, entry)
        return None

    def _move(self, actor: str, record: MoveRecorded) -> _Draft:
        exchange = record.exchange
        self.peers[actor] = self.peers.get(actor, PeerState()).after(record)
        old, new = record.old_state.value, record.new_state.value
        why = explain.transition_text(
            actor, exchange.value, old, new, record.handler, str(record.input.event.value)
        )
        title = f"{actor}: {old} → {new}"
        transition = Transition(actor, exchange.value, record)
        rfc = EXCHANGE_RFC[exchange]
        return _Draft(StepKind.TRANSITION, actor, title, rfc, why, transition)

    def _move_v2(self, actor: str, record: MoveRecord) -> _Draft:
        self.log_lines += [(actor, line) for line in render_move(record, self.adapter.lab.timezone)]
        self.peers[actor] = self.peers.get(actor, PeerState()).after_v2(record)
        title = f"{actor}: {record.state} → {record.next_state}"
        why = ikev2_steps.transition_text(actor, record)
        payload = ikev2_steps.Ikev2Transition(actor, record)
        return _Draft(StepKind.TRANSITION, actor, title, "RFC 7296 §1, §2", why, payload)


def _rejection(receiver: str, batch: list[JournalEntry]) -> str:
    """Why ``receiver`` refused the message in this event (its first error record)."""
    for entry in batch:
        item = entry.item
        if entry.actor == receiver and isinstance(item, MessageDropped):
            return item.reason
        if entry.actor == receiver and isinstance(item, NegotiationError):
            return item.text
    return ""


def _replace(base: IkeMessage, **changes: object) -> IkeMessage:
    return replace(base, **changes)  # type: ignore[arg-type]


def _with_packet(message: IkeMessage, packet: bytes) -> IkeMessage:
    return replace(message, ip_packet=packet)


def _learner_text(action: LearnerAction) -> str:
    detail = f" {action.detail}" if action.detail else ""
    return f"You intervened: {action.what}.{detail} The run continues from here."
