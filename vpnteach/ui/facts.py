"""The key ledger (a table of facts) and the derivation graph (which value came from which).

Both read :class:`~vpnteach.trace.Fact` records and nothing else. A fact's inputs are keyword
names in RFC 2409 notation (``g_xy``, ``ni_b``, ``cky_i``, ``skeyid_e``); fact names are
written as in the RFC (``g^xy``, ``Ni_b``, ``CKY-I``, ``SKEYID_e``). :func:`fact_key` maps both
to one key so an input links to the fact that produced it; an input no fact produced (the
peer's ``g_y``, a key size) becomes a dashed input node. The graph of a phase-1 trace reads
``g^xy, Ni_b, Nr_b -> SKEYID -> SKEYID_d -> SKEYID_a -> SKEYID_e -> Ka`` (RFC 2409 §5,
Appendix B).
"""

from __future__ import annotations

from collections.abc import Iterable

from vpnteach.trace import Fact
from vpnteach.ui.graphviz_backend import DotRenderer, diagram_html
from vpnteach.ui.markup import card, esc, field_rows, note, short_hex, table
from vpnteach.ui.values import named_value_html

NL = "\n"


def fact_key(name: str) -> str:
    """One spelling for fact and input names: ``"g^xy"``, ``"g_xy"`` -> ``"g_xy"``."""
    return name.lower().replace("^", "_").replace("-", "_").replace(" ", "_")


def _text(value: object, limit: int = 8) -> str:
    if isinstance(value, (bytes, bytearray)):
        return short_hex(bytes(value), limit)
    return str(value)


def fact_html(fact: Fact) -> str:
    """One fact as a card: formula, value (named fields, never a repr), inputs, RFC, actor."""
    inputs = "".join(
        f"<li><code>{esc(k)}</code> = {named_value_html(v, 16)}</li>"
        for k, v in fact.inputs.items()
    )
    rows = [
        ("formula", f"<code>{esc(fact.formula)}</code>"),
        ("value", named_value_html(fact.value, 24)),
        ("inputs", f"<ul style='margin:0;padding-left:18px'>{inputs}</ul>" if inputs else "none"),
        ("RFC", esc(fact.rfc or "—")),
    ]
    if fact.actor:
        rows.append(("computed by", esc(fact.actor)))
    return card(f"{fact.name} = {fact.formula}", field_rows(rows))


def _ledger_rows(facts: Iterable[Fact]) -> list[tuple[str, ...]]:
    return [
        (
            f"<b>{esc(fact.name)}</b>",
            named_value_html(fact.value, 16),
            f"<code>{esc(fact.formula)}</code>"
            + (f"<br>{note('from ' + esc(', '.join(fact.inputs)))}" if fact.inputs else ""),
            esc(fact.rfc or "—"),
        )
        for fact in facts
    ]


def ledger_html(facts: Iterable[Fact], title: str = "Key ledger") -> str:
    """The facts as tables of named values, one table per router (actor), in the order they
    were computed: name, value (hex, or named fields), formula with its inputs, RFC section."""
    all_facts = list(facts)
    actors = list(dict.fromkeys(f.actor for f in all_facts))
    headers = ("name", "value", "formula (inputs)", "RFC")
    tables = []
    for actor in actors:
        mine = [f for f in all_facts if f.actor == actor]
        caption = f"{title}: {actor} ({len(mine)} values)" if actor and len(actors) > 1 else title
        tables.append(table(headers, _ledger_rows(mine), caption))
    if not tables:
        tables.append(table(headers, [], title))
    return f"<div class='vpnteach-ledger'>{''.join(tables)}</div>"


def _dot_string(text: str) -> str:
    """A DOT double-quoted string (``"`` and ``\\`` escaped; newlines as ``\\n``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_id(actor: str, key: str) -> str:
    return _dot_string(f"{actor}:{key}" if actor else key)


def _same(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:  # a value type whose comparison fails: trust the name
        return True


class _Graph:
    """Nodes and edges of one actor's facts, resolving each input to the fact it came from.

    An input links to the most recent earlier fact with the same name *and value*; a fact
    name recorded again with a new value (a Quick Mode nonce after the Main Mode one) gets a
    node of its own (``ni_b#2``). An input no fact produced becomes a dashed input node,
    shared by inputs carrying the same bytes (the peer's ``g_y`` is also the IV's ``g_xr``).
    """

    def __init__(self, actor: str) -> None:
        self.actor = actor
        self.latest: dict[str, tuple[str, object]] = {}
        self.count: dict[str, int] = {}
        self.nodes: list[str] = []
        self.loose: dict[str, tuple[list[str], object]] = {}
        self.edges: dict[str, None] = {}

    def add(self, fact: Fact) -> None:
        target = self._fact_node(fact)
        for name, value in fact.inputs.items():
            self.edges[f"  {self._source(name, value)} -> {target};"] = None

    def _fact_node(self, fact: Fact) -> str:
        key = fact_key(fact.name)
        known = self.latest.get(key)
        if known is not None and _same(known[1], fact.value):
            return known[0]
        self.count[key] = self.count.get(key, 0) + 1
        suffix = f"#{self.count[key]}" if self.count[key] > 1 else ""
        node = _node_id(self.actor, key + suffix)
        self.latest[key] = (node, fact.value)
        label = f"{fact.name}\n{_text(fact.value)}"
        tip = f"{fact.name} = {fact.formula} ({fact.rfc})"
        self.nodes.append(f"  {node} [label={_dot_string(label)}, tooltip={_dot_string(tip)}];")
        return node

    def _source(self, name: str, value: object) -> str:
        known = self.latest.get(fact_key(name))
        if known is not None and _same(known[1], value):
            return known[0]
        node = _node_id(self.actor, _loose_key(name, value))
        names = self.loose.setdefault(node, ([], value))[0]
        if name not in names:
            names.append(name)
        return node

    def lines(self) -> list[str]:
        loose = [
            f"  {node} [label={_dot_string(' = '.join(names) + NL + _text(value))}, "
            "shape=ellipse, style=dashed];"
            for node, (names, value) in self.loose.items()
        ]
        return self.nodes + loose + list(self.edges)


def _loose_key(name: str, value: object) -> str:
    """Inputs no fact produced share a node when they carry the same bytes (g_y, g_xr)."""
    if isinstance(value, (bytes, bytearray)) and len(value) >= 8:
        return "input_" + bytes(value[:8]).hex()
    return "input_" + fact_key(name)


def derivation_dot(facts: Iterable[Fact], title: str = "Key derivation") -> str:
    """DOT source of the derivation graph: one box per fact, an edge per input used.

    Facts of different actors go into separate clusters (one per peer).
    """
    all_facts = list(facts)
    actors = list(dict.fromkeys(f.actor for f in all_facts))
    lines = [
        f"digraph {_dot_string(title)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
    ]
    for number, actor in enumerate(actors):
        graph = _Graph(actor)
        for fact in all_facts:
            if fact.actor == actor:
                graph.add(fact)
        body = graph.lines()
        if actor:
            lines.append(f"  subgraph cluster_{number} {{ label={_dot_string(actor)};")
            lines += [*body, "  }"]
        else:
            lines += body
    lines.append("}")
    return "\n".join(lines) + "\n"


def derivation_html(
    facts: Iterable[Fact], title: str = "Key derivation", renderer: DotRenderer | None = None
) -> str:
    """The derivation graph as inline SVG (or its DOT source when no renderer exists), with a
    text description and the same arrows as a table (what each value was computed from)."""
    all_facts = list(facts)
    desc = f"{len(all_facts)} values, each with arrows from the values it was computed from."
    rows = [
        (esc(f.actor or "—"), f"<b>{esc(f.name)}</b>", esc(", ".join(f.inputs) or "—"))
        for f in all_facts
    ]
    listing = table(("computed by", "value", "computed from"), rows)
    return (
        diagram_html(derivation_dot(all_facts, title), renderer, title, desc=desc)
        + f"<details><summary>{esc(title)} as a table</summary>{listing}</details>"
    )
