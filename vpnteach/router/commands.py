"""Exec commands of a running router process, answered with the lab's IOS texts.

The words and abbreviations are the lab's (:mod:`vpnteach.labs.exec`: ``sh cry isa sa`` works
here too); the texts come from the same renderers (the gateway's ``show_*``, the IOS config
renderer, the PKI). What differs is where time comes from (the process clock) and where
``debug`` lines go (the router's log, as they would go to a console).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from vpnteach.ios import run_show, show_crypto_key_mypubkey_rsa
from vpnteach.ios.errors import IosConfigError
from vpnteach.labs.exec import DEBUG_NAMES, PATTERNS, SHOW, ExecError, compile_commands

if TYPE_CHECKING:
    from vpnteach.router.process import RouterProcess

Handler = Callable[["RouterProcess", "re.Match[str]"], str]


def _isakmp_sa(router: RouterProcess, m: re.Match[str]) -> str:
    return router.gateway.show_crypto_isakmp_sa() + "\n"


def _isakmp_policy(router: RouterProcess, m: re.Match[str]) -> str:
    return router.gateway.show_crypto_isakmp_policy()


def _ipsec_sa(router: RouterProcess, m: re.Match[str]) -> str:
    return router.gateway.show_crypto_ipsec_sa(router.now(), detail=bool(m.group("detail")))


def _config_show(router: RouterProcess, m: re.Match[str]) -> str:
    try:
        return run_show(router.config, m.group(0))
    except IosConfigError as exc:
        raise ExecError(str(exc)) from None


def _pki_certificates(router: RouterProcess, m: re.Match[str]) -> str:
    if router.pki is None:
        raise ExecError("% This router was started without --pki: no certificates")
    return router.pki.show_certificates() + "\n"


def _mypubkey(router: RouterProcess, m: re.Match[str]) -> str:
    if router.pki is None:
        raise ExecError("% This router was started without --pki: no RSA keys")
    return show_crypto_key_mypubkey_rsa(router.pki.keys.values())


def _clock(router: RouterProcess, m: re.Match[str]) -> str:
    t = dt.datetime.fromtimestamp(router.now(), tz=router.timezone)
    return f"*{t:%H:%M:%S}.{t.microsecond // 1000:03d} {t.tzname()} {t:%a %b} {t.day} {t.year}\n"


def _kind(m: re.Match[str]) -> str:
    return "isakmp" if m.group("kind").lower().startswith("isa") else "ipsec"


def _debug(router: RouterProcess, m: re.Match[str]) -> str:
    router.set_debug(_kind(m), True)
    return f"{DEBUG_NAMES[_kind(m)]} debugging is on\n"


def _undebug(router: RouterProcess, m: re.Match[str]) -> str:
    router.set_debug(_kind(m), False)
    return f"{DEBUG_NAMES[_kind(m)]} debugging is off\n"


def _undebug_all(router: RouterProcess, m: re.Match[str]) -> str:
    for kind in DEBUG_NAMES:
        router.set_debug(kind, False)
    return "All possible debugging has been turned off\n"


def _clear_sa(router: RouterProcess, m: re.Match[str]) -> str:
    router.gateway.clear_crypto_sa(router.now())
    router.service()
    return ""


def _clear_isakmp(router: RouterProcess, m: re.Match[str]) -> str:
    router.gateway.clear_crypto_isakmp(router.now())
    router.service()
    return ""


def _counters(router: RouterProcess, m: re.Match[str]) -> str:
    """Not IOS: the driver's own packet counters (TUN, sockets, drops by reason)."""
    return "".join(f"{k}: {v}\n" for k, v in sorted(router.stats.items()))


COMMANDS: tuple[tuple[str, Handler], ...] = (
    (PATTERNS["show isakmp sa"], _isakmp_sa),
    (PATTERNS["show isakmp policy"], _isakmp_policy),
    (PATTERNS["show ipsec sa"], _ipsec_sa),
    (PATTERNS["show transform-set"], _config_show),
    (PATTERNS["show crypto map"], _config_show),
    (PATTERNS["show running-config"], _config_show),
    (PATTERNS["show pki certificates"], _pki_certificates),
    (PATTERNS["show pubkey-chain"], _config_show),
    (PATTERNS["show mypubkey"], _mypubkey),
    (PATTERNS["show clock"], _clock),
    (rf"{SHOW}\s+router\s+counters", _counters),  # not IOS: the driver's own counters
    (PATTERNS["debug"], _debug),
    (PATTERNS["undebug all"], _undebug_all),
    (PATTERNS["undebug"], _undebug),
    (PATTERNS["clear sa"], _clear_sa),
    (PATTERNS["clear isakmp"], _clear_isakmp),
)
_COMPILED = compile_commands(COMMANDS)


def run_command(router: RouterProcess, command: str) -> str:
    """Answer one exec line on the running ``router``.

    Raises:
        ExecError: no command matches (IOS's ``% Invalid input`` with the ``^`` marker).
    """
    line = command.strip()
    for pattern, handler in _COMPILED:
        match = pattern.match(line)
        if match is not None:
            return handler(router, match)
    marker = " " * (len(router.config.hostname) + 1) + "^"
    raise ExecError(
        f"{router.config.hostname}#{line}\n{marker}\n% Invalid input detected at '^' marker."
    )
