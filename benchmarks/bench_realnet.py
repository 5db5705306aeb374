"""Benchmark: the real tunnel — ping round trip and TCP throughput, vpnteach vs strongSwan.

Three pairs on the same topology, one after the other in the same run (root needed):
``vt<->vt`` (two ``vpnteach router`` processes, ``--force-udp-encap`` so that ESP travels in
UDP 4500 like strongSwan's), ``sw<->sw`` (two charons with kernel-libipsec: userspace ESP in
C, the reference) and ``vt<->sw`` (vpnteach Branch1, charon Branch2); for the seed suite
(3des-md5) and the modern one with ESP in AES-GCM (``modern-gcm``: aes256-sha256 IKE,
``esp-gcm 256`` / ``aes256gcm16``, RFC 4106); ``--cbc`` adds the modern suite with
AES-CBC + HMAC-SHA-256. Per pair:

* ping RTT: ``ping -c 100 -i 0.01`` from 192.168.11.1 to 192.168.22.1 (56 and 1000 bytes),
  median / min / p90 of the 100 ``time=`` values;
* bulk: one TCP stream 192.168.11.1 -> 192.168.22.1 for 3 s (a Python sender and receiver in
  the namespaces; the receiver counts the bytes), reported in Mbit/s.

Ratios are to the ``sw<->sw`` pair of the same suite (>1: slower / less). Both userspace
implementations share the 2 cores with everything else: read ratios, not absolute numbers.

The notes give the load average before and after the run: compare runs made under similar
load only.

Run: ``sudo .venv/bin/python benchmarks/bench_realnet.py`` (``--quick``: seed suite only).
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

from _harness import Measurement, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.realnet.harness and tests.interop.strongswan

from tests.realnet.harness import Router, start_strongswan, write_configs  # noqa: E402
from vpnteach.net import netns  # noqa: E402
from vpnteach.router.pki import enroll_files  # noqa: E402

LAN1, LAN2 = "192.168.11.1", "192.168.22.1"
PAIRS = ("sw<->sw", "vt<->vt", "vt<->sw")
STREAM_SECONDS = 3.0
PORT = 5201

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
    """A topology with the two gateways of ``kind`` up and an SA established."""
    with netns.Topology() as topo, contextlib.ExitStack() as stack:
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


def ping_rtt(topo: netns.Topology, size: int) -> tuple[float, float, float]:
    """(min, median, p90) RTT in seconds of 100 pings, 10 ms apart (all must be answered)."""
    argv = ["ping", "-n", "-c", "100", "-i", "0.01", "-s", str(size), "-I", LAN1, LAN2]
    out = netns.run(topo.left.ns, argv, check=False, timeout=60).stdout
    times = sorted(float(t) / 1000 for t in re.findall(r"time=([\d.]+) ms", out))
    if len(times) != 100:
        raise RuntimeError(f"ping through the tunnel lost packets:\n{out}")
    return times[0], statistics.median(times), times[89]


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


def _row(name: str, values: tuple[float, float, float], extra: dict[str, object]) -> Measurement:
    low, mid, p90 = values
    return Measurement(name=name, runs=100, median_s=mid, min_s=low, p90_s=p90, extra=extra)


def bench_profile(profile: str, work: Path, pki: Path) -> list[Measurement]:
    rows: dict[str, Measurement] = {}
    for kind in PAIRS:
        with pair(kind, profile, work, pki) as topo:
            for size in (56, 1000):
                name = f"{profile} ping {size:>4} B  {kind}"
                rows[name] = _row(name, ping_rtt(topo, size), {"stat": "rtt"})
            mbit = tcp_stream(topo)
            name = f"{profile} tcp stream   {kind}"
            extra: dict[str, object] = {"mbit_s": round(mbit, 2), "stat": "s per MB"}
            rows[name] = Measurement(name, 1, 8 / mbit, 8 / mbit, 8 / mbit, extra=extra)
    for name, row in rows.items():
        ref = rows[name.replace(name.split()[-1], "sw<->sw")]
        if ref is not row:
            row.reference, row.ratio_to_reference = ref.name, row.median_s / ref.median_s
    return list(rows.values())


def main() -> None:
    profiles = ["seed"] if "--quick" in sys.argv else ["seed", "modern-gcm"]
    profiles += ["modern"] if "--cbc" in sys.argv else []
    load_before = _load()
    work = Path(tempfile.mkdtemp(prefix="vtbench-"))
    try:
        pki = work / "pki"
        enroll_files(pki, ["Branch1", "Branch2"])
        rows = [r for p in profiles for r in bench_profile(p, work, pki)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    speeds = "; ".join(f"{r.name.split()[0]} {r.name.split()[-1]} {r.extra['mbit_s']} Mbit/s"
                       for r in rows if "mbit_s" in r.extra)  # fmt: skip
    load = f"load average (1 min) {load_before} before, {_load()} after"
    report("bench_realnet", rows, notes=f"TCP throughput: {speeds}\n{load}")


def _load() -> str:
    """The 1-minute load average: the 2 cores are shared, so say how busy they were."""
    return Path("/proc/loadavg").read_text().split()[0]


if __name__ == "__main__":
    main()
