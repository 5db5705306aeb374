"""Real-network harness: router processes, strongSwan peers and captures in namespaces.

Everything a test starts is stopped by PID when the test ends; the namespaces come from
:class:`vpnteach.net.netns.Topology` (deleted on exit). The router runs as
``ip netns exec NS python -m vpnteach.router run ...`` (the ``vpnteach router run`` command).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.interop.strongswan import Charon, CharonError, Connection, load_plugins
from tests.processes import terminate
from vpnteach.labs.seed import PRE_SHARED_KEY, PROFILES, ikev2_commands
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.net import netns
from vpnteach.router.control import ask

ROOT = Path(__file__).resolve().parents[2]
LAN1, LAN2 = "192.168.11.1", "192.168.22.1"
"""Branch1's and Branch2's LAN addresses (the seed's): the ends of every ping through the tunnel."""


def write_configs(work: Path, name: str, profile: str = "seed", extra: str = "") -> list[Path]:
    """The seed config of ``name`` and, for another profile or ``extra`` commands, a second
    file applied on top of it (``vpnteach router run --config A --config B``)."""
    base = work / f"{name.lower()}.cfg"
    base.write_text(SEED_CONFIGS[name])
    more = PROFILES[profile] + extra
    if not more:
        return [base]
    variant = work / f"{name.lower()}-{profile}.cfg"
    variant.write_text(more)
    return [base, variant]


@dataclass
class Router:
    """One ``vpnteach router run`` process in namespace ``ns``."""

    ns: str
    configs: list[Path]
    pki: Path
    workdir: Path
    name: str = "router"
    initiate: bool = False
    debug: tuple[str, ...] = ()
    force_udp_encap: bool = False
    extra: tuple[str, ...] = ()  # more ``router run`` arguments
    allow_weak: bool = True  # the seed's suites and the tests' RSA-1024 keys are weak
    proc: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / f"{self.name}.log"

    @property
    def control(self) -> Path:
        return self.workdir / f"{self.name}.ctl"

    @property
    def keys(self) -> Path:
        return self.workdir / f"{self.name}-keys"

    def start(self, timeout: float = 15.0) -> None:
        """Start the router; wait until it says ``ready``."""
        argv = [sys.executable, "-m", "vpnteach.router", "run", "--pki", str(self.pki),
                "--control", str(self.control), "--keys", str(self.keys)]  # fmt: skip
        for path in self.configs:
            argv += ["--config", str(path)]
        argv += ["--initiate"] if self.initiate else []
        argv += ["--force-udp-encap"] if self.force_udp_encap else []
        for kind in self.debug:
            argv += ["--debug", kind]
        argv += ["--allow-weak"] if self.allow_weak else []
        argv += self.extra
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        with open(self.log, "wb") as err:
            self.proc = netns.popen(self.ns, argv, stdout=subprocess.PIPE, stderr=err, env=env)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        if line.strip() != b"ready" or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    def ask(self, command: str) -> str:
        """One exec command on the control socket."""
        return ask(self.control, command)

    def counter(self, name: str) -> int:
        """One line of ``show router counters`` (``name: value``); 0 while it is not listed."""
        return self.router_counters().get(name, 0)

    def router_counters(self) -> dict[str, int]:
        """Every ``name: value`` line of ``show router counters``."""
        text = self.ask("show router counters")
        return {k: int(v) for k, v in re.findall(r"^(.+): (\d+)$", text, re.M)}

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM by PID (clean shutdown), SIGKILL after ``timeout``; the exit status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            terminate(proc, timeout)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def wait_for_sa(self, timeout: float = 15.0) -> str:
        """Poll ``show crypto ipsec sa`` until an inbound ESP SA is listed; return the text."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.ask("show crypto ipsec sa")
            if has_ipsec_sa(text):
                return text
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no IPsec SA after {timeout}s:\n{text}"
                                   f"\n{self.log.read_text()[-3000:]}")  # fmt: skip
            time.sleep(0.1)

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def has_ipsec_sa(show: str) -> bool:
    """Whether ``show crypto ipsec sa`` lists an inbound ESP SA."""
    return re.search(r"inbound esp sas:\n\s+spi: 0x", show) is not None


def bring_up(router: Router, charon: Charon, vpnteach_initiates: bool = True) -> str:
    """Start ``router``; unless it initiates (its ``initiate``), charon initiates; wait for the
    first IPsec SA and return that ``show crypto ipsec sa``. No SA in time fails the test with
    the tail of charon's log, where the reason usually is."""
    router.start()
    if not vpnteach_initiates:
        charon.initiate("lan-lan", "vpn")
    try:
        return router.wait_for_sa()
    except TimeoutError as exc:
        raise AssertionError(f"{exc}\ncharon:\n{charon.log.read_text()[-4000:]}") from None


def ping_both_ways(
    topo: netns.Topology, count: int
) -> tuple[tuple[int, int, str], tuple[int, int, str]]:
    """``count`` pings LAN1 -> LAN2 from Branch1's side, then LAN2 -> LAN1 from Branch2's."""
    there = ping(topo.left.ns, LAN1, LAN2, count=count)
    return there, ping(topo.right.ns, LAN2, LAN1, count=count)


def counters(show: str) -> dict[str, int]:
    """``#pkts encaps: 5, #pkts encrypt: 5, ...`` of ``show crypto ipsec sa``, summed over flows."""
    found: dict[str, int] = {}
    for name, value in re.findall(r"#pkts ([a-z ()]+?):\s*(\d+)", show):
        found[name] = found.get(name, 0) + int(value)
    return found


def ping(ns: str, src: str, dst: str, count: int = 5, interval: float = 0.2,
         wait: float = 2.0) -> tuple[int, int, str]:  # fmt: skip
    """Linux ``ping -c count -I src dst`` in ``ns``: (transmitted, received, output)."""
    argv = ["ping", "-n", "-c", str(count), "-i", str(interval), "-W", str(wait), "-I", src, dst]
    out = netns.run(ns, argv, check=False, timeout=count * interval + wait + 10).stdout
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m is not None, out
    return int(m.group(1)), int(m.group(2)), out


@dataclass
class Capture:
    """``dumpcap`` on one interface of a namespace, writing a classic pcap file."""

    ns: str
    interface: str
    path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        argv = ["dumpcap", "-q", "-P", "-i", self.interface, "-w", str(self.path)]
        self.proc = netns.popen(self.ns, argv, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not (self.path.exists() and self.path.stat().st_size >= 24):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dumpcap on {self.ns}/{self.interface} did not start")
            time.sleep(0.05)
        time.sleep(0.2)  # the file header comes before the capture is armed

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            time.sleep(0.3)  # let the last packets be written
            terminate(proc, 10)

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wan_kind(protocols: str) -> str:
    """What a WAN frame carries, from tshark's ``frame.protocols``: ``isakmp``, ``esp``
    (protocol 50), ``esp-in-udp`` (RFC 3948), ``arp`` (the veth's own), else the protocols."""
    layers = protocols.split(":")
    if "isakmp" in layers:
        return "isakmp"
    if "esp" in layers:
        return "esp-in-udp" if "udp" in layers[: layers.index("esp")] else "esp"
    return "arp" if "arp" in layers else protocols


#: profile -> (strongSwan IKE proposal, ESP proposal), the same suites as the lab's profiles
SWAN_PROPOSALS = {
    "seed": ("3des-md5-modp768", "3des-md5"),
    "modern": ("aes256-sha256-modp2048", "aes256-sha256"),
    "modern-gcm": ("aes256-sha256-modp2048", "aes256gcm16"),  # ESP in AES-GCM, RFC 4106
}


#: hostname -> (WAN address, LAN) as in the seed
SITES = {"Branch1": ("10.1.1.1", "192.168.11.0/24"), "Branch2": ("10.2.2.1", "192.168.22.0/24")}


def start_strongswan(
    ns: str, work: Path, pki: Path, *, profile: str = "seed", child_rekey: str = "0",
    child_life: str = "3600s", me: str = "Branch2", extra: dict[str, str] | None = None,
    version: int = 1, psk: str | None = None, ts: tuple[str, str] | None = None,
) -> Charon:  # fmt: skip
    """charon as ``me`` (Branch2: 10.2.2.1, LAN 192.168.22.0/24) with that router's certificate
    from ``pki``; the peer is the other branch. Its LAN address must be on ``lo`` (the
    Topology puts it there): kernel-libipsec routes from it into ``ipsec0``. ``version=2``:
    IKEv2; ``psk``: pre-shared key authentication with the WAN addresses as identities;
    ``ts``: (local_ts, remote_ts) instead of the two LANs (a VTI's ``0.0.0.0/0`` both ways)."""
    ike, esp = SWAN_PROPOSALS[profile]
    peer = "Branch1" if me == "Branch2" else "Branch2"
    (addr, lan), (peer_addr, peer_lan) = SITES[me], SITES[peer]
    ids = (addr, peer_addr) if psk else (f"{me}.amit.com", f"{peer}.amit.com")
    lan, peer_lan = ts or (lan, peer_lan)
    conn = Connection(
        name="vpn", local_addr=addr, remote_addr=peer_addr,
        local_id=ids[0], remote_id=ids[1], local_ts=lan, remote_ts=peer_lan,
        cert=f"{me.lower()}.cert.pem", cacert="ca.cert.pem", proposals=ike, esp_proposals=esp,
        child_rekey_time=child_rekey, child_life_time=child_life, extra=dict(extra or {}),
        version=version, auth="psk" if psk else "pubkey", psk=psk,
    )  # fmt: skip
    charon = Charon(ns, work / me.lower(), name=me, loglevels={"ike": 1, "chd": 1, "knl": 1})
    charon.write_config([conn])
    if version == 2:
        load_plugins(charon, ("kdf",))  # IKEv2's prf+ (strongSwan 5.9.8)
    if child_rekey != "0":  # rekey exactly at rekey_time: no random jitter
        path = charon.swanctl_dir / "swanctl.conf"
        path.write_text(path.read_text().replace(
            f"rekey_time = {child_rekey}\n", f"rekey_time = {child_rekey}\n        rand_time = 0s\n"
        ))  # fmt: skip
    charon.add_credential("x509ca", pki / "ca.cert.pem")
    charon.add_credential("x509", pki / f"{me.lower()}.cert.pem")
    charon.add_credential("private", pki / f"{me.lower()}.key.pem")
    charon.start()
    for attempt in range(20):  # the socket file exists a moment before charon listens on it
        try:
            charon.load_all()
            break
        except CharonError:
            if attempt == 19:
                charon.stop()
                raise
            time.sleep(0.05)
    return charon


def flexvpn(auth: str) -> str:
    """Branch1's FlexVPN lines: the lab's (pre-shared key, addresses as identities), or with
    certificates the FQDN identities charon's certificates carry (RFC 7296 §3.5, ID_FQDN)."""
    if auth == "psk":
        text = ikev2_commands("Branch1", "pre-share")
    else:
        text = ikev2_commands("Branch1", "rsa-sig")
        text = text.replace(" match identity remote address 10.2.2.1 255.255.255.255",
                            " match identity remote fqdn Branch2.amit.com")  # fmt: skip
        text = text.replace(
            " identity local address 10.1.1.1", " identity local fqdn Branch1.amit.com"
        )
    return text + "crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac\n"


def ikev2_peers(
    topo: netns.Topology, work: Path, pki: Path, config: str, *, psk: bool = True,
    initiate: bool = True, debug: tuple[str, ...] = (), ts: tuple[str, str] | None = None,
) -> tuple[Router, Charon]:  # fmt: skip
    """Branch1 as ``vpnteach router run`` (the seed config, the modern profile and ``config``,
    e.g. :func:`flexvpn`), not started yet, and charon as Branch2 speaking IKEv2 (pre-shared
    key, or certificates with ``psk=False``; ``ts`` as in :func:`start_strongswan`), started."""
    configs = write_configs(work, "Branch1", "modern", config)
    router = Router(topo.left.ns, configs, pki, work, "branch1", initiate, debug=debug)
    charon = start_strongswan(
        topo.right.ns, work, pki, profile="modern", version=2,
        psk=PRE_SHARED_KEY if psk else None, ts=ts,
    )  # fmt: skip
    return router, charon


def swan_child_counters(charon: Charon) -> dict[str, int]:
    """packets-in/out and bytes-in/out summed over the CHILD SAs ``--list-sas --raw`` lists."""
    raw = charon.list_sas(raw=True)
    found: dict[str, int] = {}
    for key, value in re.findall(r"\b((?:packets|bytes)-(?:in|out))=(\d+)", raw):
        found[key] = found.get(key, 0) + int(value)
    return found


@dataclass
class PingRun:
    """What a ping through vpnteach (Branch1) and charon (Branch2) left."""

    sent: int
    received: int
    ping_out: str
    first_sa: str  # vpnteach's show crypto ipsec sa once the tunnel was up
    shown: dict[str, str]  # vpnteach's answers to the commands asked at the end
    listed: str  # swanctl --list-sas at the end
    log: str  # vpnteach's log
    swan: str  # charon's log


def ping_through_charon(
    work: Path, pki: Path, vpnteach_initiates: bool, tag: str, *, config: str, count: int,
    interval: float, ask: tuple[str, ...] = (), **charon: Any,
) -> PingRun:  # fmt: skip
    """Branch1 as ``vpnteach router run`` (its seed config plus ``config``) against charon as
    Branch2 (``start_strongswan(**charon)``), in namespaces tagged ``tag``; whichever side
    ``vpnteach_initiates`` says starts the tunnel; then ``count`` pings from LAN to LAN."""
    with netns.Topology(left_tag=f"{tag}1", right_tag=f"{tag}2") as topo:
        configs = write_configs(work, "Branch1", extra=config)
        b1 = Router(topo.left.ns, configs, pki, work, "branch1", vpnteach_initiates)
        swan = start_strongswan(topo.right.ns, work, pki, **charon)
        with swan, b1:
            first = bring_up(b1, swan, vpnteach_initiates)
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=count, interval=interval)
            shown = {command: b1.ask(command) for command in ask}
            listed = swan.list_sas()
            assert b1.stop() == 0
        return PingRun(
            sent, received, out, first, shown, listed, b1.log.read_text(), swan.log.read_text()
        )
