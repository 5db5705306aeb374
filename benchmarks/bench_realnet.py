"""Benchmark: the real tunnel — ping round trip and TCP throughput, vpnteach vs strongSwan.

Three pairs, each on its own pair of namespaces, all up at once in the same run (root
needed): ``vt<->vt`` (two ``vpnteach router`` processes, ``--force-udp-encap`` so that ESP
travels in UDP 4500 like strongSwan's), ``sw<->sw`` (two charons with kernel-libipsec:
userspace ESP in C, the reference) and ``vt<->sw`` (vpnteach Branch1, charon Branch2); for the
seed suite (3des-md5) and the modern one with ESP in AES-GCM (``modern-gcm``: aes256-sha256
IKE, ``esp-gcm 256`` / ``aes256gcm16``, RFC 4106); ``--cbc`` adds the modern suite with
AES-CBC + HMAC-SHA-256. Both sides get the same treatment: the same TUN MTU (1400, vpnteach's
``vt0`` and charon's ``ipsec0``), the same UDP 4500 encapsulation, the same traffic generators.

The measurements go round-robin: ``ROUNDS`` rounds, each measuring every pair once, the pair
that starts a round rotating, so that a change of load on these shared cores (other
processes) falls on all pairs alike instead of on whichever pair ran last. Per pair:

* ping RTT: ``ping -i 0.02`` from 192.168.11.1 to 192.168.22.1 (56 and 1000 bytes),
  ``PINGS`` per round; median / min / p90 of every round's ``time=`` values together. (At
  ``-i 0.01`` iputils ping spins in ``sched_yield`` while no reply is outstanding: on two cores
  the measuring tool then competes with the gateways, the more so the slower the pair; from
  20 ms on it sleeps);
* bulk: one TCP stream 192.168.11.1 -> 192.168.22.1 for 3 s (a Python sender and receiver in
  the namespaces; the receiver counts the bytes) per round, the median of the rounds in Mbit/s.

Ratios are to the ``sw<->sw`` pair of the same suite (>1: slower / less; for the stream the
ratio of seconds per megabyte, the notes give the throughput ratio). Both userspace
implementations share the 2 cores with everything else: read ratios, not absolute numbers.
The notes give the load average before and after the run.

Run: ``sudo .venv/bin/python benchmarks/bench_realnet.py`` (``--quick``: seed suite only;
``--rounds N``: N rounds instead of 3, for a steadier median on a busy machine).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from _harness import Measurement, from_samples, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.realnet.harness and tests.interop.strongswan

from tests.realnet.harness import LAN1, LAN2, Router, start_strongswan, write_configs  # noqa: E402
from vpnteach.net import netns  # noqa: E402
from vpnteach.router.pki import enroll_files  # noqa: E402

PAIRS = ("sw<->sw", "vt<->vt", "vt<->sw")
TAGS = {"sw<->sw": "s", "vt<->vt": "v", "vt<->sw": "x"}
STREAM_SECONDS = 3.0
PORT = 5201
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
PINGS = 50  # per round and size
PING_INTERVAL = "0.02"  # seconds; 0.01 makes iputils ping spin (see the module docstring)

RECEIVER = """
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); print("listening", flush=True)
c, _ = s.accept(); total = 0; first = None
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    first = first or time.monotonic(); total += len(b)
print(total, time.monotonic() - (first or time.monotonic()), flush=True)
"""
SENDER = """
import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], 0)); s.connect((sys.argv[2], int(sys.argv[3])))
chunk = bytes(1 << 16); end = time.monotonic() + float(sys.argv[4])
while time.monotonic() < end:
    s.sendall(chunk)
s.close()
"""


@contextlib.contextmanager
def pair(kind: str, profile: str, work: Path, pki: Path) -> Iterator[netns.Topology]:
    """A topology with the two gateways of ``kind`` up and an SA established (its namespace
    names tagged by ``kind``: the three pairs exist at once)."""
    tag = TAGS[kind]
    with (
        netns.Topology(left_tag=f"{tag}1", right_tag=f"{tag}2") as topo,
        contextlib.ExitStack() as stack,
    ):
        sites = {"Branch1": topo.left.ns, "Branch2": topo.right.ns}
        kinds = dict(zip(("Branch1", "Branch2"), kind.split("<->"), strict=True))
        for name in ("Branch2", "Branch1"):  # the responder first; Branch1 initiates
            ns, first = sites[name], name == "Branch1"
            if kinds[name] == "sw":
                charon = stack.enter_context(
                    start_strongswan(ns, work, pki, profile=profile, me=name)
                )
                if first:
                    charon.initiate("lan-lan", "vpn")
            else:
                configs = write_configs(work, name, profile)
                r = Router(ns, configs, pki, work, name.lower(), initiate=first,
                           force_udp_encap=True)  # fmt: skip
                stack.enter_context(r)
                r.start()
        _warm_up(topo)
        yield topo


def _warm_up(topo: netns.Topology, timeout: float = 20.0) -> None:
    """Ping until the tunnel answers (the first packets start IKE)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        argv = ["ping", "-n", "-c", "1", "-W", "1", "-I", LAN1, LAN2]
        if netns.run(topo.left.ns, argv, check=False).returncode == 0:
            return
    raise RuntimeError("the tunnel did not come up")


def ping_times(topo: netns.Topology, size: int) -> list[float]:
    """RTTs in seconds of ``PINGS`` pings ``PING_INTERVAL`` apart (all must be answered)."""
    argv = ["ping", "-n", "-c", str(PINGS), "-i", PING_INTERVAL, "-s", str(size), "-I", LAN1, LAN2]
    out = netns.run(topo.left.ns, argv, check=False, timeout=60).stdout
    times = [float(t) / 1000 for t in re.findall(r"time=([\d.]+) ms", out)]
    if len(times) != PINGS:
        raise RuntimeError(f"ping through the tunnel lost packets:\n{out}")
    return times


def tcp_stream(topo: netns.Topology) -> float:
    """Mbit/s of one TCP stream LAN1 -> LAN2 for STREAM_SECONDS."""
    py = sys.executable
    recv = netns.popen(topo.right.ns, [py, "-c", RECEIVER, LAN2, str(PORT)],
                       stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert recv.stdout is not None
        assert recv.stdout.readline().strip() == b"listening"
        netns.run(topo.left.ns, [py, "-c", SENDER, LAN1, LAN2, str(PORT), str(STREAM_SECONDS)],
                  timeout=STREAM_SECONDS + 30)  # fmt: skip
        total, seconds = recv.stdout.readline().split()
        recv.wait(10)
    finally:
        if recv.poll() is None:
            recv.kill()
            recv.wait()
    return int(total) * 8 / float(seconds) / 1e6


def bench_profile(profile: str, work: Path, pki: Path) -> tuple[list[Measurement], str]:
    """The rows of ``profile`` (every pair up at once, measured round-robin) and a note."""
    rtts: dict[tuple[str, int], list[float]] = {(k, n): [] for k in PAIRS for n in (56, 1000)}
    mbits: dict[str, list[float]] = {k: [] for k in PAIRS}
    with contextlib.ExitStack() as stack:
        topos: dict[str, netns.Topology] = {}
        for kind in PAIRS:  # one work directory each: the pairs' files must not meet
            where = work / f"{profile}-{kind.replace('<->', '-')}"
            where.mkdir()
            topos[kind] = stack.enter_context(pair(kind, profile, where, pki))
        for round_ in range(ROUNDS):
            order = PAIRS[round_ % len(PAIRS) :] + PAIRS[: round_ % len(PAIRS)]
            for kind in order:
                for size in (56, 1000):
                    rtts[kind, size] += ping_times(topos[kind], size)
            for kind in order:
                mbits[kind].append(tcp_stream(topos[kind]))
    rows: dict[str, Measurement] = {}
    for kind in PAIRS:
        for size in (56, 1000):
            name = f"{profile} ping {size:>4} B  {kind}"
            rows[name] = from_samples(name, rtts[kind, size], stat="rtt")
        mbit, per_round = statistics.median(mbits[kind]), [round(m, 1) for m in mbits[kind]]
        name = f"{profile} tcp stream   {kind}"
        extra: dict[str, object] = {"mbit_s": round(mbit, 2), "stat": "s/MB", "rounds": per_round}
        slow, fast = 8 / min(mbits[kind]), 8 / max(mbits[kind])
        rows[name] = Measurement(name, ROUNDS, 8 / mbit, fast, slow, extra=extra)
    for name, row in rows.items():
        ref = rows[name.replace(name.split()[-1], "sw<->sw")]
        if ref is not row:
            row.reference, row.ratio_to_reference = ref.name, row.median_s / ref.median_s
    ref_mbit = statistics.median(mbits["sw<->sw"])
    parts = []
    for kind in PAIRS:
        mbit = statistics.median(mbits[kind])
        rounds = ", ".join(f"{m:.1f}" for m in mbits[kind])
        parts.append(f"{kind} {mbit:.1f} ({rounds}; {mbit / ref_mbit:.2f}x)")
    note = f"{profile} TCP Mbit/s, median of {ROUNDS} rounds (rounds; throughput to sw<->sw): "
    note += "; ".join(parts)
    return list(rows.values()), note


def main() -> None:
    if {"-h", "--help"} & set(sys.argv):
        print(__doc__)
        return
    profiles = ["seed"] if "--quick" in sys.argv else ["seed", "modern-gcm"]
    profiles += ["modern"] if "--cbc" in sys.argv else []
    load_before = _load()
    work = Path(tempfile.mkdtemp(prefix="vtbench-"))
    rows: list[Measurement] = []
    notes: list[str] = []
    try:
        pki = work / "pki"
        enroll_files(pki, ["Branch1", "Branch2"])
        for profile in profiles:
            more, note = bench_profile(profile, work, pki)
            rows += more
            notes.append(note)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    notes.append(f"load average (1 min) {load_before} before, {_load()} after")
    report("bench_realnet", rows, notes="\n".join(notes))


def _load() -> str:
    """The 1-minute load average: the 2 cores are shared, so say how busy they were."""
    return Path("/proc/loadavg").read_text().split()[0]


if __name__ == "__main__":
    main()
