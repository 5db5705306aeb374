"""The stepper: drive a lab one event at a time, keep every step, go back by replay.

::

    stepper = Stepper.seed()                 # Lab.seed(), then "ping 192.168.22.1 source ..."
    stepper = Stepper.for_lab(lab)           # the same over a lab's recipe (a fresh copy)
    stepper.next()                           # the next Step (None at the end of the run)
    stepper.run(until="IKE_I_MM5")           # a state name, a StepKind or a predicate
    stepper.back(); stepper.goto(12); stepper[3]; len(stepper); list(stepper)
    stepper.pending()                        # the datagram about to be delivered, decoded
    stepper.modify_pending(lambda b: b[:-1] + bytes([b[-1] ^ 1]))
    stepper.drop_pending(); stepper.set_clock("Branch2", when); stepper.configure("Branch2", text)

Progress is one scheduled network event at a time (:meth:`LabAdapter.step`); each event's
facts, records and network events become zero or more steps (:mod:`vpnteach.stepper.builder`).
Steps are cached, so ``back``/``goto`` only move a cursor. The run is a pure function of the
lab's seed and the *script*: the learner's interventions, each stamped with the number of
events that had run when it was made. An intervention made while looking at an earlier step
first rebuilds the lab from scratch by replaying the script up to that step (checking that
the replay produces the same steps), then applies the new action; later steps are dropped.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, overload

from vpnteach._html import WidgetRepr, widget_of
from vpnteach.stepper.adapter import InterventionError
from vpnteach.stepper.session import (
    Configure,
    Drop,
    Exec,
    Intervention,
    Modify,
    ReplayError,
    ScriptEntry,
    Session,
    SetClock,
    SteppingError,
    pending_of,
)
from vpnteach.stepper.step import PendingDatagram, Step, StepKind

if TYPE_CHECKING:
    from vpnteach.lab import Lab

SEED_COMMAND = ("Branch1", "ping 192.168.22.1 source 192.168.11.1")
"""What the seed tutorial does: Branch1 pings the far LAN from its own LAN address."""

Until = str | StepKind | Callable[[Step], bool]


class Stepper(WidgetRepr):
    """Step through a lab's run (see the module docstring).

    Args:
        lab_factory: builds the lab afresh (the same seeded lab each time).
        commands: ``(router, exec command)`` pairs done first; default: the seed's ping.
        horizon: the run ends when nothing happens for this many simulated seconds.
        max_events: a safety limit on scheduled events per run.
    """

    def __init__(
        self,
        lab_factory: Callable[[], Lab],
        commands: tuple[tuple[str, str], ...] = (SEED_COMMAND,),
        *,
        horizon: float = 200.0,
        max_events: int = 20_000,
    ) -> None:
        self.lab_factory = lab_factory
        self.horizon = horizon
        self.max_events = max_events
        self.replays = 0
        self._session = Session(lab_factory())
        self._script: list[ScriptEntry] = []
        self._cursor = 0
        self._ended = False
        for router, command in commands:
            self._act(Exec(router, command))
        self._cursor = 0

    @classmethod
    def seed(
        cls, commands: tuple[tuple[str, str], ...] = (SEED_COMMAND,), **lab_kwargs: Any
    ) -> Stepper:
        """A stepper over ``Lab.seed(**lab_kwargs)`` (``seed``, ``profile``, ``pfs``, ``auth``,
        ``ike``: ``ike=2`` steps the seed's tunnel negotiated with IKEv2; ``form="vti"`` on a
        tunnel interface)."""
        from vpnteach.lab import Lab

        return cls(functools.partial(Lab.seed, **lab_kwargs), commands)

    @classmethod
    def for_lab(
        cls, lab: Lab, commands: tuple[tuple[str, str], ...] = (SEED_COMMAND,), **kwargs: Any
    ) -> Stepper:
        """A stepper over ``lab``'s recipe (set by ``Lab.seed``, ``troubleshoot.broken_lab``...).

        The stepper always replays from a freshly built lab with the same arguments and seed, so
        ``back()`` is exact; ``lab`` itself is left as it is.
        """
        from vpnteach.lab import LabError

        if lab.recipe is None:
            raise LabError("this lab was not built by Lab.seed(...): there is no recipe to step")
        return cls(lab.recipe, commands, **kwargs)

    # ------------------------------------------------------------------ state

    @property
    def lab(self) -> Lab:
        """The live lab (at the furthest point the run has reached)."""
        return self._session.lab

    @property
    def steps(self) -> list[Step]:
        """The steps recorded so far (a copy)."""
        return list(self._session.steps)

    @property
    def position(self) -> int:
        """The index of the current step."""
        return self._cursor

    @property
    def current(self) -> Step:
        """The step the learner is looking at."""
        return self._session.steps[self._cursor]

    @property
    def finished(self) -> bool:
        """The run has ended (nothing more will happen) and every step is recorded."""
        return self._ended

    @property
    def script(self) -> list[ScriptEntry]:
        """The learner's interventions so far, in order (what a replay re-applies)."""
        return list(self._script)

    def debug_log(self, upto: int | None = None) -> list[tuple[str, str]]:
        """``(router, line)`` of the ``debug crypto isakmp`` output up to step ``upto``
        (default: the current step)."""
        step = self[self._cursor if upto is None else upto]
        return self._session.builder.log_lines[: step.log_mark]

    # ------------------------------------------------------------------ navigation

    def next(self) -> Step | None:
        """Move to the next step (running the lab if needed); ``None`` at the end."""
        if self._cursor + 1 >= len(self._session.steps) and not self._produce():
            return None
        self._cursor += 1
        return self.current

    def back(self) -> Step:
        """Move to the previous step (the recorded one: the run is deterministic)."""
        self._cursor = max(0, self._cursor - 1)
        return self.current

    def goto(self, index: int) -> Step:
        """Move to step ``index`` (negative: from the end of the whole run)."""
        self._cursor = self._resolve(index)
        return self.current

    def reset(self) -> Step:
        """Back to step 0."""
        return self.goto(0)

    def run(self, until: Until | None = None) -> Step | None:
        """Move forward until ``until`` holds: a state name (``"IKE_I_MM5"``, some peer is in
        it), a :class:`StepKind` (a step of that kind) or a predicate on steps; ``None``: to
        the end. Returns the step found, or ``None`` if the run ended first (the cursor then
        stays on the last step)."""
        test = _predicate(until)
        while (step := self.next()) is not None:
            if test(step):
                return step
        return None

    def replay(self) -> int:
        """Rebuild the lab and replay the whole script; raise :class:`ReplayError` if any
        step differs from the recorded one. Returns the number of steps compared."""
        count = len(self._session.steps)
        self._session = self._rebuild(self._script, count)
        return count

    def state_diagrams(self) -> dict[str, str]:
        """The transition tables the run's IKE follows, as graphviz sources by table name:
        ``{"IKEv2": ...}`` (:data:`vpnteach.ikev2.IKEV2`) when the routers run IKEv2, else
        Main Mode's and Quick Mode's (:mod:`vpnteach.ike.transitions`)."""
        from vpnteach.gateway import Ikev2Gateway

        if any(isinstance(r.gateway, Ikev2Gateway) for r in self.lab.routers.values()):
            from vpnteach.ikev2.transitions import IKEV2
            from vpnteach.ikev2.transitions import to_dot as to_dot_v2

            return {"IKEv2": to_dot_v2(IKEV2)}
        from vpnteach.ike.transitions import MAIN_MODE, QUICK_MODE, to_dot

        return {table.name: to_dot(table) for table in (MAIN_MODE, QUICK_MODE)}

    # ------------------------------------------------------------------ sequence protocol

    def __len__(self) -> int:
        while self._produce():
            pass
        return len(self._session.steps)

    @overload
    def __getitem__(self, index: int) -> Step: ...

    @overload
    def __getitem__(self, index: slice) -> list[Step]: ...

    def __getitem__(self, index: int | slice) -> Step | list[Step]:
        if isinstance(index, slice):
            len(self)
            return self._session.steps[index]
        return self._session.steps[self._resolve(index)]

    def __iter__(self) -> Iterator[Step]:
        index = 0
        while index < len(self._session.steps) or self._produce():
            yield self._session.steps[index]
            index += 1

    def __repr__(self) -> str:
        total = f"{len(self._session.steps)}{'' if self._ended else '+'}"
        return f"<Stepper at step {self._cursor} of {total}: {self.current.title}>"

    # ------------------------------------------------------------------ interventions

    def pending(self) -> PendingDatagram | None:
        """The IKE or ESP packet the network delivers next (``None``: none is on its way).

        Looking may run the lab's queued "send" events (they only put the datagram on the
        wire), so the message a router just decided to send can be inspected.
        """
        self._rewind()
        self._session.adapter.run_sends()
        item = self._session.adapter.pending_item()
        return None if item is None else pending_of(self._session, item.event)

    def modify_pending(self, new: bytes | Callable[[bytes], bytes]) -> Step:
        """Deliver other bytes instead of the pending datagram's ISAKMP message (or ESP
        bytes): ``new`` itself, or ``new(old_bytes)``. IP and UDP lengths and checksums are
        redone, so the receiving engine judges the change."""
        pending = self.pending()
        if pending is None:
            raise InterventionError("no IKE or ESP packet is about to be delivered")
        data = new(pending.data) if callable(new) else new
        if not isinstance(data, (bytes, bytearray)):
            raise InterventionError(f"modify_pending needs bytes, got {type(data).__name__}")
        return self._act(Modify(bytes(data)))

    def drop_pending(self) -> Step:
        """Take the pending datagram off the network (as if the link lost it)."""
        if self.pending() is None:
            raise InterventionError("no IKE or ESP packet is about to be delivered")
        return self._act(Drop())

    def set_clock(self, router: str, when: dt.datetime) -> Step:
        """Set ``router``'s clock to the aware datetime ``when`` (certificate validity,
        ``debug`` timestamps and lifetimes follow it)."""
        return self._act(SetClock(router, when))

    def configure(self, router: str, text: str) -> Step:
        """Apply IOS configuration ``text`` on ``router`` (all lines or none)."""
        return self._act(Configure(router, text))

    def exec(self, router: str, command: str) -> Step:
        """Run an exec command on ``router`` (``ping`` only starts: the stepper runs it)."""
        return self._act(Exec(router, command))

    # ------------------------------------------------------------------ display

    def widget(self) -> Any:
        """This stepper's widget: back / next / play, ladder, state machines, keys (the
        notebook views of ``vpnteach.ui``: run ``%load_ext vpnteach`` first). A notebook
        cell ending in the stepper shows the same widget."""
        return widget_of(self)

    # ------------------------------------------------------------------ internals

    def _act(self, action: Intervention) -> Step:
        self._rewind()
        session = self._session
        at = session.adapter.events
        step = session.apply(action)
        self._script.append(ScriptEntry(at, step.index, action))
        self._cursor = step.index
        self._ended = False
        return step

    def _produce(self) -> bool:
        """Run events until at least one new step exists; ``False`` when the run is over."""
        session = self._session
        before = len(session.steps)
        while len(session.steps) == before:
            if self._over():
                self._ended = True
                return False
            session.run_event()
        return True

    def _over(self) -> bool:
        adapter = self._session.adapter
        nxt = adapter.next_time()
        if nxt is None or adapter.events >= self.max_events:
            return True
        steps = self._session.steps
        quiet_since = steps[-1].time if steps else adapter.lab.network.now
        return adapter.pings_done() and nxt > quiet_since + self.horizon

    def _resolve(self, index: int) -> int:
        if index < 0:
            index += len(self)
        while index >= len(self._session.steps) and self._produce():
            pass
        if not 0 <= index < len(self._session.steps):
            raise SteppingError(f"no step {index}: the run has {len(self._session.steps)} steps")
        return index

    def _rewind(self) -> None:
        """Make the live lab match the current step before an intervention (by replay)."""
        steps = self._session.steps
        if self._cursor >= len(steps) - 1:
            return
        here, later = steps[self._cursor].event, steps[self._cursor + 1 :]
        if all(s.event == here and s.kind is not StepKind.LEARNER_ACTION for s in later):
            return  # only the rest of the current event's steps follow: the lab is there
        keep = [entry for entry in self._script if entry.step <= self._cursor]
        rebuilt = self._rebuild(keep, self._cursor + 1)
        self._session.adapter.close()
        self._session = rebuilt
        self._script = keep
        self._ended = False

    def _rebuild(self, script: list[ScriptEntry], count: int) -> Session:
        """A fresh lab with ``script`` replayed until it has ``count`` steps; checked against
        the recorded steps."""
        self.replays += 1
        session = Session(self.lab_factory())
        todo = list(script)
        while len(session.steps) < count:
            while todo and todo[0].at == session.adapter.events:
                session.apply(todo.pop(0).action)
            if len(session.steps) >= count or not session.run_event():
                break
        _check_same(self._session.steps[:count], session.steps[:count])
        return session


def _check_same(recorded: list[Step], replayed: list[Step]) -> None:
    if len(replayed) < len(recorded):
        raise ReplayError(f"the replay stopped after {len(replayed)} of {len(recorded)} steps")
    for old, new in zip(recorded, replayed, strict=False):
        if old.signature() != new.signature():
            raise ReplayError(f"step {old.index} differs on replay: {old.title!r} / {new.title!r}")


def _predicate(until: Until | None) -> Callable[[Step], bool]:
    if until is None:
        return lambda step: False
    if isinstance(until, StepKind):
        return lambda step: step.kind is until
    if isinstance(until, str):
        return lambda step: step.in_state(until)
    return until


def stepper_for(lab_factory: Callable[[], Lab], **kwargs: Any) -> Stepper:
    """A :class:`Stepper` over the labs ``lab_factory`` builds (see :meth:`Stepper.for_lab`)."""
    return Stepper(lab_factory, **kwargs)
