"""Turn DOT source into inline SVG with whatever Graphviz renderer this machine has.

Order (see ``notes/jupyter-testing.md``): a system ``dot`` on ``PATH`` (real Graphviz), else the
static binary of the ``graphviz-pure`` wheel (so ``pip install vpnteach`` alone is enough), else
no renderer: :func:`diagram_html` then shows the DOT source with a note. The ``graphviz``
Python package runs the binary; for ``graphviz-pure`` we point
``graphviz.backend.dot_command.DOT_BINARY`` at its *absolute* path (a ``dot`` symlink would fail
when the kernel does not inherit the venv's ``PATH``) and never call ``graphviz.version()``,
which that binary does not answer.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vpnteach.ui.markup import esc

PURE_NAME = "graphviz-pure"
NO_RENDERER_NOTE = "Graphviz is not installed: showing the DOT source"
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


@dataclass(frozen=True)
class DotRenderer:
    """The renderer in use: ``kind`` is ``"system"``, ``"pure"`` or ``"none"``."""

    kind: Literal["system", "pure", "none"]
    path: str | None = None


def _pure_candidates() -> list[Path]:
    exe = PURE_NAME + (".exe" if sys.platform == "win32" else "")
    found = shutil.which(PURE_NAME)
    places = [Path(found)] if found else []
    places.append(Path(sys.executable).parent / exe)
    places.append(Path(sysconfig.get_path("scripts")) / exe)
    return places


def find_pure_binary() -> Path | None:
    """The absolute path of the ``graphviz-pure`` binary, if that wheel is installed."""
    for path in _pure_candidates():
        if path.is_file():
            return path.absolute()
    return None


def find_renderer() -> DotRenderer:
    """Look for a renderer now: system ``dot``, then ``graphviz-pure``, then none."""
    dot = shutil.which("dot")
    if dot:
        # absolute, but not resolved: Debian's dot is a symlink dispatching on its own name
        return DotRenderer("system", str(Path(dot).absolute()))
    pure = find_pure_binary()
    if pure is not None:
        return DotRenderer("pure", str(pure))
    return DotRenderer("none")


@functools.lru_cache(maxsize=1)
def current_renderer() -> DotRenderer:
    """:func:`find_renderer`, looked up once per process (``cache_clear()`` to look again)."""
    return find_renderer()


def render_svg(dot_source: str, renderer: DotRenderer | None = None) -> str | None:
    """``dot_source`` as an ``<svg>`` element (no XML prolog), or ``None`` without a renderer.

    Raises:
        ValueError: the renderer rejected the DOT source (its message says where).
    """
    chosen = renderer or current_renderer()
    if chosen.kind == "none" or chosen.path is None:
        return None
    try:
        import graphviz
        from graphviz.backend import dot_command
    except ImportError:  # the package is a dependency; without it run the binary directly
        return _strip_prolog(_run_binary(chosen.path, dot_source))
    dot_command.DOT_BINARY = Path(chosen.path)
    try:
        # quiet: Debian's dot warns about glyph widths of non-ASCII labels (◀, …) on stderr
        svg = graphviz.Source(dot_source).pipe(format="svg", encoding="utf-8", quiet=True)
    except graphviz.CalledProcessError as exc:
        raise ValueError(f"Graphviz could not render this DOT source: {exc.stderr!r}") from exc
    return _strip_prolog(svg)


def _run_binary(path: str, dot_source: str) -> str:
    done = subprocess.run(
        [path, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ValueError(f"Graphviz could not render this DOT source: {done.stderr.strip()}")
    return done.stdout


def _strip_prolog(svg: str) -> str:
    """Drop ``<?xml ...?>``, the DOCTYPE and comments before ``<svg`` so it can be inlined;
    let a wide diagram shrink to the notebook's width instead of overflowing it."""
    svg = _PROLOG.sub("", svg, count=1)
    return svg.replace("<svg ", "<svg style='max-width:100%;height:auto' ", 1)


def accessible_svg(svg: str, title: str, desc: str = "") -> str:
    """``svg`` as an image with a text alternative (WCAG 2.1 1.1.1): ``role="img"`` and
    ``aria-labelledby`` pointing at a ``<title>`` and ``<desc>`` first in the element."""
    key = hashlib.sha1(f"{title}\n{desc}\n{svg}".encode()).hexdigest()[:10]
    ids = f"vt-t-{key}" + (f" vt-d-{key}" if desc else "")
    head = f"<title id='vt-t-{key}'>{esc(title)}</title>"
    head += f"<desc id='vt-d-{key}'>{esc(desc)}</desc>" if desc else ""
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        return svg
    tag = opening.group(0)[:-1] + f" role='img' aria-labelledby='{ids}'>"
    return svg[: opening.start()] + tag + head + svg[opening.end() :]


def diagram_html(
    dot_source: str,
    renderer: DotRenderer | None = None,
    caption: str = "",
    desc: str = "",
    heading: bool = True,
) -> str:
    """Inline SVG of ``dot_source`` (titled ``caption``, described by ``desc`` for screen
    readers) or, without a renderer, the DOT text with a note; ``heading=False`` when the
    picture draws its own title."""
    svg = render_svg(dot_source, renderer)
    cap = f"<div style='font-weight:bold'>{esc(caption)}</div>" if caption and heading else ""
    if svg is None:
        return (
            f"<div class='vpnteach-diagram'>{cap}<p><em>{esc(NO_RENDERER_NOTE)}</em> "
            "(install the <code>graphviz-pure</code> wheel or Graphviz's <code>dot</code>).</p>"
            f"<pre>{esc(dot_source)}</pre></div>"
        )
    svg = accessible_svg(svg, caption or "diagram", desc)
    return f"<div class='vpnteach-diagram'>{cap}{svg}</div>"
