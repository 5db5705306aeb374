"""The no-code demo page in Voilà, in Chromium at 1280×800 (issue 18, must show).

The README's Binder link opens ``voila/render/notebooks/demo.ipynb``; here the same path is
served by a real Jupyter server (Voilà's server extension, as on Binder). The test opens it,
sees the topology with the tunnel down, clicks **Ping**, sees the tunnel up (in the status
line and in the picture), steps the stepper, opens the keys and the decrypted capture, turns
on large text, and checks the page with axe-core and the readability measurements.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.jupyter import REPO, JupyterLabServer
from tests.browser.layout import axe_available, axe_violations, layout_problems
from tests.browser.notebook import ARTIFACTS, expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

DEMO = "notebooks/demo.ipynb"
LOAD_TIMEOUT_MS = 120_000  # Voilà runs the notebook before the page shows it


@pytest.fixture(scope="module")
def demo_url(jupyter_server: JupyterLabServer) -> str:
    target = jupyter_server.root_dir / DEMO
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / DEMO, target)
    return jupyter_server.url(f"voila/render/{DEMO}")


@pytest.fixture
def page(browser: Browser, jupyter_server: JupyterLabServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()
        jupyter_server.shutdown_kernels()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ping_brings_the_tunnel_up_and_the_stepper_steps(page: Page, demo_url: str) -> None:
    page.goto(demo_url)
    demo = page.locator(".vt-demo")
    demo.wait_for(timeout=LOAD_TIMEOUT_MS)
    topology = page.locator(".vt-topology")
    expect(topology).to_contain_text("IPsec tunnel down")
    for label in ("Branch1", "Branch2", "WIN2003", "Se1/0 10.1.1.1/24", "Fa0/0 192.168.22.1/24"):
        expect(topology).to_contain_text(label)
    _shot(page, "voila-demo-opened")

    page.locator(".vt-demo-ping button, button.vt-demo-ping").first.click()
    status = page.locator(".vt-demo-status")
    expect(status).to_contain_text("tunnel UP", timeout=LOAD_TIMEOUT_MS)
    expect(status).to_contain_text(".!!!!")
    expect(page.locator(".vt-topology")).to_contain_text("IPsec tunnel UP")

    title = page.locator(".vt-stepper-title")
    expect(title).to_contain_text("Step 0 of")
    page.locator("button.vt-stepper-next").click()
    expect(title).to_contain_text("Step 1 of")
    page.locator("button.vt-stepper-next").click()
    expect(title).to_contain_text("Step 2 of")
    _shot(page, "voila-demo-stepper")

    for tab, css, text in (
        ("Keys", ".vt-demo-keys", "SKEYID_e"),
        ("Decrypted capture", ".vt-demo-capture", "192.168.11.1 → 192.168.22.1 ICMP"),
    ):
        page.locator(".vt-demo-tabs > .lm-TabBar .lm-TabBar-tab", has_text=tab).click()
        expect(page.locator(css)).to_contain_text(text)
        _shot(page, f"voila-demo-{css[9:]}")
    problems = layout_problems(demo, page.locator("body"))
    assert problems["small"] == [] and problems["wide"] == [], problems

    page.locator("button.vt-demo-large").click()
    expect(demo).to_have_class(has_class("vt-large"))
    zoom = demo.evaluate("el => getComputedStyle(el).zoom")
    assert float(zoom) == pytest.approx(1.4)
    intro = page.locator(".jp-RenderedMarkdown").first.evaluate("el => getComputedStyle(el).zoom")
    assert float(intro) == pytest.approx(1.4)  # the page's text too
    _shot(page, "voila-demo-large")


def test_axe_finds_no_serious_violation_on_the_voila_page(page: Page, demo_url: str) -> None:
    axe_available()
    page.goto(demo_url)
    page.locator(".vt-demo").wait_for(timeout=LOAD_TIMEOUT_MS)
    before = axe_violations(page, "body")
    page.locator("button.vt-demo-ping").click()
    expect(page.locator(".vt-demo-status")).to_contain_text("tunnel UP", timeout=LOAD_TIMEOUT_MS)
    after = axe_violations(page, "body")
    assert before == [] and after == [], json.dumps({"before": before, "after": after}, indent=1)


def has_class(name: str) -> object:
    """A regex matching a class list that contains ``name``."""
    import re

    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")
