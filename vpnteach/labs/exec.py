"""Exec-mode commands of a lab router, answered in IOS 12.4's words.

Each command is a regular expression over the normalised line (IOS abbreviations such as
``sh cry isa sa`` are accepted where IOS would accept them) and a handler returning the text.
``ping`` runs the simulated network until the last echo is answered or timed out; its output
interleaves the ``debug`` lines printed meanwhile, by time, as a console does (in the seed the
first ``.`` even lands inside a log line).

IOS texts: ``ping`` (Cisco IOS Configuration Fundamentals, "Using the ping command"),
``debug``/``undebug`` confirmations, ``clear crypto`` are silent; ``show`` commands come from the
IKE, ESP, IOS and PKI renderers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from vpnteach.ike.debuglog import ios_time
from vpnteach.ios import run_show, show_crypto_key_mypubkey_rsa
from vpnteach.ios.errors import IosConfigError
from vpnteach.net.sim.ping import Ping
from vpnteach.pki.errors import PkiError

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter
    from vpnteach.net.sim.node import Node


class ExecError(ValueError):
    """An exec command the router refuses; the message is IOS's, with its ``^`` marker."""


Handler = Callable[["LabRouter", "re.Match[str]"], str]
H = TypeVar("H")


def compile_commands(rows: Iterable[tuple[str, H]]) -> tuple[tuple[re.Pattern[str], H], ...]:
    """Each pattern anchored at the end of the line, case-insensitive, as IOS reads exec."""
    return tuple((re.compile(p + r"\s*$", re.IGNORECASE), h) for p, h in rows)


_A = r"(?:\s+|$)"


def kw(full: str, minimum: int) -> str:
    """A keyword IOS accepts abbreviated down to ``minimum`` letters."""
    return (
        full[:minimum] + "".join(f"(?:{c}" for c in full[minimum:]) + ")?" * (len(full) - minimum)
    )


SHOW, CRYPTO, ISAKMP, IPSEC = kw("show", 2), kw("crypto", 3), kw("isakmp", 3), "ipsec"
DEBUG, UNDEBUG = kw("debug", 3), kw("undebug", 2)


def _ping(router: LabRouter, m: re.Match[str]) -> str:
    options = _ping_options(m.group("rest") or "")
    try:
        count, size = int(options.get("repeat", 5)), int(options.get("size", 100))
        timeout = float(options.get("timeout", 2))
    except ValueError as exc:
        raise ExecError(f"% Invalid input: ping repeat/size take a number ({exc})") from None
    return ping_text(
        router.lab, router.node, m.group("dst"), count=count, size=size, timeout=timeout,
        source=options.get("source"), debug=router.debug_lines,
    )  # fmt: skip


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


def _ping_options(rest: str) -> dict[str, str]:
    words = rest.split()
    options: dict[str, str] = {}
    while words:
        key = words.pop(0).lower()
        names = [n for n in ("source", "repeat", "size", "timeout") if n.startswith(key)]
        if len(names) != 1 or not words:
            raise ExecError(
                f"% Invalid input detected at '{key}' (ping [source|repeat|size|timeout])"
            )
        options[names[0]] = words.pop(0)
    return options


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


def _with_debug(router: LabRouter, text: str) -> str:
    extra = [line for _, line in router.debug_lines()]
    return text + "".join(line + "\n" for line in extra)


def _require_gateway(router: LabRouter) -> None:
    if router.gateway is None:
        raise ExecError(f"% {router.name} has no crypto map applied to an interface")


def _isakmp_sa(router: LabRouter, m: re.Match[str]) -> str:
    _require_gateway(router)
    assert router.gateway is not None
    return router.gateway.show_crypto_isakmp_sa() + "\n"


def _isakmp_policy(router: LabRouter, m: re.Match[str]) -> str:
    _require_gateway(router)
    assert router.gateway is not None
    return router.gateway.show_crypto_isakmp_policy()


def _ipsec_sa(router: LabRouter, m: re.Match[str]) -> str:
    _require_gateway(router)
    assert router.gateway is not None
    now = router.lab.epoch(router.lab.network.now)
    return router.gateway.show_crypto_ipsec_sa(now, detail=bool(m.group("detail")))


def _config_show(router: LabRouter, m: re.Match[str]) -> str:
    try:
        return run_show(router.config, m.group(0))
    except IosConfigError as exc:
        raise ExecError(str(exc)) from None


def _pki_certificates(router: LabRouter, m: re.Match[str]) -> str:
    return router.pki.show_certificates() + "\n"


def _pki_trustpoints(router: LabRouter, m: re.Match[str]) -> str:
    return router.pki.show_trustpoints() + "\n"


def _mypubkey(router: LabRouter, m: re.Match[str]) -> str:
    return show_crypto_key_mypubkey_rsa(router.pki.keys.values())


def _clock(router: LabRouter, m: re.Match[str]) -> str:
    t = router.clock()
    return f"*{t:%H:%M:%S}.{t.microsecond // 1000:03d} {t.tzname()} {t:%a %b} {t.day} {t.year}\n"


def _clock_set(router: LabRouter, m: re.Match[str]) -> str:
    words = m.group("when").split()
    text = " ".join(words[:1] + sorted(words[1:3], key=str.isdigit) + words[3:])  # month, day
    try:
        naive = dt.datetime.strptime(text, "%H:%M:%S %b %d %Y")
    except ValueError:
        raise ExecError(
            "% clock set takes hh:mm:ss, a month and a day (either order), and a year: "
            f"'clock set 10:21:50 Jun 6 2010', not {m.group('when')!r}"
        ) from None
    router.set_clock(naive.replace(tzinfo=router.timezone))
    return ""


DEBUG_NAMES = {"isakmp": "Crypto ISAKMP", "ipsec": "Crypto IPSEC"}


def _debug(router: LabRouter, m: re.Match[str]) -> str:
    kind = "isakmp" if m.group("kind").startswith("isa") else "ipsec"
    router.set_debug(kind, True)
    return f"{DEBUG_NAMES[kind]} debugging is on\n"


def _undebug(router: LabRouter, m: re.Match[str]) -> str:
    kind = "isakmp" if m.group("kind").startswith("isa") else "ipsec"
    router.set_debug(kind, False)
    return f"{DEBUG_NAMES[kind]} debugging is off\n"


def _undebug_all(router: LabRouter, m: re.Match[str]) -> str:
    for kind in ("isakmp", "ipsec"):
        router.set_debug(kind, False)
    return "All possible debugging has been turned off\n"


def _clear_sa(router: LabRouter, m: re.Match[str]) -> str:
    _require_gateway(router)
    assert router.gateway is not None
    router.gateway.clear_crypto_sa(router.lab.epoch(router.lab.network.now))
    router.service()
    router.lab.run_for(0.1)
    return _with_debug(router, "")


def _clear_isakmp(router: LabRouter, m: re.Match[str]) -> str:
    _require_gateway(router)
    assert router.gateway is not None
    router.gateway.clear_crypto_isakmp(router.lab.epoch(router.lab.network.now))
    router.service()
    router.lab.run_for(0.1)
    return _with_debug(router, "")


def _authenticate(router: LabRouter, m: re.Match[str]) -> str:
    name = m.group("tp")
    try:
        answer = router.scep_exchange(router.pki.get_ca_cert_request(name))
        from vpnteach.pki.scep import CACertResponse

        if not isinstance(answer, CACertResponse):
            raise ExecError(f"% The CA answered GetCACert with {type(answer).__name__}")
        return router.pki.authenticate(name, answer).text + "\n"
    except PkiError as exc:
        raise ExecError(str(exc)) from None


def _enroll(router: LabRouter, m: re.Match[str]) -> str:
    from vpnteach.labs.enroll import enroll

    return enroll(router, m.group("tp"))


PATTERNS: dict[str, str] = {
    "ping": r"ping\s+(?P<dst>\d+\.\d+\.\d+\.\d+)(?P<rest>.*)",
    "show isakmp sa": rf"{SHOW}\s+{CRYPTO}\s+{ISAKMP}\s+sa",
    "show isakmp policy": rf"{SHOW}\s+{CRYPTO}\s+{ISAKMP}\s+{kw('policy', 3)}",
    "show ipsec sa": rf"{SHOW}\s+{CRYPTO}\s+{IPSEC}\s+sa(?P<detail>\s+{kw('detail', 3)})?",
    "show transform-set": rf"{SHOW}\s+{CRYPTO}\s+{IPSEC}\s+transform-set.*",
    "show crypto map": rf"{SHOW}\s+{CRYPTO}\s+map.*",
    "show running-config": rf"{SHOW}\s+{kw('running-config', 3)}",
    "show pki certificates": rf"{SHOW}\s+{CRYPTO}\s+pki\s+{kw('certificates', 4)}",
    "show pki trustpoints": rf"{SHOW}\s+{CRYPTO}\s+pki\s+{kw('trustpoints', 5)}",
    "show pubkey-chain": rf"{SHOW}\s+{CRYPTO}\s+key\s+pubkey-chain\s+rsa",
    "show mypubkey": rf"{SHOW}\s+{CRYPTO}\s+key\s+{kw('mypubkey', 3)}\s+rsa",
    "show clock": rf"{SHOW}\s+{kw('clock', 3)}",
    "clock set": rf"{kw('clock', 3)}\s+set\s+(?P<when>.+)",
    "debug": rf"{DEBUG}\s+{CRYPTO}\s+(?P<kind>{ISAKMP}|{IPSEC})",
    "undebug all": rf"(?:no\s+{DEBUG}|{UNDEBUG})\s+all",
    "undebug": rf"(?:no\s+{DEBUG}|{UNDEBUG})\s+{CRYPTO}\s+(?P<kind>{ISAKMP}|{IPSEC})",
    "clear sa": rf"{kw('clear', 3)}\s+{CRYPTO}\s+sa",
    "clear isakmp": rf"{kw('clear', 3)}\s+{CRYPTO}\s+{ISAKMP}",
    "pki authenticate": rf"{CRYPTO}\s+pki\s+{kw('authenticate', 4)}\s+(?P<tp>\S+)",
    "pki enroll": rf"{CRYPTO}\s+pki\s+{kw('enroll', 3)}\s+(?P<tp>\S+)",
}
"""The exec grammar, by command: shared by the lab's routers and the real router process
(:mod:`vpnteach.router.commands`), so both accept the same words and abbreviations."""

COMMANDS: tuple[tuple[str, Handler], ...] = (
    (PATTERNS["ping"], _ping),
    (PATTERNS["show isakmp sa"], _isakmp_sa),
    (PATTERNS["show isakmp policy"], _isakmp_policy),
    (PATTERNS["show ipsec sa"], _ipsec_sa),
    (PATTERNS["show transform-set"], _config_show),
    (PATTERNS["show crypto map"], _config_show),
    (PATTERNS["show running-config"], _config_show),
    (PATTERNS["show pki certificates"], _pki_certificates),
    (PATTERNS["show pki trustpoints"], _pki_trustpoints),
    (PATTERNS["show pubkey-chain"], _config_show),
    (PATTERNS["show mypubkey"], _mypubkey),
    (PATTERNS["show clock"], _clock),
    (PATTERNS["clock set"], _clock_set),
    (PATTERNS["debug"], _debug),
    (PATTERNS["undebug all"], _undebug_all),
    (PATTERNS["undebug"], _undebug),
    (PATTERNS["clear sa"], _clear_sa),
    (PATTERNS["clear isakmp"], _clear_isakmp),
    (PATTERNS["pki authenticate"], _authenticate),
    (PATTERNS["pki enroll"], _enroll),
)
_COMPILED = compile_commands(COMMANDS)


def run_exec(router: LabRouter, command: str) -> str:
    """Answer one exec line on ``router``.

    Raises:
        ExecError: no command matches (IOS's "% Invalid input detected at '^' marker.").
    """
    if re.match(r"conf(?:igure)?(?:\s+t(?:erminal)?)?$", command, re.IGNORECASE):
        raise ExecError(
            "% configuration mode is not interactive here: use router.configure(text), "
            "which applies all lines or none"
        )
    for pattern, handler in _COMPILED:
        match = pattern.match(command)
        if match is not None:
            return handler(router, match)
    marker = " " * (len(router.name) + 1) + "^"
    raise ExecError(f"{router.name}#{command}\n{marker}\n% Invalid input detected at '^' marker.")


def stamp(router: LabRouter, epoch: float) -> str:
    """``Jun 6 10:21:50.071`` in the router's time zone."""
    return ios_time(epoch, router.timezone)
