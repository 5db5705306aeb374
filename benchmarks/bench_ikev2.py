"""Benchmark: IKEv2 (IKE_SA_INIT + IKE_AUTH with the first Child SA) beside IKEv1 (Main Mode
+ Quick Mode), in process, on the same tunnel and the same profile.

Both run the seed's Branch1 <-> Branch2 with AES-256, SHA-256 and MODP 2048 (IKEv2 with a
pre-shared key and with the seed's RSA certificates; IKEv1 with rsa-sig), two endpoints with
datagrams handed over by hand (``tests/ike/harness.py``, ``tests/ikev2/harness.py``). The
reference in the same run is IKEv1, timed in turns with IKEv2 so that a busy shared machine
slows both alike: the ratio says what the newer exchange costs or saves (2 round trips
instead of 4.5, no separate Quick Mode Diffie-Hellman). Message counts are printed too.

Not done here: IKEv2 over UDP against strongSwan <-> strongSwan (``bench_ike.py`` does that
for IKEv1; the IKEv2 interop harness is ``tests/ikev2/interop_lab.py``).

Run: ``.venv/bin/python benchmarks/bench_ikev2.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _harness import Measurement, compare, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.ike.harness import B2, MODERN_POLICY, MODERN_TS, Pair, branch_config  # noqa: E402
from tests.ikev2.harness import pair as v2_pair  # noqa: E402
from vpnteach.ike.events import Phase2Complete  # noqa: E402
from vpnteach.ikev2.events import ChildSaEstablished  # noqa: E402


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


def _turns(a: Callable[[], object], b: Callable[[], object], n: int) -> tuple[list[float], ...]:
    a(), b()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for fn, out in ((a, times[0]), (b, times[1])):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def _row(name: str, samples: list[float], messages: list[int]) -> Measurement:
    s = sorted(samples)
    return Measurement(
        name=name,
        runs=len(s),
        median_s=statistics.median(s),
        min_s=s[0],
        p90_s=s[min(len(s) - 1, int(len(s) * 0.9))],
        extra={"messages": statistics.median(messages)},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    rows = []
    for auth in ("cert", "psk"):
        c1, c2, m1, m2 = [0], [0], [], []  # type: ignore[var-annotated]
        v1, v2 = _turns(
            lambda c=c1, m=m1: _ikev1(c, m),  # type: ignore[misc]
            lambda a=auth, c=c2, m=m2: _ikev2(a, c, m),  # type: ignore[misc]
            args.runs,
        )
        ref = _row("IKEv1 Main Mode + Quick Mode (rsa-sig), aes256/sha256/modp2048", v1, m1)
        ours = _row(f"IKEv2 IKE_SA_INIT + IKE_AUTH ({auth}), aes256/sha256/modp2048", v2, m2)
        rows += [ref, compare(ours, ref)]
    for r in rows:
        print(f"{r.name}: {r.extra['messages']:.0f} datagrams")
    report("bench_ikev2", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
