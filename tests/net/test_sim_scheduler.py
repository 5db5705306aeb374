"""The simulated clock and the discrete-event scheduler: order, ties, cancel, run limits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from vpnteach.net.sim import ClockError, Scheduler, SchedulerError, SimClock, TimerFired
from vpnteach.net.sim.clock import SEED_START


def test_clock_starts_at_the_seed_time_in_aest() -> None:
    clock = SimClock()
    assert clock.datetime == datetime(2010, 6, 6, 0, 21, 50, tzinfo=timezone.utc)
    assert clock.datetime.utcoffset() == timedelta(hours=10)


def test_clock_epoch_ns_matches_the_start_datetime_plus_elapsed_time() -> None:
    clock = SimClock(SEED_START)
    clock.advance_to(1.5)
    # 2010-06-06T00:21:50Z = 1275783710 s since the epoch (`date -u -d @1275783710`)
    assert clock.epoch_ns(clock.now) == 1275783710_000_000_000 + 1_500_000_000
    assert clock.datetime == SEED_START + timedelta(seconds=1.5)


def test_clock_refuses_naive_start_and_running_backwards() -> None:
    with pytest.raises(ClockError, match="aware"):
        SimClock(datetime(2010, 6, 6))
    clock = SimClock()
    clock.advance_to(2.0)
    with pytest.raises(ClockError, match="backwards"):
        clock.advance_to(1.0)


def _timer(sched: Scheduler, at: float, name: str, out: list[str]) -> None:
    sched.schedule(TimerFired(at, "test", name), lambda: out.append(name))


def test_step_runs_earliest_first_and_ties_in_insertion_order() -> None:
    sched, ran = Scheduler(), list[str]()
    for at, name in [(2.0, "late"), (1.0, "first"), (1.0, "second"), (0.5, "earliest")]:
        _timer(sched, at, name, ran)
    events = [sched.step() for _ in range(4)]
    assert ran == ["earliest", "first", "second", "late"]
    assert [e.name for e in events if isinstance(e, TimerFired)] == ran
    assert sched.now == 2.0
    assert sched.step() is None


def test_step_returns_the_event_value_and_logs_it() -> None:
    sched, ran = Scheduler(), list[str]()
    _timer(sched, 0.25, "t", ran)
    assert sched.peek() == TimerFired(0.25, "test", "t")
    event = sched.step()
    assert event == TimerFired(0.25, "test", "t")
    assert sched.log == [event]


def test_cancelled_event_does_not_run_or_appear_in_pending() -> None:
    sched, ran = Scheduler(), list[str]()
    handle = sched.schedule(TimerFired(1.0, "test", "x"), lambda: ran.append("x"))
    _timer(sched, 2.0, "y", ran)
    handle.cancel()
    assert [e.name for e in sched.pending() if isinstance(e, TimerFired)] == ["y"]
    sched.run_until_idle()
    assert ran == ["y"]


def test_run_until_stops_at_the_time_and_moves_the_clock_there() -> None:
    sched, ran = Scheduler(), list[str]()
    for at in (1.0, 2.0, 3.0):
        _timer(sched, at, str(at), ran)
    assert len(sched.run_until(2.5)) == 2
    assert ran == ["1.0", "2.0"]
    assert sched.now == 2.5


def test_run_until_idle_respects_max_time_and_detects_endless_loops() -> None:
    sched, ran = Scheduler(), list[str]()
    _timer(sched, 10.0, "far", ran)
    assert sched.run_until_idle(max_time=5.0) == []

    def again() -> None:
        sched.schedule(TimerFired(sched.now + 1, "loop", "tick"), again)

    again()
    with pytest.raises(SchedulerError, match="not idle"):
        sched.run_until_idle(max_time=1e9, max_events=50)


def test_scheduling_in_the_past_is_refused() -> None:
    sched = Scheduler()
    sched.clock.advance_to(5.0)
    with pytest.raises(SchedulerError, match="before now"):
        sched.schedule(TimerFired(4.0, "test", "old"), lambda: None)
