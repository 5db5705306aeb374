"""State-machine diagrams drawn from the engine's own transition tables.

Each :class:`~vpnteach.ike.transitions.Move` row becomes one edge labelled with its input
event and handler, so the picture cannot drift from what the engine runs (the h11 idea).
The current state of each peer is marked three ways, never by colour alone: a bold, thicker
border, a yellow fill, and the text ``◀ current: Branch1`` in the node's label. Roles are told
apart by line style as well as colour: initiator solid, responder dashed, both bold.
"""

from __future__ import annotations

from collections.abc import Mapping

from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import Move, TransitionTable
from vpnteach.ui.graphviz_backend import DotRenderer, diagram_html

CURRENT_MARK = "◀ current"
_ROLE_STYLE = {
    "initiator": ("I", "solid", "#1f4e9e"),
    "responder": ("R", "dashed", "#1d6b2f"),
    "both": ("I+R", "bold", "black"),
}

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


def edge_label(move: Move) -> str:
    """``"[I] IKE_MM_EXCH\\nreceive_mm2()"``: role, input event, handler (plain text)."""
    role = _ROLE_STYLE[move.role][0]
    return f"[{role}] {move.input.event.value}\n{move.handler_name}()"


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


def _edge(move: Move) -> str:
    _, style, colour = _ROLE_STYLE[move.role]
    return (
        f"  {_q(move.state.value)} -> {_q(move.next_state.value)} "
        f"[label={_q(edge_label(move))}, style={style}, color={_q(colour)}, "
        f"fontcolor={_q(colour)}, tooltip={_q(f'{move.input} / {move.handler_name}()')}];"
    )


def state_diagram_dot(table: TransitionTable, current: Current = None) -> str:
    """DOT source of ``table``: every state a node, every row an edge; current state marked.

    Args:
        table: e.g. :data:`vpnteach.ike.transitions.MAIN_MODE`.
        current: ``{"Branch1": IkeState.IKE_I_MM2, "Branch2": IkeState.IKE_R_MM2}``, or one
            state, or ``None``.
    """
    at = _peers_at(current)
    lines = [
        f"digraph {_q(table.name)} {{",
        f"  label={_q(table.name + ' — [I] initiator (solid), [R] responder (dashed)')};",
        "  labelloc=t; rankdir=TB;",
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    states = table.states()
    states += [s for s in at if s not in states]  # e.g. IKE_DEST_SA after an error
    lines += [_node(state, at.get(state, [])) for state in states]
    lines += [_edge(move) for move in table.moves]
    lines.append("}")
    return "\n".join(lines) + "\n"


def state_diagram_html(
    table: TransitionTable, current: Current = None, renderer: DotRenderer | None = None
) -> str:
    """The state diagram as inline SVG (or DOT source with a note when nothing renders)."""
    return diagram_html(state_diagram_dot(table, current), renderer, table.name)
