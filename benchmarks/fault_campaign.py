"""Fault campaign: the seed tunnel over a bad network, many seeded runs per condition.

For each condition of :data:`vpnteach.troubleshoot.campaign.CONDITIONS` (WAN loss 0/10/20/30 %,
duplication, reordering, corruption, a mix, an ESP replay attacker and an ESP tamper attacker),
``--runs`` runs (default 1000), run ``i`` with link seed ``i``. Counted: runs where both IKE
phases completed within the bound (``--bound`` simulated seconds, default 600; also within
30/60/120/300 s), the time to complete, IKE retransmissions (distribution and histogram), Main
Modes started, and the exact ESP ledger: packets received, forged (corrupted or tampered) and
replayed ones, and how many of those were accepted (must be 0). Runs that schedule more than
``MAX_EVENTS`` network events are cut and counted as storms.

Reference in the same run: the wall time per run of the 0 % loss condition; each condition's
time per run is given as a ratio to it.

Usage: ``.venv/bin/python benchmarks/fault_campaign.py [--runs N] [--bound S] [--only NAME]``
-> table on stdout and ``benchmarks/results/fault_campaign.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

from vpnteach.troubleshoot.campaign import (
    BOUND,
    CONDITIONS,
    MAX_EVENTS,
    WITHIN,
    campaign,
    run_once,
)

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--bound", type=float, default=BOUND)
    parser.add_argument("--only", action="append", default=[], help="condition name(s)")
    args = parser.parse_args()
    chosen = [c for c in CONDITIONS if not args.only or c.name in args.only]
    run_once(CONDITIONS[0], -1)  # warm-up: key generation and caches, not timed
    rows = []
    for condition in chosen:
        start = time.perf_counter()
        summary = campaign(condition, args.runs, bound=args.bound)
        wall = (time.perf_counter() - start) / args.runs
        rows.append({"wall_s_per_run": wall, **asdict(summary)})
        print(f"  {condition.name}: {wall * 1000:.1f} ms/run", file=sys.stderr, flush=True)
    reference = next((r["wall_s_per_run"] for r in rows if r["condition"] == "loss 0%"), None)
    for row in rows:
        row["ratio_to_reference"] = row["wall_s_per_run"] / reference if reference else None
    table(rows, args.bound)
    write(rows, args)


def table(rows: list[dict[str, object]], bound: float) -> None:
    """The campaign as a text table."""
    head = (
        f"{'condition':<20} {'runs':>5} {'done':>5} {'≤120s':>6} {'half':>4} {'storm':>5} "
        f"{'t med':>7} {'t max':>7} {'retx med/p90/max':>17} {'MM':>3} "
        f"{'ESP rcvd':>8} {'forged':>7} {'replay':>7} {'accepted':>8} {'ms/run':>7} {'ratio':>6}"
    )
    print(head)
    for r in rows:
        retx = r["retransmissions"]
        assert isinstance(retx, dict)
        within = r["completed_within"]
        assert isinstance(within, dict)
        accepted = int(r["forged_accepted"]) + int(r["replays_accepted"])  # type: ignore[call-overload]
        print(
            f"{r['condition']!s:<20} {r['runs']:>5} {r['completed']:>5} {within.get(120, 0):>6} "
            f"{r['half_open']:>4} "
            f"{r['storms']:>5} {_s(r['seconds_median'])} {_s(r['seconds_max'])} "
            f"{retx['median']:>5}/{retx['p90']:>4}/{retx['max']:>5} {r['main_modes_max']:>3} "
            f"{r['esp_received']:>8} {r['forged']:>7} {r['replays']:>7} {accepted:>8} "
            f"{float(r['wall_s_per_run']) * 1000:>7.1f} {_ratio(r['ratio_to_reference'])}"  # type: ignore[arg-type]
        )
    print(f"bound {bound:.0f} s simulated; half: runs ending with SAs on one router only; "
          f"storms: runs cut at {MAX_EVENTS} events; "
          f"'done' within the bound, '≤120s' within 120 s; completions within {WITHIN} s are in "
          "the JSON.")  # fmt: skip


def _s(value: object) -> str:
    return f"{float(value):7.1f}" if isinstance(value, (int, float)) else f"{'-':>7}"


def _ratio(value: object) -> str:
    return f"{float(value):6.2f}" if isinstance(value, (int, float)) else f"{'-':>6}"


def write(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    """``benchmarks/results/fault_campaign.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "fault_campaign.json"
    payload = {
        "benchmark": "fault_campaign",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": args.runs,
        "bound_s": args.bound,
        "reference": "wall time per run of 'loss 0%' measured in the same run",
        "rows": rows,
    }
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
