"""Output modifiers: ``show ... | include REGEXP`` and its kin, for every EXEC front end.

IOS filters the output of ``show`` (and ``more``) commands through one modifier after ``|``
(Cisco IOS Configuration Fundamentals Configuration Guide, "Using the Cisco IOS
Command-Line Interface", "Filtering Output from the show and more Commands"; ``section``
came with 12.3(2)T; ``count`` is a later trains' modifier, not checked against a 12.4 mainline
capture, kept because learners type it): ``begin`` shows the output from the
first line that matches, ``include``/``exclude`` the lines that do / do not match,
``section`` each matching line with the indented lines under it, ``count`` the number of
matching lines. The regular expression is the rest of the line, case sensitive, searched
anywhere in a line (Cisco IOS Terminal Services Configuration Guide, "Regular Expressions"):
POSIX ERE plus ``_``, which matches a comma, a brace, a parenthesis, a space, or the start or
the end of the line. ``|`` after any other command is refused at the ``|``, as IOS does.

Not modelled: ``append``, ``redirect`` and ``tee`` (they write to a file system URL).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from vpnteach.ios.errors import ExecError
from vpnteach.ios.grammar import Mismatch

MODIFIERS: tuple[tuple[str, str], ...] = (
    ("begin", "Begin with the line that matches"),
    ("count", "Count number of lines which match regexp"),
    ("exclude", "Exclude lines that match"),
    ("include", "Include lines that match"),
    ("section", "Filter a section of output"),
)
"""The modifiers and IOS's ``?`` help line for each."""

REGEXP_HELP = ("LINE", "Regular Expression")
"""What ``?`` shows after a modifier."""

_DELIMITER = r"(?:^|$|[,{}() ])"
"""IOS's ``_``: comma, braces, parentheses, space, start or end of line."""


@dataclass(frozen=True)
class OutputFilter:
    """One ``| MODIFIER REGEXP``, ready to apply to a command's output."""

    modifier: str
    regexp: str
    compiled: re.Pattern[str]

    def apply(self, text: str) -> str:
        """``text`` (a command's output) as the modifier leaves it."""
        lines = text.splitlines()
        kept = _FILTERS[self.modifier](lines, self.compiled)
        return "".join(line + "\n" for line in kept)


def _begin(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    for n, line in enumerate(lines):
        if rx.search(line):
            return lines[n:]
    return []


def _include(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    return [line for line in lines if rx.search(line)]


def _section(lines: list[str], rx: re.Pattern[str]) -> list[str]:
    """Each matching line with the lines indented deeper than it that follow."""
    kept: list[str] = []
    depth: int | None = None  # indentation of the section being copied
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if depth is not None and indent > depth and line.strip():
            kept.append(line)
            continue
        depth = None
        if rx.search(line):
            kept.append(line)
            depth = indent
    return kept


_FILTERS: dict[str, Callable[[list[str], re.Pattern[str]], list[str]]] = {
    "begin": _begin,
    "count": lambda ls, rx: [f"Number of lines which match regexp = {len(_include(ls, rx))}"],
    "exclude": lambda ls, rx: [x for x in ls if not rx.search(x)],
    "include": lambda ls, rx: _include(ls, rx),
    "section": _section,
}  # fmt: skip


def ios_regexp(regexp: str) -> re.Pattern[str]:
    """``regexp`` (IOS's syntax) compiled; ExecError saying what is wrong if it is not one."""
    out, in_class, i = [], False, 0
    while i < len(regexp):
        char = regexp[i]
        if char == "\\" and i + 1 < len(regexp):
            out.append(regexp[i : i + 2])
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append(_DELIMITER if char == "_" and not in_class else char)
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as exc:
        raise ExecError(f'% Invalid regular expression "{regexp}": {exc.msg}') from None


def column_miss(line: str, column: int, expected: tuple[str, ...]) -> Mismatch:
    """A :class:`Mismatch` whose ``^`` goes under ``line[column]`` (words split on spaces)."""
    start = 0
    for index, word in enumerate(line.split()):
        start = line.index(word, start)
        if start <= column < start + len(word):
            return Mismatch(index, expected, column - start)
        start += len(word)
    return Mismatch(len(line.split()), expected)


def modifier_names(partial: str) -> list[str]:
    """The modifiers ``partial`` abbreviates (IOS: any prefix, case-insensitive)."""
    return [name for name, _ in MODIFIERS if name.startswith(partial.lower())]


def parse_filter(line: str, bar: int) -> OutputFilter:
    """The filter after the ``|`` at ``line[bar]``.

    Raises:
        Mismatch: no or an unknown modifier, or no regular expression (IOS's ``^`` /
            ``% Incomplete command.``).
        ExecError: the regular expression is not one.
    """
    rest = line[bar + 1 :]
    words = rest.split(None, 1)
    names = tuple(name for name, _ in MODIFIERS)
    if not words:
        raise Mismatch(len(line.split()), names)
    found = modifier_names(words[0])
    if len(found) != 1:
        raise column_miss(line, bar + 1 + rest.index(words[0]), names)
    regexp = words[1] if len(words) > 1 else ""  # trailing spaces are part of it, as in IOS
    if not regexp:
        raise Mismatch(len(line.split()), (REGEXP_HELP[0],))
    return OutputFilter(found[0], regexp, ios_regexp(regexp))


def modifier_help(after_bar: str) -> list[tuple[str, str]] | str:
    """``?`` typed after ``| after_bar``: help lines, or the words a partial one begins."""
    words = after_bar.split()
    partial = "" if not after_bar or after_bar[-1].isspace() else words.pop()
    if not words:
        if partial:
            return "  ".join(modifier_names(partial))
        return list(MODIFIERS)
    if len(modifier_names(words[0])) != 1:
        return []
    return [REGEXP_HELP] if len(words) == 1 and not partial else [("<cr>", "")]
