"""A tiny benchmark harness: time callables, print a table, write JSON.

Every benchmark compares what it measures against a *reference measured in the same run*
(these machines are shared and noisy: absolute numbers from another day mean little, ratios
measured side by side do). Results go to ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Measurement:
    """Timing of one callable: per-call seconds over ``runs`` calls."""

    name: str
    runs: int
    median_s: float
    min_s: float
    p90_s: float
    reference: str = ""
    ratio_to_reference: float | None = None
    extra: dict[str, object] = field(default_factory=dict)


def from_samples(name: str, samples: list[float], **extra: object) -> Measurement:
    """The median, minimum and 90th percentile of per-call ``samples`` (seconds); NaN when
    there is none."""
    if not samples:
        return Measurement(name, 0, float("nan"), float("nan"), float("nan"), extra=dict(extra))
    s = sorted(samples)
    p90 = s[min(len(s) - 1, int(len(s) * 0.9))]
    return Measurement(name, len(s), statistics.median(s), s[0], p90, extra=dict(extra))


def measure(name: str, fn: Callable[[], object], *, runs: int = 50, warmup: int = 3) -> Measurement:
    """Call ``fn`` ``warmup`` times, then ``runs`` times, timing each call."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return from_samples(name, times)


def alternate(
    a: Callable[[], object], b: Callable[[], object], n: int
) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` in turns (after one warm-up each), ``n`` calls each, so that the
    load of a shared machine weighs on both alike."""
    a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for fn, out in ((a, times[0]), (b, times[1])):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def compare(m: Measurement, reference: Measurement) -> Measurement:
    """Record ``m``'s median as a ratio to ``reference``'s (>1 means slower)."""
    m.reference = reference.name
    m.ratio_to_reference = m.median_s / reference.median_s if reference.median_s else None
    return m


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:9.1f} µs"
    if s < 1:
        return f"{s * 1e3:9.3f} ms"
    return f"{s:9.3f} s "


def report(bench: str, rows: list[Measurement], notes: str = "") -> Path:
    """Print a table of ``rows`` and write them as JSON; return the JSON path."""
    width = max(len(r.name) for r in rows)
    print(f"\n{bench}")
    print(f"{'measurement':<{width}}  {'median':>12}  {'min':>12}  {'ratio':>8}  reference")
    for r in rows:
        ratio = f"{r.ratio_to_reference:8.2f}" if r.ratio_to_reference is not None else " " * 8
        print(
            f"{r.name:<{width}}  {_fmt_time(r.median_s)}  {_fmt_time(r.min_s)}  {ratio}  "
            f"{r.reference}"
        )
    if notes:
        print(notes)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{bench}.json"
    payload = {
        "benchmark": bench,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "notes": notes,
        "rows": [asdict(r) for r in rows],
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"written: {out}")
    return out
