"""The browser harness on what exists today: vpnteach widgets in a real JupyterLab + Chromium.

The notebook is written into the server's temporary folder by the test (``notebooks/`` keeps
only course material). Its buttons change an inline-SVG state diagram and an annotated hex dump
of a real MM1 encoded by ``vpnteach.wire``; a Text + Button + HTML loop checks an answer the
way the exercises of issue 8 will.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.jupyter import JupyterLabServer, write_notebook
from tests.browser.notebook import CellError, Notebook, expect

IMPORTS = """\
import ipywidgets as widgets
from IPython.display import display

import vpnteach.ui as ui
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import ike_transform_attributes
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import MAIN_MODE
from vpnteach.wire import (
    ExchangeType, IkeTransformId, IsakmpHeader, Message, Proposal, ProtocolId, SaPayload,
    Transform, encode_message,
)
"""
# The seed's `crypto isakmp policy 10` (3des, md5, rsa-sig, group 1), as tests/ui/scenario.py.
MM1 = """\
policy = IsakmpPolicy(10, "3des", "md5", "rsa-sig", 1, 86400)
transform = Transform(1, IkeTransformId.KEY_IKE, ike_transform_attributes(policy))
sa = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (transform,)),))
header = IsakmpHeader(bytes.fromhex("bd75fba226eee4e5"), bytes(8), ExchangeType.IDENTITY_PROTECTION)
mm1 = encode_message(Message(header, (sa,)))
len(mm1)
"""
STEPPER = """\
states = [IkeState.IKE_I_MM1, IkeState.IKE_I_MM2]
at = [0]
diagram = widgets.HTML(ui.state_diagram_html(MAIN_MODE, current=states[0])).add_class("vt-diagram")
dump = widgets.HTML("<i>nothing sent yet</i>").add_class("vt-hexdump")

def show():
    diagram.value = ui.state_diagram_html(MAIN_MODE, current=states[at[0]])
    dump.value = ui.message_hexdump_html(mm1, title="MM1") if at[0] else "<i>nothing sent yet</i>"

def step(delta):
    def on_click(_button):
        at[0] = max(0, min(len(states) - 1, at[0] + delta))
        show()
    return on_click

back, forward = widgets.Button(description="◀ Back"), widgets.Button(description="Next ▶")
back.on_click(step(-1))
forward.on_click(step(+1))
tabs = widgets.Tab(children=[diagram, dump], titles=("State diagram", "Message"))
display(widgets.VBox([widgets.HBox([back, forward]), tabs]))
"""
# A toy checker with the shape of an issue-8 exercise: type an answer, click Check, read feedback.
EXERCISE = """\
answer = widgets.Text(placeholder="exchange type number", continuous_update=False)
answer.add_class("vt-answer")
check = widgets.Button(description="Check")
feedback = widgets.HTML("").add_class("vt-feedback")

def on_check(_button):
    expected = int(ExchangeType.IDENTITY_PROTECTION)
    given = answer.value.strip()
    if given == str(expected):
        feedback.value = f"✔ correct: Main Mode is exchange type {expected}"
    else:
        feedback.value = f"✘ {given!r} is not Main Mode's exchange type"

check.on_click(on_check)
display(widgets.VBox([answer, check, feedback]))
"""
CELLS = [IMPORTS, MM1, STEPPER, EXERCISE]


@pytest.fixture(scope="module")
def smoke_notebook(jupyter_server: JupyterLabServer) -> str:
    write_notebook(jupyter_server.root_dir / "widgets_smoke.ipynb", CELLS)
    return "widgets_smoke.ipynb"


def test_next_moves_the_svg_current_state_to_mm2_and_shows_the_mm1_hex_dump(
    notebook_page: Notebook, smoke_notebook: str
) -> None:
    started = time.monotonic()
    nb = notebook_page
    nb.run(smoke_notebook, expected_cells=len(CELLS))
    expect(nb.current_state_titles("vt-diagram")).to_have_text(["IKE_I_MM1"])
    dump = nb.html_widget("vt-hexdump")
    expect(dump).not_to_contain_text("Identity Protection")

    nb.click_button("Next ▶")
    expect(nb.current_state_titles("vt-diagram")).to_have_text(["IKE_I_MM2"])
    assert nb.svg_current_states("vt-diagram") == ["IKE_I_MM2"]
    nb.screenshot("widgets_smoke-mm2-diagram", of=nb.cell_output(2))

    nb.click_tab("Message")
    dump.locator("summary", has_text="legend").click()  # the field legend opens on click
    expect(dump).to_contain_text("2 = Identity Protection (Main Mode)", use_inner_text=True)
    nb.screenshot("widgets_smoke-mm2-message", of=nb.cell_output(2))

    nb.click_button("◀ Back")
    expect(nb.current_state_titles("vt-diagram")).to_have_text(["IKE_I_MM1"])
    expect(nb.html_widget("vt-hexdump")).to_have_text("nothing sent yet")
    assert nb.errors() == []
    print(f"browser smoke: {time.monotonic() - started:.1f} s from page open to last assert")


def test_text_and_check_button_give_feedback_for_each_typed_answer(
    notebook_page: Notebook, smoke_notebook: str
) -> None:
    nb = notebook_page
    nb.run(smoke_notebook, expected_cells=len(CELLS))
    expect(nb.html_widget("vt-feedback")).to_have_text("")

    nb.type_into(".vt-answer", "5")
    nb.click_button("Check")
    expect(nb.html_widget("vt-feedback")).to_contain_text("✘ '5' is not")

    nb.type_into(".vt-answer", " 2 ")
    nb.click_button("Check")
    expect(nb.html_widget("vt-feedback")).to_contain_text("✔ correct: Main Mode is exchange type 2")
    nb.screenshot("widgets_smoke-exercise", of=nb.cell_output(3))


def test_a_failing_cell_is_reported_with_its_exception(
    notebook_page: Notebook, jupyter_server: JupyterLabServer
) -> None:
    write_notebook(
        jupyter_server.root_dir / "fails.ipynb",
        ["import sys; print('only a warning', file=sys.stderr)", "1 / 0", "'never run'"],
    )
    with pytest.raises(CellError, match="ZeroDivisionError: division by zero"):
        notebook_page.run("fails.ipynb", expected_cells=3)
    assert notebook_page.errors() == ["ZeroDivisionError: division by zero"]
