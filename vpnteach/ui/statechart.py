"""State-machine diagrams drawn from the engine's own transition tables.

Each :class:`~vpnteach.ike.transitions.Move` row becomes one edge labelled with its input
event and handler, so the picture cannot drift from what the engine runs (the h11 idea).
Readable at 100 % zoom: one font family for title, nodes and edges (:data:`FONT`), no text
under 9 pt (12 px at its natural size), and two ways to keep the picture small:

* ``role="initiator"`` / ``"responder"`` draws one role's moves (and the moves of both);
* ``fold_teardown=True`` (the default) folds the moves into ``IKE_DEST_SA`` (RFC 2408 §5.15
  deletion, a timer giving up: about 16 ``delete_sa()`` rows in Main Mode) into one note with
  a single arrow, listing the states and inputs in words.

The current state of each peer is marked three ways, never by colour alone: a bold, thicker
border, a yellow fill, and the text ``◀ current: Branch1`` in the node's label. Roles are told
apart by line style as well as colour: initiator solid, responder dashed, both bold. Every
diagram carries an SVG ``<title>``/``<desc>`` and a table view (:func:`state_table_html`) with
the same rows in text (WCAG 2.1 1.1.1).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import Move, TransitionTable
from vpnteach.ui.graphviz_backend import DotRenderer, diagram_html
from vpnteach.ui.markup import esc
from vpnteach.ui.markup import table as html_table

CURRENT_MARK = "◀ current"
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
_ROLE_STYLE = {
    "initiator": ("I", "solid", "#1f4e9e"),
    "responder": ("R", "dashed", "#1d6b2f"),
    "both": ("I+R", "bold", "black"),
}
TEARDOWN_NOTE = "teardown"

Current = Mapping[str, IkeState] | IkeState | None


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _peers_at(current: Current) -> dict[IkeState, list[str]]:
    """``{state: [peer names]}`` from a mapping, a single state or nothing."""
    if current is None:
        return {}
    if isinstance(current, IkeState):
        return {current: [""]}
    found: dict[IkeState, list[str]] = {}
    for peer, state in current.items():
        found.setdefault(state, []).append(peer)
    return found


def is_teardown(move: Move) -> bool:
    """A move that ends the SA: into ``IKE_DEST_SA`` (RFC 2408 §5.15)."""
    return move.next_state is IkeState.IKE_DEST_SA


def shown_moves(
    table: TransitionTable, role: str | None = None, fold_teardown: bool = True
) -> list[Move]:
    """The rows drawn as edges: one role's (and both roles') rows, teardown folded or not."""
    return [
        m
        for m in table.moves
        if (role is None or m.role in (role, "both")) and not (fold_teardown and is_teardown(m))
    ]


def teardown_text(table: TransitionTable, role: str | None = None) -> str:
    """The folded teardown rows in words: which inputs end the SA from which states (of
    ``role``'s diagram when given)."""
    drawn = {s for m in shown_moves(table, role) for s in (m.state.value, m.next_state.value)}
    by_input: dict[str, list[str]] = {}
    handlers: dict[str, None] = {}
    for move in table.moves:
        if is_teardown(move) and (role is None or move.state.value in drawn):
            by_input.setdefault(move.input.event.value, []).append(move.state.value)
            handlers[f"{move.handler_name}()"] = None
    everywhere = drawn if role else {s.value for s in table.states()}
    everywhere -= {IkeState.IKE_DEST_SA.value}
    lines = []
    for event, states in by_input.items():
        where = "any state" if set(states) >= everywhere else ", ".join(states)
        lines += textwrap.wrap(f"{event} from {where}", 36, subsequent_indent="  ")
    return "\n".join([*lines, f"→ IKE_DEST_SA by {', '.join(handlers)}"])


def edge_label(move: Move, with_role: bool = True) -> str:
    """``"[I] IKE_MM_EXCH\\nreceive_mm2()"``: role, input event, handler (plain text); a
    one-role diagram leaves the role out."""
    role = f"[{_ROLE_STYLE[move.role][0]}] " if with_role else ""
    return f"{role}{move.input.event.value}\n{move.handler_name}()"


def _node(state: IkeState, peers: list[str]) -> str:
    if not peers:
        return f"  {_q(state.value)};"
    who = ", ".join(p for p in peers if p)
    mark = f"{CURRENT_MARK}: {who}" if who else CURRENT_MARK
    label = _q(f"{state.value}\n{mark}")
    return (
        f"  {_q(state.value)} [label={label}, penwidth=3, "
        'style="rounded,bold,filled", fillcolor="#fff2a8"];'
    )


def _edge(move: Move, with_role: bool = True) -> str:
    _, style, colour = _ROLE_STYLE[move.role]
    return (
        f"  {_q(move.state.value)} -> {_q(move.next_state.value)} "
        f"[label={_q(edge_label(move, with_role))}, style={style}, color={_q(colour)}, "
        f"fontcolor={_q(colour)}, tooltip={_q(f'{move.input} / {move.handler_name}()')}];"
    )


def diagram_title(table: TransitionTable, role: str | None = None) -> str:
    """``"Main Mode — initiator"`` or ``"Main Mode"``."""
    return f"{table.name} — {role}" if role else table.name


def state_diagram_dot(
    table: TransitionTable,
    current: Current = None,
    role: str | None = None,
    fold_teardown: bool = True,
) -> str:
    """DOT source of ``table``: every state a node, every shown row an edge; current marked.

    Args:
        table: e.g. :data:`vpnteach.ike.transitions.MAIN_MODE`.
        current: ``{"Branch1": IkeState.IKE_I_MM2, "Branch2": IkeState.IKE_R_MM2}``, or one
            state, or ``None``.
        role: ``"initiator"`` or ``"responder"`` for one role's moves; ``None`` for all.
        fold_teardown: the moves into ``IKE_DEST_SA`` as one note instead of one edge each.
    """
    at = _peers_at(current)
    moves = shown_moves(table, role, fold_teardown)
    legend = " — [I] initiator (solid), [R] responder (dashed)" if role is None else ""
    lines = [
        f"digraph {_q(table.name)} {{",
        f"  label={_q(diagram_title(table, role) + legend)};",
        f'  labelloc=t; rankdir=TB; nodesep=0.2; ranksep=0.3; fontname="{FONT}"; fontsize=12;',
        f'  node [shape=box, style=rounded, fontname="{FONT}", fontsize=11, margin="0.08,0.03"];',
        f'  edge [fontname="{FONT}", fontsize=9];',
    ]
    states: list[IkeState] = []
    for m in moves:
        states += [s for s in (m.state, m.next_state) if s not in states]
    folded = fold_teardown and any(is_teardown(m) for m in table.moves)
    if folded and IkeState.IKE_DEST_SA not in states:
        states.append(IkeState.IKE_DEST_SA)
    states += [s for s in at if s not in states]  # e.g. IKE_DEST_SA after an error
    lines += [_node(state, at.get(state, [])) for state in states]
    lines += [_edge(move, role is None) for move in moves]
    if folded:
        note = _q(teardown_text(table, role))
        lines.append(f"  {_q(TEARDOWN_NOTE)} [shape=note, style=solid, label={note}];")
        lines.append(f"  {_q(TEARDOWN_NOTE)} -> {_q(IkeState.IKE_DEST_SA.value)} [style=dotted];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def state_table_html(
    table: TransitionTable,
    current: Current = None,
    role: str | None = None,
    fold_teardown: bool = True,
) -> str:
    """The diagram's rows as a text table: from, input, handler, to, role; current marked."""
    at = _peers_at(current)

    def state_cell(state: IkeState) -> str:
        peers = [p for p in at.get(state, []) if p]
        mark = f" <b>{esc(CURRENT_MARK)}: {esc(', '.join(peers))}</b>" if state in at else ""
        return f"<code>{esc(state.value)}</code>{mark}"

    rows = [
        (
            state_cell(m.state),
            f"<code>{esc(m.input.event.value)}</code>",
            f"<code>{esc(m.handler_name)}()</code>",
            state_cell(m.next_state),
            esc(m.role),
        )
        for m in shown_moves(table, role, fold_teardown)
    ]
    if fold_teardown and any(is_teardown(m) for m in table.moves):
        text = esc(teardown_text(table, role)).replace("\n", "<br>")
        rows.append((text, "", "", state_cell(IkeState.IKE_DEST_SA), "both"))
    headers = ("from state", "input", "handler", "to state", "role")
    return html_table(headers, rows, f"{diagram_title(table, role)}: every move as text")


def state_diagram_html(
    table: TransitionTable,
    current: Current = None,
    renderer: DotRenderer | None = None,
    role: str | None = None,
    fold_teardown: bool = True,
) -> str:
    """The state diagram as inline SVG (or DOT source with a note when nothing renders),
    with an SVG title/description and the same moves as a table under a disclosure."""
    title = diagram_title(table, role)
    marked = ", ".join(
        f"{' and '.join(p for p in peers if p) or 'current'} in {state.value}"
        for state, peers in _peers_at(current).items()
    )
    desc = (
        f"State machine of {title}, {len(shown_moves(table, role, fold_teardown))} moves"
        + (f"; {marked}" if marked else "")
        + ". The table below lists every move as text."
    )
    picture = diagram_html(
        state_diagram_dot(table, current, role, fold_teardown),
        renderer,
        title,
        desc=desc,
        heading=False,  # the graph's own label is the title
    )
    listing = state_table_html(table, current, role, fold_teardown)
    return (
        f"<div class='vt-statechart'>{picture}"
        f"<details><summary>{esc(title)} as a table</summary>{listing}</details></div>"
    )
