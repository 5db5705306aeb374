"""Readability and accessibility checks run inside the page, on what Chromium really laid out.

:func:`layout_problems` measures one rendered widget with computed styles: every element that
shows text of its own (HTML or SVG) must be drawn at 11 px or more (an SVG text's font size is
multiplied by its on-screen scale, so a diagram shrunk to fit counts as shrunk), and no visible
element may reach outside the output area horizontally (nor may a scroll box scroll sideways).
:func:`axe_violations` injects axe-core (npm ``axe-core``, MPL-2.0, installed by
``tools/test.sh`` into ``.cache/npm``; never vendored) and returns the serious and critical
violations of WCAG 2.0/2.1 A and AA rules inside one element.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.jupyter import REPO
from tests.conftest import require

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

MIN_FONT_PX = 11.0
_AXE_DEFAULT = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_JS = Path(os.environ.get("VPNTEACH_AXE", _AXE_DEFAULT))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# In the page: (root element, the element it must stay inside horizontally) -> problems.
_MEASURE_JS = """([root, area, minPx]) => {
  const box = area.getBoundingClientRect();
  const small = [], wide = [], scrolls = [];
  const name = (el) => {
    const cls = (el.getAttribute('class') || '').split(/\\s+/).slice(0, 2).join('.');
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return `<${el.tagName.toLowerCase()}${cls ? '.' + cls : ''}> ${JSON.stringify(text)}`;
  };
  let texts = 0;
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (!el.getClientRects().length) continue;            // not rendered (display:none, closed)
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1))
      wide.push(`${name(el)} spans x ${Math.round(r.left)}..${Math.round(r.right)}, ` +
                `output area ${Math.round(box.left)}..${Math.round(box.right)}`);
    if (el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX))
      scrolls.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    texts += 1;
    let px = parseFloat(style.fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) {
      const m = el.getScreenCTM();
      px *= Math.hypot(m.a, m.b);
    }
    if (px < minPx - 0.05) small.push(`${name(el)} at ${px.toFixed(1)} px`);
  }
  return {small, wide, scrolls, texts};
}"""


def layout_problems(root: Locator, area: Locator) -> dict[str, Any]:
    """``{"small": [...], "wide": [...], "scrolls": [...], "texts": n}`` for ``root``."""
    handle_root, handle_area = root.element_handle(), area.element_handle()
    found: dict[str, Any] = root.page.evaluate(_MEASURE_JS, [handle_root, handle_area, MIN_FONT_PX])
    return found


def axe_available() -> None:
    """Skip locally (fail in CI) without the axe-core file."""
    require(
        AXE_JS.is_file(),
        f"needs axe-core at {AXE_JS} (tools/test.sh: npm install --prefix .cache/npm axe-core)",
    )


def axe_violations(page: Page, selector: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG A/AA violations inside ``selector`` (one entry
    per rule: id, impact, help and the first offending nodes' HTML)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        """async ([selector, tags]) => axe.run(document.querySelector(selector),
             {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        [selector, AXE_TAGS],
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["html"][:200] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
