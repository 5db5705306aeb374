"""Benchmark: the stepper and its widget (issue 7, items 1 and 3).

Rows, each against a reference measured in the same run:

* recording the seed run (``Stepper.seed()`` then every step) against building the lab and
  running the same ping without a stepper (``Lab.seed()`` + ``exec("ping ...")``);
* ``goto(last)`` from step 0 on a fresh stepper (runs the lab), and on a recorded run (a cursor
  move); ``back()`` on a recorded run; an intervention at an earlier step (a replay from a
  fresh lab) and ``replay()`` of the whole run, against ``Lab.seed()`` alone;
* rendering each step kind: ``step_html`` (the step's own view) and ``StepperWidget.show``
  (every panel of the widget for a step of that kind, diagrams cached), against the core's
  ``plain_html`` fallback of the same step.

Usage: ``.venv/bin/python benchmarks/bench_stepper.py`` -> table on stdout and
``benchmarks/results/bench_stepper.json``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from _harness import Measurement, compare, measure, report

from vpnteach._html import plain_html
from vpnteach.lab import Lab
from vpnteach.stepper import Step, StepKind, Stepper
from vpnteach.ui.stepper_widget import StepperWidget, _diagram, step_html

PING = "ping 192.168.22.1 source 192.168.11.1"


def timed(
    name: str, setup: Callable[[], object], fn: Callable[[object], object], runs: int
) -> Measurement:
    """Median of ``fn(setup())`` over ``runs`` calls, ``setup`` not timed."""
    times = []
    for _ in range(runs):
        arg = setup()
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    times.sort()
    return Measurement(name, runs, statistics.median(times), times[0], times[int(runs * 0.9) - 1])


def _seed_ping() -> None:
    Lab.seed().branch1.exec(PING)


def _recorded() -> Stepper:
    stepper = Stepper.seed()
    len(stepper)
    return stepper


def navigation_rows() -> list[Measurement]:
    lab_only = measure("ref: Lab.seed()", Lab.seed, runs=5, warmup=1)
    ping = measure("ref: Lab.seed() + exec(ping), no stepper", _seed_ping, runs=5, warmup=1)
    record = measure("Stepper.seed() + record every step", _recorded, runs=5, warmup=1)
    fresh = timed("goto(last) from step 0, fresh stepper", Stepper.seed,
                  lambda s: s.goto(-1), runs=5)  # type: ignore[attr-defined]  # fmt: skip
    stepper = _recorded()
    last = len(stepper) - 1
    cached = measure("goto(last) from step 0, recorded run",
                     lambda: (stepper.goto(0), stepper.goto(last)), runs=200)  # fmt: skip
    back = measure("back(), recorded run", lambda: (stepper.goto(last), stepper.back()), runs=200)

    def intervene(s: object) -> None:
        assert isinstance(s, Stepper)
        s.goto(10)
        s.drop_pending()

    rewind = timed("drop_pending() at step 10 of a recorded run (replay)", _recorded, intervene, 5)
    replay = timed("replay() of the whole seed run", _recorded,
                   lambda s: s.replay(), runs=5)  # type: ignore[attr-defined]  # fmt: skip
    rows = [lab_only, ping, compare(record, ping), compare(fresh, ping), cached, back]
    rows += [compare(rewind, lab_only), compare(replay, lab_only)]
    rows[2].extra["steps"] = last + 1
    return rows


def render_rows() -> list[Measurement]:
    stepper = _recorded()
    steps = list(stepper)
    widget = StepperWidget(stepper)
    for index in range(len(steps)):  # warm the diagram cache, as a learner's first pass does
        widget.show(index)
    rows: list[Measurement] = []
    for kind in StepKind:
        found = [s for s in steps if s.kind is kind]
        if not found:
            continue
        sample = max(found, key=lambda s: len(step_html(s)))  # the heaviest of its kind
        ref = measure(f"ref: plain_html({kind.name})", lambda s=sample: plain_html(s), runs=50)
        view = measure(f"step_html({kind.name})", lambda s=sample: step_html(s), runs=50)
        show = measure(f"widget.show({kind.name})", _show(widget, sample), runs=20)
        view.extra = show.extra = {
            "steps_of_kind": len(found),
            "html_bytes": len(step_html(sample)),
        }
        rows += [ref, compare(view, ref), compare(show, ref)]
        if kind is StepKind.MESSAGE:
            cold = timed(f"widget.show({kind.name}), diagrams not cached", _diagram.cache_clear,
                         lambda _, s=sample: widget.show(s.index), runs=5)  # fmt: skip
            rows.append(compare(cold, ref))
    return rows


def _show(widget: StepperWidget, step: Step) -> Callable[[], None]:
    return lambda: widget.show(step.index)


def main() -> None:
    rows = navigation_rows() + render_rows()
    report(
        "bench_stepper",
        rows,
        notes="goto/back on a recorded run only move a cursor; an intervention at an earlier "
        "step rebuilds the lab (Lab.seed) and replays the script; widget.show renders every "
        "panel (state diagrams cached per (table, states)).",
    )


if __name__ == "__main__":
    main()
