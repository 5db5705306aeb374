"""The IKEv2 router process under forged traffic, in network namespaces (issue 19's promises,
IKEv2 side; :mod:`tests.realnet.test_soak` is the IKEv1 soak).

Branch1 is ``vpnteach router run`` speaking IKEv2 (FlexVPN, pre-shared key, WAN 10.1.1.1,
TUN 192.168.11.1), Branch2 charon (10.2.2.1, 192.168.22.1); the attacker's namespace
(:mod:`tests.realnet.attack`) forges datagrams to Branch1 (:mod:`tests.realnet.flood`, whose
"MM1" is here a real IKE_SA_INIT request given a fresh SPIi: its first 8 bytes, RFC 7296 §3.1).

First an IKE_SA_INIT forged from Branch2's address (a half-open responder SA with that peer):
it does not stop Branch1 from initiating, a ping from Branch1's LAN brings the tunnel up
(before, the ping failed until the forged SA expired). Then the soak: with the tunnel up and
a ping crossing it, an attacker at Branch2's address (:mod:`tests.realnet.fragments`, its own
UDP port) opens 10 half-open SAs and sends 63 of 64 IKE_AUTH fragments of 60 KB on each
(authentic: it holds their keys), a burst of IKE_SA_INITs with fresh SPIs from Branch2's
address fills the half-open table up to ``--in-negotiation-sa`` (no ``cookie-challenge``
line: the hard bound is what bites), then garbage to UDP 500/4500, IKE_SA_INITs from
addresses of no peer and spoofed ESP with random SPIs arrive. The tunnel keeps passing
traffic, the router's RSS (its peak while sampled) grows by less than 10 MB (38 MB before the
reassembly bounds), INVALID_SPI notifies go out at the rate limit at most
(:mod:`vpnteach.gateway.invalid_spi`), no datagram meets a bug (``ikev2 internal errors``),
and the half-open SAs are gone 30 s after they came
(:data:`~vpnteach.ikev2.endpoint.HALF_OPEN_SECONDS`). The figures are printed (``pytest -s``).
About 45 s.

Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ikev2.harness import peer_config
from tests.interop.strongswan import Charon
from tests.realnet.attack import ROOT, Attacker, rss_kb, udp_receive_buffer_errors
from tests.realnet.harness import Router, flexvpn, ping, start_strongswan, write_configs
from vpnteach.crypto.rng import SeededRng
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.endpoint import HALF_OPEN_SECONDS
from vpnteach.labs.seed import PRE_SHARED_KEY
from vpnteach.net import netns

B1, B2 = "10.1.1.1", "10.2.2.1"
LAN1, LAN2 = "192.168.11.1", "192.168.22.1"
LIMIT = 40  # --in-negotiation-sa: below the engine's default COOKIE threshold (100)
BURST, GARBAGE, SA_INITS, ESPS = 400, 20_000, 5_000, 5_000
RATE = 3000.0
FRAG_SAS = 10  # half-open SAs the fragment attacker holds, 63 fragments of 60 KB on each
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
RSS_LIMIT_KB = 10 * 1024  # the IKEv1 soak's 20 MB; here it grows by 1 MB or less


def _sa_init_template(path: Path) -> Path:
    """A real IKE_SA_INIT from an IKEv2 Branch2 to Branch1 (its proposal is Branch1's)."""
    endpoint = Ikev2Endpoint(peer_config("Branch2"), SeededRng("soak-v2"))
    endpoint.initiate(B1, time.time())
    path.write_bytes(endpoint.datagrams_to_send(time.time())[0].data)
    return path


def _up(topo: netns.Topology, work: Path, pki: Path) -> tuple[Router, Charon]:
    configs = write_configs(work, "Branch1", "modern", flexvpn("psk"))
    b1 = Router(topo.left.ns, configs, pki, work, "branch1", debug=("ikev2", "ipsec"),
                extra=("--in-negotiation-sa", str(LIMIT)))  # fmt: skip
    charon = start_strongswan(
        topo.right.ns, work, pki, profile="modern", version=2, psk=PRE_SHARED_KEY
    )
    try:
        b1.start()
    except BaseException:
        charon.stop()
        raise
    return b1, charon


def _forge_one(attacker: Attacker, b1: Router, template: Path) -> int:
    """One IKE_SA_INIT forged from Branch2's address; the half-open SAs once it is in."""
    one = attacker.flood(B1, B2, mm1=1, mm1_template=template, spoof=f"{B2}/32")
    one.wait(30)
    deadline = time.monotonic() + 10
    while b1.router_counters()["ikev2 half-open SAs"] != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    return b1.router_counters()["ikev2 half-open SAs"]


def _sample(b1: Router, half_open: list[int], rss: list[int]) -> None:
    """One sample of the half-open SAs and of the router's RSS (its peak matters: the SAs and
    what they kept are gone by the end)."""
    assert b1.proc is not None
    half_open.append(b1.router_counters()["ikev2 half-open SAs"])
    rss.append(rss_kb(b1.proc.pid))


def _sample_while(
    proc: subprocess.Popen[bytes], b1: Router, half_open: list[int], rss: list[int]
) -> str:
    """Sample every half second while ``proc`` runs; its output."""
    while proc.poll() is None:
        _sample(b1, half_open, rss)
        time.sleep(0.5)
    return proc.communicate(timeout=60)[0].decode().strip()


def test_soak_forged_traffic_leaves_the_ikev2_tunnel_up_and_memory_bounded(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo, Attacker(topo.left.ns) as attacker:
        b1, charon = _up(topo, work, pki_dir)
        with charon, b1:
            assert b1.proc is not None
            template = _sa_init_template(work / "sa_init.bin")
            forged = _forge_one(attacker, b1, template)
            first = ping(topo.left.ns, LAN1, LAN2, count=10)  # our IKE SA, beside the forged one
            b1.wait_for_sa()
            shown = b1.ask("show crypto ikev2 sa")
            rss_before = rss_kb(b1.proc.pid)
            dropped_before = udp_receive_buffer_errors(topo.left.ns)
            pinger = netns.popen(topo.left.ns, ["ping", "-n", "-i", "0.2", "-W", "2", "-I", LAN1,
                                                LAN2], stdout=subprocess.PIPE)  # fmt: skip
            half_open: list[int] = []
            rss: list[int] = []
            burst_at = time.monotonic()
            frag = netns.popen(topo.right.ns, [sys.executable, "-m", "tests.realnet.fragments",
                                               "--sas", str(FRAG_SAS)],
                               stdout=subprocess.PIPE, env=ENV)  # fmt: skip
            frag_out = _sample_while(frag, b1, half_open, rss)
            burst = attacker.flood(B1, B2, mm1=BURST, mm1_template=template, spoof=f"{B2}/32",
                                   rate=1000)  # fmt: skip
            burst_out = _sample_while(burst, b1, half_open, rss)
            time.sleep(1)
            after_burst = b1.router_counters()
            flood = attacker.flood(B1, B2, garbage=GARBAGE, mm1=SA_INITS, esp=ESPS, rate=RATE,
                                   mm1_template=template)  # fmt: skip
            flood_out = _sample_while(flood, b1, half_open, rss)
            seconds = time.monotonic() - burst_at
            expiry = burst_at + HALF_OPEN_SECONDS  # the burst's SAs go 30 s after they came
            while time.monotonic() < expiry + 10 and (
                time.monotonic() < expiry or half_open[-1] != 0
            ):  # fmt: skip
                _sample(b1, half_open, rss)
                time.sleep(1)
            pinger.send_signal(signal.SIGINT)  # ping prints its summary
            summary = pinger.communicate(timeout=30)[0].decode()
            at_end = b1.router_counters()
            rss_after = rss_kb(b1.proc.pid)
            dropped = udp_receive_buffer_errors(topo.left.ns) - dropped_before
            counters = b1.ask("show router counters")
            alive = b1.proc.poll() is None
            last = ping(topo.left.ns, LAN1, LAN2, count=5)
            assert b1.stop() == 0
        log = b1.log.read_text()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", summary)
    assert m is not None, summary
    transmitted, received = int(m.group(1)), int(m.group(2))
    notifies = re.findall(r"sent INVALID_SPI for 0x([0-9A-F]{8})", log)
    figures = {
        "fragments at the peer's address (attacker's counts)": frag_out,
        "burst from the peer's address (attacker's counts)": burst_out,
        "flood (attacker's counts)": flood_out,
        "seconds from the burst to the end of the flood": f"{seconds:.0f}",
        "RSS before/peak/after (kB)":
            f"{rss_before} / {max(rss)} / {rss_after} (+{max(rss) - rss_before} at the peak)",
        "half-open SAs sampled (max, after the burst, at end)":
            f"{max(half_open)}, {after_burst['ikev2 half-open SAs']},"
            f" {at_end['ikev2 half-open SAs']}",
        "IKEv2 datagrams dropped": str(at_end["ikev2 datagrams dropped"]),
        "INVALID_SPI notifies sent": str(len(notifies)),
        "pings during the attack (sent/received/lost)":
            f"{transmitted}/{received}/{transmitted - received}",
        "pings after": f"{last[0]}/{last[1]}",
        "UDP datagrams the kernel dropped (router's buffer full)": str(dropped),
        "router log bytes": str(len(log)),
    }  # fmt: skip
    print("\nIKEv2 SOAK FIGURES", *[f"  {k}: {v}" for k, v in figures.items()], sep="\n")
    per_spi = [line for line in counters.splitlines() if "SPI 0x" in line]
    rest = [line for line in counters.splitlines() if "SPI 0x" not in line]
    print(f"ROUTER COUNTERS ({len(per_spi)} per-SPI lines not shown)", *rest, sep="\n  ")
    assert forged == 1, shown
    assert first[1] >= 5 and alive, first[2]  # before the fix: 0, the forged SA was waited for
    assert re.search(r"10\.1\.1\.1/\d+\s+10\.2\.2\.1/\d+\s+none/none\s+READY", shown), shown
    assert re.search(r"10\.1\.1\.1/500\s+10\.2\.2\.1/500\s+none/none\s+IN-NEG", shown)  # forged
    assert f"mm1={BURST}" in burst_out and f"garbage={GARBAGE}" in flood_out, flood_out
    assert after_burst["ikev2 half-open SAs"] == LIMIT == max(half_open), figures
    assert at_end["ikev2 half-open SAs"] == 0, figures  # expired (RFC 7296 §2.6)
    assert at_end["ikev2 internal errors"] == 0, figures
    assert f"sas={FRAG_SAS} fragments={FRAG_SAS * 63}" in frag_out, frag_out
    refused = BURST - (LIMIT - FRAG_SAS - 1) + SA_INITS  # and the fragments the kernel let in
    assert at_end["ikev2 datagrams dropped"] >= refused - 50 - dropped, figures
    assert 1 <= len(notifies) <= 10 * (seconds // 10 + 1), figures  # INVALID_SPI_BURST/10 s
    assert max(*rss, rss_after) - rss_before < RSS_LIMIT_KB, figures
    assert received >= 0.8 * transmitted, figures  # the tunnel kept passing traffic
    assert last[:2] == (5, 5), last[2]
