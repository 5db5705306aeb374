"""A learner intervening between steps: inspect, modify or drop the next datagram, change a
router's clock or configuration; back() and replay keep reproducing the intervention."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.stepper.test_steps import MESSAGE_ORDER
from vpnteach.ike.protection import OPENED, SEALED
from vpnteach.ike.states import IkeState
from vpnteach.stepper import (
    IkeMessage,
    InterventionError,
    LearnerAction,
    Step,
    StepKind,
    Stepper,
)
from vpnteach.trace import Fact
from vpnteach.wire.constants import ExchangeType


def _after(stepper: Stepper, step: Step) -> list[Step]:
    return list(stepper)[step.index + 1 :]


def _messages(steps: list[Step]) -> list[IkeMessage]:
    return [s.payload for s in steps if isinstance(s.payload, IkeMessage)]


def test_nothing_is_pending_before_the_ping_has_run() -> None:
    stepper = Stepper.seed()
    assert stepper.pending() is None  # the ping's first echo has not left yet


def test_pending_after_branch1_starts_main_mode_is_mm1_to_the_first_hop() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM1")
    pending = stepper.pending()
    assert pending is not None
    assert (pending.label, pending.kind, pending.sender, pending.destination) == (
        "MM1", "IKE", "Branch1", "Branch2",
    )  # fmt: skip
    assert pending.next_hop == "ISP"
    assert pending.message is not None
    assert pending.message.header.exchange_type == ExchangeType.IDENTITY_PROTECTION
    assert stepper.position == 1 and stepper.replays == 0  # looking moves nothing


def test_dropping_mm3_makes_branch1_retransmit_it_and_the_run_still_completes() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM3")
    action = stepper.drop_pending()
    assert action.kind is StepKind.LEARNER_ACTION and action.title.startswith("dropped MM3")
    later = _after(stepper, action)
    logs = [s for s in later if s.kind is StepKind.LOG]
    assert logs and "retransmitting phase 1" in logs[0].title
    timer = next(s for s in later if s.kind is StepKind.TIMER and "IKE timer" in s.title)
    mm3 = next(s for s in later if s.kind is StepKind.MESSAGE)
    assert mm3.title.startswith("MM3: Branch1 → Branch2")
    assert mm3.time - action.time == pytest.approx(5.004)  # 5 s retransmission + 2 hops
    assert timer.index < mm3.index
    assert later[-1].states["Branch1"] is IkeState.IKE_P1_COMPLETE


def test_modifying_a_byte_of_mm5_makes_branch2_reject_it() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM5")
    pending = stepper.pending()
    assert pending is not None and pending.label == "MM5"
    # byte 40 lies in the first ciphertext block: CBC garbles that whole plaintext block
    action = stepper.modify_pending(lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:])
    assert isinstance(action.payload, LearnerAction)
    assert "1 byte(s) changed, at offset 40" in action.payload.detail
    later = _after(stepper, action)
    message = later[0].payload
    assert isinstance(message, IkeMessage) and message.label == "MM5" and message.modified
    assert message.plaintext is None and message.note.startswith("Branch2 rejected it: ")
    refusal = next(s for s in later if s.kind is StepKind.LOG)
    assert refusal.actor == "Branch2" and "peer ID" in refusal.title and "peer ID" in message.note
    labels = [m.label for m in _messages(later)]
    assert labels[:2] == ["MM5", "INFO"]  # Branch2 tells Branch1 why (a notification)
    assert labels[2:] == [label for label, _, _ in MESSAGE_ORDER]  # then a fresh negotiation
    assert not any(s.kind is StepKind.CERTIFICATE_CHECK for s in later[: later.index(refusal)])


def test_a_branch2_clock_past_the_certificates_end_rejects_branch1s_certificate() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM5")
    stepper.set_clock("Branch2", dt.datetime(2012, 1, 1, tzinfo=dt.timezone.utc))
    later = _after(stepper, stepper.current)
    check = next(s for s in later if s.kind is StepKind.CERTIFICATE_CHECK)
    assert check.actor == "Branch2" and "REJECTED" in check.title
    assert isinstance(check.payload, Fact)
    failed = [item.name for item in check.payload.value.failed]  # type: ignore[attr-defined]
    assert failed == ["validity"]
    assert all(s.states["Branch2"] is not IkeState.IKE_P1_COMPLETE for s in later)


def test_changing_branch2s_isakmp_policy_leaves_no_proposal_to_agree_on() -> None:
    stepper = Stepper.seed()
    step = stepper.configure("Branch2", "crypto isakmp policy 10\n encryption aes 256\n")
    assert step.title == "configured Branch2"
    later = _after(stepper, step)
    assert any("policy not acceptable" in s.title for s in later if s.kind is StepKind.LOG)
    assert not any(s.title.startswith("MM2") for s in later)
    assert {m.label for m in _messages(later)} == {"MM1", "INFO"}


def test_intervening_at_an_earlier_step_replays_up_to_it_and_forgets_the_rest() -> None:
    stepper = Stepper.seed()
    total = len(stepper)
    stepper.goto(10)
    recorded = [s.signature() for s in stepper[:11]]
    action = stepper.drop_pending()
    assert stepper.replays == 1
    assert [s.signature() for s in stepper[:11]] == recorded
    assert action.index >= 11 and stepper.position == action.index
    assert len(stepper) != total
    assert [e.step for e in stepper.script] == [0, action.index]


def test_back_and_replay_reproduce_an_intervention() -> None:
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM3")
    action = stepper.drop_pending()
    signatures = [s.signature() for s in stepper]
    stepper.goto(action.index + 5)
    assert stepper.back().index == action.index + 4
    assert stepper.replay() == len(signatures)
    assert [s.signature() for s in stepper] == signatures


def test_impossible_interventions_say_what_is_wrong() -> None:
    stepper = Stepper.seed()
    with pytest.raises(InterventionError, match="no router 'Branch9'"):
        stepper.configure("Branch9", "hostname X")
    with pytest.raises(InterventionError, match="aware datetime"):
        stepper.set_clock("Branch2", dt.datetime(2012, 1, 1))
    stepper.goto(-1)
    with pytest.raises(InterventionError, match="about to be delivered"):
        stepper.drop_pending()
    with pytest.raises(InterventionError, match="not a ping"):
        stepper.exec("Branch1", "ping")


def test_an_encrypted_notification_shows_the_payloads_its_sender_sealed() -> None:
    # The INFO that tells Branch1 why MM5 was refused travels encrypted under a fresh M-ID;
    # no Quick Mode node holds it at the receiver, so only the sender's fact can show it.
    stepper = Stepper.seed()
    stepper.run(until="IKE_I_MM5")
    action = stepper.modify_pending(lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:])
    info = _messages(_after(stepper, action))[1]
    assert info.label == "INFO" and info.encrypted
    assert info.payload_names == ["HASH", "N"]
    sealed = [
        f for f in stepper.lab.routers["Branch2"].gateway.ike.trace  # type: ignore[union-attr]
        if f.name == SEALED and f.inputs["message"] == "INFO"
    ]  # fmt: skip
    assert [f.value for f in sealed] == [info.plaintext]


def test_plaintext_facts_make_no_steps_of_their_own(seed_run: list[Step]) -> None:
    assert not any(SEALED in s.title or OPENED in s.title for s in seed_run)
