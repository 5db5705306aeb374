"""Fixtures for real-browser notebook tests: a JupyterLab on 127.0.0.1 (one per test module),
Debian's Chromium (one per session) and a fresh page per test.

Without Chromium or Playwright the tests skip locally and fail in CI (``tests.conftest.require``).
A failing test leaves ``artifacts/browser/FAILED-<test>.png`` and the server log beside it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.jupyter import JupyterLabServer
from tests.browser.notebook import ARTIFACTS, CHROMIUM, Notebook, chromium
from tests.conftest import require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

VIEWPORT: ViewportSize = {"width": 1280, "height": 1400}
SMALL_SCREEN: ViewportSize = {"width": 1280, "height": 800}
"""The screen the layout tests check readability on (issue 18: 1280×800 at 100 % zoom)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real JupyterLab in Chromium (deselect with -m 'not browser')"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test."""
    for item in items:
        if "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser_prerequisites() -> None:
    """Debian's chromium, the playwright package (no downloaded browser) and jupyterlab."""
    require(
        os.access(CHROMIUM, os.X_OK),
        f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
    )
    require(
        importlib.util.find_spec("playwright") is not None,
        "needs the playwright package (pip install playwright; never `playwright install`)",
    )
    require(importlib.util.find_spec("jupyterlab") is not None, "needs jupyterlab")


@pytest.fixture(scope="session")
def browser(browser_prerequisites: None) -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def jupyter_server(browser_prerequisites: None) -> Iterator[JupyterLabServer]:
    """JupyterLab serving a temporary folder; write test notebooks into ``.root_dir``."""
    with JupyterLabServer() as server:
        yield server


@pytest.fixture
def notebook_page(
    request: pytest.FixtureRequest, browser: Browser, jupyter_server: JupyterLabServer
) -> Iterator[Notebook]:
    """A fresh browser context on the module's server; screenshot + log kept on failure."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    notebook = Notebook(context.new_page(), jupyter_server)
    try:
        yield notebook
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = f"FAILED-{request.node.name}"
            notebook.screenshot(name)
            (ARTIFACTS / f"{name}.jupyter.log").write_text(jupyter_server.log(100_000))
        context.close()
        jupyter_server.shutdown_kernels()


@pytest.fixture
def small_page(browser: Browser, jupyter_server: JupyterLabServer) -> Iterator[Notebook]:
    """A :data:`SMALL_SCREEN` page (``notebook_page`` is taller, for whole-output screenshots)."""
    context = browser.new_context(viewport=SMALL_SCREEN)
    context.set_default_timeout(30_000)
    try:
        yield Notebook(context.new_page(), jupyter_server)
    finally:
        context.close()
        jupyter_server.shutdown_kernels()
