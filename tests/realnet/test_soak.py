"""The router process under forged traffic, in network namespaces (issue 19's must-show).

Branch1 is ``vpnteach router run`` (WAN 10.1.1.1, TUN 192.168.11.1), Branch2 strongSwan
(10.2.2.1, 192.168.22.1), as in ``test_strongswan.py``; a third namespace, the attacker's
(:mod:`tests.realnet.attack`), forges datagrams to Branch1 from a raw socket
(:mod:`tests.realnet.flood`).

* A spoofed MM1 from Branch2's address (a half-open responder SA with that peer) does not stop
  Branch1 from initiating: a ping from Branch1's LAN brings the tunnel up (it stayed 0/15).
* The soak: while a ping crosses the tunnel, 100,000 garbage datagrams, 20,000 MM1s with fresh
  cookies and 20,000 spoofed ESP packets with random SPIs arrive; the tunnel keeps passing
  traffic, the half-open SAs stay at the limit, the router's RSS (``VmRSS`` of
  ``/proc/PID/status``) grows by less than 20 MB, and the router stays up. The figures are
  printed (``pytest -s``).

Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.interop.strongswan import Charon
from tests.realnet.attack import Attacker, rss_kb, udp_receive_buffer_errors
from tests.realnet.harness import LAN1, LAN2, Router, ping, start_strongswan, write_configs
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Gateway
from vpnteach.ike.admission import DEFAULT_IN_NEGOTIATION
from vpnteach.ios import parse_config
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.net import netns
from vpnteach.router.pki import load_pki

B1, B2 = "10.1.1.1", "10.2.2.1"
GARBAGE, MM1S, ESPS = 100_000, 20_000, 20_000
RATE = 3000.0  # packets a second: what the router reads on a busy 2-core machine
RSS_LIMIT_KB = 20 * 1024


def _mm1_template(path: Path, pki: Path) -> Path:
    """A real MM1 from a seed Branch2 to Branch1 (Branch1 accepts its proposal)."""
    config = parse_config(SEED_CONFIGS["Branch2"])
    gateway = Gateway(config, load_pki(config, pki, dt.timezone.utc), SeededRng("soak"))
    gateway.initiate(B1, time.time())
    path.write_bytes(gateway.datagrams_to_send(time.time())[0].data)
    return path


def _up(topo: netns.Topology, work: Path, pki: Path) -> tuple[Router, Charon]:
    b1 = Router(topo.left.ns, write_configs(work, "Branch1"), pki, work, "branch1")
    charon = start_strongswan(topo.right.ns, work, pki)
    try:
        b1.start()
    except BaseException:
        charon.stop()
        raise
    return b1, charon


def test_a_spoofed_mm1_from_the_peer_does_not_stop_the_router_initiating(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo, Attacker(topo.left.ns) as attacker:
        b1, charon = _up(topo, work, pki_dir)
        with charon, b1:
            template = _mm1_template(work / "mm1.bin", pki_dir)
            one = attacker.flood(B1, B2, mm1=1, mm1_template=template, spoof=f"{B2}/32")
            one.wait(30)
            deadline = time.monotonic() + 10
            while b1.counter("half-open SAs") != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert b1.counter("half-open SAs") == 1, b1.ask("show crypto isakmp sa")
            _, received, out = ping(topo.left.ns, LAN1, LAN2, count=15, interval=0.5)
            b1.wait_for_sa()
            isakmp = b1.ask("show crypto isakmp sa")
    assert received >= 10, out  # before: 0/15 until the peer initiated
    assert re.search(r"10\.2\.2\.1\s+10\.1\.1\.1\s+QM_IDLE", isakmp), isakmp  # ours, initiated
    assert re.search(r"10\.1\.1\.1\s+10\.2\.2\.1\s+MM_SA_SETUP", isakmp), isakmp  # the forged one


def test_soak_forged_traffic_leaves_the_tunnel_up_and_memory_bounded(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo, Attacker(topo.left.ns) as attacker:
        b1, charon = _up(topo, work, pki_dir)
        with charon, b1:
            assert b1.proc is not None
            first = ping(topo.left.ns, LAN1, LAN2, count=5)  # the tunnel comes up
            b1.wait_for_sa()
            rss_before = rss_kb(b1.proc.pid)
            dropped_before = udp_receive_buffer_errors(topo.left.ns)
            pinger = netns.popen(topo.left.ns, ["ping", "-n", "-i", "0.2", "-W", "2", "-I", LAN1,
                                                LAN2], stdout=subprocess.PIPE)  # fmt: skip
            started = time.monotonic()
            template = _mm1_template(work / "mm1.bin", pki_dir)
            flood = attacker.flood(B1, B2, garbage=GARBAGE, mm1=MM1S, esp=ESPS, rate=RATE,
                                   mm1_template=template)  # fmt: skip
            half_open: list[int] = []
            while flood.poll() is None and time.monotonic() - started < 600:
                half_open.append(b1.counter("half-open SAs"))
                time.sleep(2)
            flood_out = flood.communicate(timeout=60)[0].decode()
            seconds = time.monotonic() - started
            time.sleep(3)  # the router drains what is queued
            pinger.send_signal(signal.SIGINT)  # ping prints its summary
            summary = pinger.communicate(timeout=30)[0].decode()
            half_open.append(at_end := b1.counter("half-open SAs"))
            rss_after = rss_kb(b1.proc.pid)
            dropped = udp_receive_buffer_errors(topo.left.ns) - dropped_before
            counters = b1.ask("show router counters")
            alive = b1.proc.poll() is None
            last = ping(topo.left.ns, LAN1, LAN2, count=5)
            assert b1.stop() == 0
    m = re.search(r"(\d+) packets transmitted, (\d+) received", summary)
    assert m is not None, summary
    transmitted, received = int(m.group(1)), int(m.group(2))
    figures = {
        "flood (attacker's counts)": flood_out.strip(),
        "flood seconds": f"{seconds:.0f}",
        "RSS before/after (kB)": f"{rss_before} / {rss_after} (+{rss_after - rss_before})",
        "half-open SAs sampled (max, at end)": f"{max(half_open)}, {at_end}",
        "pings during the flood (sent/received/lost)":
            f"{transmitted}/{received}/{transmitted - received}",
        "pings after": f"{last[0]}/{last[1]}",
        "UDP datagrams the kernel dropped (router's buffer full)": str(dropped),
    }  # fmt: skip
    print("\nSOAK FIGURES", *[f"  {k}: {v}" for k, v in figures.items()], sep="\n")
    per_spi = [line for line in counters.splitlines() if "SPI 0x" in line]
    rest = [line for line in counters.splitlines() if "SPI 0x" not in line]
    print(f"ROUTER COUNTERS ({len(per_spi)} per-SPI lines not shown)", *rest, sep="\n  ")
    assert first[1] >= 1 and alive
    assert f"mm1={MM1S}" in flood_out and f"garbage={GARBAGE}" in flood_out, flood_out
    assert rss_after - rss_before < RSS_LIMIT_KB, figures
    assert max(half_open) <= DEFAULT_IN_NEGOTIATION and at_end == DEFAULT_IN_NEGOTIATION, figures
    assert received >= 0.8 * transmitted, figures  # the tunnel kept passing traffic
    assert last[:2] == (5, 5), last[2]
    assert int(re.search(r"MM1 refused \(in-negotiation limit\): (\d+)", counters)[1]) > 0
