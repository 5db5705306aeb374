"""A short, bounded atheris run of every fuzz target (the long runs: ``fuzz/run_long.py``).

Each target runs in its own process (libFuzzer owns the process and exits when done) for a
fixed number of inputs with a fixed seed, on a fresh copy of its seed corpus; crashes go to
a temporary directory. The test fails on a crash or if libFuzzer did not report the inputs.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz._harness import ROOT, env_with_root
from tests.conftest import require

# Inputs per target: enough for libFuzzer to get past the seeds, small enough that the whole
# module stays under a minute on a CI runner (the endpoint and IOS targets are the slow ones).
RUNS = {"wire": 5000, "ip": 10000, "esp": 5000, "pcap": 10000, "pki": 5000, "ios": 2000,
        "endpoint": 2000}  # fmt: skip


@pytest.mark.parametrize("target", sorted(RUNS))
def test_a_short_fuzz_run_finds_no_crash(target: str, tmp_path: Path) -> None:
    require(importlib.util.find_spec("atheris") is not None, "atheris is not installed")
    corpus, crashes = tmp_path / "corpus", tmp_path / "crashes"
    corpus.mkdir()
    crashes.mkdir()
    script = str(ROOT / "fuzz" / f"fuzz_{target}.py")
    cmd = [sys.executable, script, f"-atheris_runs={RUNS[target]}", "-seed=1",
           "-max_total_time=60", f"-artifact_prefix={crashes}/", str(corpus)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env_with_root(), timeout=180)
    tail = proc.stderr[-3000:]
    assert proc.returncode == 0, tail
    assert not list(crashes.iterdir()), tail
    done = re.findall(r"Done (\d+) in", proc.stderr)
    assert done and int(done[-1]) >= RUNS[target], tail
