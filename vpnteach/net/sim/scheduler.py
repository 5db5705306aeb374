"""A discrete-event scheduler: a heap of (time, insertion order, event, action).

Each scheduled item pairs an inspectable :class:`~vpnteach.net.sim.events.Event` value with the
action that makes it happen. :meth:`Scheduler.step` pops the earliest item, advances the
:class:`~vpnteach.net.sim.clock.SimClock` to its time, appends the event to the log, runs the
action and returns the event: the stepper's unit of progress. Ties are broken by insertion
order, so a run is a pure function of its inputs (and the seeded random source).

Actions may record further events (:meth:`Scheduler.record`) and schedule new ones; the log
holds both, in the order they happened.

Looking without running: :meth:`Scheduler.peek` (the next event), :meth:`Scheduler.peek_item`
and :meth:`Scheduler.queued` (the queued :class:`Scheduled` handles, in run order);
:meth:`Scheduler.replace` swaps what a queued item will do, keeping its place in the queue.
:meth:`Scheduler.subscribe` calls a function with each event as it enters the log (the
scheduled one before its action runs); with no subscriber that costs one truth test.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from vpnteach.net.sim.clock import SimClock
from vpnteach.net.sim.events import Event
from vpnteach.trace import Observable

Action = Callable[[], None]


class SchedulerError(ValueError):
    """An event was scheduled in the past or a run limit was exceeded."""


@dataclass(order=True)
class Scheduled:
    """A queued event; ``cancel()`` it to skip it (it stays in the heap until popped)."""

    time: float
    seq: int
    event: Event = field(compare=False)
    action: Action = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Do not run this event."""
        self.cancelled = True


class Scheduler(Observable[Event]):
    """The event queue and the event log of one simulated network."""

    def __init__(self, clock: SimClock | None = None) -> None:
        self.clock = clock if clock is not None else SimClock()
        self.log: list[Event] = []
        self._heap: list[Scheduled] = []
        self._seq = 0

    @property
    def now(self) -> float:
        """Current simulated time in seconds."""
        return self.clock.now

    def schedule(self, event: Event, action: Action) -> Scheduled:
        """Queue ``action`` to run at ``event.time``; returns a handle that can be cancelled."""
        if event.time < self.clock.now:
            raise SchedulerError(f"{event!r} is at {event.time} s, before now ({self.now} s)")
        item = Scheduled(event.time, self._seq, event, action)
        self._seq += 1
        heapq.heappush(self._heap, item)
        return item

    def record(self, event: Event) -> None:
        """Append an event that happened now (not scheduled) to the log."""
        self.log.append(event)
        if self._subscribers:
            self._publish(event)

    def pending(self) -> list[Event]:
        """The events still queued, earliest first (cancelled ones left out)."""
        return [item.event for item in sorted(self._heap) if not item.cancelled]

    def peek(self) -> Event | None:
        """The next event to run, without running it."""
        self._drop_cancelled()
        return self._heap[0].event if self._heap else None

    def peek_item(self) -> Scheduled | None:
        """The next item to run (its event and action), without running it."""
        self._drop_cancelled()
        return self._heap[0] if self._heap else None

    def queued(self) -> tuple[Scheduled, ...]:
        """Every queued item that will run, in the order it will run (cancelled ones left out)."""
        return tuple(sorted(item for item in self._heap if not item.cancelled))

    def is_queued(self, item: Scheduled) -> bool:
        """``item`` will still run (it is in the queue and not cancelled)."""
        return not item.cancelled and any(queued is item for queued in self._heap)

    def replace(self, item: Scheduled, event: Event, action: Action) -> Scheduled:
        """Make the queued ``item`` run ``action`` as ``event`` instead, in the same place.

        Raises:
            SchedulerError: ``item`` is not queued (already run or cancelled), or ``event`` is
                at another time (that would move it in the queue: cancel and schedule instead).
        """
        if not self.is_queued(item):
            raise SchedulerError(f"{item.event!r} is not queued: it already ran or was cancelled")
        if event.time != item.time:
            raise SchedulerError(
                f"the replacement is at {event.time} s, the queued event at {item.time} s"
            )
        item.event, item.action = event, action
        return item

    def step(self) -> Event | None:
        """Run the next event and return it; ``None`` if nothing is queued."""
        self._drop_cancelled()
        if not self._heap:
            return None
        item = heapq.heappop(self._heap)
        self.clock.advance_to(item.time)
        self.log.append(item.event)
        if self._subscribers:
            self._publish(item.event)
        item.action()
        return item.event

    def run_until(self, t: float) -> list[Event]:
        """Run every event due at or before ``t``, then set the clock to ``t``."""
        done: list[Event] = []
        while (nxt := self.peek()) is not None and nxt.time <= t:
            event = self.step()
            assert event is not None
            done.append(event)
        self.clock.advance_to(max(t, self.clock.now))
        return done

    def run_until_idle(self, max_time: float = 3600.0, max_events: int = 1_000_000) -> list[Event]:
        """Run until the queue is empty or the next event is after ``max_time`` seconds.

        Raises:
            SchedulerError: after ``max_events`` events (a loop that never goes idle).
        """
        done: list[Event] = []
        while (nxt := self.peek()) is not None and nxt.time <= max_time:
            if len(done) >= max_events:
                raise SchedulerError(f"not idle after {max_events} events (at {self.now} s)")
            event = self.step()
            assert event is not None
            done.append(event)
        return done

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
