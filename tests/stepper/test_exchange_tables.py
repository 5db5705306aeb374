"""The stepper, the ladder and the state diagrams name the exchange a move came from, and the
stepper groups facts by their kind.

Each recorded move says which transition table made it (``MoveRecorded.exchange``): an
Aggressive Mode run (RFC 2409 §5.4) is shown as Aggressive Mode (transition steps, their
explanation and RFC section, the phase-1 state diagram), and a Quick Mode message's arrow in
the ladder carries the receiver's Quick Mode state (RFC 2409 §5.5), not its phase-1 state.
"""

from __future__ import annotations

import pytest

from tests.lab.test_aggressive_mode import AM_PEER
from tests.stepper.conftest import of_kind
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import AGGRESSIVE_MODE, MAIN_MODE, Exchange
from vpnteach.lab import Lab
from vpnteach.stepper import Step, StepKind, Stepper, Transition
from vpnteach.trace import FactKind
from vpnteach.ui.stepper_widget import ladder_entries, phase1_table, state_machines_html

S = IkeState


def _aggressive_lab() -> Lab:
    """The seed lab with pre-shared keys and Branch1's ``crypto isakmp peer`` AM block."""
    lab = Lab.seed(auth="pre-share")
    lab.branch1.configure(AM_PEER)
    return lab


@pytest.fixture(scope="module")
def am_run() -> list[Step]:
    return list(Stepper(_aggressive_lab))


def _transitions(steps: list[Step], router: str) -> list[Transition]:
    found = [s.payload for s in of_kind(steps, StepKind.TRANSITION) if s.actor == router]
    assert all(isinstance(t, Transition) for t in found)
    return found  # type: ignore[return-value]


def test_an_aggressive_mode_run_steps_through_aggressive_mode_moves(am_run: list[Step]) -> None:
    moves = _transitions(am_run, "Branch1")
    phase1 = [t for t in moves if t.record.node is None]
    assert [(t.record.old_state, t.record.new_state) for t in phase1][:2] == [
        (S.IKE_READY, S.IKE_I_AM1),
        (S.IKE_I_AM1, S.IKE_P1_COMPLETE),
    ]
    assert {t.table for t in phase1} == {"Aggressive Mode"}
    assert {t.record.exchange for t in phase1} == {Exchange.AGGRESSIVE_MODE}
    steps = [s for s in of_kind(am_run, StepKind.TRANSITION) if s.payload in phase1]
    assert {s.rfc for s in steps} == {"RFC 2409 §5.4"}
    moved = next(s for s in steps if "IKE_I_AM1 →" in s.title)
    assert "Aggressive Mode state machine moves from IKE_I_AM1" in moved.explanation
    assert not any("Main Mode" in s.explanation for s in steps)
    quick = [t for t in moves if t.record.node is not None]
    assert quick and {t.table for t in quick} == {"Quick Mode"}


def test_the_phase1_diagram_of_an_aggressive_mode_run_is_the_aggressive_mode_table(
    am_run: list[Step],
) -> None:
    done = next(s for s in am_run if s.states.get("Branch2") == S.IKE_P1_COMPLETE)
    assert phase1_table(done) is AGGRESSIVE_MODE
    markup = state_machines_html(done, phase1_table(done))
    assert "Aggressive Mode" in markup and "IKE_R_AM_AAA_AWAIT" in markup
    assert "IKE_I_MM1" not in markup
    assert phase1_table(am_run[0]) is MAIN_MODE  # before any move: nothing says otherwise


def _ladder(steps: list[Step]) -> dict[str, tuple[str, str]]:
    """Each delivered message's label -> (receiver, the state it entered on arrival)."""
    entries = ladder_entries(steps, len(steps) - 1)
    return {e.label: (e.receiver, e.state_after) for e in entries if not e.label.endswith(")")}


def test_quick_mode_arrows_carry_the_receivers_quick_mode_state(seed_run: list[Step]) -> None:
    ladder = _ladder(seed_run)
    # RFC 2409 §5.5: on QM1 the responder first asks for SPIs (IOS IKE_QM_SPI_STARVE), QM2
    # completes the initiator, QM3 the responder (IOS state names, seed log); each arrow
    # carries the state its receiver entered on arrival, not the one after it replied.
    assert ladder["QM1"] == ("Branch2", "IKE_QM_SPI_STARVE")
    assert ladder["QM2"] == ("Branch1", "IKE_QM_PHASE2_COMPLETE")
    assert ladder["QM3"] == ("Branch2", "IKE_QM_PHASE2_COMPLETE")
    assert ladder["MM1"] == ("Branch2", "IKE_R_MM1")  # not IKE_R_MM2, the state after replying
    assert ladder["MM6"] == ("Branch1", "IKE_I_MM6")
    assert ladder["MM3"] == ("Branch2", "IKE_R_MM3")


def test_each_arrow_carries_the_senders_state_and_the_payloads(seed_run: list[Step]) -> None:
    entries = {e.label: e for e in ladder_entries(seed_run, len(seed_run) - 1)}
    assert entries["MM1"].sender_state == "IKE_I_MM1"
    assert entries["MM5"].payloads.startswith("ID, CERT, SIG")
    assert entries["MM3"].payloads.startswith("KE, NONCE, CERTREQ, VID×3")  # runs counted
    assert entries["QM1"].sender_state == "IKE_QM_I_QM1"
    assert all(e.arrived for e in entries.values())


def test_a_message_its_receiver_has_not_moved_on_yet_says_so(seed_run: list[Step]) -> None:
    mm5 = next(s for s in seed_run if s.title.startswith("MM5:"))
    last = ladder_entries(seed_run, mm5.index)[-1]
    assert (last.label, last.state_after, last.arrived) == ("MM5", "IKE_R_MM4", False)
    after = ladder_entries(seed_run, mm5.index + 1)[-1]
    assert (after.state_after, after.arrived) == ("IKE_R_MM5", True)


def test_the_ladder_of_an_aggressive_mode_run_carries_aggressive_and_quick_mode_states(
    am_run: list[Step],
) -> None:
    ladder = _ladder(am_run)
    assert ladder["AM1"] == ("Branch2", "IKE_R_AM_AAA_AWAIT")
    assert ladder["AM2"] == ("Branch1", "IKE_P1_COMPLETE")
    assert ladder["AM3"] == ("Branch2", "IKE_P1_COMPLETE")
    assert ladder["QM1"] == ("Branch2", "IKE_QM_SPI_STARVE")
    assert ladder["QM2"] == ("Branch1", "IKE_QM_PHASE2_COMPLETE")
    assert ladder["QM3"] == ("Branch2", "IKE_QM_PHASE2_COMPLETE")


def test_the_dh_proposal_and_signature_steps_are_the_facts_of_those_kinds(
    seed_run: list[Step],
) -> None:
    dh = of_kind(seed_run, StepKind.DH)
    assert dh and all(s.payload.kind is FactKind.DH for s in dh)  # type: ignore[attr-defined]
    proposals = of_kind(seed_run, StepKind.PROPOSAL)
    assert {s.payload.name for s in proposals} >= {"phase 1 selection", "phase 2 selection"}  # type: ignore[attr-defined]
    signatures = of_kind(seed_run, StepKind.SIGNATURE)
    assert {s.payload.kind for s in signatures} == {  # type: ignore[attr-defined]
        FactKind.SIGNATURE,
        FactKind.SIGNATURE_CHECK,
    }
