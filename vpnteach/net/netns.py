"""Linux network namespaces as a two-router lab topology (needs root and iproute2).

The seed scenario has two branch routers joined by a WAN link, each with a LAN behind it.
On a Linux box this becomes two network namespaces joined by a veth pair:

    ns b1: lo 127.0.0.1, 192.168.11.1/32      ns b2: lo 127.0.0.1, 192.168.22.1/32
           wan 10.1.1.1/24  <---- veth ---->         wan 10.2.2.1/24
           10.2.2.1/32 dev wan                       10.1.1.1/32 dev wan

The LAN is a /32 on ``lo`` because some kernels have no ``dummy`` link type. Both WAN
addresses sit on different /24s as in the seed, so each side gets a /32 route to the other
through the veth device (on-link); ``rp_filter`` is off so the asymmetric-looking routes pass.

Everything is done by running ``ip`` (iproute2) with ``subprocess``; nothing here sends a
packet from the root namespace. ``Topology`` is a context manager that deletes every namespace
it created, also when the body raises. Names carry the process id (``vt<pid % 100000><tag>``)
so parallel test runs do not collide.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO

__all__ = [
    "NetnsError",
    "Topology",
    "add_address",
    "add_route",
    "add_veth",
    "create_namespace",
    "delete_namespace",
    "learner_topology",
    "list_namespaces",
    "popen",
    "remove_learner_topology",
    "run",
    "set_sysctl",
    "unique_name",
]

IP = "ip"


class NetnsError(RuntimeError):
    """An ``ip`` command failed; the message names the command and its stderr."""


def unique_name(tag: str) -> str:
    """Return a namespace/interface name unique to this process, e.g. ``vt12345b1``.

    Interface names are limited to 15 characters, so keep ``tag`` short (<= 6).
    """
    name = f"vt{os.getpid() % 100000}{tag}"
    if len(name) > 15:
        raise ValueError(f"name {name!r} is longer than the 15 characters Linux allows")
    return name


def _ip(*args: str) -> str:
    """Run ``ip <args>`` in the root namespace; raise ``NetnsError`` on failure."""
    proc = subprocess.run([IP, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise NetnsError(f"`ip {' '.join(args)}` failed: {proc.stderr.strip()}")
    return proc.stdout


def _netns_argv(ns: str, argv: Sequence[str]) -> list[str]:
    return [IP, "netns", "exec", ns, *argv]


def run(
    ns: str, argv: Sequence[str], *, check: bool = True, timeout: float | None = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside namespace ``ns`` and wait; stdout/stderr are captured as text.

    Raises ``NetnsError`` if ``check`` and the command exits non-zero.
    """
    proc = subprocess.run(
        _netns_argv(ns, argv), capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise NetnsError(
            f"`{' '.join(argv)}` in netns {ns} exited {proc.returncode}: {proc.stderr.strip()}"
        )
    return proc


def popen(
    ns: str,
    argv: Sequence[str],
    *,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    stdout: int | IO[bytes] | None = None,
    stderr: int | IO[bytes] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` inside namespace ``ns`` without waiting; the caller must stop it."""
    return subprocess.Popen(
        _netns_argv(ns, argv), stdin=stdin, stdout=stdout, stderr=stderr, env=env
    )


def list_namespaces() -> list[str]:
    """Names of the existing network namespaces (``ip netns list``)."""
    return [line.split()[0] for line in _ip("netns", "list").splitlines() if line.strip()]


def create_namespace(ns: str) -> None:
    """Create namespace ``ns`` and bring its ``lo`` up."""
    _ip("netns", "add", ns)
    run(ns, [IP, "link", "set", "lo", "up"])


def delete_namespace(ns: str) -> None:
    """Delete namespace ``ns`` (its veth ends go with it); missing namespaces are ignored."""
    if ns in list_namespaces():
        _ip("netns", "delete", ns)


def set_sysctl(ns: str, key: str, value: str) -> None:
    """Set ``key`` (dotted, e.g. ``net.ipv4.ip_forward``) to ``value`` inside ``ns``."""
    path = "/proc/sys/" + key.replace(".", "/")
    run(ns, ["sh", "-c", 'echo "$1" > "$2"', "sh", value, path])


def add_veth(ns_a: str, name_a: str, ns_b: str, name_b: str) -> None:
    """Create a veth pair, end ``name_a`` in ``ns_a`` and ``name_b`` in ``ns_b``, both up."""
    _ip("link", "add", name_a, "netns", ns_a, "type", "veth", "peer", "name", name_b, "netns", ns_b)
    run(ns_a, [IP, "link", "set", name_a, "up"])
    run(ns_b, [IP, "link", "set", name_b, "up"])


def add_address(ns: str, dev: str, cidr: str) -> None:
    """Add address ``cidr`` (e.g. ``10.1.1.1/24``) to ``dev`` in ``ns``."""
    run(ns, [IP, "addr", "add", cidr, "dev", dev])


def add_route(
    ns: str, prefix: str, *, dev: str | None = None, via: str | None = None, src: str | None = None
) -> None:
    """Add a route to ``prefix`` in ``ns`` through ``dev`` and/or gateway ``via``."""
    argv = [IP, "route", "add", prefix]
    if via is not None:
        argv += ["via", via]
    if dev is not None:
        argv += ["dev", dev]
    if src is not None:
        argv += ["src", src]
    run(ns, argv)


def _harden(ns: str, devs: Sequence[str]) -> None:
    """IPv6 off, rp_filter 0, forwarding on: keeps captures small and routes predictable."""
    for dev in ("all", "default", *devs):
        set_sysctl(ns, f"net.ipv6.conf.{dev}.disable_ipv6", "1")
        set_sysctl(ns, f"net.ipv4.conf.{dev}.rp_filter", "0")
    set_sysctl(ns, "net.ipv4.ip_forward", "1")


@dataclass
class Site:
    """One side of the topology: namespace, WAN device and addresses."""

    ns: str
    wan_dev: str
    wan_cidr: str
    lan_cidr: str

    @property
    def wan_ip(self) -> str:
        return self.wan_cidr.split("/")[0]

    @property
    def lan_ip(self) -> str:
        return self.lan_cidr.split("/")[0]


@dataclass
class Topology:
    """Two namespaces joined by a veth "WAN"; LAN addresses as /32 on ``lo``.

    Use as a context manager; the namespaces are deleted on exit, even after an exception::

        with Topology() as topo:
            run(topo.left.ns, ["ping", "-c1", topo.right.wan_ip])
    """

    left_wan: str = "10.1.1.1/24"
    right_wan: str = "10.2.2.1/24"
    left_lan: str = "192.168.11.1/32"
    right_lan: str = "192.168.22.1/32"
    left_tag: str = "b1"
    right_tag: str = "b2"
    created: list[str] = field(default_factory=list)
    # Fixed namespace names (e.g. "branch1"), for a topology a learner keeps between commands;
    # the WAN devices are then "<tag>-wan". Default: names unique to this process.
    left_name: str | None = None
    right_name: str | None = None

    def __post_init__(self) -> None:
        self.left = Site(
            self.left_name or unique_name(self.left_tag),
            f"{self.left_tag}-wan" if self.left_name else unique_name(self.left_tag + "w"),
            self.left_wan,
            self.left_lan,
        )
        self.right = Site(
            self.right_name or unique_name(self.right_tag),
            f"{self.right_tag}-wan" if self.right_name else unique_name(self.right_tag + "w"),
            self.right_wan,
            self.right_lan,
        )

    def __enter__(self) -> Topology:
        try:
            self.build()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.destroy()

    def build(self) -> None:
        """Create namespaces, the veth pair, addresses, routes and sysctls."""
        for site in (self.left, self.right):
            delete_namespace(site.ns)  # a leftover from a crashed run with the same pid
            create_namespace(site.ns)
            self.created.append(site.ns)
        add_veth(self.left.ns, self.left.wan_dev, self.right.ns, self.right.wan_dev)
        for site, other in ((self.left, self.right), (self.right, self.left)):
            _harden(site.ns, [site.wan_dev, "lo"])
            add_address(site.ns, site.wan_dev, site.wan_cidr)
            add_address(site.ns, "lo", site.lan_cidr)
            add_route(site.ns, f"{other.wan_ip}/32", dev=site.wan_dev, src=site.wan_ip)

    def destroy(self) -> None:
        """Delete every namespace this topology created (idempotent)."""
        errors: list[str] = []
        while self.created:
            ns = self.created.pop()
            try:
                delete_namespace(ns)
            except NetnsError as err:
                errors.append(str(err))
        if errors:
            raise NetnsError("; ".join(errors))


LEARNER_NAMESPACES = ("branch1", "branch2")


def learner_topology() -> Topology:
    """The seed's topology under fixed names: namespaces ``branch1`` / ``branch2``, WAN veth
    ends ``b1-wan`` (10.1.1.1/24) / ``b2-wan`` (10.2.2.1/24), LAN addresses on ``lo``.

    Not a context manager use: ``learner_topology().build()`` leaves it in place for a learner's
    shell (``ip netns exec branch1 ...``); :func:`remove_learner_topology` deletes it.
    """
    return Topology(left_name=LEARNER_NAMESPACES[0], right_name=LEARNER_NAMESPACES[1])


def remove_learner_topology() -> list[str]:
    """Delete the namespaces of :func:`learner_topology` that exist; return their names."""
    gone = [ns for ns in LEARNER_NAMESPACES if ns in list_namespaces()]
    for ns in gone:
        delete_namespace(ns)
    return gone
