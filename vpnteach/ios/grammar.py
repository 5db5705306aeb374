"""Command grammars as data: a tiny pattern language and the matcher that runs it.

A command's syntax is written the way Cisco's command references print it, e.g.::

    "crypto isakmp policy <priority:int:1-10000>"
    "encr(yption) <cipher:ike_cipher>"
    "clock timezone <zone:word> <hours:int:-23-23> [<minutes:int:0-59>]"

* ``word`` — a keyword, matched case-insensitively and exactly;
* ``encr(yption)`` — a keyword with the abbreviation IOS accepts: ``encr`` up to ``encryption``;
* ``<name:type>`` / ``<name:type:param>`` — an argument captured under ``name``, parsed by the
  argument type ``type`` (see :data:`ARG_TYPES`; callers may add their own);
* ``[ ... ]`` — an optional group (one level, no nesting).

Matching a line either returns the captured arguments or raises :class:`Mismatch` naming the
word index where matching failed and what would have been accepted there. When several
commands are tried, the failure that got furthest wins (alternatives at the same index are
merged), which is how IOS places its ``^`` marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any, Protocol

Args = dict[str, Any]


class Mismatch(Exception):  # control flow inside the package: callers get IosConfigError
    """Matching failed at word ``index``; ``expected`` lists what would have been accepted."""

    def __init__(self, index: int, expected: Sequence[str], offset: int = 0) -> None:
        super().__init__(index, tuple(expected))
        self.index = index
        self.expected = tuple(expected)
        self.offset = offset
        """Characters of the word read before it went wrong (IOS's ``^`` goes there): a number
        or an address is read character by character, a keyword as a whole."""

    def merge(self, other: Mismatch) -> Mismatch:
        """The furthest of two failures; at the same index, both sets of alternatives."""
        if other.index > self.index:
            return other
        if other.index < self.index:
            return self
        merged = self.expected + tuple(e for e in other.expected if e not in self.expected)
        return Mismatch(self.index, merged, max(self.offset, other.offset))


ArgParser = Callable[[Sequence[str], int], tuple[Any, int]]
"""``parse(words, i) -> (value, next_i)``; raises :class:`Mismatch` on bad input."""


class Token(Protocol):
    """One element of a compiled pattern."""

    def match(self, words: Sequence[str], i: int, args: Args) -> int:
        """Consume words from ``i``; return the next index or raise :class:`Mismatch`."""
        ...


@dataclass(frozen=True)
class Keyword:
    """A keyword; any prefix of ``word`` at least ``min_len`` long is accepted."""

    word: str
    min_len: int

    def match(self, words: Sequence[str], i: int, args: Args) -> int:
        if i < len(words):
            given = words[i].lower()
            if len(given) >= self.min_len and self.word.startswith(given):
                return i + 1
        raise Mismatch(i, [self.word])


HelpLines = tuple[tuple[str, str], ...]
"""``?`` help for an argument: ``(form, text)`` lines such as ``("<1-10000>", "")``."""


@dataclass(frozen=True)
class Argument:
    """A captured argument parsed by ``parser``; ``spec`` is its ``<...>`` text in the pattern,
    ``help`` what ``?`` shows for it."""

    name: str
    parser: ArgParser
    spec: str = ""
    help: HelpLines = ()

    def match(self, words: Sequence[str], i: int, args: Args) -> int:
        value, nxt = self.parser(words, i)
        args[self.name] = value
        return nxt


@dataclass(frozen=True)
class Optional:
    """``[ ... ]``: the inner tokens, or nothing."""

    tokens: tuple[Token, ...]

    def match(self, words: Sequence[str], i: int, args: Args) -> int:
        return match_tokens(self.tokens, words, i, args)


@dataclass(frozen=True)
class EndOfLine:
    """No words may follow."""

    def match(self, words: Sequence[str], i: int, args: Args) -> int:
        if i < len(words):
            raise Mismatch(i, ["end of command"])
        return i


def match_tokens(tokens: Sequence[Token], words: Sequence[str], i: int, args: Args) -> int:
    """Match ``tokens`` in order from word ``i``; an optional group may be skipped."""
    for k, token in enumerate(tokens):
        if not isinstance(token, Optional):
            i = token.match(words, i, args)
            continue
        try:
            i = token.match(words, i, args)
        except Mismatch as skipped:
            if skipped.index != i:
                raise
            try:
                return match_tokens(tokens[k + 1 :], words, i, args)
            except Mismatch as rest:
                raise skipped.merge(rest) from None
    return i


# --- argument types -------------------------------------------------------------------------

_ASCII_INT = re.compile(r"-?[0-9]{1,10}")


def _need(words: Sequence[str], i: int, what: str) -> str:
    if i >= len(words):
        raise Mismatch(i, [what])
    return words[i]


def word_arg(words: Sequence[str], i: int) -> tuple[str, int]:
    """Any one word (a name: case is kept)."""
    return _need(words, i, "a name"), i + 1


def rest_arg(words: Sequence[str], i: int) -> tuple[str, int]:
    """The rest of the line, at least one word."""
    _need(words, i, "text")
    return " ".join(words[i:]), len(words)


def ipv4_arg(words: Sequence[str], i: int) -> tuple[str, int]:
    """A dotted-quad IPv4 address, returned in canonical form."""
    text = _need(words, i, "an IPv4 address A.B.C.D")
    try:
        return str(IPv4Address(text)), i + 1
    except ValueError:
        raise Mismatch(i, ["an IPv4 address A.B.C.D"], _address_offset(text)) from None


def _address_offset(text: str) -> int:
    """Where reading a dotted quad goes wrong: a character that is no digit or dot, a fourth
    dot, an octet over 255 (the word's end when only the end is missing)."""
    dots, octet = 0, ""
    for n, c in enumerate(text):
        if c == "." and octet and dots < 3:
            dots, octet = dots + 1, ""
        elif c.isascii() and c.isdigit() and len(octet) < 3 and int(octet + c) <= 255:
            octet += c
        else:
            return n
    return len(text)


def int_range(low: int, high: int) -> ArgParser:
    """An ASCII decimal integer in ``low..high``."""
    what = f"a number {low}-{high}"

    def parse(words: Sequence[str], i: int) -> tuple[int, int]:
        text = _need(words, i, what)
        if not _ASCII_INT.fullmatch(text) or not low <= int(text) <= high:
            raise Mismatch(i, [what], _number_offset(text))
        return int(text), i + 1

    return parse


def _number_offset(text: str) -> int:
    """The first character of ``text`` that is no digit (0: the number itself is out of range,
    or does not start like one)."""
    start = 1 if text.startswith("-") else 0
    for n, c in enumerate(text[start:], start):
        if not (c.isascii() and c.isdigit()):
            return n
    return 0


def choice(*values: str) -> ArgParser:
    """One word out of ``values`` (case-insensitive), returned in the table's spelling."""

    def parse(words: Sequence[str], i: int) -> tuple[str, int]:
        if i >= len(words) or words[i].lower() not in values:
            raise Mismatch(i, values)
        return words[i].lower(), i + 1

    return parse


def _parametrized(kind: str, param: str) -> ArgParser:
    if kind == "int":
        low, high = re.fullmatch(r"(-?\d+)-(-?\d+)", param).groups()  # type: ignore[union-attr]
        return int_range(int(low), int(high))
    if kind == "choice":
        return choice(*param.split("/"))
    raise ValueError(f"unknown parametrized argument type {kind!r}")


ARG_TYPES: dict[str, ArgParser] = {"word": word_arg, "rest": rest_arg, "ip": ipv4_arg}
"""Argument types every pattern may use; ``int:LOW-HIGH`` and ``choice:a/b/c`` take a param."""


# --- the pattern language -------------------------------------------------------------------

_PIECE = re.compile(r"\[[^\]]*\]|\S+")
_ABBREV = re.compile(r"([a-z0-9-]+)\(([a-z0-9-]+)\)")
_ARG = re.compile(r"<(\w+):([\w-]+)(?::(\S+))?>")


ARG_HELP: dict[str, HelpLines] = {
    "word": (("WORD", ""),),
    "rest": (("LINE", ""),),
    "ip": (("A.B.C.D", ""),),
}
"""What ``?`` shows for each argument type (callers may add their own)."""


def _arg_help(kind: str, param: str | None, helps: Mapping[str, HelpLines]) -> HelpLines:
    if kind == "int" and param:
        return ((f"<{param}>", ""),)
    if kind == "choice" and param:
        return tuple((value, "") for value in param.split("/"))
    return helps.get(kind, ((kind.upper(), ""),))


def _compile_piece(
    piece: str, types: Mapping[str, ArgParser], helps: Mapping[str, HelpLines] = ARG_HELP
) -> Token:
    if piece.startswith("["):
        return Optional(tuple(_compile_piece(p, types, helps) for p in piece[1:-1].split()))
    arg = _ARG.fullmatch(piece)
    if arg:
        name, kind, param = arg.groups()
        parser = _parametrized(kind, param) if param else types[kind]
        return Argument(name, parser, piece, _arg_help(kind, param, helps))
    abbrev = _ABBREV.fullmatch(piece)
    if abbrev:
        head, tail = abbrev.groups()
        return Keyword(head + tail, len(head))
    return Keyword(piece, len(piece))


def compile_pattern(
    pattern: str,
    extra_types: Mapping[str, ArgParser] | None = None,
    extra_help: Mapping[str, HelpLines] | None = None,
) -> tuple[Token, ...]:
    """Compile a pattern string into tokens (ending with :class:`EndOfLine`)."""
    types = {**ARG_TYPES, **(extra_types or {})}
    helps = {**ARG_HELP, **(extra_help or {})}
    tokens = [_compile_piece(p, types, helps) for p in _PIECE.findall(pattern)]
    return (*tokens, EndOfLine())


def match_pattern(tokens: Sequence[Token], words: Sequence[str]) -> Args:
    """The arguments ``words`` give for ``tokens``, or :class:`Mismatch`."""
    args: Args = {}
    match_tokens(tokens, words, 0, args)
    return args
