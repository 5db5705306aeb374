"""Benchmark: the whole lab — ``Lab.seed()`` + the first ping, and a hub with N spokes.

1. ``Lab.seed()`` (topology, configs parsed, keys, SCEP enrollment over the simulated network,
   clock run to Jun 6) followed by ``ping 192.168.22.1 source 192.168.11.1`` (Main Mode with
   certificates, Quick Mode, 4 ESP round trips). Target: under 1 s. Rows: cold (RSA key cache
   cleared, a new seed each run: CA 2048 + RA 1024 + two router keys generated) and cached
   keys (what a replay, the stepper or a test suite pays). Reference in the same run: the bare
   cryptography of that tunnel (two DH group-1 exchanges' modexps, two RSA-1024 signatures
   and verifications, eight ESP packets sealed and opened) with no protocol around it.
2. A hub with N spokes (N = 10, 100, 1000), pre-shared keys, one crypto map entry per spoke;
   every spoke initiates, the network runs until all 2N SAs are installed on the hub. Time and
   tracemalloc memory per tunnel, to show that cost grows linearly (median of 9 / 3 / 1
   bring-ups; the CPU time and the part of it spent in CPython's cyclic GC are in ``extra``).
   Reference per tunnel: the bare Diffie-Hellman work of one tunnel (2 key pairs + 2 shared
   secrets, group 1).

Usage: ``.venv/bin/python benchmarks/bench_lab.py [--max-spokes N]`` -> table on stdout and
``benchmarks/results/bench_lab.json``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable

from _harness import Measurement, compare, measure, report

from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.rng import SeededRng
from vpnteach.crypto.rsa_sig import ikev1_sign, ikev1_verify
from vpnteach.esp.esp import decapsulate, encapsulate
from vpnteach.lab import Lab
from vpnteach.labs.hub import bring_up
from vpnteach.pki.keys import clear_key_cache, rsa_private_key

PING = "ping 192.168.22.1 source 192.168.11.1"


def seed_and_ping(seed: int) -> None:
    lab = Lab.seed(seed)
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!", out


def timed(name: str, runs: int, fn: Callable[[int], object], *, cold: bool) -> Measurement:
    times = []
    for i in range(runs):
        if cold:
            clear_key_cache()
        seed = 1000 + i if cold else 2010
        gc.collect()
        t0 = time.perf_counter()
        fn(seed)
        times.append(time.perf_counter() - t0)
    times.sort()
    return Measurement(name, runs, statistics.median(times), times[0], times[int(runs * 0.9)])


def first_ping_only(runs: int) -> Measurement:
    """The ping alone (IKE from nothing + 4 ESP round trips), on a freshly built lab."""
    times = []
    for _ in range(runs):
        lab = Lab.seed(2010)
        t0 = time.perf_counter()
        lab.branch1.exec(PING)
        times.append(time.perf_counter() - t0)
    times.sort()
    return Measurement("first ping alone (IKE MM+QM, 4 ESP)", runs, statistics.median(times),
                       times[0], times[int(runs * 0.9)])  # fmt: skip


def bare_tunnel_crypto() -> Callable[[], object]:
    """Reference: the cryptography of one seed tunnel, no protocol."""
    rng = SeededRng("bench-lab-ref")
    group = get_group(1)
    keys = [rsa_private_key(1024, rng.fork(n)) for n in ("a", "b")]
    lab = Lab.seed(2010)
    lab.branch1.exec(PING)
    gw = lab.branch1.gateway
    assert gw is not None
    out = next(sa for sa in gw.sad.sas() if sa.direction.value == "outbound")
    peer = lab.branch2.gateway
    assert peer is not None
    inbound = next(sa for sa in peer.sad.sas() if sa.spi == out.spi)
    packet = bytes.fromhex("45000064000100004001") + bytes(10) + bytes(80)

    def run() -> object:
        a, b = DhComputation.start(group, rng), DhComputation.start(group, rng)
        a.complete(b.public_value)
        b.complete(a.public_value)
        for key in keys:
            sig = ikev1_sign(key, b"h" * 16)
            ikev1_verify(key.public_key(), b"h" * 16, sig)
        for _ in range(4):
            decapsulate(lambda s, d, p: inbound, encapsulate(out, packet, rng, now=0.0), 0.0)
        return None

    return run


def bare_dh_per_tunnel() -> Callable[[], object]:
    rng = SeededRng("bench-hub-ref")
    group = get_group(1)

    def run() -> object:
        a, b = DhComputation.start(group, rng), DhComputation.start(group, rng)
        return a.complete(b.public_value), b.complete(a.public_value)

    return run


class GcClock:
    """Seconds spent in CPython's cyclic garbage collector (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total, self._start = 0.0, 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start


def hub(n: int, with_memory: bool) -> tuple[float, float, float | None, float, float]:
    """(build s, bring-up s, traced bytes per tunnel or None, bring-up CPU s, GC s) for ``n``."""
    gc.collect()
    if with_memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    lab = Lab.hub(n)
    t1 = time.perf_counter()
    base = tracemalloc.get_traced_memory()[0] if with_memory else 0
    gc_clock = GcClock()
    gc.callbacks.append(gc_clock)
    c1 = time.process_time()
    up = bring_up(lab, timeout=600.0)
    t2, c2 = time.perf_counter(), time.process_time()
    gc.callbacks.remove(gc_clock)
    per_tunnel = None
    if with_memory:
        per_tunnel = (tracemalloc.get_traced_memory()[0] - base) / n
        tracemalloc.stop()
    assert up == n, f"{up}/{n} tunnels up"
    return t1 - t0, t2 - t1, per_tunnel, c2 - c1, gc_clock.total


def hub_row(n: int, runs: int) -> Measurement:
    """Bring-up time per tunnel for ``n`` spokes: median of ``runs`` bring-ups (+ memory)."""
    results = sorted((hub(n, with_memory=False) for _ in range(runs)), key=lambda r: r[1])
    build, up, _, cpu, gc_s = results[len(results) // 2]
    _, _, memory, _, _ = hub(n, with_memory=True)
    row = Measurement(f"hub {n} spokes: bring-up per tunnel", runs, up / n, results[0][1] / n,
                      results[-1][1] / n)  # fmt: skip
    row.extra = {"spokes": n, "build_s": build, "bring_up_s": up, "cpu_per_tunnel_s": cpu / n,
                 "gc_per_tunnel_s": gc_s / n, "traced_bytes_per_tunnel": memory}  # fmt: skip
    print(f"  hub {n}: {up / n * 1e3:.2f} ms/tunnel (CPU {cpu / n * 1e3:.2f}, of which GC "
          f"{gc_s / n * 1e3:.2f}), {memory or 0:.0f} B/tunnel")  # fmt: skip
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-spokes", type=int, default=1000)
    args = parser.parse_args()
    rows: list[Measurement] = []
    ref = measure("ref: bare crypto of one seed tunnel", bare_tunnel_crypto(), runs=20)
    rows.append(ref)
    rows.append(
        compare(timed("Lab.seed() + first ping, cold keys", 5, seed_and_ping, cold=True), ref)
    )
    rows.append(
        compare(timed("Lab.seed() + first ping, cached keys", 10, seed_and_ping, cold=False), ref)
    )
    rows.append(compare(first_ping_only(10), ref))
    dh = measure("ref: bare DH group 1 per tunnel", bare_dh_per_tunnel(), runs=50)
    rows.append(dh)
    hub(10, with_memory=False)  # warm-up: first-use caches and imports out of the timing
    for n, runs in ((10, 9), (100, 3), (1000, 1)):
        if n > args.max_spokes:
            continue
        rows.append(compare(hub_row(n, runs), dh))
    notes = (
        "ratio = median / reference median. Hub rows: median over `runs` bring-ups of N "
        "tunnels (time per tunnel = total / N; min/p90 columns = fastest/slowest run); extra: "
        "CPU time per tunnel, the part of it spent in CPython's cyclic GC (gc.callbacks: full "
        "collections walk every live object, so they only start to occur once N is large), "
        "and memory per tunnel from tracemalloc in a separate traced run (bytes allocated and "
        "still held after bring-up / N). Machine shared (2 cores, other jobs running)."
    )
    report("bench_lab", rows, notes)


if __name__ == "__main__":
    main()
