"""A Playwright page object for one notebook in a real JupyterLab, in Debian's Chromium.

:class:`Notebook` drives one notebook through Playwright's sync API: open, wait for an idle
kernel, Run All, wait until every cell has run, then click widget buttons and tabs, type into
widget text boxes, read widget HTML and inline SVG, and save screenshots as test artifacts.

The races seen on this machine (shared/notes/jupyter-testing.md) are handled by waiting for
the DOM, never by sleeping: Run All is clicked only after the status bar says ``| Idle`` and is
retried while the menu item is disabled; widget views are located with auto-waiting locators.

A test reads (fixtures from ``conftest.py``; widgets tagged with ``.add_class("vt-...")``)::

    write_notebook(jupyter_server.root_dir / "nb.ipynb", [cell_source, ...])
    nb = notebook_page
    nb.run("nb.ipynb", expected_cells=2)            # open, kernel idle, Run All, all done
    nb.click_button("Next ▶")
    expect(nb.current_state_titles("vt-diagram")).to_have_text(["IKE_I_MM2"])
    nb.click_tab("Message")
    expect(nb.html_widget("vt-message")).to_contain_text("...", use_inner_text=True)
    nb.screenshot("name", of=nb.cell_output(1))     # artifacts/browser/name.png
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.jupyter import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright

    from tests.browser.jupyter import JupyterLabServer

# Debian's binary (the /usr/bin/chromium wrapper prints a shell warning); override for elsewhere
CHROMIUM = Path(os.environ.get("VPNTEACH_CHROMIUM", "/usr/lib/chromium/chromium"))
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
ARTIFACTS = Path(os.environ.get("VPNTEACH_ARTIFACTS", REPO / "artifacts")) / "browser"
CURRENT_MARK = "◀ current"  # vpnteach.ui.statechart.CURRENT_MARK, in the current node's label
CELL_TIMEOUT_MS = 60_000
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = _launch(pw)
        try:
            yield browser
        finally:
            browser.close()


def _launch(pw: Playwright) -> Browser:
    return pw.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
    )


# Runs in the page: the prompts of the open notebook's code cells and its error outputs
# (read from the notebook model: a stderr stream and a traceback look the same in the DOM).
_CELLS_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return {prompts: [], errors: [], tracebacks: []};
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  const cells = widget && widget.content && widget.content.model
    ? widget.content.model.cells : null;
  const errors = [], tracebacks = [];
  if (cells) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.type !== 'code') continue;
      for (let j = 0; j < cell.outputs.length; j++) {
        const out = cell.outputs.get(j).toJSON();
        if (out.output_type !== 'error') continue;
        errors.push(out.ename + ': ' + out.evalue);
        tracebacks.push(`cell ${i}: ` + out.traceback.join('\\n'));
      }
    }
  }
  return {prompts, errors, tracebacks};
}"""
_CELLS_DONE_JS = """(expected) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  if (prompts.length === 0 || (expected && prompts.length !== expected)) return false;
  if (prompts.some(p => p.includes('*'))) return false;
  if (prompts.every(p => /\\[\\d+\\]/.test(p))) return true;
  // Run All stops at a failing cell: the cells after it keep an empty prompt
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const cells = widget && widget.content && widget.content.model && widget.content.model.cells;
  if (!cells) return false;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++)
      if (cell.outputs.get(j).type === 'error') return true;
  }
  return false;
}"""


class CellError(AssertionError):
    """A cell raised (the message has each failing cell's traceback)."""


class Notebook:
    """One notebook of ``server`` in a Playwright ``page`` (sync API)."""

    def __init__(self, page: Page, server: JupyterLabServer, artifacts: Path = ARTIFACTS) -> None:
        self.page = page
        self.server = server
        self.artifacts = artifacts

    # -- opening and running -------------------------------------------------------------
    def open(self, path: str) -> Notebook:
        """Open ``path`` (relative to the server's root) in a fresh workspace."""
        self.page.goto(self.server.url(f"lab/tree/{path}", reset=""))
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=CELL_TIMEOUT_MS)
        return self

    def wait_kernel_idle(self, timeout_ms: int = CELL_TIMEOUT_MS) -> None:
        """Wait until the status bar reads ``... | Idle`` (the kernel is up and connected)."""
        status = self.page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
        status.first.wait_for(timeout=timeout_ms)

    def run_all(self, attempts: int = 50) -> None:
        """Run ▸ Run All Cells, through the menu as a user would; retried while disabled."""
        # a code cell: a rendered Markdown cell has no visible editor to click
        self.page.locator(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-editor").first.click()
        item = self.page.locator('li[data-command="runmenu:run-all"]')
        for _ in range(attempts):
            self.page.locator(".lm-MenuBar-itemLabel", has_text=_exact("Run")).click()
            item.wait_for()
            if "lm-mod-disabled" not in (item.get_attribute("class") or ""):
                item.click()
                return
            self.page.keyboard.press("Escape")
            self.page.wait_for_timeout(200)
        raise AssertionError(f"Run All stayed disabled after {attempts} tries")

    def run(self, path: str, expected_cells: int | None = None, allow_errors: bool = False) -> None:
        """``open``, ``wait_kernel_idle``, ``run_all`` and ``wait_all_cells_done`` in one call."""
        self.open(path)
        self.wait_kernel_idle()
        self.run_all()
        self.wait_all_cells_done(expected_cells, allow_errors=allow_errors)

    def wait_all_cells_done(
        self,
        expected_cells: int | None = None,
        timeout_ms: int = CELL_TIMEOUT_MS,
        allow_errors: bool = False,
    ) -> list[str]:
        """Wait until no cell shows ``[*]`` and every code cell has an execution count (or a
        cell failed, which stops Run All); raise :class:`CellError` on an error output unless
        ``allow_errors``. Returns the prompts, e.g. ``["[1]:", "[2]:"]``."""
        self.page.wait_for_function(_CELLS_DONE_JS, arg=expected_cells, timeout=timeout_ms)
        cells: dict[str, list[str]] = self.page.evaluate(_CELLS_JS)
        if cells["errors"] and not allow_errors:
            tracebacks = "\n---\n".join(_ANSI.sub("", t) for t in cells["tracebacks"])
            raise CellError(f"{', '.join(cells['errors'])}\n{tracebacks}")
        return cells["prompts"]

    def errors(self) -> list[str]:
        """``"ename: evalue"`` of every error output of the open notebook, in cell order
        (read from the notebook model, so a stderr warning is not counted)."""
        errors: list[str] = self.page.evaluate(_CELLS_JS)["errors"]
        return errors

    # -- widgets -----------------------------------------------------------------------------
    def button(self, text: str) -> Locator:
        """The (single) ipywidgets button whose label is exactly ``text``."""
        return self.page.locator(".jupyter-widgets button.widget-button").filter(
            has_text=_exact(text)
        )

    def click_button(self, text: str) -> None:
        """Click the ipywidgets button labelled ``text`` once its view has rendered."""
        button = self.button(text)
        button.wait_for(state="visible")
        button.click()

    def click_tab(self, title: str) -> None:
        """Select the ``ipywidgets.Tab`` page titled exactly ``title``."""
        tab = self.page.locator(".jupyter-widgets .lm-TabBar-tab").filter(
            has=self.page.locator(".lm-TabBar-tabLabel", has_text=_exact(title))
        )
        tab.wait_for(state="visible")
        tab.click()
        expect(tab).to_have_class(re.compile(r"\blm-mod-current\b"))

    def html_widget(self, dom_class: str) -> Locator:
        """The content of the ``ipywidgets.HTML`` widget given ``.add_class(dom_class)``."""
        return self.page.locator(f".jupyter-widgets.{dom_class} .widget-html-content")

    def html_widget_text(self, dom_class: str) -> str:
        """Visible text of that HTML widget (waits until its view exists)."""
        content = self.html_widget(dom_class)
        content.wait_for(state="attached")
        return content.inner_text()

    def type_into(self, selector: str, value: str) -> None:
        """Replace the text of the text widget matched by ``selector`` (a widget DOM class
        selector like ``.vt-answer``, or any CSS that reaches its ``input``/``textarea``)."""
        field = self.page.locator(f"{selector} input, {selector} textarea, input{selector}")
        field.first.wait_for(state="visible")
        field.first.fill(value)
        field.first.dispatch_event("change")  # continuous_update=False widgets sync on change

    def current_state_titles(self, dom_class: str | None = None) -> Locator:
        """The ``<title>`` (state name) of each state-diagram node marked ``◀ current`` in the
        inline SVG of HTML widgets (all of them, or the one with ``dom_class``); for
        ``expect(...).to_have_text([...])``, which waits for a widget update."""
        scope = self.html_widget(dom_class) if dom_class else self.page.locator(".jp-Notebook")
        marked = self.page.locator("text", has_text=CURRENT_MARK)
        return scope.locator("svg g.node").filter(has=marked).locator("title")

    def svg_current_states(self, dom_class: str | None = None) -> list[str]:
        """The state names marked current right now (no waiting), e.g. ``["IKE_I_MM2"]``."""
        return [t.strip() for t in self.current_state_titles(dom_class).all_text_contents()]

    # -- artifacts ---------------------------------------------------------------------------
    def screenshot(self, name: str, of: Locator | None = None) -> Path:
        """Save ``artifacts/browser/<name>.png``: the page as shown, or with ``of`` the whole
        element (e.g. :meth:`cell_output`), scrolled into view; returns the path."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{name}.png"
        if of is None:
            self.page.screenshot(path=str(path))
        else:
            with self._tall_enough_for(of):
                of.scroll_into_view_if_needed()
                of.screenshot(path=str(path))
        return path

    @contextlib.contextmanager
    def _tall_enough_for(self, element: Locator) -> Iterator[None]:
        """Grow the viewport while ``element`` is taller than it: the notebook scrolls inside
        its own panel, so a taller element would otherwise be cut off."""
        size, box = self.page.viewport_size, element.bounding_box()
        if size is None or box is None or box["height"] + 200 <= size["height"]:
            yield
            return
        self.page.set_viewport_size({"width": size["width"], "height": int(box["height"]) + 300})
        try:
            yield
        finally:
            self.page.set_viewport_size(size)

    def cell_output(self, index: int) -> Locator:
        """The output area of the ``index``-th code cell (0-based; not the output areas of
        ``ipywidgets.Output`` widgets inside it)."""
        return (
            self.page.locator(".jp-NotebookPanel .jp-CodeCell")
            .nth(index)
            .locator(".jp-Cell-outputArea")
        )


def expect(target: Locator) -> Any:
    """Playwright's auto-waiting ``expect``, imported only when a test runs (a missing
    playwright then skips or fails through the fixtures, never at collection)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _exact(text: str) -> re.Pattern[str]:
    """A regex matching the whole (trimmed) text, for ``Locator.filter(has_text=...)``."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")
