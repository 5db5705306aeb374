"""A mode's grammar rows merged into one command tree: parsing, abbreviation, help, completion.

The rows are written in the pattern language of :mod:`vpnteach.ios.grammar`. Merged into a
tree (one child per keyword, optional groups expanded), they give everything an IOS command
line needs from the same data (Cisco IOS Configuration Fundamentals Configuration Guide, "Using
the Cisco IOS Command-Line Interface"):

* **abbreviation**: a keyword may be shortened to any prefix no other keyword at the same place
  in the tree starts with ("``conf`` because ``configure`` is the only command that begins with
  ``conf``"); ``sh(ow)`` in a pattern adds a floor where IOS has siblings this tree does not
  model (``sh``: ``show`` next to ``ssh``, ``send``, ``set``, ``setup``). A shorter prefix is
  *ambiguous* (``% Ambiguous command``). A word spelled in full always wins over longer
  keywords it is a prefix of;
* **parsing**: :meth:`CommandTree.parse` returns the row that accepts a line and its
  arguments, or raises :class:`~vpnteach.ios.grammar.Mismatch` at the word where parsing got
  furthest (an :class:`Ambiguous` one when a word names several keywords);
* **help** (``?``): :meth:`CommandTree.help_after` lists what may follow the complete words
  typed, with IOS help text and ``<cr>`` where the command may end;
  :meth:`CommandTree.words_starting` lists the keywords a partial word may begin;
* **completion** (Tab): :meth:`CommandTree.complete` extends a unique prefix.

Keywords are matched case-insensitively, as IOS does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from vpnteach.ios.grammar import (
    ArgParser,
    Args,
    Argument,
    EndOfLine,
    HelpLines,
    Keyword,
    Mismatch,
    Optional,
    Token,
    compile_pattern,
)

T = TypeVar("T")


class Ambiguous(Mismatch):
    """The word at ``index`` is a prefix of several keywords (``expected``)."""


@dataclass
class Node(Generic[T]):
    """A place in the tree: keywords and arguments that may come next; rows that end here."""

    keywords: dict[str, Node[T]] = field(default_factory=dict)
    floors: dict[str, int] = field(default_factory=dict)
    args: list[tuple[Argument, str, Node[T]]] = field(default_factory=list)
    ends: list[T] = field(default_factory=list)
    order: list[tuple[str, str]] = field(default_factory=list)
    """Children in the rows' order: ``("kw", word)`` or ``("arg", index in args)``."""
    path: tuple[str, ...] = ()
    """The keywords that lead here (an argument as ``<name>``), for help by place."""

    def shortest(self, word: str) -> int:
        """The shortest prefix of keyword ``word`` that names it alone here (and its floor)."""
        others = [w for w in self.keywords if w != word]
        n = self.floors.get(word, 1)
        while n < len(word) and any(o.startswith(word[:n]) for o in others):
            n += 1
        return n


@dataclass(frozen=True)
class Help:
    """One line of ``?`` help: the keyword or argument form, and what it is."""

    name: str
    text: str


def _expand(tokens: Sequence[Token]) -> list[list[Token]]:
    """Every linear form of a pattern: each optional group present or absent."""
    forms: list[list[Token]] = [[]]
    for token in tokens:
        if isinstance(token, EndOfLine):
            continue
        if isinstance(token, Optional):
            forms = [f + extra for f in forms for extra in ([], list(token.tokens))]
        else:
            forms = [[*f, token] for f in forms]
    return forms


class CommandTree(Generic[T]):
    """The rows of one mode as a tree (see the module docstring).

    Args:
        rows: ``(pattern, target)``; ``target`` is what :meth:`parse` returns for a line.
        types: argument types beyond :data:`~vpnteach.ios.grammar.ARG_TYPES`.
        type_help: what ``?`` shows for those types.
        help_text: IOS help text by keyword.
        arg_text: IOS help text by argument name (for an argument shown as one form).
        hidden: targets that take part in abbreviation (IOS commands this tree does not
            model) but are not listed by ``?`` or completed by Tab.
    """

    def __init__(
        self,
        rows: Sequence[tuple[str, T]],
        types: Mapping[str, ArgParser] | None = None,
        type_help: Mapping[str, HelpLines] | None = None,
        help_text: Mapping[str, str] | None = None,
        arg_text: Mapping[str, str] | None = None,
        hidden: Sequence[str] = (),
    ) -> None:
        self.root: Node[T] = Node()
        self.help_text = dict(help_text or {})
        self.arg_text = dict(arg_text or {})
        self.hidden = {w.lower() for w in hidden}
        for pattern, target in rows:
            for form in _expand(compile_pattern(pattern, types, type_help)):
                self._insert(form, target)
        for word in sorted(self.hidden - set(self.root.keywords)):
            self.root.keywords[word] = Node()
            self.root.order.append(("kw", word))

    def _insert(self, form: Sequence[Token], target: T) -> None:
        node = self.root
        for token in form:
            if isinstance(token, Keyword):
                # a plain word (no "(...)" in the pattern) has no floor of its own
                floor = token.min_len if token.min_len < len(token.word) else 1
                node.floors[token.word] = max(node.floors.get(token.word, 1), floor)
                if token.word not in node.keywords:
                    node.order.append(("kw", token.word))
                node = node.keywords.setdefault(token.word, Node(path=(*node.path, token.word)))
            elif isinstance(token, Argument):
                node = self._arg_child(node, token)
        node.ends.append(target)

    @staticmethod
    def _arg_child(node: Node[T], token: Argument) -> Node[T]:
        spec = f"{token.name}:{token.spec}"
        for _, existing_spec, child in node.args:
            if existing_spec == spec:
                return child
        child = Node[T](path=(*node.path, f"<{token.name}>"))
        node.order.append(("arg", str(len(node.args))))
        node.args.append((token, spec, child))
        return child

    # ------------------------------------------------------------------ parsing

    def parse(self, words: Sequence[str]) -> tuple[T, Args]:
        """The row accepting ``words`` and its arguments.

        Raises:
            Mismatch: nothing accepts the line; ``index`` is the word where parsing got
                furthest (``len(words)``: the command is incomplete); an :class:`Ambiguous`
                when that word abbreviates several keywords.
        """
        failures: list[Mismatch] = []
        for node, args in self._walk(self.root, words, 0, {}, failures):
            if node.ends:
                return node.ends[0], args
            failures.append(Mismatch(len(words), self._expected(node, words, len(words))[0]))
        raise furthest(failures)

    def _walk(
        self, node: Node[T], words: Sequence[str], i: int, args: Args, failures: list[Mismatch]
    ) -> Iterator[tuple[Node[T], Args]]:
        """Every node the whole of ``words`` leads to (keywords tried before arguments)."""
        if i == len(words):
            yield node, args
            for token, _, child in node.args:  # an argument that may be empty (all options)
                try:
                    value, nxt = token.parser(words, i)
                except Mismatch:
                    continue
                yield child, {**args, token.name: value}
            return
        word = words[i].lower()
        matched = self._keyword(node, word, i, failures)
        if matched is not None:
            yield from self._walk(node.keywords[matched], words, i + 1, args, failures)
        for token, _, child in node.args:
            try:
                value, nxt = token.parser(words, i)
            except Mismatch as miss:
                if miss.index > i:  # the argument itself went wrong further on
                    failures.append(miss)
                continue
            yield from self._walk(child, words, nxt, {**args, token.name: value}, failures)
        if matched is None:
            expected, offset = self._expected(node, words, i)
            failures.append(Mismatch(i, expected + ["end of command"] * bool(node.ends), offset))

    def _keyword(self, node: Node[T], word: str, i: int, failures: list[Mismatch]) -> str | None:
        if word in node.keywords:
            return word
        candidates = [k for k in node.keywords if k.startswith(word)]
        if len(candidates) == 1 and len(word) >= node.shortest(candidates[0]):
            return candidates[0]
        if candidates:
            failures.append(Ambiguous(i, candidates))
        return None

    def _shown(self, node: Node[T]) -> list[str]:
        return [k for k in node.keywords if not (node is self.root and k in self.hidden)]

    def _expected(self, node: Node[T], words: Sequence[str], i: int) -> tuple[list[str], int]:
        """What would have been accepted at word ``i``, in the rows' order (the arguments say
        it themselves), and how far into the word an argument read."""
        found: list[str] = []
        offset = 0
        for kind, key in node.order:
            if kind == "kw":
                found += [] if node is self.root and key in self.hidden else [key]
                continue
            try:
                node.args[int(key)][0].parser(words, i)
            except Mismatch as miss:
                found += [e for e in miss.expected if e not in found]
                offset = max(offset, miss.offset if miss.index == i else 0)
        return found, offset

    # ------------------------------------------------------------------ help and completion

    def nodes_after(self, words: Sequence[str]) -> list[Node[T]]:
        """The nodes the complete ``words`` lead to (empty: the words are not a command)."""
        return [node for node, _ in self._walk(self.root, words, 0, {}, [])]

    def help_after(self, words: Sequence[str]) -> list[Help]:
        """``?`` after a space: what may follow ``words`` (``<cr>`` where a command ends)."""
        lines: dict[str, Help] = {}
        ends = False
        for node in self.nodes_after(words):
            for word in node.keywords:
                if not (node is self.root and word in self.hidden):
                    lines.setdefault(word, Help(word, self._keyword_help(node, word)))
            for token, _, _ in node.args:
                for arg in self._arg_help(token):
                    lines.setdefault(arg.name, arg)
            ends = ends or bool(node.ends)
        found = sorted(lines.values(), key=lambda h: (h.name.startswith(("<", "A.", "W")), h.name))
        return [*found, Help("<cr>", "")] if ends else found

    def words_starting(self, words: Sequence[str], partial: str) -> list[str]:
        """``?`` right after a partial word: the keywords it may begin, sorted; an argument's
        keyword choices too (``show interfaces tu?`` -> ``Tunnel``, as IOS lists them)."""
        prefix = partial.lower()
        found: set[str] = set()
        for node in self.nodes_after(words):
            found |= {
                w
                for w in node.keywords
                if w.startswith(prefix) and not (node is self.root and w in self.hidden)
            }
            found |= {
                name
                for token, _, _ in node.args
                for name, _ in token.help
                if _keyword_like(name) and name.lower().startswith(prefix)
            }
        return sorted(found, key=str.lower)

    def complete(self, words: Sequence[str], partial: str) -> str | None:
        """Tab: the one keyword ``partial`` abbreviates after ``words``, or ``None`` when it
        abbreviates none or several (IOS leaves the line as it is)."""
        word = partial.lower()
        found: set[str] = set()
        for node in self.nodes_after(words):
            if word in node.keywords:
                found.add(word)
                continue
            candidates = [k for k in node.keywords if k.startswith(word)]
            if len(candidates) > 1 or (candidates and len(word) < node.shortest(candidates[0])):
                return None
            found |= set(candidates)
        return found.pop() if len(found) == 1 else None

    def _keyword_help(self, node: Node[T], word: str) -> str:
        """The help line of ``word`` at ``node``: for that place (``"debug crypto isakmp"``),
        else for the word wherever it is."""
        place = " ".join((*node.path, word))
        return self.help_text.get(place, self.help_text.get(word, ""))

    def _arg_help(self, token: Argument) -> list[Help]:
        lines = [Help(n, t or self.help_text.get(n, "")) for n, t in token.help]
        if len(lines) == 1:  # an argument's text is the row's, e.g. "Priority of protection suite"
            lines = [Help(lines[0].name, self.arg_text.get(token.name, lines[0].text))]
        return lines


def _keyword_like(name: str) -> bool:
    """An argument's help form that is a word to type (``Tunnel``, ``aes``), not a placeholder
    (``WORD``, ``A.B.C.D``, ``<1-10000>``, ``hh:mm:ss``)."""
    return name[:1].isalpha() and not name.isupper() and name.replace("-", "").isalnum()


def furthest(failures: Sequence[Mismatch]) -> Mismatch:
    """The failure that got furthest; at the same word an ambiguity wins, alternatives merge."""
    best = failures[0]
    for other in failures[1:]:
        if other.index > best.index:
            best = other
        elif other.index == best.index and not isinstance(best, Ambiguous):
            best = other if isinstance(other, Ambiguous) else best.merge(other)
    return best
