"""Long fuzz runs: every target, one after the other, one process at a time; then a report.

    python fuzz/run_long.py                          # 1,000,000 inputs per target
    python fuzz/run_long.py --runs 20000 --targets wire ip
    python fuzz/run_long.py --max-time 600           # at most 10 minutes per target

For each target it runs ``fuzz/fuzz_<target>.py -atheris_runs=N -max_total_time=T -seed=S``
on the persistent corpus ``fuzz/corpus/<target>/`` (seeded on first use), logs libFuzzer's
output to ``fuzz/logs/<target>.log``, then replays the final corpus under coverage.py to
measure the line coverage of the modules the target exercises. It writes
``fuzz/report.json`` and ``fuzz/REPORT.md`` (the results table between the markers; the prose
around it is kept). A crash is saved by libFuzzer under ``fuzz/crashes/<target>/``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz._harness import CRASHES, ROOT, env_with_root

FUZZ = ROOT / "fuzz"
#: target -> the package files whose line coverage its corpus is measured on.
MODULES: dict[str, list[str]] = {
    "wire": [
        "vpnteach/wire/message.py",
        "vpnteach/wire/chain.py",
        "vpnteach/wire/payloads.py",
        "vpnteach/wire/sa.py",
        "vpnteach/wire/attributes.py",
        "vpnteach/wire/ident.py",
        "vpnteach/wire/buffer.py",
        "vpnteach/wire/generic.py",
    ],
    "ip": ["vpnteach/wire/ip.py", "vpnteach/wire/esp.py", "vpnteach/wire/natt.py"],
    "esp": ["vpnteach/esp/esp.py", "vpnteach/esp/replay.py"],
    "pcap": ["vpnteach/net/pcap.py"],
    "ios": ["vpnteach/ios/config.py", "vpnteach/ios/grammar.py", "vpnteach/ios/commands.py"],
    "pki": ["vpnteach/pki/validation.py", "vpnteach/pki/der.py", "vpnteach/pki/ca.py"],
    "endpoint": [
        "vpnteach/ike/endpoint.py",
        "vpnteach/ike/main_mode.py",
        "vpnteach/ike/quick_mode.py",
        "vpnteach/ike/informational.py",
        "vpnteach/ike/authenticators/base.py",  # these three were ike/auth.py
        "vpnteach/ike/authenticators/pre_share.py",
        "vpnteach/ike/authenticators/rsa_sig.py",
        "vpnteach/ike/proposal.py",
        "vpnteach/ike/protection.py",
        "vpnteach/ike/rules.py",
        "vpnteach/ike/nat_t.py",
    ],
}
#: Extra libFuzzer flags per target (the IOS parser is slow on long inputs).
FLAGS: dict[str, list[str]] = {"ios": ["-max_len=512"], "endpoint": ["-max_len=2048"]}
_DONE = re.compile(r"Done (\d+) in (\d+) second")
_COV = re.compile(r"cov: (\d+) ft: (\d+) corp: (\d+)/")
_STAT = re.compile(r"stat::(\w+):\s+(\d+)")


def fuzz_target(name: str, runs: int, max_time: int, seed: int) -> dict[str, object]:
    """One atheris run; its counters, parsed from libFuzzer's output."""
    corpus = FUZZ / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    crashes = CRASHES / name
    crashes.mkdir(parents=True, exist_ok=True)
    before = set(crashes.iterdir())
    log = FUZZ / "logs" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    cmd = [sys.executable, str(FUZZ / f"fuzz_{name}.py"), f"-atheris_runs={runs}",
           f"-max_total_time={max_time}", f"-seed={seed}", "-print_final_stats=1",
           f"-artifact_prefix={crashes}/", *FLAGS.get(name, []), str(corpus)]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env_with_root(), check=False)
    wall = time.monotonic() - start
    log.write_text(proc.stderr + proc.stdout)
    return _counters(proc.stderr, wall, proc.returncode, sorted(set(crashes.iterdir()) - before))


def _counters(out: str, wall: float, code: int, new: list[Path]) -> dict[str, object]:
    stats = {k: int(v) for k, v in _STAT.findall(out)}
    done = _DONE.findall(out)
    covs = _COV.findall(out)
    inputs = int(done[-1][0]) if done else stats.get("number_of_executed_units", 0)
    return {
        "inputs": inputs,
        "seconds": round(wall, 1),
        "exec_per_s": round(inputs / wall) if wall else 0,
        "cov": int(covs[-1][0]) if covs else None,
        "ft": int(covs[-1][1]) if covs else None,
        "corpus": int(covs[-1][2]) if covs else None,
        "exit_code": code,
        "crashes": [str(p.relative_to(ROOT)) for p in new],
    }


def line_coverage(name: str) -> dict[str, object]:
    """Replay the corpus under coverage.py; percent of lines of the target's modules."""
    data = FUZZ / "logs" / f".coverage.{name}"
    include = ",".join(str(ROOT / m) for m in MODULES[name])
    replay = [str(FUZZ / "replay.py"), name, str(FUZZ / "corpus" / name)]
    run = ["-m", "coverage", "run", f"--data-file={data}", f"--include={include}", *replay]
    subprocess.run([sys.executable, *run], env=env_with_root(), check=False, capture_output=True)
    out = FUZZ / "logs" / f"coverage.{name}.json"
    report = ["-m", "coverage", "json", f"--data-file={data}", "-o", str(out), "-q"]
    subprocess.run([sys.executable, *report], env=env_with_root(), check=False)
    if not out.exists():
        return {"percent": None, "files": {}}
    totals = json.loads(out.read_text())
    files = {
        str(Path(f).resolve().relative_to(ROOT)): round(v["summary"]["percent_covered"], 1)
        for f, v in totals["files"].items()
    }
    return {"percent": round(totals["totals"]["percent_covered"], 1), "files": files}


START, END = "<!-- results:start -->", "<!-- results:end -->"


def markdown(results: dict[str, dict[str, object]]) -> str:
    """The results table."""
    rows = [
        "| target | inputs | exec/s | wall s | atheris cov / ft | corpus | line coverage | "
        "crashes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in results.items():
        cov = r.get("line_coverage")
        percent = cov.get("percent") if isinstance(cov, dict) else None
        crashes = ", ".join(map(str, r["crashes"])) if r["crashes"] else "none"  # type: ignore[call-overload]
        rows.append(
            f"| {name} | {r['inputs']:,} | {r['exec_per_s']:,} | {r['seconds']} | "
            f"{r['cov']} / {r['ft']} | {r['corpus']} | {percent} % | {crashes} |"
        )
    return "\n".join(rows)


def write_report(results: dict[str, dict[str, object]]) -> None:
    """Merge ``results`` into fuzz/report.json and rewrite the table in fuzz/REPORT.md."""
    path = FUZZ / "report.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged.update(results)
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    md = FUZZ / "REPORT.md"
    text = md.read_text() if md.exists() else f"# Fuzz report\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    md.write_text(f"{head}{START}\n{markdown(merged)}\n{END}{tail}")


def accumulated(name: str, new: dict[str, object]) -> dict[str, object]:
    """``new`` added to the target's earlier sessions in fuzz/report.json (same corpus)."""
    path = FUZZ / "report.json"
    old = json.loads(path.read_text()).get(name) if path.exists() else None
    if not old:
        return new
    inputs = int(old["inputs"]) + int(new["inputs"])  # type: ignore[call-overload]
    seconds = round(float(old["seconds"]) + float(new["seconds"]), 1)  # type: ignore[arg-type]
    merged = dict(new, inputs=inputs, seconds=seconds, exec_per_s=round(inputs / seconds))
    merged["crashes"] = [*old["crashes"], *new["crashes"]]  # type: ignore[misc]
    merged["sessions"] = int(old.get("sessions", 1)) + 1
    return merged


def main() -> int:
    """Run the targets, then write the report; 1 if any target crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--max-time", type=int, default=3600, help="seconds per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--targets", nargs="*", default=list(MODULES))
    parser.add_argument("--no-coverage", action="store_true")
    parser.add_argument(
        "--accumulate", action="store_true", help="add to the report's earlier session(s)"
    )
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    for name in args.targets:
        results[name] = fuzz_target(name, args.runs, args.max_time, args.seed)
        if args.accumulate:
            results[name] = accumulated(name, results[name])
        if not args.no_coverage:
            results[name]["line_coverage"] = line_coverage(name)
        print(name, json.dumps(results[name]), flush=True)
        write_report({name: results[name]})
    return 1 if any(r["crashes"] or r["exit_code"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
