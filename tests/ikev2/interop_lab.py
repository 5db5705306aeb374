"""One topology, one charon (IKEv2 connections) and one vpnteach IKEv2 process per direction.

Every :class:`V2Case` gets its own WAN addresses and LANs (the address plan, credentials and
charon helpers of ``tests/interop/lab.py``, shared with the IKEv1 lab), so strongSwan picks the
connection by address. vpnteach runs as ``python -m tests.ikev2.udp_peer`` in the left
namespace; charon in the right one with ``version = 2`` connections.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.fixtures.strongswan import charonlog
from tests.ikev2.udp_peer import Slot
from tests.interop import lab
from tests.interop.lab import LabAddresses, case_log, raw_sa_block
from tests.interop.peer import peer_events, run_peer
from tests.interop.strongswan import Charon, CharonError, Connection
from vpnteach.net import netns

PSK = "cisco123"
PING_INTERVAL = 0.05
INSTALL_TIMEOUT = 15.0  # seconds for every pinging case's Child SA to be INSTALLED in charon
DPD_WAIT = 2.5
#: suite -> (strongSwan IKE proposal, ESP proposal)
SUITES = {
    "cbc": ("aes256-sha256-modp2048", "aes256-sha256"),
    "gcm": ("aes256gcm16-prfsha256-modp2048", "aes256gcm16"),
}


@dataclass(frozen=True)
class V2Case(LabAddresses):
    """One IKEv2 negotiation: who initiates, PSK or certificates, which suite."""

    index: int
    auth: str = "psk"
    suite: str = "cbc"
    vpnteach_initiates: bool = True
    method: int = 1
    rekey: str = ""  # "vt" or "sw": who rekeys the Child SA once it is up
    pfs: bool = False  # PFS (modp2048) in that CREATE_CHILD_SA
    rekey_ike: str = ""  # "vt", "sw" or "both" (at once, §2.8.2): who rekeys the IKE SA
    ping: int = 0  # pings from vpnteach's LAN to strongSwan's through the tunnel (a TUN device)
    dpd: bool = False  # charon checks liveness every second, vpnteach once; then charon deletes
    failure: str = ""  # "psk": vpnteach has another key; "proposal": no common IKE proposal
    label: str = ""  # a name to use instead of the generated one

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        who = "vt" if self.vpnteach_initiates else "sw"
        tail = "-pss" if self.method == 14 else ""
        if self.rekey:
            tail += f"-rekey-{self.rekey}" + ("-pfs" if self.pfs else "")
        if self.rekey_ike:
            tail += f"-ikerekey-{self.rekey_ike}"
        if self.ping:
            tail += "-ping"
        if self.dpd:
            tail += "-dpd-delete"
        if self.failure:
            tail += f"-wrong-{self.failure}"
        return f"v2-{who}-{self.auth}-{self.suite}{tail}"

    @property
    def esp(self) -> str:
        """The ESP proposal, with the PFS group when the rekey uses one."""
        esp = SUITES[self.suite][1]
        return f"{esp}-modp2048" if self.pfs else esp


def slot(case: V2Case) -> Slot:
    """vpnteach's side of ``case``."""
    ike = SUITES[case.suite][0] if case.failure != "proposal" else "aes128-sha1-modp2048"
    return Slot(
        name=case.name,
        local=case.vpnteach_addr,
        peer=case.strongswan_addr,
        local_lan=case.vpnteach_lan,
        peer_lan=case.strongswan_lan,
        auth=case.auth,
        psk=PSK if case.failure != "psk" else "not-" + PSK,
        method=case.method,
        ike=ike,
        esp=case.esp,
        initiate=case.vpnteach_initiates,
        # both rekeying: two new IKE SAs, the old one and the redundant one deleted
        expect=5
        if case.rekey_ike == "both"
        else 2
        if case.rekey or case.rekey_ike or case.dpd
        else 1,
        liveness=case.dpd,
        rekey=case.rekey == "vt",
        rekey_ike=case.rekey_ike == "vt",
        rekey_ike_on_request=case.rekey_ike == "both",
        rekey_pfs=14 if case.pfs else None,
        # with pings, rekey in the middle of them (after half of them): no packet may be lost
        rekey_after_packets=max(1, case.ping // 2) if case.ping else 0,
        tunnel=f"vt{case.index}" if case.ping else "",
    )


def connection(case: V2Case) -> Connection:
    """strongSwan's side of ``case``."""
    ike = SUITES[case.suite][0]
    psk = case.auth == "psk"
    return Connection(
        name=case.name,
        local_addr=case.strongswan_addr,
        remote_addr=case.vpnteach_addr,
        local_id=case.strongswan_addr if psk else "Branch2.amit.com",
        remote_id=case.vpnteach_addr if psk else "Branch1.amit.com",
        auth="psk" if psk else "pubkey",
        psk=PSK if psk else None,
        local_ts=case.strongswan_lan,
        remote_ts=case.vpnteach_lan,
        cert="branch2.cert.pem",
        cacert="ca.cert.pem",
        proposals=ike,
        esp_proposals=case.esp,
        version=2,
        dpd_delay="1s" if case.dpd else "0",
        extra={"unique": "never"},
    )


def start_charon(topo: netns.Topology, work: Path, when: float, cases: list[V2Case]) -> Charon:
    """charon in the right namespace with one IKEv2 connection per case."""
    # IKEv2's prf+ lives in strongSwan 5.9.8's "kdf" plugin ("KDF_PRF with PRF_HMAC_SHA2_256
    # not supported" without it); IKEv1 never needed it, so the shared list lacks it
    return lab.start_charon(topo, work, when, (connection(c) for c in cases), plugins=("kdf",))


@dataclass
class V2Result:
    """What both sides saw of one case."""

    case: V2Case
    vpnteach: dict[str, object]
    log: str
    dumps: list[charonlog.HexDump]
    list_sas: str
    initiate_output: str = ""

    def events(self, kind: str) -> list[dict[str, object]]:
        return peer_events(self.vpnteach, kind)

    @property
    def sa_block(self) -> str:
        return raw_sa_block(self.list_sas, self.case)


def run_direction(
    topo: netns.Topology, work: Path, when: float, cases: list[V2Case], charon: Charon
) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    """Run the vpnteach process for ``cases``; if they respond, charon initiates each."""
    linger = 3.0 if any(c.ping for c in cases) else 0.5
    plan = {
        "pki_time": when,
        # a redundant IKE SA charon never deletes is forgotten after 30 s (ikev2/deadlines.py)
        "timeout": 45.0 if any(c.rekey_ike == "both" for c in cases) else 20.0,
        "linger": linger,
        "slots": [asdict(slot(c)) for c in cases],
    }
    outputs: dict[str, str] = {}
    paths = work / f"v2plan-{cases[0].index}.json", work / f"v2out-{cases[0].index}.json"
    during = functools.partial(_charon_side, topo, charon, cases, outputs)
    return run_peer(topo, "tests.ikev2.udp_peer", plan, paths, during), outputs


def _charon_side(
    topo: netns.Topology, charon: Charon, cases: list[V2Case], outputs: dict[str, str]
) -> None:
    """While the vpnteach peer runs: charon initiates, pings, rekeys and deletes."""
    for case in cases:
        if not case.vpnteach_initiates:
            try:
                outputs[case.name] = charon.initiate("lan-lan", ike=case.name, timeout=10)
            except CharonError as exc:
                outputs[case.name] = str(exc)
    pings = [c for c in cases if c.ping]
    if pings:  # all at once, so that each one's rekey falls in the middle of its pings
        _wait_installed(charon, pings)
        both = [c for c in cases if c.rekey_ike == "both"]
        for case in both:  # vpnteach starts its own on seeing charon's (udp_peer.py)
            outputs[case.name] = outputs.get(case.name, "") + charon.swanctl(
                "--rekey", "--ike", case.name
            )
        if both:
            time.sleep(0.5)  # settled: the pings cross the surviving IKE SA's Child SA
        running = [(c, _ping(topo, c)) for c in pings]
        # vpnteach rekeys after half of its pings (udp_peer's rekey_after_packets); charon now
        time.sleep(PING_INTERVAL * max(c.ping for c in pings) / 2)
        for case in pings:
            if case.rekey == "sw":
                outputs[case.name] = outputs.get(case.name, "") + charon.swanctl(
                    "--rekey", "--child-id", _child_id(charon, case)
                )
        for case, ping in running:
            out, _ = ping.communicate(timeout=60)
            outputs[case.name] = outputs.get(case.name, "") + out.decode(errors="replace")
    for case in cases:
        if case.rekey == "sw" and not case.ping:
            outputs[case.name] += charon.swanctl("--rekey", "--child-id", _child_id(charon, case))
        if case.rekey_ike == "sw":
            outputs[case.name] += charon.swanctl("--rekey", "--ike", case.name)
    if any(c.dpd for c in cases):
        time.sleep(DPD_WAIT)  # charon's liveness checks (dpd_delay = 1s) come and go
    for case in cases:
        if case.dpd:
            outputs[case.name] += charon.swanctl("--terminate", "--ike", case.name)


def _wait_installed(charon: Charon, cases: list[V2Case]) -> None:
    """Until charon lists every case's Child SA INSTALLED (so that no ping precedes its
    tunnel), then a moment for the vpnteach side, which installs on the same message."""
    deadline = time.monotonic() + INSTALL_TIMEOUT
    while time.monotonic() < deadline:
        sas = charon.list_sas(raw=True)
        waiting = [c for c in cases if f"list-sa event {{{c.name} " not in sas]
        waiting += [c for c in cases if c not in waiting and not _installed(sas, c)]
        if not waiting:
            break
        time.sleep(0.1)
    time.sleep(0.2)


def _installed(sas: str, case: V2Case) -> bool:
    return "state=INSTALLED" in raw_sa_block(sas, case)


def _ping(topo: netns.Topology, case: V2Case) -> subprocess.Popen[bytes]:
    """``ping`` from vpnteach's LAN address to strongSwan's, through the tunnel (started).

    ``-w`` with ``-c``: ping waits for all ``-c`` replies until that deadline (without it, it
    stops two round trips after its last request, and a late reply counts as a loss)."""
    src = str(ipaddress.IPv4Network(case.vpnteach_lan).network_address + 1)
    dst = str(ipaddress.IPv4Network(case.strongswan_lan).network_address + 1)
    deadline = str(int(PING_INTERVAL * case.ping) + 10)
    argv = ["ping", "-c", str(case.ping), "-i", str(PING_INTERVAL), "-W", "2", "-w", deadline]
    argv += ["-I", src, dst]
    return netns.popen(topo.left.ns, argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _child_id(charon: Charon, case: V2Case) -> str:
    """The unique id of ``case``'s Child SA in ``swanctl --list-sas --raw``."""
    block = raw_sa_block(charon.list_sas(raw=True), case)
    match = re.search(r"child-sas \{\S+ \{name=\S+ uniqueid=(\d+)", block)
    assert match, block
    return match.group(1)


def run_both(
    topo: netns.Topology, work: Path, when: float, charon: Charon, cases: list[V2Case]
) -> dict[str, V2Result]:
    """vpnteach initiating its cases, then charon initiating the others; with list-sas."""
    ours = [c for c in cases if c.vpnteach_initiates]
    theirs = [c for c in cases if not c.vpnteach_initiates]
    found, outputs = run_direction(topo, work, when, ours, charon)
    more, outputs2 = run_direction(topo, work, when, theirs, charon)
    time.sleep(0.2)
    sas = charon.list_sas(raw=True)
    log = charon.log.read_text(errors="replace")
    results = {}
    for case in cases:
        text = case_log(log, case)
        results[case.name] = V2Result(
            case,
            {**found, **more}[case.name],
            text,
            charonlog.parse(text),
            sas,
            {**outputs, **outputs2}.get(case.name, ""),
        )
    return results
