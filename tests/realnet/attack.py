"""A third namespace, the attacker's, wired to one router's namespace (for the soak tests).

::

    attacker 10.66.0.2/30 --veth-- 10.66.0.1/30 router namespace
    default via 10.66.0.1          route 10.66.128.0/17 via 10.66.0.2

The attacker sends with forged sources (:mod:`tests.realnet.flood`): from the spoofed network,
whose answers the router's namespace routes back to the attacker (one neighbour entry, not one
per forged address), and from the peer's own WAN address (``rp_filter`` is off, as the
:class:`~vpnteach.net.netns.Topology` sets it). The namespace is deleted on exit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vpnteach.net import netns

ROOT = Path(__file__).resolve().parents[2]
SPOOFED = "10.66.128.0/17"


@dataclass
class Attacker:
    """The attacker's namespace, next to ``victim_ns`` (see the module docstring)."""

    victim_ns: str
    ns: str = field(default_factory=lambda: netns.unique_name("at"))
    dev: str = field(default_factory=lambda: netns.unique_name("atw"))
    victim_dev: str = field(default_factory=lambda: netns.unique_name("atv"))

    def __enter__(self) -> Attacker:
        netns.delete_namespace(self.ns)
        netns.create_namespace(self.ns)
        try:
            netns.add_veth(self.ns, self.dev, self.victim_ns, self.victim_dev)
            netns.set_sysctl(self.victim_ns, f"net.ipv4.conf.{self.victim_dev}.rp_filter", "0")
            netns.add_address(self.ns, self.dev, "10.66.0.2/30")
            netns.add_address(self.victim_ns, self.victim_dev, "10.66.0.1/30")
            netns.add_route(self.victim_ns, SPOOFED, via="10.66.0.2")
            netns.add_route(self.ns, "default", via="10.66.0.1")
        except BaseException:
            netns.delete_namespace(self.ns)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        netns.delete_namespace(self.ns)

    def flood(self, target: str, peer: str, **counts: object) -> subprocess.Popen[bytes]:
        """Start :mod:`tests.realnet.flood` (``garbage=``, ``mm1=``, ``mm1_template=``,
        ``esp=``, ``rate=``); the caller waits for it (its stdout has the totals)."""
        argv = [sys.executable, "-m", "tests.realnet.flood", "--target", target, "--peer", peer,
                "--spoof", SPOOFED]  # fmt: skip
        for name, value in counts.items():
            argv += [f"--{name.replace('_', '-')}", str(value)]
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        return netns.popen(self.ns, argv, stdout=subprocess.PIPE, env=env)


def rss_kb(pid: int) -> int:
    """``VmRSS`` of process ``pid``, in kB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert found is not None, status
    return int(found.group(1))


def udp_receive_buffer_errors(ns: str) -> int:
    """``RcvbufErrors`` of ``/proc/net/snmp`` in ``ns``: datagrams the kernel dropped because a
    socket's receive buffer was full (the router was busy), which never reached the router."""
    lines = [line.split() for line in netns.run(ns, ["cat", "/proc/net/snmp"]).stdout.splitlines()]
    names, values = [line for line in lines if line[0] == "Udp:"][:2]
    return int(values[names.index("RcvbufErrors")])
