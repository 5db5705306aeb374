"""State diagrams come from the engine's transition tables: every row is an edge."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import MAIN_MODE, QUICK_MODE, TransitionTable
from vpnteach.ui.graphviz_backend import DotRenderer
from vpnteach.ui.statechart import CURRENT_MARK, edge_label, state_diagram_dot, state_diagram_html

EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)" \[label="([^"]*)"', re.MULTILINE)
NODE_LINE = '  "{}"'

TABLES = pytest.mark.parametrize("table", [MAIN_MODE, QUICK_MODE], ids=lambda t: t.name)


@TABLES
def test_dot_has_exactly_one_labelled_edge_per_table_row(table: TransitionTable) -> None:
    found = Counter(EDGE.findall(state_diagram_dot(table, fold_teardown=False)))
    wanted = Counter(
        (m.state.value, m.next_state.value, edge_label(m).replace("\n", "\\n")) for m in table.moves
    )
    assert found == wanted
    for m in table.moves:
        assert m.input.event.value in edge_label(m) and f"{m.handler_name}()" in edge_label(m)


@TABLES
def test_rendered_svg_draws_every_edge_and_state(
    table: TransitionTable, system_dot: DotRenderer
) -> None:
    page = state_diagram_html(table, renderer=system_dot, fold_teardown=False)
    assert_well_formed(page)
    (svg,) = svg_elements(page)
    groups = [el for el in svg.iter() if local(el.tag) == "g"]

    def titles(kind: str) -> list[str]:
        return [
            html.unescape(g.findtext("{http://www.w3.org/2000/svg}title") or "")
            for g in groups
            if g.get("class") == kind
        ]

    assert Counter(titles("edge")) == Counter(
        f"{m.state.value}->{m.next_state.value}" for m in table.moves
    )
    assert set(titles("node")) == {s.value for s in table.states()}
    svg_text = " ".join(t.text or "" for t in svg.iter() if local(t.tag) == "text")
    for m in table.moves:
        assert f"{m.handler_name}()" in svg_text


def _node_line(dot: str, state: IkeState) -> str:
    return next(line for line in dot.splitlines() if line.startswith(NODE_LINE.format(state)))


def test_current_state_of_each_peer_is_marked_in_text_and_border() -> None:
    current = {"Branch1": IkeState.IKE_I_MM2, "Branch2": IkeState.IKE_R_MM2}
    dot = state_diagram_dot(MAIN_MODE, current)
    for peer, state in current.items():
        line = _node_line(dot, state)
        assert f"{CURRENT_MARK}: {peer}" in line
        assert "penwidth=3" in line and "bold" in line
    assert CURRENT_MARK not in _node_line(dot, IkeState.IKE_I_MM3)
    assert dot.count(CURRENT_MARK) == 2


def test_two_peers_in_one_state_are_both_named() -> None:
    dot = state_diagram_dot(
        MAIN_MODE, {"Branch1": IkeState.IKE_P1_COMPLETE, "Branch2": IkeState.IKE_P1_COMPLETE}
    )
    assert f"{CURRENT_MARK}: Branch1, Branch2" in _node_line(dot, IkeState.IKE_P1_COMPLETE)


def test_a_current_state_outside_the_table_is_still_drawn() -> None:
    dot = state_diagram_dot(MAIN_MODE, IkeState.IKE_DEST_SA)
    assert CURRENT_MARK in _node_line(dot, IkeState.IKE_DEST_SA)


def test_roles_differ_by_line_style_not_only_colour() -> None:
    dot = state_diagram_dot(MAIN_MODE)
    send_mm1 = next(line for line in dot.splitlines() if "send_mm1()" in line)
    receive_mm1 = next(line for line in dot.splitlines() if "receive_mm1()" in line)
    assert "[I]" in send_mm1 and "style=solid" in send_mm1
    assert "[R]" in receive_mm1 and "style=dashed" in receive_mm1


def test_current_state_is_visible_in_the_rendered_svg(system_dot: DotRenderer) -> None:
    page = state_diagram_html(MAIN_MODE, {"Branch1": IkeState.IKE_I_MM4}, system_dot)
    (svg,) = svg_elements(page)
    texts = [t.text or "" for t in svg.iter() if local(t.tag) == "text"]
    assert f"{CURRENT_MARK}: Branch1" in texts


def test_teardown_rows_are_folded_into_one_note_with_one_arrow() -> None:
    dot = state_diagram_dot(MAIN_MODE)
    edges = EDGE.findall(dot)
    teardown = [m for m in MAIN_MODE.moves if m.next_state is IkeState.IKE_DEST_SA]
    assert len(teardown) >= 16
    assert len(edges) == len(MAIN_MODE.moves) - len(teardown)  # every other row: one edge
    assert not any(to == "IKE_DEST_SA" for _, to, _ in edges)
    assert dot.count('-> "IKE_DEST_SA"') == 1  # the note's single dotted arrow
    note = next(line for line in dot.splitlines() if "shape=note" in line)
    assert "IKE_PHASE1_DEL from any state" in note
    assert "IKE_TIMER_EXPIRED from IKE_I_MM1,\\n  IKE_I_MM3, IKE_I_MM5,\\n  IKE_P1_COMPLETE" in note
    assert "delete_sa()" in note


@pytest.mark.parametrize("role", ["initiator", "responder"])
def test_one_role_draws_only_its_moves_and_those_of_both(role: str) -> None:
    dot = state_diagram_dot(MAIN_MODE, role=role)
    drawn = {(a, b) for a, b, _ in EDGE.findall(dot)}
    mine = {
        (m.state.value, m.next_state.value)
        for m in MAIN_MODE.moves
        if m.role in (role, "both") and m.next_state is not IkeState.IKE_DEST_SA
    }
    assert drawn == mine
    other = "IKE_R_MM3" if role == "initiator" else "IKE_I_MM3"
    assert other not in dot


def test_one_font_family_and_readable_sizes_everywhere() -> None:
    dot = state_diagram_dot(MAIN_MODE)
    fonts = set(re.findall(r'fontname="([^"]+)"', dot))
    assert len(fonts) == 1  # title (graph), nodes and edges alike
    assert min(int(n) for n in re.findall(r"fontsize=(\d+)", dot)) >= 9  # pt: 12 px


def test_the_html_has_svg_title_desc_and_a_table_of_every_move(system_dot: DotRenderer) -> None:
    page = state_diagram_html(
        MAIN_MODE, {"Branch1": IkeState.IKE_I_MM5}, system_dot, role="initiator"
    )
    text = assert_well_formed(page)
    (svg,) = svg_elements(page)
    assert svg.get("role") == "img"
    ids = (svg.get("aria-labelledby") or "").split()
    found = {el.get("id"): el.text for el in svg.iter() if local(el.tag) in ("title", "desc")}
    assert found[ids[0]] == "Main Mode — initiator"
    assert "Branch1 in IKE_I_MM5" in found[ids[1]]
    assert "Main Mode — initiator: every move as text" in text
    assert f"IKE_I_MM5 {CURRENT_MARK}: Branch1" in text
