"""The three rendering paths: system dot, the graphviz-pure binary, no renderer at all."""

from __future__ import annotations

import html
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.ui import graphviz_backend as gb

DOT = 'digraph G { "SKEYID" -> "SKEYID_d" [label="prf(SKEYID, g^xy | CKY-I | CKY-R | 0)"]; }'


@pytest.fixture(autouse=True)
def _restore_dot_binary() -> Iterator[None]:
    """Rendering points graphviz at a binary; leave the module as each test found it."""
    from graphviz.backend import dot_command

    saved = dot_command.DOT_BINARY
    yield
    dot_command.DOT_BINARY = saved


def _no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    real = gb.shutil.which
    monkeypatch.setattr(gb.shutil, "which", lambda name: None if name == "dot" else real(name))


def _titles(svg_html: str) -> list[str]:
    (svg,) = svg_elements(svg_html)
    return [el.text or "" for el in svg.iter() if local(el.tag) == "title"]


def test_system_dot_is_preferred_when_on_path(system_dot: gb.DotRenderer) -> None:
    assert Path(system_dot.path or "").name == "dot"
    svg = gb.render_svg(DOT, system_dot)
    assert svg is not None and svg.startswith("<svg")
    assert "SKEYID->SKEYID_d" in _titles(svg)


def test_without_dot_the_graphviz_pure_binary_is_found_by_absolute_path(
    monkeypatch: pytest.MonkeyPatch, pure_dot: gb.DotRenderer
) -> None:
    _no_dot(monkeypatch)
    monkeypatch.setenv("PATH", "/nonexistent")  # a kernel that did not inherit the venv's PATH
    found = gb.find_renderer()
    assert found.kind == "pure"
    assert found.path is not None and Path(found.path).is_absolute()


def test_graphviz_pure_renders_the_same_graph_structure_as_dot(
    pure_dot: gb.DotRenderer,
) -> None:
    from graphviz.backend import dot_command

    svg = gb.render_svg(DOT, pure_dot)
    assert svg is not None and svg.startswith("<svg")
    assert str(dot_command.DOT_BINARY) == pure_dot.path
    assert "SKEYID->SKEYID_d" in _titles(svg)
    assert "prf(SKEYID, g^xy | CKY-I | CKY-R | 0)" in html.unescape(svg)


def test_without_any_renderer_the_dot_source_is_shown_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_dot(monkeypatch)
    monkeypatch.setattr(gb, "find_pure_binary", lambda: None)
    found = gb.find_renderer()
    assert found == gb.DotRenderer("none")
    assert gb.render_svg(DOT, found) is None
    page = gb.diagram_html(DOT, found, "Key derivation")
    text = assert_well_formed(page)
    assert gb.NO_RENDERER_NOTE in text
    assert DOT in text  # the source, escaped in the markup, reads back intact
    assert "<svg" not in page


def test_current_renderer_is_looked_up_once_and_can_be_refreshed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gb.current_renderer.cache_clear()
    first = gb.current_renderer()
    monkeypatch.setattr(gb, "find_renderer", lambda: gb.DotRenderer("none"))
    assert gb.current_renderer() is first
    gb.current_renderer.cache_clear()
    assert gb.current_renderer().kind == "none"
    monkeypatch.undo()
    gb.current_renderer.cache_clear()


def test_invalid_dot_is_a_value_error_naming_graphviz(system_dot: gb.DotRenderer) -> None:
    with pytest.raises(ValueError, match="Graphviz could not render"):
        gb.render_svg("digraph { a -> }", system_dot)


def test_inline_svg_has_no_xml_prolog_or_doctype(system_dot: gb.DotRenderer) -> None:
    page = gb.diagram_html(DOT, system_dot)
    assert "<?xml" not in page and "<!DOCTYPE" not in page
    assert_well_formed(page)


def test_without_the_graphviz_package_the_binary_is_run_directly(
    monkeypatch: pytest.MonkeyPatch, system_dot: gb.DotRenderer
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    svg = gb.render_svg(DOT, system_dot)
    assert svg is not None and "SKEYID->SKEYID_d" in _titles(svg)
    with pytest.raises(ValueError, match="Graphviz could not render"):
        gb.render_svg("digraph { a -> }", system_dot)
