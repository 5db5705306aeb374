"""EXEC commands of a running router process: the shared table of
:mod:`vpnteach.ios.execmode`, with :class:`ProcessContext` as its
:class:`~vpnteach.ios.execmode.RouterContext`.

The words, abbreviations and texts are the lab's (``sh cry isa sa`` works here too). What
differs is where time comes from (the process clock), where ``debug`` lines go (the router's
log, as they would go to a console), and what a real router cannot do from its control socket
(``ping`` across a simulated network, SCEP enrollment: ``vpnteach router --pki`` loads files).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from vpnteach.gateway import Ikev2Gateway
from vpnteach.gateway.clear import clear_crypto
from vpnteach.gateway.session import show_crypto_session
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.transitions import State
from vpnteach.ios.errors import ExecError
from vpnteach.ios.execmode import run_exec
from vpnteach.ios.exectypes import PingRequest
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.router.setup import tunnels_up

if TYPE_CHECKING:
    from vpnteach.router.process import RouterProcess

__all__ = ["ExecError", "ProcessContext", "run_command"]


class ProcessContext:
    """A running router as the EXEC table sees it."""

    def __init__(self, router: RouterProcess) -> None:
        self.router = router

    @property
    def hostname(self) -> str:
        return self.router.config.hostname

    @property
    def config(self) -> RouterConfig:
        return self.router.config

    def require_pki(self) -> RouterPki:
        if self.router.pki is None:
            raise ExecError("% This router was started without --pki: no certificates or keys")
        return self.router.pki

    def show_crypto_isakmp_sa(self) -> str:
        return self.router.gateway.show_crypto_isakmp_sa()

    def show_crypto_isakmp_policy(self) -> str:
        return self.router.gateway.show_crypto_isakmp_policy()

    def show_crypto_ipsec_sa(self, detail: bool) -> str:
        return self.router.gateway.show_crypto_ipsec_sa(self.router.now(), detail=detail)

    def show_crypto_ikev2_sa(self, detail: bool) -> str:
        return self.router.gateway.show_crypto_ikev2_sa(self.router.now(), detail=detail)

    def tunnels_up(self) -> frozenset[str]:
        return tunnels_up(self.router.gateway)

    def show_crypto_session(self) -> str:
        return show_crypto_session(self.router.gateway)

    def clock(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.router.now(), tz=self.router.timezone)

    def set_clock(self, when: dt.datetime) -> None:
        raise ExecError("% clock set: a router process runs on this machine's clock")

    def set_debug(self, kind: str, on: bool) -> None:
        self.router.set_debug(kind, on)

    def clear_crypto(self, what: str, peer: str | None = None) -> str:
        gateway, now = self.router.gateway, self.router.now()
        clear_crypto(gateway, what, now, peer)
        self.router.service()
        return ""

    def ping(self, request: PingRequest) -> str:
        raise ExecError("% ping: use the host's own ping through the router's TUN interface")

    def pki_authenticate(self, trustpoint: str) -> str:
        raise ExecError("% crypto pki authenticate: a router process loads its PKI with --pki")

    def pki_enroll(self, trustpoint: str) -> str:
        raise ExecError("% crypto pki enroll: a router process loads its PKI with --pki")

    def counters(self) -> dict[str, int]:
        gateway = self.router.gateway
        if isinstance(gateway, Ikev2Gateway):  # half-open SAs and cookies (RFC 7296 §2.6)
            return {**self.router.stats, **ikev2_counters(gateway.v2)}
        ike = gateway.ike  # with the half-open figures (call admission control)
        return {**self.router.stats, **ike.half_open.statistics(ike.config.half_open)}


def ikev2_counters(v2: Ikev2Endpoint) -> dict[str, int]:
    """The IKEv2 figures of ``show router counters``: SAs half open now, the threshold above
    which IKE_SA_INIT is answered with a COOKIE, cookies sent, datagrams dropped, and of those
    the ones a bug dropped (the engine counts an exception in a handler as a drop; the IKEv1
    side logs its traceback)."""
    half_open = sum(1 for sa in v2.sas.values() if sa.state == State.R_WAIT_AUTH)
    bugs = sum(n for k, n in v2.stats.items() if k.startswith("dropped internal_error"))
    return {
        "ikev2 half-open SAs": half_open,
        "ikev2 cookie-challenge above": v2.config.max_half_open,
        "ikev2 cookies sent": v2.stats["cookie_sent"],
        "ikev2 datagrams dropped": v2.stats["dropped"],
        "ikev2 internal errors": bugs,
    }


def run_command(router: RouterProcess, command: str) -> str:
    """Answer one EXEC line on the running ``router``.

    Raises:
        ExecError: the line is refused (IOS's ``% Invalid input`` with the ``^`` marker).
    """
    return run_exec(ProcessContext(router), command.strip())
