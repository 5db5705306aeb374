"""A lab being stepped (:class:`Session`) and the learner's interventions as data.

An intervention is a small frozen value (:class:`Exec`, :class:`Modify`, :class:`Drop`,
:class:`SetClock`, :class:`Configure`) so that the stepper can keep a *script* of them
(:class:`ScriptEntry`: the action and the number of scheduled events run before it) and replay
it on a fresh lab: applying the same action at the same point gives the same steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpnteach.stepper.adapter import InterventionError, LabAdapter, rebuild, wire_of
from vpnteach.stepper.builder import StepBuilder
from vpnteach.stepper.step import LearnerAction, PendingDatagram, Step
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.message import Message, decode_message

if TYPE_CHECKING:
    from vpnteach.lab import Lab


class SteppingError(ValueError):
    """The stepper was asked for something impossible (an unseeded lab, a step past the end)."""


class ReplayError(SteppingError):
    """Replaying the script gave different steps: the lab is not deterministic."""


@dataclass(frozen=True)
class Exec:
    """An exec command on a router (``ping`` starts the ping without running the network)."""

    router: str
    command: str


@dataclass(frozen=True)
class Modify:
    """Replace the content of the next IKE/ESP delivery by ``data``."""

    data: bytes


@dataclass(frozen=True)
class Drop:
    """Take the next IKE/ESP delivery off the network."""


@dataclass(frozen=True)
class SetClock:
    """Set a router's clock."""

    router: str
    when: dt.datetime


@dataclass(frozen=True)
class Configure:
    """``configure terminal`` on a router."""

    router: str
    text: str


Intervention = Exec | Modify | Drop | SetClock | Configure


@dataclass(frozen=True)
class ScriptEntry:
    """An intervention, the number of events run before it, and the index of its step."""

    at: int
    step: int
    action: Intervention


class Session:
    """One lab being stepped: the lab, its adapter, the step builder and the steps so far."""

    def __init__(self, lab: Lab) -> None:
        if getattr(lab, "seed_value", None) is None:
            raise SteppingError(
                "the stepper needs a seeded lab (Lab.seed(seed=2010)): back() replays the run "
                "and only a seeded lab gives the same bytes again"
            )
        self.lab = lab
        self.adapter = LabAdapter(lab)
        self.builder = StepBuilder(self.adapter)
        self.steps: list[Step] = []

    def run_event(self) -> bool:
        """Run one scheduled event and record its steps; ``False`` if nothing is queued."""
        if not self.adapter.step():
            return False
        self.collect()
        return True

    def collect(self) -> None:
        """Turn what the journal recorded into steps."""
        entries = self.adapter.journal.drain()
        self.steps += self.builder.build(entries, len(self.steps))

    def apply(self, action: Intervention) -> Step:
        """Do ``action`` now; record its LEARNER_ACTION step (and what it set off)."""
        self.collect()
        now = self.lab.network.now
        done = _apply(self, action)
        step = self.builder.learner_step(done, len(self.steps), now)
        self.steps.append(step)
        self.collect()
        return step


def _apply(session: Session, action: Intervention) -> LearnerAction:
    adapter = session.adapter
    if isinstance(action, Exec):
        return _exec(session, action)
    if isinstance(action, SetClock):
        offset = adapter.set_clock(action.router, action.when)
        what = f"set {action.router}'s clock to {action.when.isoformat()}"
        return LearnerAction(what, action.router, f"({offset:+.0f} s from the network's time)")
    if isinstance(action, Configure):
        adapter.configure(action.router, action.text)
        return LearnerAction(f"configured {action.router}", action.router, action.text)
    adapter.run_sends()
    item = adapter.pending_item()
    if item is None:
        raise InterventionError("no IKE or ESP packet is about to be delivered")
    pending = pending_of(session, item.event)
    if isinstance(action, Drop):
        adapter.drop_pending(item)
        what = f"dropped {pending.label} on its way to {pending.next_hop}"
        return LearnerAction(what, pending.sender, before=pending.data, label=pending.label,
                             target=pending.destination, dropped=True)  # fmt: skip
    packet = rebuild(getattr(item.event, "packet", b""), action.data)
    adapter.replace_pending(item, packet)
    if pending.kind == "IKE":
        session.builder.namer.alias(action.data, pending.label)
    session.builder.modified.add(action.data)
    changed = _changed_bytes(pending.data, action.data)
    what = f"modified {pending.label} on its way to {pending.next_hop}"
    return LearnerAction(what, pending.sender, changed, pending.data, action.data,
                         pending.label, pending.destination)  # fmt: skip


def _exec(session: Session, action: Exec) -> LearnerAction:
    command = action.command.strip()
    adapter = session.adapter
    if command.split()[:1] == ["ping"]:
        adapter.start_ping(action.router, command)
        return LearnerAction(f"{action.router}# {command}", action.router)
    try:
        output = adapter.router(action.router).exec(command)
    except InterventionError:
        raise
    except ValueError as exc:  # the router's own error (IOS text with its ^ marker)
        raise InterventionError(str(exc)) from None
    adapter.watch_routers()
    return LearnerAction(f"{action.router}# {command}", action.router, output.strip())


def _changed_bytes(before: bytes, after: bytes) -> str:
    changed = [i for i in range(min(len(before), len(after))) if before[i] != after[i]]
    if len(before) != len(after):
        return f"The length changed from {len(before)} to {len(after)} bytes."
    if not changed:
        return "The bytes are unchanged."
    shown = ", ".join(str(i) for i in changed[:8]) + ("..." if len(changed) > 8 else "")
    return f"{len(changed)} byte(s) changed, at offset {shown}."


def pending_of(session: Session, event: object) -> PendingDatagram:
    packet: bytes = getattr(event, "packet", b"")
    wire = wire_of(packet)
    assert wire is not None
    builder = session.builder
    sender = builder.owner(wire.src) or wire.src
    destination = builder.owner(wire.dst) or wire.dst
    next_hop = str(getattr(event, "receiver", "")).partition(" ")[0]
    message: Message | None = None
    label = "ESP"
    if wire.kind == "IKE":
        label, _ = builder.namer.name(wire.data, sender, commit=False)
        try:
            message = decode_message(wire.data)
        except DecodeError:
            message = None
    time = float(getattr(event, "time", 0.0))
    return PendingDatagram(
        label, wire.kind, sender, destination, next_hop, time, wire.data, message, packet
    )
