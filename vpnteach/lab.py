"""The lab: the seed scenario (and variants) in one Python process, configured as IOS is.

>>> lab = Lab.seed()                                           # doctest: +SKIP
>>> print(lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1"))   # doctest: +SKIP
>>> print(lab.branch1.exec("show crypto ipsec sa"))           # doctest: +SKIP

A :class:`Lab` is a :class:`~vpnteach.net.sim.Network` with lab routers
(:class:`~vpnteach.labs.router.LabRouter`: an IOS configuration, a PKI, an IPsec
:class:`~vpnteach.gateway.Gateway`, a console), plain hosts, and optionally a CA host that
answers SCEP over the network. Everything runs on the simulated clock; with a ``seed`` every
random value (keys, cookies, nonces, SPIs, IVs) comes from one :class:`SeededRng`, so the same
seed and the same commands give the same bytes and the same transcript.

:meth:`Lab.seed` builds the tutorial's topology and timeline (:mod:`vpnteach.labs.seed`);
:meth:`Lab.hub` a hub with N spokes (:mod:`vpnteach.labs.hub`). :meth:`export_pcap` writes a
capture with the two Wireshark key tables of the run.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import OsRng, Rng, SeededRng
from vpnteach.gateway import Ikev2Gateway
from vpnteach.gateway.wireshark import esp_sa_key
from vpnteach.ikev2.wireshark import write_decryption_table
from vpnteach.ios import RouterConfig, parse_config
from vpnteach.labs.router import LabRouter
from vpnteach.labs.scep_udp import CaService
from vpnteach.net.sim import (
    Capture,
    EspKey,
    Host,
    IkeKey,
    Link,
    Network,
    write_wireshark_keys,
)
from vpnteach.net.sim.clock import SEED_START
from vpnteach.pki.ca import AEST, CaServer
from vpnteach.trace import NULL_TRACE, Trace


class LabError(ValueError):
    """A lab was asked for a router, host or link it does not have, or built wrongly."""


class Lab(HtmlRepr):
    """A simulated network of IOS routers, hosts and a CA (see the module docstring).

    Args:
        seed: the seed of every random value (``None``: the OS random source).
        start: the simulated clock's start (aware datetime).
        timezone: the routers' clock zone (``debug`` and ``show`` timestamps).
        trace: record IKE facts (derived keys with their formulas) for each router.
    """

    def __init__(
        self,
        seed: int | str | None = 2010,
        *,
        start: dt.datetime = SEED_START,
        timezone: dt.tzinfo = AEST,
        trace: bool = True,
    ) -> None:
        self.seed_value = seed
        self.recipe: Callable[[], Lab] | None = None
        self.rng: Rng = SeededRng(seed) if seed is not None else OsRng()
        net_rng = self.rng.fork("network") if isinstance(self.rng, SeededRng) else self.rng
        self.network = Network(net_rng, start=start)
        self.timezone = timezone
        self.tracing = trace
        self.routers: dict[str, LabRouter] = {}
        self.hosts: dict[str, Host] = {}
        self.ca: CaServer | None = None
        self.ca_service: CaService | None = None
        self.captures: dict[str, Capture] = {}
        self._epoch0 = start.timestamp()

    def __repr__(self) -> str:
        return (
            f"Lab(seed={self.seed_value!r}, {self.now:%b %-d %Y %H:%M:%S}, "
            f"routers={list(self.routers)}, hosts={list(self.hosts)})"
        )

    # ------------------------------------------------------------------ building

    @classmethod
    def seed(
        cls,
        seed: int | str | None = 2010,
        *,
        profile: str = "seed",
        pfs: int | None = None,
        auth: str = "rsa-sig",
        trace: bool = True,
        ike: int = 1,
        form: str = "crypto-map",
    ) -> Lab:
        """The seed tutorial's lab, enrolled, with the clock at ``Jun 6 10:21:50.071``.

        Args:
            seed: random seed (same seed, same run).
            profile: ``"seed"`` (3DES/MD5/group 1/RSA 1024), ``"modern"`` (AES-256,
                SHA-256, group 14, RSA 2048) or ``"modern-gcm"`` (the same with ESP in
                AES-GCM, ``esp-gcm 256``, RFC 4106).
            pfs: a DH group for ``set pfs`` on both crypto maps (``None``: no PFS).
            auth: ``"rsa-sig"`` (certificates), ``"pre-share"`` (``crypto isakmp key``) or
                ``"rsa-encr"`` (each router's ``show crypto key mypubkey rsa`` pasted into the
                other's ``crypto key pubkey-chain rsa``).
            ike: ``1`` (the seed's ISAKMP) or ``2``: the same tunnel negotiated with IKEv2
                (RFC 7296), configured as Cisco's FlexVPN site-to-site example (``crypto ikev2
                proposal/policy/profile``, ``set ikev2-profile`` on the crypto map; see
                :data:`vpnteach.labs.seed.IKEV2_COMMANDS`).
            form: with ``ike=2``, ``"crypto-map"`` or ``"vti"``: a static virtual tunnel
                interface (``interface Tunnel0`` with ``tunnel protection ipsec profile``
                and a route into it; :data:`vpnteach.labs.seed.VTI_COMMANDS`).

        The lab's ``recipe`` rebuilds it: ``Stepper.for_lab(lab)`` steps through a fresh copy.
        A lab with a named fault: ``vpnteach.troubleshoot.broken_lab(fault, ...)``.
        """
        from vpnteach.labs.seed import build_seed_lab

        lab = build_seed_lab(
            cls, seed, profile=profile, pfs=pfs, auth=auth, trace=trace, ike=ike, form=form
        )
        lab.recipe = functools.partial(
            cls.seed, seed, profile=profile, pfs=pfs, auth=auth, trace=trace, ike=ike, form=form
        )
        return lab

    @classmethod
    def hub(cls, spokes: int, seed: int | str | None = 2010, *, trace: bool = False) -> Lab:
        """A hub router with ``spokes`` spoke routers (pre-shared keys, one map entry each)."""
        from vpnteach.labs.hub import build_hub_lab

        return build_hub_lab(cls, spokes, seed, trace=trace)

    def add_router(self, config: str | RouterConfig, source: str = "<config>") -> LabRouter:
        """A router configured by IOS text (or a parsed config); keys are generated now."""
        parsed = parse_config(config, source) if isinstance(config, str) else config
        if parsed.hostname in self.routers or parsed.hostname in self.hosts:
            raise LabError(f"the lab already has a node called {parsed.hostname}")
        router_rng = (
            self.rng.fork(f"router/{parsed.hostname}")
            if isinstance(self.rng, SeededRng)
            else self.rng
        )
        router = LabRouter(self, parsed, router_rng, self.timezone)
        self.routers[router.name] = router
        return router

    def add_host(self, name: str, address: str, gateway: str | None = None) -> Host:
        """A host with one interface ``eth0`` (``address`` as ``"192.168.11.10/24"``)."""
        host = self.network.add_host(name, address, gateway)
        self.hosts[name] = host
        return host

    def add_ca(self, ca: CaServer, name: str, address: str, gateway: str) -> Host:
        """The CA's host, answering SCEP on UDP port 80 (:mod:`vpnteach.labs.scep_udp`)."""
        host = self.add_host(name, address, gateway)
        self.ca = ca
        self.ca_service = CaService(ca, host, self.network.scheduler)
        return host

    def connect(self, a: str, b: str, name: str, *, delay: float = 0.001) -> Link:
        """Join ``"Branch1 Serial1/0"`` and ``"ISP Serial1/0"`` with a link called ``name``."""
        ends = []
        for text in (a, b):
            node_name, _, iface = text.partition(" ")
            ends.append(self.network.node(node_name).interface(iface or "eth0"))
        return self.network.connect(ends[0], ends[1], name, delay=delay)

    def ping(self, node: str, dst: str, *, count: int = 5, source: str | None = None) -> str:
        """An IOS-style ping from any node (``"PC1"`` or a router), run on the network."""
        from vpnteach.labs.exec import ping_text

        return ping_text(self, self.network.node(node), dst, count=count, source=source)

    def ike_trace(self, name: str) -> Trace:
        """Where a router's IKE facts go (a fresh trace, or nowhere when tracing is off)."""
        return Trace(name) if self.tracing else NULL_TRACE

    # ------------------------------------------------------------------ access

    def router(self, name: str) -> LabRouter:
        """The router called ``name``."""
        if name not in self.routers:
            raise LabError(f"no router {name!r} (routers: {sorted(self.routers)})")
        return self.routers[name]

    def host(self, name: str) -> Host:
        """The host called ``name``."""
        if name not in self.hosts:
            raise LabError(f"no host {name!r} (hosts: {sorted(self.hosts)})")
        return self.hosts[name]

    @property
    def branch1(self) -> LabRouter:
        """``Branch1`` of the seed lab."""
        return self.router("Branch1")

    @property
    def branch2(self) -> LabRouter:
        """``Branch2`` of the seed lab."""
        return self.router("Branch2")

    # ------------------------------------------------------------------ time

    def epoch(self, t: float) -> float:
        """The Unix time of simulated time ``t`` (what the gateways get as ``now``)."""
        return self._epoch0 + t

    @property
    def now(self) -> dt.datetime:
        """The simulated wall-clock time."""
        return self.network.clock.datetime

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (timers, retransmissions, lifetimes)."""
        self.run_for(seconds)
        self.flush_consoles()

    def run_for(self, seconds: float) -> None:
        """Run every event in the next ``seconds`` and move the clock there."""
        self.network.run_until(self.network.now + seconds)

    def run_until(self, when: dt.datetime) -> None:
        """Run until the wall-clock time ``when`` (aware)."""
        target = (when - self.network.clock.start).total_seconds()
        self.network.run_until(max(self.network.now, target))

    def run_while(self, condition: Callable[[], bool], timeout: float) -> None:
        """Step the network while ``condition()`` holds, for at most ``timeout`` seconds."""
        deadline = self.network.now + timeout
        while condition():
            nxt = self.network.scheduler.peek()
            if nxt is None or nxt.time > deadline:
                return
            self.network.step()

    def flush_consoles(self, except_for: LabRouter | None = None) -> None:
        """Move pending ``debug`` lines to each router's console buffer."""
        for router in self.routers.values():
            if router is not except_for:
                router.console_buffer += [text for _, text in router.debug_lines()]

    # ------------------------------------------------------------------ captures

    def _link_name(self, name: str) -> str:
        return "WAN1" if name == "WAN" and "WAN" not in self.network.links else name

    def capture(self, link: str = "WAN") -> Capture:
        """Start (or return) the capture of ``link`` (``"WAN"``: Branch1's WAN link)."""
        name = self._link_name(link)
        if name not in self.captures:
            self.captures[name] = self.network.link(name).capture(name)
        return self.captures[name]

    def wireshark_keys(self) -> tuple[list[IkeKey], list[EspKey]]:
        """Every ISAKMP SA's (CKY-I, Ka) and every ESP SA of the run, for Wireshark."""
        ike: dict[bytes, IkeKey] = {}
        esp: dict[tuple[str, str, int], EspKey] = {}
        for router in self.routers.values():
            if router.gateway is None:
                continue
            for cky_i, ka in router.gateway.ike_keys:
                ike.setdefault(cky_i, IkeKey(cky_i, ka))
            for sa in router.gateway.installed:
                key = esp_sa_key(sa)
                esp.setdefault((key.src, key.dst, key.spi), key)
        return list(ike.values()), list(esp.values())

    def export_pcap(self, folder: str | Path, link: str = "WAN") -> list[Path]:
        """Write ``<link>.pcap`` and the Wireshark key tables (``ikev1_decryption_table``,
        ``esp_sa``, ``preferences``, and ``ikev2_decryption_table`` after IKEv2) into
        ``folder``; return the paths.

        Open it with ``WIRESHARK_CONFIG_DIR=<folder> wireshark <folder>/<link>.pcap``.
        """
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        name = self._link_name(link)
        if name not in self.captures:
            raise LabError(f"no capture on {name}: call lab.capture({link!r}) before the traffic")
        pcap = self.captures[name].write_pcap(out / f"{name}.pcap")
        ike, esp = self.wireshark_keys()
        written = [pcap, *write_wireshark_keys(out, ike, esp)]
        ikev2 = self.ikev2_decryption_lines()
        return written + ([write_decryption_table(out, ikev2)] if ikev2 else [])

    def ikev2_decryption_lines(self) -> list[str]:
        """Wireshark's ``ikev2_decryption_table`` records of every IKEv2 SA of the run."""
        lines: dict[str, None] = {}
        for router in self.routers.values():
            if isinstance(router.gateway, Ikev2Gateway):
                lines.update(dict.fromkeys(router.gateway.ikev2_keys))
        return list(lines)
