"""Benchmark: IKEv2 (IKE_SA_INIT + IKE_AUTH with the first Child SA) beside IKEv1 (Main Mode
+ Quick Mode), in process, on the same tunnel and the same profile.

Both run the seed's Branch1 <-> Branch2 with AES-256, SHA-256 and MODP 2048 (IKEv2 with a
pre-shared key and with the seed's RSA certificates; IKEv1 with rsa-sig), two endpoints with
datagrams handed over by hand (``tests/ike/harness.py``, ``tests/ikev2/harness.py``). The
reference in the same run is IKEv1, timed in turns with IKEv2 so that a busy shared machine
slows both alike: the ratio says what the newer exchange costs or saves (2 round trips
instead of 4.5, no separate Quick Mode Diffie-Hellman). Message counts are printed too.

Over real UDP (needs root and ``ip netns``, strongSwan, dumpcap and tshark): two namespaces
joined by a veth, IKEv2 with a pre-shared key, AES-256/SHA-256/MODP 2048; strongSwan ->
strongSwan (two charons, the reference) and vpnteach -> strongSwan (``tests/ikev2/udp_peer.py``,
one process per negotiation), one negotiation at a time. Every negotiation is timed *on the
wire*, identically for both pairings: ``dumpcap`` records the IKE datagrams and a negotiation
lasts from its IKE_SA_INIT request to the IKE_AUTH response (kernel timestamps). strongSwan
fakes a NAT (kernel-libipsec), so IKE_AUTH travels on UDP 4500 in both pairings.

Run: ``sudo .venv/bin/python benchmarks/bench_ikev2.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Measurement, alternate, compare, from_samples, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.strongswan.make_fixture import start_capture, stop_capture  # noqa: E402
from tests.ike.harness import B2, MODERN_POLICY, MODERN_TS, Pair, branch_config  # noqa: E402
from tests.ikev2.harness import pair as v2_pair  # noqa: E402
from tests.ikev2.interop_lab import (  # noqa: E402
    V2Case,
    connection,
    run_direction,
    start_charon,
)
from tests.interop.lab import add_addresses, mirror  # noqa: E402
from tests.interop.strongswan import Charon, load_plugins  # noqa: E402
from vpnteach.ike.events import Phase2Complete  # noqa: E402
from vpnteach.ikev2.events import ChildSaEstablished  # noqa: E402
from vpnteach.net import netns  # noqa: E402


def _ikev1(counter: list[int], messages: list[int]) -> None:
    c1 = branch_config("Branch1", policy=MODERN_POLICY, ts=MODERN_TS)
    c2 = branch_config("Branch2", policy=MODERN_POLICY, ts=MODERN_TS)
    counter[0] += 1
    pair = Pair.make(c1, c2, seed=counter[0])
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))
    messages.append(len(pair.log))


def _ikev2(auth: str, counter: list[int], messages: list[int]) -> None:
    counter[0] += 1
    p = v2_pair(seed=f"bench{counter[0]}", auth=auth)
    p.a.initiate(B2, p.now)
    sent = p.run()
    assert any(isinstance(e, ChildSaEstablished) for e in p.events["a"])
    messages.append(sent)


def _row(name: str, samples: list[float], messages: list[int]) -> Measurement:
    if not samples:
        raise RuntimeError(f"{name}: no sample (see the capture and the charon logs)")
    return from_samples(name, samples, messages=statistics.median(messages))


def bench_in_process(runs: int) -> list[Measurement]:
    """IKEv2 (certificates, then PSK) timed in turns with IKEv1 (its reference), in process."""
    rows = []
    for auth in ("cert", "psk"):
        c1, c2, m1, m2 = [0], [0], [], []  # type: ignore[var-annotated]
        v1, v2 = alternate(
            lambda c=c1, m=m1: _ikev1(c, m),  # type: ignore[misc]
            lambda a=auth, c=c2, m=m2: _ikev2(a, c, m),  # type: ignore[misc]
            runs,
        )
        ref = _row("IKEv1 Main Mode + Quick Mode (rsa-sig), aes256/sha256/modp2048", v1, m1)
        ours = _row(f"IKEv2 IKE_SA_INIT + IKE_AUTH ({auth}), aes256/sha256/modp2048", v2, m2)
        rows += [ref, compare(ours, ref)]
    for r in rows:
        print(f"{r.name}: {r.extra['messages']:.0f} datagrams")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    rows = bench_in_process(args.runs)
    if os.geteuid() == 0:
        rows += bench_udp(max(3, args.runs // 2))
    else:
        print("over UDP: skipped (needs root and ip netns)")
    report("bench_ikev2", rows)
    return 0


def wire_times(pcap: Path) -> dict[str, list[float]]:
    """Per initiator address: each IKE SA's IKE_SA_INIT request to its IKE_AUTH response."""
    fields = ["frame.time_epoch", "ip.src", "isakmp.ispi", "isakmp.exchangetype", "isakmp.flag_r"]
    argv = ["tshark", "-r", str(pcap), "-Y", "isakmp", "-T", "fields"]
    argv += [x for f in fields for x in ("-e", f)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    first: dict[str, tuple[str, float]] = {}
    times: dict[str, list[float]] = {}
    for line in out.splitlines():
        when, src, ispi, exchange, response = (line.split("\t") + [""] * 5)[:5]
        if not exchange:
            continue
        kind = int(exchange.split(",")[0])
        if kind == 34 and response.startswith("0"):
            first.setdefault(ispi, (src, float(when)))
        elif kind == 35 and response.startswith("1") and ispi in first:
            initiator, start = first.pop(ispi)
            times.setdefault(initiator, []).append(float(when) - start)
    return times


def _strongswan_pair(topo: netns.Topology, work: Path, cases: list[V2Case]) -> None:
    """A second charon in the left namespace initiates ``cases`` one after the other (it is
    stopped before vpnteach binds the same namespace's ports)."""
    left = Charon(topo.left.ns, work / "left", name="left")
    left.write_config([mirror(connection(c)) for c in cases])
    load_plugins(left, ("kdf",))
    with left:
        left.start()
        left.load_all()
        for case in cases:
            left.initiate("lan-lan", ike=case.name)


def bench_udp(runs: int) -> list[Measurement]:
    """strongSwan -> strongSwan and vpnteach -> strongSwan over a veth, timed on the wire."""
    ss = [V2Case(i, label=f"bench-ss-{i}") for i in range(runs)]
    vs = [V2Case(runs + i, label=f"bench-vs-{i}") for i in range(runs)]
    when = time.time()
    with tempfile.TemporaryDirectory(prefix="bench_ikev2") as tmp, netns.Topology() as topo:
        work = Path(tmp)
        os.chmod(work, 0o755)
        add_addresses(topo, ss + vs)
        for case in ss:  # kernel-libipsec routes from a local address inside local_ts
            netns.add_address(topo.left.ns, "lo", case.vpnteach_lan.replace(".0/24", ".1/32"))
        right = start_charon(topo, work, when, ss + vs)
        pcap = work / "ikev2.pcap"
        cap = start_capture(topo.left.ns, topo.left.wan_dev, pcap)
        try:
            with right:
                _strongswan_pair(topo, work, ss)
                for case in vs:  # one vpnteach process per negotiation: one at a time
                    run_direction(topo, work, when, [case], right)
        finally:
            stop_capture(cap)
        times = wire_times(pcap)
    theirs = [t for c in ss for t in times.get(c.vpnteach_addr, [])]
    ours = [t for c in vs for t in times.get(c.vpnteach_addr, [])]
    reference = _row(
        "UDP: strongSwan -> strongSwan, IKE_SA_INIT..IKE_AUTH on the wire", theirs, [4]
    )
    vt = _row("UDP: vpnteach -> strongSwan, IKE_SA_INIT..IKE_AUTH on the wire", ours, [4])
    return [reference, compare(vt, reference)]


if __name__ == "__main__":
    raise SystemExit(main())
