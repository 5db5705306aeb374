"""Navigation: next/back/goto/run(until=...), the sequence protocol, determinism by replay."""

from __future__ import annotations

import pytest

from vpnteach.ike.states import IkeState
from vpnteach.lab import Lab
from vpnteach.stepper import Step, StepKind, Stepper, SteppingError, stepper_for


@pytest.fixture
def stepper() -> Stepper:
    return Stepper.seed()


def test_next_and_back_walk_the_recorded_steps(stepper: Stepper, seed_run: list[Step]) -> None:
    assert stepper.position == 0 and stepper.current.kind is StepKind.LEARNER_ACTION
    walked = [stepper.next() for _ in range(5)]
    assert [s.signature() for s in walked if s] == [s.signature() for s in seed_run[1:6]]
    assert stepper.back().index == 4
    assert stepper.back().index == 3
    assert stepper.next() is not None and stepper.position == 4


def test_back_at_the_start_stays_at_step_0(stepper: Stepper) -> None:
    assert stepper.back().index == 0
    assert stepper.reset().index == 0


def test_run_until_a_state_name_stops_at_the_first_step_in_that_state(stepper: Stepper) -> None:
    step = stepper.run(until="IKE_I_MM5")
    assert step is not None and step.states["Branch1"] is IkeState.IKE_I_MM5
    assert step.kind is StepKind.TRANSITION and step.title == "Branch1: IKE_I_MM4 → IKE_I_MM5"
    assert not stepper[step.index - 1].in_state("IKE_I_MM5")


def test_run_until_a_kind_or_a_predicate(stepper: Stepper) -> None:
    cert = stepper.run(until=StepKind.CERTIFICATE_CHECK)
    assert cert is not None and cert.actor == "Branch2"
    esp = stepper.run(until=lambda s: s.kind is StepKind.ESP_PACKET and s.actor == "Branch2")
    assert esp is not None and "decrypts" in esp.title
    assert stepper.run(until="IKE_DEST_SA") is None  # never happens: the cursor ends at the end
    assert stepper.finished and stepper.position == len(stepper) - 1
    assert stepper.next() is None


def test_goto_indexing_slicing_and_len_agree(stepper: Stepper, seed_run: list[Step]) -> None:
    assert len(stepper) == len(seed_run)
    assert stepper.goto(40).signature() == seed_run[40].signature()
    assert stepper[-1].signature() == seed_run[-1].signature()
    assert [s.index for s in stepper[10:13]] == [10, 11, 12]
    assert [s.signature() for s in stepper] == [s.signature() for s in seed_run]
    assert stepper.goto(-1).index == len(seed_run) - 1
    with pytest.raises(SteppingError, match="no step"):
        stepper.goto(len(seed_run))


def test_the_same_seed_gives_the_same_steps_and_replay_confirms_them(
    stepper: Stepper, seed_run: list[Step]
) -> None:
    again = stepper_for(lambda: Lab.seed(seed=2010))
    assert [s.signature() for s in again] == [s.signature() for s in seed_run]
    stepper.goto(60)
    assert stepper.replay() == len(stepper.steps) > 60
    assert stepper.replays == 1 and stepper.current.index == 60


def test_a_different_seed_gives_different_cookies(seed_run: list[Step]) -> None:
    other = Stepper.seed(seed=7)
    mm1 = next(s for s in other if s.kind is StepKind.MESSAGE).payload
    ours = next(s for s in seed_run if s.kind is StepKind.MESSAGE).payload
    assert getattr(mm1, "wire", b"")[:8] != getattr(ours, "wire", b"")[:8]


def test_an_unseeded_lab_is_refused_because_it_cannot_be_replayed() -> None:
    with pytest.raises(SteppingError, match="seeded lab"):
        Stepper(lambda: Lab.seed(seed=None))


def test_debug_log_grows_with_the_steps_and_renders_the_seed_lines(stepper: Stepper) -> None:
    step = stepper.run(until="IKE_I_MM2")
    assert step is not None
    lines = [text for router, text in stepper.debug_log() if router == "Branch1"]
    assert any("Old State = IKE_I_MM1 New State = IKE_I_MM2" in line for line in lines)
    assert not any("IKE_I_MM3" in line for line in lines)
    assert len(stepper.debug_log(len(stepper) - 1)) > len(stepper.debug_log(step.index))
