"""EXEC commands of a lab router: :class:`LabContext` puts a lab router behind the shared
table's :class:`~vpnteach.ios.execmode.RouterContext` (:mod:`vpnteach.ios.execmode` has the
words, the abbreviations and the texts; the router process uses the same table).

``ping`` runs the simulated network until the last echo is answered or timed out; its output
interleaves the ``debug`` lines printed meanwhile, by time, as a console does (in the seed the
first ``.`` even lands inside a log line). IOS texts: ``ping`` (Cisco IOS Configuration
Fundamentals, "Using the ping command").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from vpnteach.gateway.clear import clear_crypto
from vpnteach.gateway.session import show_crypto_session
from vpnteach.ios.errors import ExecError
from vpnteach.ios.execmode import DEBUG_NAMES, RouterContext
from vpnteach.ios.execmode import run_exec as run_table
from vpnteach.ios.exectypes import PingRequest
from vpnteach.ios.model import RouterConfig
from vpnteach.net.sim.ping import Ping
from vpnteach.pki.errors import PkiError
from vpnteach.pki.trustpoint import RouterPki

if TYPE_CHECKING:
    from vpnteach.gateway import Gateway
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter
    from vpnteach.net.sim.node import Node

MAX_PING_COUNT = 10_000
"""Echoes one simulated ``ping`` may send (each is simulated to the end)."""

__all__ = ["DEBUG_NAMES", "ExecError", "LabContext", "ping_text", "run_exec", "transcript_prompt"]


class LabContext:
    """A lab router as the EXEC table sees it (:class:`~vpnteach.ios.execmode.RouterContext`)."""

    def __init__(self, router: LabRouter) -> None:
        self.router = router

    @property
    def hostname(self) -> str:
        return self.router.name

    @property
    def config(self) -> RouterConfig:
        return self.router.config

    def require_pki(self) -> RouterPki:
        return self.router.pki

    def _gateway(self) -> Gateway:
        router = self.router
        if router.gateway is None:
            interfaces = router.config.interfaces.values()
            mapped = any(i.crypto_map or i.tunnel_protection for i in interfaces)
            if not mapped or not router.gateway_problem:
                raise ExecError(f"% {router.name} has no crypto map applied to an interface")
            problem = router.gateway_problem.removeprefix(f"{router.name}: ")
            raise ExecError(f"% {router.name} runs no IPsec: {problem}")
        return router.gateway

    def show_crypto_isakmp_sa(self) -> str:
        return self._gateway().show_crypto_isakmp_sa()

    def show_crypto_isakmp_policy(self) -> str:
        return self._gateway().show_crypto_isakmp_policy()

    def show_crypto_ipsec_sa(self, detail: bool) -> str:
        now = self.router.lab.epoch(self.router.lab.network.now)
        return self._gateway().show_crypto_ipsec_sa(now, detail=detail)

    def show_crypto_ikev2_sa(self, detail: bool) -> str:
        now = self.router.lab.epoch(self.router.lab.network.now)
        return self._gateway().show_crypto_ikev2_sa(now, detail=detail)

    def show_crypto_session(self) -> str:
        return show_crypto_session(self._gateway())

    def clock(self) -> dt.datetime:
        return self.router.clock()

    def set_clock(self, when: dt.datetime) -> None:
        self.router.set_clock(when)

    def set_debug(self, kind: str, on: bool) -> None:
        self.router.set_debug(kind, on)

    def clear_crypto(self, what: str, peer: str | None = None) -> str:
        gateway, lab = self._gateway(), self.router.lab
        now = lab.epoch(lab.network.now)
        clear_crypto(gateway, what, now, peer)
        self.router.service()
        lab.run_for(0.1)
        return "".join(line + "\n" for _, line in self.router.debug_lines())

    def ping(self, request: PingRequest) -> str:
        if request.count > MAX_PING_COUNT:
            raise ExecError(
                f"% the lab's simulated ping sends at most {MAX_PING_COUNT} echoes "
                f"(IOS takes repeat counts up to 2147483647)"
            )
        router = self.router
        source = request.source
        if source is not None and source in router.node.interfaces:
            address = router.node.interfaces[source].address
            source = str(address.ip) if address is not None else source
        return ping_text(
            router.lab, router.node, request.dst, count=request.count, size=request.size,
            timeout=request.timeout, source=source, debug=router.debug_lines,
        )  # fmt: skip

    def pki_authenticate(self, trustpoint: str) -> str:
        from vpnteach.pki.scep import CACertResponse

        router = self.router
        try:
            answer = router.scep_exchange(router.pki.get_ca_cert_request(trustpoint))
            if not isinstance(answer, CACertResponse):
                raise ExecError(f"% The CA answered GetCACert with {type(answer).__name__}")
            return router.pki.authenticate(trustpoint, answer).text + "\n"
        except PkiError as exc:
            raise ExecError(str(exc)) from None

    def pki_enroll(self, trustpoint: str) -> str:
        from vpnteach.labs.enroll import enroll

        return enroll(self.router, trustpoint)

    def counters(self) -> dict[str, int]:
        raise ExecError("% show router counters: only a vpnteach router process counts packets")

    def tunnels_up(self) -> frozenset[str]:
        return self.router.tunnels_up()


def transcript_prompt(name: str, command: str) -> str:
    """The prompt a transcript shows before ``command``: ``Branch1(config)#`` for the
    dialogues IOS holds at the configuration prompt (``crypto pki authenticate`` / ``enroll``,
    typed there in the seed; :mod:`vpnteach.ios.interactive`), ``Branch1#`` otherwise."""
    from vpnteach.ios.execmode import EXEC_TREE
    from vpnteach.ios.grammar import Mismatch
    from vpnteach.ios.interactive import AUTHENTICATE, ENROLL

    try:
        found, _ = EXEC_TREE.parse(command.split())
    except Mismatch:
        return f"{name}#"
    return f"{name}(config)#" if found.pattern in (AUTHENTICATE, ENROLL) else f"{name}#"


def run_exec(router: LabRouter, command: str) -> str:
    """Answer one privileged EXEC line on ``router`` (the shared table).

    Raises:
        ExecError: the line is refused, with IOS's message and ``^`` marker.
    """
    context: RouterContext = LabContext(router)
    return run_table(context, command)


def ping_text(
    lab: Lab,
    node: Node,
    dst: str,
    *,
    count: int = 5,
    size: int = 100,
    timeout: float = 2.0,
    source: str | None = None,
    debug: Callable[[], list[tuple[float, str]]] = list,
) -> str:
    """Run an IOS ping from ``node`` on ``lab``'s network; return what the console shows."""
    if source is not None and source not in node.interfaces and not node.owns(source):
        raise ExecError("% Invalid source address- IP address not on any of our up interfaces")
    try:
        ping = node.ping(dst, count, size, timeout, source)
    except ValueError as exc:
        raise ExecError(f"% {exc}") from None
    lab.run_while(lambda: not ping.done, count * (timeout + 1) + 1)
    lab.run_for(0.0)  # what else arrives in the same instant (a duplicate, say)
    head = [
        "Type escape sequence to abort.",
        f"Sending {count}, {size}-byte ICMP Echos to {dst}, timeout is {timeout:g} seconds:",
    ]
    if source is not None:
        head.append(f"Packet sent with a source address of {ping.src} ")
    return "\n".join(head + _ping_body(lab.epoch, ping, debug())) + "\n"


def _ping_body(
    epoch: Callable[[float], float], ping: Ping, debug: list[tuple[float, str]]
) -> list[str]:
    """The marks line and the summary, with debug lines printed meanwhile in between."""
    marks = [
        (epoch(r.reply_at if r.reply_at is not None else r.sent_at + ping.timeout), mark)
        for r, mark in zip(ping.results, ping.marks, strict=True)
    ]
    events = sorted(
        [(t, 0, text) for t, text in debug] + [(t, 1, m) for t, m in marks],
        key=lambda e: (e[0], e[1]),
    )
    lines, pending = [], ""
    for _, kind, text in events:
        if kind == 1:
            pending += text
            continue
        if pending:
            lines.append(pending)
            pending = ""
        lines.append(text)
    lines.append(pending)
    ok, total = sum(r.ok for r in ping.results), len(ping.results)
    summary = f"Success rate is {ping.success_percent} percent ({ok}/{total})"
    rtt = ping.round_trip_ms()
    if rtt is not None:
        summary += f", round-trip min/avg/max = {rtt[0]}/{rtt[1]}/{rtt[2]} ms"
    return [*lines, summary]
