"""EXEC mode: one command table for every front end (lab routers, the router process, the
console), reached through the :class:`RouterContext` protocol.

The table is grammar as data (:mod:`vpnteach.ios.grammar` patterns merged into a
:class:`~vpnteach.ios.tree.CommandTree`), so every front end accepts the same words and the same
abbreviations (``sh cry isa sa``; keywords in any case: ``debug crypto ISAKMP`` is ISAKMP
debugging) and answers with the same text. What differs between a simulated router and a real
one (where time comes from, how ``ping`` runs, where ``debug`` lines go) is behind
:class:`RouterContext`.

IOS texts: ``debug``/``undebug`` confirmations and ``show clock`` are IOS 12.4's; ``clear
crypto`` is silent; ``show`` commands come from the IKE, ESP, IOS and PKI renderers. Rows with
``level=1`` are also user EXEC commands (``Router>``); the rest need ``enable``
(Cisco IOS Configuration Fundamentals, "Using the Cisco IOS Command-Line Interface",
"Command Modes"). Rows without a handler belong to the console (mode changes, history).
A ``show`` line may end in an output modifier (``| include crypto``), read and applied by
:mod:`vpnteach.ios.pipe` for every front end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vpnteach.ios.errors import ExecError
from vpnteach.ios.exectypes import EXEC_TYPE_HELP, EXEC_TYPES, PingRequest
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.helptext import ARGUMENT_HELP, EXEC_HELP, UNMODELLED_EXEC
from vpnteach.ios.interfaces import show_interfaces
from vpnteach.ios.model import RouterConfig
from vpnteach.ios.pipe import OutputFilter, column_miss, parse_filter
from vpnteach.ios.pubkey import show_crypto_key_mypubkey_rsa
from vpnteach.ios.show import SHOW_COMMANDS
from vpnteach.ios.tree import Ambiguous, CommandTree
from vpnteach.ios.vti import show_ip_interface_brief
from vpnteach.pki.errors import TrustpointError
from vpnteach.pki.trustpoint import RouterPki


class RouterContext(Protocol):
    """What an EXEC command needs from a router; the lab and the router process implement it.

    Methods that a router cannot perform raise :class:`~vpnteach.ios.errors.ExecError` with a
    message saying why (the router process has no simulated network to ``ping`` across).
    """

    @property
    def hostname(self) -> str:
        """The prompt's name."""
        ...

    @property
    def config(self) -> RouterConfig:
        """The running configuration."""
        ...

    def require_pki(self) -> RouterPki:
        """The router's keys and certificates (ExecError if it has none)."""
        ...

    def show_crypto_isakmp_sa(self) -> str:
        """``show crypto isakmp sa``."""
        ...

    def show_crypto_isakmp_policy(self) -> str:
        """``show crypto isakmp policy``."""
        ...

    def show_crypto_ipsec_sa(self, detail: bool) -> str:
        """``show crypto ipsec sa [detail]``."""
        ...

    def show_crypto_ikev2_sa(self, detail: bool) -> str:
        """``show crypto ikev2 sa [detailed]``."""
        ...

    def clock(self) -> dt.datetime:
        """The router's wall clock (aware)."""
        ...

    def set_clock(self, when: dt.datetime) -> None:
        """``clock set``: ``when`` is aware, in the router's zone."""
        ...

    def set_debug(self, kind: str, on: bool) -> None:
        """``debug crypto isakmp|ipsec|ikev2`` on or off."""
        ...

    def clear_crypto(self, what: str, peer: str | None = None) -> str:
        """``clear crypto sa|isakmp|session`` (with ``peer`` only); the debug lines printed
        meanwhile."""
        ...

    def ping(self, request: PingRequest) -> str:
        """Run ``ping``; what the console shows."""
        ...

    def pki_authenticate(self, trustpoint: str) -> str:
        """``crypto pki authenticate`` answered yes; what the console shows."""
        ...

    def pki_enroll(self, trustpoint: str) -> str:
        """``crypto pki enroll`` with the seed's answers; what the console shows."""
        ...

    def counters(self) -> dict[str, int]:
        """Not IOS: the driver's own packet counters."""
        ...

    def tunnels_up(self) -> frozenset[str]:
        """The tunnel interfaces whose line protocol is up (``show ip interface brief``)."""
        ...

    def show_crypto_session(self) -> str:
        """``show crypto session``."""
        ...


Handler = Callable[[RouterContext, Args], str]


@dataclass(frozen=True)
class ExecCommand:
    """One EXEC row: pattern, handler (``None``: the console's own ``action``), privilege.

    ``typed=False``: not at the console's EXEC prompt, only for a lab's ``Router.exec``: IOS
    holds ``crypto pki authenticate`` and ``enroll`` as dialogues of the configuration mode
    (the console has them there), and refuses them at ``Router#``.
    """

    pattern: str
    handler: Handler | None
    level: int = 15
    action: str = ""
    typed: bool = True


DEBUG_NAMES = {"isakmp": "Crypto ISAKMP", "ipsec": "Crypto IPSEC", "ikev2": "IKEv2 default"}


def _debug(kind: str, on: bool) -> Handler:
    def handler(ctx: RouterContext, a: Args) -> str:
        ctx.set_debug(kind, on)
        return f"{DEBUG_NAMES[kind]} debugging is {'on' if on else 'off'}\n"

    return handler


def _undebug_all(ctx: RouterContext, a: Args) -> str:
    for kind in DEBUG_NAMES:
        ctx.set_debug(kind, False)
    return "All possible debugging has been turned off\n"


def show_clock(t: dt.datetime) -> str:
    """``show clock``: ``*10:21:50.071 AEST Sun Jun 6 2010``."""
    return f"*{t:%H:%M:%S}.{t.microsecond // 1000:03d} {t.tzname()} {t:%a %b} {t.day} {t.year}\n"


def _clock_set(ctx: RouterContext, a: Args) -> str:
    naive: dt.datetime = a["when"]
    ctx.set_clock(naive.replace(tzinfo=ctx.clock().tzinfo))
    return ""


def _certificates_verbose(ctx: RouterContext, a: Args) -> str:
    """``show crypto pki certificates verbose [TRUSTPOINT]``; an unknown trustpoint is
    answered with IOS's one-line error, as a ``show`` command answers (nothing changes)."""
    try:
        return ctx.require_pki().show_certificates(verbose=True, trustpoint=a.get("tp")) + "\n"
    except TrustpointError as exc:
        return f"{exc}\n"


def _counters(ctx: RouterContext, a: Args) -> str:
    return "".join(f"{k}: {v}\n" for k, v in sorted(ctx.counters().items()))


def _from_config(show: Callable[[RouterConfig, Args], str]) -> Handler:
    """A ``show`` answered from the configuration (:data:`~vpnteach.ios.show.SHOW_COMMANDS`)."""

    def handler(ctx: RouterContext, a: Args) -> str:
        return show(ctx.config, a)

    return handler


def _console(action: str, pattern: str, level: int = 15) -> ExecCommand:
    return ExecCommand(pattern, None, level, action)


_SC = "sh(ow) cry(pto)"
_C = "cry(pto)"
_ISA, _DEB, _UNDEB = "isa(kmp)", "deb(ug)", "u(ndebug)"

EXEC_COMMANDS: tuple[ExecCommand, ...] = (
    ExecCommand("ping <dst:ip> [<options:ping_options>]",
                lambda c, a: c.ping(PingRequest.from_args(a["dst"], a.get("options", {}))), 1),
    ExecCommand(f"{_SC} {_ISA} sa", lambda c, a: c.show_crypto_isakmp_sa() + "\n", 1),
    ExecCommand(f"{_SC} {_ISA} pol(icy)", lambda c, a: c.show_crypto_isakmp_policy(), 1),
    ExecCommand(f"{_SC} ipsec sa", lambda c, a: c.show_crypto_ipsec_sa(False), 1),
    ExecCommand(f"{_SC} ipsec sa det(ail)", lambda c, a: c.show_crypto_ipsec_sa(True), 1),
    ExecCommand(f"{_SC} ikev2 sa", lambda c, a: c.show_crypto_ikev2_sa(False), 1),
    ExecCommand(f"{_SC} ikev2 sa det(ailed)", lambda c, a: c.show_crypto_ikev2_sa(True), 1),
    ExecCommand(f"{_SC} ses(sion)", lambda c, a: c.show_crypto_session(), 1),
    *(ExecCommand(pattern, _from_config(show), 15 if "run" in pattern else 1)
      for pattern, show in SHOW_COMMANDS),
    ExecCommand(f"{_SC} pki cert(ificates)",
                lambda c, a: c.require_pki().show_certificates() + "\n", 1),
    ExecCommand(f"{_SC} pki cert(ificates) verb(ose) [<tp:word>]", _certificates_verbose, 1),
    ExecCommand(f"{_SC} pki trustp(oints)",
                lambda c, a: c.require_pki().show_trustpoints() + "\n", 1),
    ExecCommand(f"{_SC} key myp(ubkey) rsa",
                lambda c, a: show_crypto_key_mypubkey_rsa(c.require_pki().keys.values()), 1),
    ExecCommand("sh(ow) clo(ck)", lambda c, a: show_clock(c.clock()), 1),
    ExecCommand("sh(ow) int(erfaces) [<name:interface>]",
                lambda c, a: show_interfaces(c.config, a.get("name"), c.tunnels_up()), 1),
    ExecCommand("sh(ow) ip int(erface) br(ief)",
                lambda c, a: show_ip_interface_brief(c.config, c.tunnels_up()), 1),
    ExecCommand("sh(ow) router counters", _counters, 1),  # not IOS: the driver's counters
    ExecCommand("clo(ck) set <when:clock_time>", _clock_set),
    ExecCommand(f"{_DEB} {_C} {_ISA}", _debug("isakmp", True)),
    ExecCommand(f"{_DEB} {_C} ipsec", _debug("ipsec", True)),
    ExecCommand(f"{_DEB} {_C} ikev2", _debug("ikev2", True)),
    ExecCommand(f"no {_DEB} {_C} ikev2", _debug("ikev2", False)),
    ExecCommand(f"{_UNDEB} {_C} ikev2", _debug("ikev2", False)),
    ExecCommand(f"no {_DEB} {_C} {_ISA}", _debug("isakmp", False)),
    ExecCommand(f"no {_DEB} {_C} ipsec", _debug("ipsec", False)),
    ExecCommand(f"{_UNDEB} {_C} {_ISA}", _debug("isakmp", False)),
    ExecCommand(f"{_UNDEB} {_C} ipsec", _debug("ipsec", False)),
    ExecCommand(f"{_UNDEB} all", _undebug_all),
    ExecCommand(f"no {_DEB} all", _undebug_all),
    ExecCommand(f"cle(ar) {_C} sa", lambda c, a: c.clear_crypto("sa")),
    ExecCommand(f"cle(ar) {_C} sa peer <peer:ip>", lambda c, a: c.clear_crypto("sa", a["peer"])),
    ExecCommand(f"cle(ar) {_C} {_ISA}", lambda c, a: c.clear_crypto("isakmp")),
    ExecCommand(f"cle(ar) {_C} ikev2 sa", lambda c, a: c.clear_crypto("isakmp")),
    ExecCommand(f"cle(ar) {_C} ses(sion)", lambda c, a: c.clear_crypto("session")),
    ExecCommand(f"cle(ar) {_C} ses(sion) remote <peer:ip>",
                lambda c, a: c.clear_crypto("session", a["peer"])),
    ExecCommand(f"{_C} pki auth(enticate) <tp:word>",
                lambda c, a: c.pki_authenticate(a["tp"]), typed=False),
    ExecCommand(f"{_C} pki enr(oll) <tp:word>", lambda c, a: c.pki_enroll(a["tp"]), typed=False),
    _console("configure", "conf(igure) [t(erminal)]"),
    _console("enable", "en(able)", 1),
    _console("disable", "disa(ble)"),
    _console("exit", "ex(it)", 1),
    _console("exit", "logout", 1),
    _console("history", "sh(ow) history", 1),
    _console("copy-run", "copy run(ning-config) <file:word>"),
    _console("copy-file", "copy <file:word> run(ning-config)"),
)  # fmt: skip
"""The EXEC grammar, by command: every front end's, so all accept the same words."""


def exec_tree(level: int, *, typed: bool = False) -> CommandTree[ExecCommand]:
    """The commands of privilege ``level`` (1: user EXEC ``Router>``; 15: ``Router#``);
    ``typed``: only those a console accepts at its prompt."""
    rows = [(c.pattern, c) for c in EXEC_COMMANDS if c.level <= level and (c.typed or not typed)]
    return CommandTree(rows, EXEC_TYPES, EXEC_TYPE_HELP, EXEC_HELP, ARGUMENT_HELP, UNMODELLED_EXEC)


EXEC_TREE = exec_tree(15)
"""Everything a lab's ``Router.exec`` runs."""
CONSOLE_EXEC_TREE = exec_tree(15, typed=True)
"""What a console accepts at ``Router#`` (and after ``do``)."""
USER_TREE = exec_tree(1, typed=True)


def refusal(line: str, miss: Mismatch, indent: int) -> list[str]:
    """IOS's answer to a refused line (after its echo): the ``^`` line and the message.

    ``indent`` is the prompt's width (the ``^`` goes under the line as it was echoed).
    """
    spans = word_spans(line)
    if isinstance(miss, Ambiguous):
        return [f'% Ambiguous command:  "{line.strip()}"']
    if miss.index >= len(spans):
        return ["% Incomplete command."]
    caret = spans[miss.index][0] + miss.offset
    return [" " * (indent + caret) + "^", "% Invalid input detected at '^' marker."]


def word_spans(line: str) -> list[tuple[int, str]]:
    """``(column, word)`` of each word of ``line``."""
    spans: list[tuple[int, str]] = []
    column = 0
    for word in line.split():
        column = line.index(word, column)
        spans.append((column, word))
        column += len(word)
    return spans


def parse_exec(line: str, level: int = 15) -> tuple[ExecCommand, Args]:
    """The EXEC row ``line`` names and its arguments (Mismatch if none)."""
    return (EXEC_TREE if level >= 15 else USER_TREE).parse(line.split())


def filters_output(command: ExecCommand) -> bool:
    """IOS takes ``| MODIFIER`` after ``show`` commands only (:mod:`vpnteach.ios.pipe`)."""
    return command.pattern.startswith("sh(ow) ")


def parse_piped(
    tree: CommandTree[ExecCommand], line: str
) -> tuple[ExecCommand, Args, OutputFilter | None]:
    """The row, arguments and output filter of ``line`` (``show run | include crypto``).

    Raises:
        Mismatch: as :meth:`CommandTree.parse`, or at the ``|`` after a command that is no
            ``show``, or for a missing/unknown modifier or a missing regular expression.
        ExecError: the regular expression is not one.
    """
    bar = line.find("|")
    command, args = tree.parse((line if bar < 0 else line[:bar]).split())
    if bar < 0:
        return command, args, None
    if not filters_output(command):
        raise column_miss(line, bar, ("<cr>",))
    return command, args, parse_filter(line, bar)


def run_exec(ctx: RouterContext, line: str) -> str:
    """Answer one privileged EXEC line on ``ctx``.

    Raises:
        ExecError: the line is refused (IOS's message, after the echoed line) or is a console
            command (``configure terminal``) this front end has no console for.
    """
    prompt = f"{ctx.hostname}#"
    try:
        command, args, output_filter = parse_piped(EXEC_TREE, line)
    except Mismatch as miss:
        echo = f"{prompt}{line}"
        raise ExecError("\n".join([echo, *refusal(line, miss, len(prompt))])) from None
    if command.handler is None:
        raise ExecError(
            f"% {line.strip()}: a console command; use router.console() for an IOS console, "
            "or router.configure(text), which applies all lines or none"
        )
    text = command.handler(ctx, args)
    return text if output_filter is None else output_filter.apply(text)
