"""The notebook views of steps and the StepperWidget, without a browser: every renderer gives
well-formed HTML naming the fields and values of the step it shows; the state diagrams list
every edge of the transition tables; the widget's buttons move through the run quickly."""

from __future__ import annotations

import re
import time

import pytest

from tests.stepper.conftest import first, of_kind
from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.crypto.dh import DhComputation
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import MAIN_MODE, QUICK_MODE, TransitionTable
from vpnteach.stepper import IkeMessage, Step, StepKind, Stepper, Transition
from vpnteach.trace import Fact
from vpnteach.ui.stepper_widget import (
    TAB_TITLES,
    StepperWidget,
    certificates_panel_html,
    debug_panel_html,
    keys_panel_html,
    ladder_entries,
    message_panel_html,
    state_machines_html,
    step_html,
)
from vpnteach.ui.tree import message_title


def _text(step: Step) -> str:
    return assert_well_formed(step_html(step))


def _hex(data: bytes, n: int = 4) -> str:
    return data[:n].hex()


@pytest.mark.parametrize("kind", [k for k in StepKind if k is not StepKind.LOG])
def test_every_step_of_every_kind_renders_well_formed_html_with_its_title(
    seed_run: list[Step], kind: StepKind
) -> None:
    for step in of_kind(seed_run, kind):
        markup = step_html(step)
        text = assert_well_formed(markup)
        assert step.title in text and step.explanation in text
        assert f"step {step.index}" in text and step.clock in text
        assert f"data-kind='{kind.name}'" in markup
        assert step._repr_html_() == markup  # the registered view


def test_message_view_names_payloads_and_shows_both_views_of_mm5(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.MESSAGE, "MM5")
    mm5 = step.payload
    assert isinstance(mm5, IkeMessage) and mm5.message is not None
    text = _text(step)
    assert "decrypted payloads ID, CERT, SIG" in text
    assert message_title(mm5.message) in text
    assert "payloads (decrypted)" in text  # the tree is of the decrypted chain
    assert "plaintext view (after decryption" in text and "ciphertext view (as sent)" in text
    assert "cky_i" in text and "FQDN" in text


def test_message_view_of_mm1_lists_its_plain_payloads(seed_run: list[Step]) -> None:
    text = _text(first(seed_run, StepKind.MESSAGE, "MM1"))
    assert "payloads SA, VID" in text and "decrypted" not in text
    assert "Identity Protection (Main Mode)" in text


def test_dh_view_shows_g_p_private_public_and_shared_values(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.DH, "g^xy")
    (dh,) = step.related
    assert isinstance(dh, DhComputation) and dh.shared_secret is not None
    text = _text(step)
    for field in (
        "g^xy = (g^y)^x mod p",
        "x (private)",
        "g^x mod p (sent in KE)",
        "g^y (peer's KE)",
    ):
        assert field in text
    assert f"group {dh.group.number}" in text
    assert _hex(dh.shared_secret) in text and _hex(dh.public_value) in text


def test_key_derivation_view_shows_formula_inputs_value_and_rfc(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.KEY_DERIVATION, "SKEYID_e")
    fact = step.payload
    assert isinstance(fact, Fact) and isinstance(fact.value, bytes)
    text = _text(step)
    assert fact.formula in text and "RFC 2409" in text and _hex(fact.value) in text
    for name in ("skeyid", "skeyid_a", "g_xy", "cky_i", "cky_r"):
        assert name in text


def test_signature_views_show_the_hash_and_the_padded_block(seed_run: list[Step]) -> None:
    made = first(seed_run, StepKind.SIGNATURE, "signs HASH_I")
    assert "RSA-sign(private key, HASH)" in _text(made)
    check = first(seed_run, StepKind.SIGNATURE, "checks the peer's signature")
    text = _text(check)
    assert "RSA signature check" in text and "✔ passed" in text
    assert "recovered block s^e mod n" in text and "expected block 00 01 FF..FF 00 | hash" in text


def test_certificate_view_is_the_checklist(seed_run: list[Step]) -> None:
    text = _text(first(seed_run, StepKind.CERTIFICATE_CHECK, "Branch1.amit.com"))
    assert "Certificate check" in text and "certificate accepted" in text
    assert "validity" in text and "✘" not in text


def test_transition_view_shows_input_states_and_handler(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.TRANSITION, "IKE_I_MM4 → IKE_I_MM5")
    assert isinstance(step.payload, Transition)
    text = _text(step)
    assert "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE" in text
    assert "send_mm5()" in text and "old state IKE_I_MM4" in text


def test_esp_view_shows_outer_and_inner_packet_and_how_it_was_built(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.ESP_PACKET, "encrypts")
    text = _text(step)
    spi = re.search(r"SPI (0x[0-9A-F]{8})", step.title)
    assert spi is not None and spi.group(1) in text
    assert "outer packet (what travels)" in text and "inner packet (after decryption)" in text
    assert "ESP ICV" in text and "ESP IV" in text  # the related facts' ledger


def test_learner_timer_and_drop_views_say_what_happened(seed_run: list[Step]) -> None:
    assert "You intervened" in _text(seed_run[0])
    assert "ping 192.168.22.1 seq 0 timeout fired" in _text(of_kind(seed_run, StepKind.TIMER)[0])
    assert "no SA: IKE triggered" in _text(of_kind(seed_run, StepKind.DROPPED)[0])


def test_log_view_prints_the_ios_lines() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM3")
    stepper.drop_pending()
    log = stepper.run(until=StepKind.LOG)
    assert log is not None
    assert "ISAKMP:(0): retransmitting phase 1 MM_SA_SETUP" in _text(log)


@pytest.mark.parametrize("table", [MAIN_MODE, QUICK_MODE], ids=lambda t: t.name)
def test_state_diagram_lists_every_edge_of_the_transition_table(
    seed_run: list[Step], table: TransitionTable
) -> None:
    markup = state_machines_html(seed_run[-1], table)
    assert_well_formed(markup)
    svgs = svg_elements(markup)
    assert len(svgs) == 2  # one diagram per role: Branch1 initiator, Branch2 responder
    titles = ["".join(e.itertext()) for svg in svgs for e in svg.iter() if local(e.tag) == "title"]
    for move in table.moves:
        assert f"{move.handler_name}()" in markup
        if move.next_state is IkeState.IKE_DEST_SA:  # folded into the teardown note
            assert f"{move.input.event.value} from " in markup
            continue
        assert f"{move.state.value}->{move.next_state.value}" in titles, move


def test_state_diagram_marks_each_peers_state_after_the_step(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.MESSAGE, "MM5")
    text = assert_well_formed(state_machines_html(step, MAIN_MODE))
    assert "IKE_I_MM5 ◀ current: Branch1" in text
    assert "IKE_R_MM4 ◀ current: Branch2" in text


def test_panels_over_the_run_show_what_happened_so_far(seed_run: list[Step]) -> None:
    mm5 = first(seed_run, StepKind.MESSAGE, "MM5").index
    text = assert_well_formed(message_panel_html(seed_run, mm5 - 1))
    assert "latest message: step" in text and "MM4: Branch2 → Branch1" in text
    keys = assert_well_formed(keys_panel_html(seed_run, mm5))
    assert "Key ledger so far" in keys and "SKEYID_e" in keys and "HASH(1)" not in keys
    certs = assert_well_formed(certificates_panel_html(seed_run, len(seed_run) - 1))
    assert certs.count("Certificate check") == 2
    assert "No certificate" in certificates_panel_html(seed_run, 3)
    entries = ladder_entries(seed_run, mm5)
    assert [e.label for e in entries] == ["MM1", "MM2", "MM3", "MM4", "MM5"]
    assert entries[0].time == pytest.approx(0.004)  # from the ping to MM1's arrival


def test_debug_panel_groups_lines_by_router() -> None:
    lines = [("Branch1", "Jun 6 10:21:50.071: ISAKMP:(0): SA request profile is (NULL)"),
             ("Branch2", "Jun 6 10:21:50.075: ISAKMP (0:0): received packet")]  # fmt: skip
    text = assert_well_formed(debug_panel_html(lines))
    assert "Branch1# debug crypto isakmp" in text and "SA request profile is (NULL)" in text


def test_widget_buttons_slider_and_tabs_move_through_the_run_quickly() -> None:
    stepper = Stepper.seed()
    widget = StepperWidget(stepper)
    assert [b.description for b in (widget.back, widget.next, widget.play_button, widget.reset)] \
        == ["◀ Back", "Next ▶", "▶ Play", "Reset"]  # fmt: skip
    assert tuple(widget.tabs.titles) == TAB_TITLES
    assert widget.slider.max == len(stepper) - 1
    widget.next.click()
    widget.next.click()
    assert widget.slider.value == 2 and stepper.position == 2
    assert "Step 2 of" in widget.title.value
    widget.back.click()
    assert stepper.position == 1
    slowest = 0.0
    for index in range(len(widget.steps)):
        started = time.perf_counter()
        widget.slider.value = index
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 1.0
    assert "IKE_P1_COMPLETE" in widget.panels["mm"].value
    widget.reset.click()
    assert widget.slider.value == 0 and "No ISAKMP message" in widget.panels["message"].value


def test_a_dropped_message_appears_on_the_ladder_marked_dropped() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM3")
    action = stepper.drop_pending()
    steps = list(stepper)
    labels = [e.label for e in ladder_entries(steps, len(steps) - 1)]
    assert labels[:5] == ["MM1", "MM2", "MM3 ✗ dropped", "MM3", "MM4"]
    text = assert_well_formed(step_html(action))
    assert "dropped MM3 on its way to ISP" in text


def test_the_debug_panel_marks_the_lines_the_current_step_printed() -> None:
    moved = "Jun 6 10:21:50.071: ISAKMP:(0):Old State = IKE_READY New State = IKE_I_MM1"
    lines = [("Branch1", "Jun 6 10:21:50.071: ISAKMP:(0): SA request profile is (NULL)"),
             ("Branch1", moved),
             ("Branch2", "Jun 6 10:21:50.075: ISAKMP (0:0): received packet")]  # fmt: skip
    text = assert_well_formed(debug_panel_html(lines, first_new=1))
    assert "This step printed 2 line(s)" in text
    page = debug_panel_html(lines, first_new=1)
    marked = re.findall(r"<mark class='vt-debug-current'[^>]*>([^<]*)</mark>", page)
    assert marked == [
        f"▶ {moved}",
        "▶ Jun 6 10:21:50.075: ISAKMP (0:0): received packet",
    ]
    assert "This step printed no debug line" in debug_panel_html(lines, first_new=3)
    earlier = debug_panel_html(lines, first_new=2, printed_at=7)
    assert "This step printed no debug line; the latest, 1 line(s) of step 7," in earlier


def test_a_step_that_printed_nothing_points_at_the_latest_step_that_did(
    seed_run: list[Step],
) -> None:
    from vpnteach.ui.stepper_panels import latest_printing_step

    mm5 = first(seed_run, StepKind.MESSAGE, "MM5").index
    k, start = latest_printing_step(seed_run, mm5)
    assert k < mm5 and seed_run[k].log_mark > start == seed_run[k - 1].log_mark
    assert all(seed_run[j].log_mark == seed_run[k].log_mark for j in range(k, mm5 + 1))


def test_keys_and_explanation_panels_are_readable(seed_run: list[Step]) -> None:
    selection = first(seed_run, StepKind.PROPOSAL, "phase 1 selection").index
    keys = assert_well_formed(keys_panel_html(seed_run, selection))
    assert "Phase1Selection(" not in keys and "DataAttribute(" not in keys
    assert "crypto isakmp policy 10" in keys and "5 = TRIPLE_DES_CBC" in keys
    mm5 = first(seed_run, StepKind.MESSAGE, "MM5")
    brief = assert_well_formed(step_html(mm5, brief=True))
    assert "Message tab" in brief and "vpnteach-hexdump" not in brief  # no second decode
    assert "vpnteach-hexdump" in step_html(mm5)  # a step shown on its own keeps it


def test_the_widget_has_fixed_height_tabs_and_a_large_text_mode() -> None:
    widget = StepperWidget(Stepper.seed(), large=True)
    assert "vt-large" in widget.box._dom_classes and "zoom:1.4" in widget.style.value
    heights = {widget.ladder.layout.height} | {
        p.layout.height for name, p in widget.panels.items() if name not in ("mm", "qm")
    }
    assert heights == {"400px"}
    widget.set_large(False)
    assert "vt-large" not in widget.box._dom_classes and widget.style.value == ""
