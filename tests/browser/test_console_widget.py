"""``lab.branch1.console()`` in a real JupyterLab: type ``conf t``, a policy, ``end`` and
``show crypto isakmp policy``; ``?`` answers as soon as it is typed."""

from __future__ import annotations

import pytest

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.notebook import Notebook, expect

CELLS = [
    "import vpnteach.ui\nfrom vpnteach.lab import Lab\nlab = Lab.seed()",
    "lab.branch1.console()",
]


@pytest.fixture(scope="module")
def console_notebook(jupyter_server: JupyterLabServer) -> str:
    write_notebook(jupyter_server.root_dir / "console.ipynb", CELLS)
    return "console.ipynb"


def test_typing_a_policy_into_the_console_widget(
    notebook_page: Notebook, console_notebook: str
) -> None:
    nb = notebook_page
    nb.run(console_notebook, expected_cells=len(CELLS))
    field = nb.page.locator(".vt-console-input input")
    field.wait_for(state="visible")
    screen = nb.html_widget("vt-console-screen")
    for line in ("enable", "conf t", "crypto isakmp policy 20", "encryption aes 256", "end"):
        field.fill(line)
        field.press("Enter")
        expect(screen).to_contain_text(line)
    field.press_sequentially("show crypto isakmp ?", delay=30)  # typed, not pasted
    expect(screen).to_contain_text("policy  Show ISAKMP protection suite policies")
    expect(field).to_have_value("show crypto isakmp ")  # the line given back, without "?"
    field.press_sequentially("policy", delay=30)
    expect(field).to_have_value("show crypto isakmp policy")
    field.press("Enter")
    expect(screen).to_contain_text("Protection suite of priority 20")
    expect(screen).to_contain_text("AES - Advanced Encryption Standard (256 bit keys).")
    nb.screenshot("console-widget", of=nb.cell_output(1))
    assert nb.errors() == []
