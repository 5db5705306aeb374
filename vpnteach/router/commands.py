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

from vpnteach.ios import run_show
from vpnteach.ios.errors import IosConfigError
from vpnteach.labs.exec import CRYPTO, DEBUG, IPSEC, ISAKMP, SHOW, UNDEBUG, ExecError
from vpnteach.labs.exec import _kw as kw

if TYPE_CHECKING:
    from vpnteach.router.process import RouterProcess

Handler = Callable[["RouterProcess", "re.Match[str]"], str]
_DEBUG_NAMES = {"isakmp": "Crypto ISAKMP", "ipsec": "Crypto IPSEC"}


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


def _clock(router: RouterProcess, m: re.Match[str]) -> str:
    t = dt.datetime.fromtimestamp(router.now(), tz=router.timezone)
    return f"*{t:%H:%M:%S}.{t.microsecond // 1000:03d} {t.tzname()} {t:%a %b} {t.day} {t.year}\n"


def _kind(m: re.Match[str]) -> str:
    return "isakmp" if m.group("kind").lower().startswith("isa") else "ipsec"


def _debug(router: RouterProcess, m: re.Match[str]) -> str:
    router.set_debug(_kind(m), True)
    return f"{_DEBUG_NAMES[_kind(m)]} debugging is on\n"


def _undebug(router: RouterProcess, m: re.Match[str]) -> str:
    router.set_debug(_kind(m), False)
    return f"{_DEBUG_NAMES[_kind(m)]} debugging is off\n"


def _undebug_all(router: RouterProcess, m: re.Match[str]) -> str:
    for kind in _DEBUG_NAMES:
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
    (rf"{SHOW}\s+{CRYPTO}\s+{ISAKMP}\s+sa", _isakmp_sa),
    (rf"{SHOW}\s+{CRYPTO}\s+{ISAKMP}\s+{kw('policy', 3)}", _isakmp_policy),
    (rf"{SHOW}\s+{CRYPTO}\s+{IPSEC}\s+sa(?P<detail>\s+{kw('detail', 3)})?", _ipsec_sa),
    (rf"{SHOW}\s+{CRYPTO}\s+{IPSEC}\s+transform-set.*", _config_show),
    (rf"{SHOW}\s+{CRYPTO}\s+map.*", _config_show),
    (rf"{SHOW}\s+{kw('running-config', 3)}", _config_show),
    (rf"{SHOW}\s+{CRYPTO}\s+pki\s+{kw('certificates', 4)}", _pki_certificates),
    (rf"{SHOW}\s+{kw('clock', 3)}", _clock),
    (rf"{SHOW}\s+router\s+counters", _counters),
    (rf"{DEBUG}\s+{CRYPTO}\s+(?P<kind>{ISAKMP}|{IPSEC})", _debug),
    (rf"(?:no\s+{DEBUG}|{UNDEBUG})\s+all", _undebug_all),
    (rf"(?:no\s+{DEBUG}|{UNDEBUG})\s+{CRYPTO}\s+(?P<kind>{ISAKMP}|{IPSEC})", _undebug),
    (rf"{kw('clear', 3)}\s+{CRYPTO}\s+sa", _clear_sa),
    (rf"{kw('clear', 3)}\s+{CRYPTO}\s+{ISAKMP}", _clear_isakmp),
)
_COMPILED = tuple((re.compile(p + r"\s*$", re.IGNORECASE), h) for p, h in COMMANDS)


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
