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

Observers: :class:`Observable` gives a recorder a ``subscribe(callback) -> unsubscribe`` pair,
so a stepper or a widget hears about each new item as it is recorded. With nobody subscribed
the cost is one truth test of an empty tuple per item (the ESP per-packet path stays fast).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from vpnteach._html import HtmlRepr

T = TypeVar("T")
Item = TypeVar("Item")

Unsubscribe = Callable[[], None]
"""What :meth:`Observable.subscribe` returns: call it to stop the callbacks (idempotent)."""


class Observable(Generic[Item]):
    """A mixin: callbacks called with each item the owner records, in subscription order.

    The owner publishes with ``if self._subscribers: self._publish(item)``, so recording with
    no subscriber costs one truth test. A callback may unsubscribe (itself or another) while
    being called; the item in flight still reaches every callback subscribed when it arrived.
    """

    _subscribers: tuple[_Subscription[Item], ...] = ()

    def subscribe(self, callback: Callable[[Item], None]) -> Unsubscribe:
        """Call ``callback(item)`` for every item recorded from now on; returns the function
        that stops it."""
        token = _Subscription(callback)
        self._subscribers = (*self._subscribers, token)

        def unsubscribe() -> None:
            self._subscribers = tuple(s for s in self._subscribers if s is not token)

        return unsubscribe

    def _publish(self, item: Item) -> None:
        for subscription in self._subscribers:
            subscription.callback(item)


class Ring(list[Item]):
    """A list that, given a ``limit``, keeps only about the newest ``limit`` items.

    Retention by policy: the lab keeps everything (``limit=None``, a plain list); a long-running
    router keeps a bounded ring, whatever arrives. When an :meth:`append` takes it past twice
    ``limit`` items the oldest are dropped down to ``limit`` (amortised O(1) per item, still a
    ``list`` for every reader). ``dropped`` counts the items gone; ``total`` is the number
    ever appended, so a reader's cursor (an absolute position) survives the trimming.

    Only a bounded ring is a :class:`_BoundedRing`, whose ``append`` checks the limit: an
    unbounded one keeps ``list.append`` itself (an exchange records some 200 items, each
    append then costs no Python call). Setting :attr:`limit` chooses the class, so ``copy``
    and ``pickle``, which rebuild an instance of its class, keep it.
    """

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.dropped = 0
        self.limit = limit

    @property
    def limit(self) -> int | None:
        """How many of the newest items are kept, at least (``None``: all of them)."""
        return self._limit

    @limit.setter
    def limit(self, limit: int | None) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"a ring keeps at least 1 item, not {limit}")
        self._limit = limit
        if type(self) in (Ring, _BoundedRing):
            self.__class__ = Ring if limit is None else _BoundedRing

    @property
    def total(self) -> int:
        """How many items were ever appended (kept ones and dropped ones)."""
        return self.dropped + len(self)

    def since(self, position: int) -> list[Item]:
        """The items appended at absolute ``position`` and after that are still kept."""
        return self[max(0, position - self.dropped) :]


class _BoundedRing(Ring[Item]):
    """A :class:`Ring` with a ``limit``: ``append`` forgets the oldest items beyond it."""

    def append(self, item: Item, /) -> None:
        """Add ``item``; beyond twice the limit, forget the oldest down to the limit."""
        super().append(item)
        limit = self._limit
        if limit is not None and len(self) > 2 * limit:
            excess = len(self) - limit
            del self[:excess]
            self.dropped += excess


class _Subscription(Generic[Item]):
    """One subscription (its own identity, so the same callback may be subscribed twice)."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[[Item], None]) -> None:
        self.callback = callback


class FactKind(Enum):
    """What a fact is, so readers (the stepper, the widgets) group facts without parsing
    their names or formulas."""

    VALUE = "value"
    """A derived value: a key, a hash, a nonce, an IV (the default)."""
    SELECTION = "selection"
    """A proposal matched against the configured policies or transform sets."""
    DH = "Diffie-Hellman"
    """A Diffie-Hellman public value (g^x mod p) or shared secret ((g^y)^x mod p)."""
    SIGNATURE = "signature"
    """A signature made with our private key."""
    SIGNATURE_CHECK = "signature check"
    """A peer's signature verified."""
    CERTIFICATE_CHECK = "certificate check"
    """A peer's certificate validated."""
    PLAINTEXT = "plaintext"
    """A payload chain before encryption or after decryption."""
    ESP_PACKET = "ESP packet"
    """One ESP packet built or checked, or dropped."""


@dataclass(slots=True)  # written once, never changed; not frozen, which is 3x slower to build
class Fact(HtmlRepr):
    """One computed value: its name, the formula it follows, its inputs and its output, and
    what kind of value it is."""

    name: str
    formula: str
    value: object
    inputs: dict[str, object] = field(default_factory=dict)
    rfc: str = ""
    actor: str = ""
    kind: FactKind = FactKind.VALUE


class Trace(Observable[Fact], HtmlRepr):
    """An append-only list of :class:`Fact` values, optionally tagged with an actor name.

    A ``Trace`` with ``enabled=False`` records nothing (for benchmarks and bulk runs) but still
    returns every value unchanged. :meth:`subscribe` calls a function with each new fact.
    """

    def __init__(self, actor: str = "", *, enabled: bool = True) -> None:
        self.actor = actor
        self.enabled = enabled
        self.facts: list[Fact] = []

    def derived(
        self,
        name: str,
        formula: str,
        value: T,
        kind: FactKind = FactKind.VALUE,
        /,
        *,
        rfc: str = "",
        **inputs: object,
    ) -> T:
        """Record that ``value`` (a ``kind`` of value) was computed as ``formula`` from
        ``inputs``; return ``value``.

        ``kind`` is positional so that no input can be called ``kind``."""
        if self.enabled:
            fact = Fact(name, formula, value, inputs, rfc, self.actor, kind)  # a fresh dict
            self.facts.append(fact)
            if self._subscribers:
                self._publish(fact)
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
