"""Benchmark: this tree's in-process IKEv1 MM+QM against another commit's, in the same run.

A refactoring must not make the engine slower. This script checks out ``--ref`` (default
``HEAD~1``) into a temporary git worktree and starts one worker process per tree, each importing
only its own tree (``PYTHONPATH``). The workers run the same exchange as ``bench_ike.py``'s
in-process rows (two endpoints, datagrams handed over by hand, ``tests/ike/harness.py``: Main
Mode rsa-sig + Quick Mode, seed and modern profiles) in alternating batches, so that the load of
a shared machine weighs on both alike, and time each exchange in CPU time of the worker's thread
(``time.thread_time``), which does not count the time another process held the CPU: on a
machine shared with other jobs, wall-clock medians swung by 15 % between identical runs. The
reference is the other commit, measured in this run.

CPU time on a machine shared with other jobs still moves by a few per cent between runs (the
same tree against itself has measured 0.97-1.02), so each profile also reports a count that no
load can move: the Python function calls one exchange makes (``sys.setprofile``, after the
warm-up), in each tree.

Run: ``.venv/bin/python benchmarks/bench_against_ref.py --ref <commit> [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import Measurement, compare, report

ROOT = Path(__file__).resolve().parents[1]

# The worker: runs N exchanges of a profile when told, prints one JSON list of seconds.
WORKER = r"""
import json, sys, time
from tests.ike.harness import B2, MODERN_POLICY, MODERN_TS, Pair, branch_config
from vpnteach.ike.events import Phase2Complete

counter = [0]

def one(profile):
    modern = {"policy": MODERN_POLICY, "ts": MODERN_TS} if profile == "modern" else {}
    c1, c2 = branch_config("Branch1", **modern), branch_config("Branch2", **modern)
    counter[0] += 1
    pair = Pair.make(c1, c2, seed=counter[0])
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))

def calls(profile, n):
    counted = [0]

    def hook(frame, event, arg):
        if event == "call":
            counted[0] += 1

    sys.setprofile(hook)
    for _ in range(n):
        one(profile)
    sys.setprofile(None)
    return counted[0] / n

for line in sys.stdin:
    what, profile, n = line.split()
    if what == "calls":
        print(json.dumps([calls(profile, int(n))]), flush=True)
        continue
    times = []
    for _ in range(int(n)):
        t0 = time.thread_time()
        one(profile)
        times.append(time.thread_time() - t0)
    print(json.dumps(times), flush=True)
"""


#: Exchanges each worker runs before measuring: the first ones pay for lazy imports, regex
#: compilation and the allocator's warm-up, more of them in a tree with more modules.
WARM_UP = 20
#: Exchanges whose Python function calls are counted (the count is the same for each).
CALL_COUNT_RUNS = 3


def _worker(tree: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=tree, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip


def _batch(worker: subprocess.Popen[str], profile: str, n: int, what: str = "time") -> list[float]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(f"{what} {profile} {n}\n")
    worker.stdin.flush()
    line = worker.stdout.readline()
    if not line:
        raise SystemExit(f"a worker died (exit {worker.wait()}): see its stderr above")
    return [float(t) for t in json.loads(line)]


def _measurement(name: str, samples: list[float]) -> Measurement:
    s = sorted(samples)
    return Measurement(name, len(s), statistics.median(s), s[0], s[int(len(s) * 0.9)])


def run(ref_tree: Path, ref: str, runs: int) -> list[Measurement]:
    ours, theirs = _worker(ROOT), _worker(ref_tree)
    rows: list[Measurement] = []
    try:
        for profile, batches in (("seed", runs), ("modern", max(2, runs // 3))):
            got: dict[str, list[float]] = {"ours": [], "ref": []}
            _batch(ours, profile, WARM_UP), _batch(theirs, profile, WARM_UP)
            for i in range(batches):
                # Alternate who goes first, so that neither always runs in the other's wake.
                order = (("ref", theirs), ("ours", ours))
                for who, worker in order if i % 2 == 0 else order[::-1]:
                    got[who] += _batch(worker, profile, 5)
            base = _measurement(f"in-process {profile} MM+QM at {ref} (reference)", got["ref"])
            mine = _measurement(f"in-process {profile} MM+QM, this tree", got["ours"])
            for row, worker in ((base, theirs), (mine, ours)):
                row.extra["python_calls"] = _batch(worker, profile, CALL_COUNT_RUNS, "calls")[0]
            rows += [base, compare(mine, base)]
    finally:
        for worker in (ours, theirs):
            if worker.stdin is not None:
                worker.stdin.close()
            worker.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD~1", help="the commit to compare with")
    parser.add_argument("--runs", type=int, default=12, help="batches of 5 exchanges (seed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vpnteach-ref-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.ref],
            check=True,
        )
        try:
            rows = run(tree, args.ref, args.runs)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    notes = "\n".join(
        f"Python function calls per exchange, {base.name.split(' MM+QM')[0]}: "
        f"{base.extra['python_calls']:.0f} at {args.ref}, {mine.extra['python_calls']:.0f} "
        f"in this tree ({mine.extra['python_calls'] / base.extra['python_calls']:.3f}x)"  # type: ignore[operator]
        for base, mine in zip(rows[::2], rows[1::2], strict=True)
    )
    report("against_ref", rows, notes)
    for row in rows[1::2]:
        # "no slower" is <= 1.00 in the median; the tool against itself (--ref HEAD) reads
        # 0.98-1.02, so a run between 1.00 and 1.03 is within the noise, not a pass
        ratio = row.ratio_to_reference or 9
        verdict = "met" if ratio <= 1.0 else "within noise" if ratio <= 1.03 else "MISSED"
        print(f"target: {row.name} no slower than the reference (<= 1.00x): {verdict}")


if __name__ == "__main__":
    main()
