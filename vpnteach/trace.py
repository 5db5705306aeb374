"""Facts: every value the protocol computes, recorded with the formula that produced it.

The engines call :meth:`Trace.derived` on the line that computes a value; it records a
:class:`Fact` (name, formula as written in the RFC, inputs, output) and returns the value
unchanged, so instrumentation never bends the code::

    skeyid_e = trace.derived(
        "SKEYID_e", "prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)", prf(...),
        rfc="RFC 2409 §5", skeyid=skeyid, skeyid_a=skeyid_a, g_xy=g_xy, cky_i=cky_i, cky_r=cky_r,
    )

The stepper, the widgets, the exercises and the ``debug`` log all read facts; none of them
re-computes a value or parses a log line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from vpnteach._html import HtmlRepr

T = TypeVar("T")


@dataclass(frozen=True)
class Fact(HtmlRepr):
    """One computed value: its name, the formula it follows, its inputs and its output."""

    name: str
    formula: str
    value: object
    inputs: dict[str, object] = field(default_factory=dict)
    rfc: str = ""
    actor: str = ""


class Trace(HtmlRepr):
    """An append-only list of :class:`Fact` values, optionally tagged with an actor name.

    A ``Trace`` with ``enabled=False`` records nothing (for benchmarks and bulk runs) but still
    returns every value unchanged.
    """

    def __init__(self, actor: str = "", *, enabled: bool = True) -> None:
        self.actor = actor
        self.enabled = enabled
        self.facts: list[Fact] = []

    def derived(self, name: str, formula: str, value: T, *, rfc: str = "", **inputs: object) -> T:
        """Record that ``value`` was computed as ``formula`` from ``inputs``; return ``value``."""
        if self.enabled:
            self.facts.append(Fact(name, formula, value, dict(inputs), rfc, self.actor))
        return value

    def find(self, name: str) -> Fact:
        """The most recent fact called ``name`` (``KeyError`` if there is none)."""
        for fact in reversed(self.facts):
            if fact.name == name:
                return fact
        raise KeyError(f"no fact named {name!r} recorded by {self.actor or 'this trace'}")

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def __repr__(self) -> str:
        names = ", ".join(f.name for f in self.facts[:8])
        more = ", ..." if len(self.facts) > 8 else ""
        return f"<Trace {self.actor or '(anonymous)'}: {len(self.facts)} facts [{names}{more}]>"


NULL_TRACE = Trace(enabled=False)
"""A trace that records nothing: the default where a caller passes none."""
