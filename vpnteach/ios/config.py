"""Reading IOS configuration text: :func:`parse_config`, :func:`apply_commands`, :func:`try_apply`.

The reader works like IOS's own configuration parser, one line at a time, with a current mode:
``crypto isakmp policy 10`` enters ``config-isakmp``, whose table of grammars
(:data:`vpnteach.ios.commands.MODE_COMMANDS`) is tried first; a line that is no sub-mode
command is tried as a global command, which leaves the sub-mode (that is why a configuration
file needs no indentation or ``exit``). ``!`` lines are comments; blank lines and leading spaces
do not matter; a console prompt pasted in front of a line (``Branch1(config)#``) is ignored.

A line no grammar accepts raises :class:`~vpnteach.ios.errors.IosConfigError` with the line
number, the text, and what was expected at the word where matching got furthest (where IOS
puts its ``^``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.ike.policy import PolicyError
from vpnteach.ios.argtypes import ARG_TYPES
from vpnteach.ios.commands import (
    BLOCK_END,
    GLOBAL,
    MODE_COMMANDS,
    MODE_FALLBACK,
    Command,
)
from vpnteach.ios.draft import Draft
from vpnteach.ios.errors import IosConfigError
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.helptext import (
    ARGUMENT_HELP,
    KEYWORD_HELP,
    MODE_HELP,
    TYPE_HELP,
    UNMODELLED_CONFIG,
)
from vpnteach.ios.model import RouterConfig
from vpnteach.ios.tree import Ambiguous, CommandTree, furthest
from vpnteach.ios.vti_model import TUNNEL_INTERFACE


def command_tree(
    commands: tuple[Command, ...], hidden: tuple[str, ...] = (), mode: str = GLOBAL
) -> CommandTree[Command]:
    """One mode's rows as a :class:`~vpnteach.ios.tree.CommandTree` (abbreviation, ``?``)."""
    help_text = {**KEYWORD_HELP, **MODE_HELP.get(mode, {})}
    return CommandTree(
        [(c.pattern, c) for c in commands], ARG_TYPES, TYPE_HELP, help_text, ARGUMENT_HELP,
        hidden,
    )  # fmt: skip


MODE_TREES: dict[str, CommandTree[Command]] = {
    mode: command_tree(commands, UNMODELLED_CONFIG if mode == GLOBAL else (), mode)
    for mode, commands in MODE_COMMANDS.items()
}
"""Every mode's rows merged into one tree: the parser, the console's ``?`` and Tab use it."""


_PROMPT = re.compile(r"\s*[\w.-]+\((?:config|[\w-]+)\)#")
_WORD = re.compile(r"\S+")
_LINE_END = re.compile(r"\r?\n")
MAX_LINE = 4096
"""Characters of one line IOS reads (a longer line is refused there)."""
REFUSED = "a value the model accepts"
"""The start of what a line the model refuses expected (a :class:`PolicyError`; its reason
follows in parentheses)."""


def bad_character(line: str, *, ascii_only: bool = False) -> int | None:
    """The column of the first character IOS cannot take in a command line: a control
    character, a line or paragraph separator (U+2028, U+2029), anything unprintable, or
    the character past :data:`MAX_LINE`; with ``ascii_only`` (a terminal sends IOS bytes),
    any character outside ASCII too."""
    for n, c in enumerate(line):
        if n >= MAX_LINE or not (
            c in " \t" or (c.isprintable() and (c.isascii() or not ascii_only))
        ):
            return n
    return None


def parse_config(text: str, source: str = "<config>") -> RouterConfig:
    """Parse a whole configuration (e.g. ``assets/configs/branch1.cfg``) into a RouterConfig.

    Raises:
        IosConfigError: a line IOS would refuse (with its line number and what was expected).
    """
    return apply_commands(RouterConfig(), text, source)


def apply_commands(config: RouterConfig, text: str, source: str = "<commands>") -> RouterConfig:
    """Apply configuration-mode lines to ``config``, all or nothing; return the new config.

    Reading starts in global configuration mode, as after ``configure terminal``. ``config``
    itself is immutable and never changes: on an error nothing is applied.

    Raises:
        IosConfigError: a line IOS would refuse; no line of ``text`` has been applied.
    """
    session = _Session(Draft.from_config(config), source)
    lines = _LINE_END.split(text.removesuffix("\n").removesuffix("\r"))
    for number, line in enumerate(lines, start=1):
        session.feed(number, line)
    session.finish(len(lines), lines[-1] if lines else "")
    return session.draft.freeze()


@dataclass(frozen=True)
class LineResult:
    """One console line applied: the new config, the mode and object it leaves the console in,
    and the row that accepted it (``None`` for a comment or a blank line)."""

    config: RouterConfig
    mode: str
    context: object
    command: Command | None
    key_hex: tuple[str, ...] = ()
    """The ``key-string`` lines typed so far (config-pubkey mode), until ``quit``."""


def apply_line(
    config: RouterConfig,
    mode: str,
    context: object,
    line: str,
    key_hex: tuple[str, ...] = (),
    source: str = "<console>",
) -> LineResult:
    """Apply one line typed at ``Router(<mode>)#`` while editing ``context`` (the policy
    number, interface name, ... of the sub-mode), as a console does: all of it or nothing.

    Raises:
        IosConfigError: the line is refused; ``config`` is unchanged.
    """
    session = _Session(Draft.from_config(config), source)
    session.mode, session.draft.context = mode, context
    session.draft.key_hex = list(key_hex)
    session.feed(1, line)
    draft = session.draft
    return LineResult(
        draft.freeze(), session.mode, draft.context, session.last, tuple(draft.key_hex)
    )


def find_command(mode: str, words: list[str]) -> tuple[Command, Args, str]:
    """The row a line typed in ``mode`` names, its arguments, and the mode whose table it is
    in (the mode's own, or a parent's). Raises :class:`Mismatch` as the parser would fail."""
    session = _Session(Draft(), "<console>")
    session.mode = mode
    return session._find(words)


@dataclass(frozen=True)
class ApplyResult(HtmlRepr):
    """What :func:`try_apply` did: the resulting config and the error, if any."""

    config: RouterConfig
    error: IosConfigError | None = None

    @property
    def ok(self) -> bool:
        """Every line applied."""
        return self.error is None


def try_apply(config: RouterConfig, text: str, source: str = "<commands>") -> ApplyResult:
    """Like :func:`apply_commands`, but an error comes back with the untouched ``config``."""
    try:
        return ApplyResult(apply_commands(config, text, source))
    except IosConfigError as error:
        return ApplyResult(config, error)


class _Session:
    """The reader's state between lines: the draft and the current mode."""

    def __init__(self, draft: Draft, source: str) -> None:
        self.draft = draft
        self.source = source
        self.mode = GLOBAL
        self.last: Command | None = None

    def feed(self, number: int, line: str) -> None:
        bad = bad_character(line)
        if bad is not None:
            expected = f"printable text (character {bad + 1} is {line[bad]!r})"
            if bad >= MAX_LINE:
                expected = f"a line of at most {MAX_LINE} characters"
            raise self._error(number, line[: MAX_LINE + 1], expected, bad)
        prompt = _PROMPT.match(line)
        start = prompt.end() if prompt else 0
        spans = [(m.start(), m.group()) for m in _WORD.finditer(line, start)]
        words = [w for _, w in spans]
        if not words or words[0].startswith("!"):
            return
        try:
            command, args, mode = self._find(words)
            command.handler(self.draft, args)
        except Ambiguous as miss:
            word = words[miss.index]
            longer = f"a longer abbreviation: `{word}` may be {', '.join(miss.expected)}"
            error = self._error(number, line, longer, spans[miss.index][0])
            error.ambiguous = True
            raise error from None
        except Mismatch as miss:
            column = spans[miss.index][0] if miss.index < len(spans) else len(line.rstrip())
            where = _elsewhere(words, self.mode) if miss.index == 0 else None
            error = self._error(number, line, where or _expected(miss), column)
            error.caret = column + miss.offset
            raise error from None
        except PolicyError as refused:
            expected = f"{REFUSED} ({refused})"
            raise self._error(number, line, expected, spans[-1][0]) from None
        self._enter(command, mode)
        self.last = command

    def _find(self, words: list[str]) -> tuple[Command, Args, str]:
        """The first command of the current mode, then of global mode, that accepts ``words``."""
        failures: list[Mismatch] = []
        modes = [self.mode]
        if self.mode != GLOBAL:
            modes += MODE_FALLBACK.get(self.mode, (GLOBAL,))
        for mode in modes:
            try:
                command, args = MODE_TREES[mode].parse(words)
            except Mismatch as miss:
                failures.append(miss)
                continue
            return command, args, mode
        raise _furthest(failures)

    def _enter(self, command: Command, table_mode: str) -> None:
        if command.enters is not None:
            self.mode = command.enters
        elif table_mode != self.mode:  # a parent mode's command leaves this mode for that one
            self.mode = table_mode
        elif command.pattern == "exit":
            self.mode = GLOBAL

    def finish(self, number: int, line: str) -> None:
        """The text ended: a block such as a ``key-string`` must have been closed."""
        if self.mode in BLOCK_END:
            end = BLOCK_END[self.mode]
            expected = f"{end} (the text ended inside a {self.mode} block, which {end} closes)"
            raise self._error(number, line, expected, len(line.rstrip()))

    def _error(self, number: int, line: str, expected: str, column: int) -> IosConfigError:
        return IosConfigError(
            number, line, expected, column, self.source, self.mode, self.draft.hostname
        )


def _furthest(failures: list[Mismatch]) -> Mismatch:
    """The failure that got furthest; on a first-word failure, only the current mode's list."""
    best = failures[0]
    for other in failures[1:]:
        if other.index > best.index:
            best = other
        elif other.index == best.index and best.index > 0:
            best = furthest([best, other])
    return best


def _entry_paths() -> dict[str, list[str]]:
    """For each mode, the commands that reach it from ``config`` (breadth first, shortest)."""
    paths: dict[str, list[str]] = {GLOBAL: []}
    queue = [GLOBAL]
    while queue:
        mode = queue.pop(0)
        for command in MODE_COMMANDS[mode]:
            if command.enters is not None and command.enters not in paths:
                paths[command.enters] = [*paths[mode], command.pattern]
                queue.append(command.enters)
    return paths


def _elsewhere(words: list[str], mode: str) -> str | None:
    """For a line refused at its first word: where it would have been accepted, if anywhere
    (not inside a block such as a key-string, which takes only its own lines)."""
    if mode in BLOCK_END or words[0].lower() in ("exit", "end"):
        return None
    paths = _entry_paths()
    for other in MODE_COMMANDS:
        if other == mode:
            continue
        try:
            MODE_TREES[other].parse(words)
        except Mismatch:
            continue
        else:
            if other == TUNNEL_INTERFACE:  # prompted config-if: name the interface instead
                return f"a {mode} command: `{words[0]}` belongs on a tunnel interface " + (
                    "(enter: interface Tunnel0)"
                )
            route = ", then ".join(paths.get(other, []))
            return f"a {mode} command: `{words[0]}` belongs in {other} mode (enter: {route})"
    return None


def _expected(miss: Mismatch) -> str:
    alternatives = list(dict.fromkeys(miss.expected))
    if len(alternatives) == 1:
        return alternatives[0]
    return "one of " + ", ".join(alternatives)
