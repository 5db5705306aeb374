"""Benchmark: a class on one machine: N learners' kernels at once, each running the first
notebook (the lab and the stepper), to size a shared server (issue 15, deliverable 7).

Each learner is one process that starts its own ``python3`` kernel (jupyter_client), runs
``notebooks/00-start-here.ipynb``'s code cells in order and reports: seconds from asking for
the kernel to the first stepper step shown (cell 2, ``stepper.next()``), seconds for the whole
notebook, and the kernel's resident memory at the end (``VmRSS``). The N learners start
together. Reference measured in the same run: one kernel that only runs ``pass`` (the cost of
a kernel itself).

Run: ``python benchmarks/bench_class.py [N ...]`` (default 1 2 4; this machine has 2 cores).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import Measurement, report

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "00-start-here.ipynb"

LEARNER = r"""
import json, sys, time
from pathlib import Path
from jupyter_client.manager import start_new_kernel

cells = json.loads(sys.argv[1])
t0 = time.monotonic()
km, kc = start_new_kernel(kernel_name="python3", cwd=sys.argv[2])
marks = []
try:
    for source in cells:
        reply = kc.execute_interactive(source, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"cell failed: {reply['content'].get('evalue')}")
        marks.append(time.monotonic() - t0)
    pid = km.provisioner.process.pid
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps({"marks": marks, "rss_kib": rss}))
"""


def code_cells(path: Path) -> list[str]:
    """The notebook's code cells, in order."""
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def run_class(n: int, cells: list[str]) -> list[dict[str, object]]:
    """Start ``n`` learners at once; their reports."""
    argv = [sys.executable, "-c", LEARNER, json.dumps(cells), str(NOTEBOOK.parent)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(n)
    ]
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"a learner failed (exit {proc.returncode}): {out[-300:]}")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def _row(name: str, values: list[float], rss_mib: list[float]) -> Measurement:
    ordered = sorted(values)
    row = Measurement(
        name=name,
        runs=len(values),
        median_s=statistics.median(ordered),
        min_s=ordered[0],
        p90_s=ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
    )
    row.extra["kernel_rss_mib_mean"] = round(statistics.mean(rss_mib), 1)
    return row


def main(sizes: list[int]) -> None:
    cells = code_cells(NOTEBOOK)
    start = time.monotonic()
    (bare,) = run_class(1, ["pass"])
    rows = [
        _row("1 kernel running `pass` (reference)", [bare["marks"][0]], [bare["rss_kib"] / 1024])
    ]
    for n in sizes:
        reports = run_class(n, cells)
        rss = [float(r["rss_kib"]) / 1024 for r in reports]  # type: ignore[arg-type]
        first = [float(r["marks"][1]) for r in reports]  # type: ignore[index]
        whole = [float(r["marks"][-1]) for r in reports]  # type: ignore[index]
        rows.append(_row(f"{n} learners: kernel start to first step", first, rss))
        rows.append(_row(f"{n} learners: whole notebook 00", whole, rss))
    notes = "; ".join(
        f"{r.name.split(':')[0]}: kernel RSS {r.extra['kernel_rss_mib_mean']} MiB each"
        for r in rows[1::2]
    )
    report("bench_class", rows, notes=f"{notes}; total {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 2, 4])
