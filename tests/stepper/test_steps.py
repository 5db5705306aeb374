"""The steps of the seed run: every kind appears, in the tutorial's order, with real values.

References independent of the stepper: the seed tutorial's own ``debug crypto isakmp`` log
(Branch1's state moves, ``tests/ike/seed_log.py``), RFC 2409's message order (§5.1, §5.5),
Python's ``pow`` for Diffie-Hellman, the wire codec for the messages.
"""

from __future__ import annotations

import re
from collections import Counter

from tests.ike.seed_log import MAIN_MODE_LOG, QUICK_MODE_LOG
from tests.stepper.conftest import first, of_kind
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import EspPacket
from vpnteach.ike.states import IkeState
from vpnteach.pki.validation import CertificateCheck
from vpnteach.stepper import IkeMessage, LearnerAction, Step, StepKind, Transition
from vpnteach.trace import Fact
from vpnteach.wire.ip import IpProtocol, decode_ipv4
from vpnteach.wire.message import decode_message

# RFC 2409 §5.1 (Main Mode, signatures) and §5.5 (Quick Mode): who sends which message.
MESSAGE_ORDER = [
    ("MM1", "Branch1", "Branch2"),
    ("MM2", "Branch2", "Branch1"),
    ("MM3", "Branch1", "Branch2"),
    ("MM4", "Branch2", "Branch1"),
    ("MM5", "Branch1", "Branch2"),
    ("MM6", "Branch2", "Branch1"),
    ("QM1", "Branch1", "Branch2"),
    ("QM2", "Branch2", "Branch1"),
    ("QM3", "Branch1", "Branch2"),
]
SEED_MOVES = re.findall(r"Old State = (\w+) New State = (\w+)", MAIN_MODE_LOG + QUICK_MODE_LOG)


def test_seed_run_has_every_step_kind_but_log(seed_run: list[Step]) -> None:
    kinds = Counter(step.kind for step in seed_run)
    # LOG: errors and retransmissions only; SCEP, FINGERPRINT: the enrollment's steps
    # (vpnteach.stepper.enrollment), which happens before the lab is handed over
    enrollment = {StepKind.SCEP, StepKind.FINGERPRINT}
    assert set(kinds) == set(StepKind) - {StepKind.LOG} - enrollment
    assert kinds[StepKind.MESSAGE] == 9
    assert kinds[StepKind.DH] == 4  # g^xi, g^xr and g^xy on each side
    assert kinds[StepKind.SIGNATURE] == 4  # each side signs once and checks once
    assert kinds[StepKind.CERTIFICATE_CHECK] == 2
    assert kinds[StepKind.ESP_PACKET] == 16  # 4 echoes and 4 replies, each sent and received
    assert [s.index for s in seed_run] == list(range(len(seed_run)))


def test_steps_are_in_time_order_and_start_with_the_learners_ping(seed_run: list[Step]) -> None:
    start = seed_run[0]
    assert start.kind is StepKind.LEARNER_ACTION
    assert isinstance(start.payload, LearnerAction)
    assert start.title == "Branch1# ping 192.168.22.1 source 192.168.11.1"
    times = [s.time for s in seed_run]
    assert times == sorted(times)
    assert start.clock == "Jun 6 10:21:50.071"  # the seed log's first timestamp


def test_messages_follow_rfc_2409_order_between_the_branches(seed_run: list[Step]) -> None:
    messages = [s.payload for s in of_kind(seed_run, StepKind.MESSAGE)]
    assert all(isinstance(m, IkeMessage) for m in messages)
    got = [(m.label, m.sender, m.receiver) for m in messages if isinstance(m, IkeMessage)]
    assert got == MESSAGE_ORDER


def test_mm5_step_carries_ciphertext_and_the_decrypted_id_cert_sig(seed_run: list[Step]) -> None:
    step = first(seed_run, StepKind.MESSAGE, "MM5")
    mm5 = step.payload
    assert isinstance(mm5, IkeMessage) and mm5.message is not None
    assert mm5.encrypted and decode_message(mm5.wire).encrypted_body is not None
    assert mm5.payload_names[:3] == ["ID", "CERT", "SIG"]
    assert mm5.plaintext is not None and len(mm5.plaintext) > 700  # a 1024-bit cert inside
    assert mm5.plaintext not in mm5.wire  # what travels is the ciphertext
    assert step.states == {"Branch1": IkeState.IKE_I_MM5, "Branch2": IkeState.IKE_R_MM4}
    assert step.rfc == "RFC 2409 §5.1"
    assert "ID" in step.explanation and "SIG" in step.explanation


def test_mm1_is_plain_and_decoded_from_the_wire(seed_run: list[Step]) -> None:
    mm1 = first(seed_run, StepKind.MESSAGE, "MM1").payload
    assert isinstance(mm1, IkeMessage) and mm1.message is not None
    assert not mm1.encrypted and mm1.plaintext is None
    assert mm1.payload_names[0] == "SA"
    assert decode_message(mm1.wire) == mm1.message
    assert mm1.ip_packet.endswith(mm1.wire)


def test_branch1_transitions_are_the_seed_logs_state_moves_in_order(seed_run: list[Step]) -> None:
    moves = []
    for step in of_kind(seed_run, StepKind.TRANSITION):
        assert isinstance(step.payload, Transition)
        if step.actor == "Branch1":
            record = step.payload.record
            moves.append((record.old_state.value, record.new_state.value))
    assert moves == SEED_MOVES


def test_state_after_each_transition_is_its_new_state(seed_run: list[Step]) -> None:
    for step in of_kind(seed_run, StepKind.TRANSITION):
        assert isinstance(step.payload, Transition)
        new = step.payload.record.new_state
        table = step.quick_mode_states if step.payload.table == "Quick Mode" else step.states
        assert table[step.actor] is new
    last = seed_run[-1]
    assert last.states == {"Branch1": IkeState.IKE_P1_COMPLETE, "Branch2": IkeState.IKE_P1_COMPLETE}
    assert set(last.quick_mode_states.values()) == {IkeState.IKE_QM_PHASE2_COMPLETE}


def test_dh_steps_hold_the_computation_and_both_sides_share_g_xy(seed_run: list[Step]) -> None:
    shared = {}
    for step in of_kind(seed_run, StepKind.DH):
        fact = step.payload
        assert isinstance(fact, Fact)
        (dh,) = step.related
        assert isinstance(dh, DhComputation)
        group = dh.group
        public = pow(group.g, dh.private_value, group.p).to_bytes(len(dh.public_value), "big")
        assert public == dh.public_value  # g^x mod p, recomputed with Python's pow
        if fact.name == "g^xy":
            assert fact.value == dh.shared_secret
            assert dh.peer_public_value is not None
            y = int.from_bytes(dh.peer_public_value, "big")
            assert pow(y, dh.private_value, group.p).to_bytes(len(fact.value), "big") == fact.value
            shared[step.actor] = fact.value
        else:
            assert fact.value == dh.public_value
    assert shared["Branch1"] == shared["Branch2"]


def test_key_derivations_agree_between_the_peers(seed_run: list[Step]) -> None:
    values: dict[str, dict[str, object]] = {}
    for step in of_kind(seed_run, StepKind.KEY_DERIVATION):
        fact = step.payload
        assert isinstance(fact, Fact) and fact.formula and fact.rfc
        values.setdefault(fact.name, {})[step.actor] = fact.value
    for name in ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka", "IV (phase 1)", "HASH_I"):
        assert values[name]["Branch1"] == values[name]["Branch2"], name
    keymats = [n for n in values if n.startswith("KEYMAT")]
    assert len(keymats) == 2
    for name in keymats:
        assert values[name]["Branch1"] == values[name]["Branch2"]


def test_signature_steps_sign_hash_i_and_hash_r_and_verify_them(seed_run: list[Step]) -> None:
    steps = of_kind(seed_run, StepKind.SIGNATURE)
    titles = [s.title for s in steps]
    assert titles[0] == "Branch1 signs HASH_I with its private RSA key"
    assert "Branch2 signs HASH_R with its private RSA key" in titles
    checks = [s.payload.value for s in steps if isinstance(s.payload, Fact)]
    verdicts = [c for c in checks if isinstance(c, SignatureCheck)]
    assert len(verdicts) == 2 and all(v.ok for v in verdicts)


def test_certificate_checks_accept_the_peers_certificate(seed_run: list[Step]) -> None:
    steps = of_kind(seed_run, StepKind.CERTIFICATE_CHECK)
    assert [s.actor for s in steps] == ["Branch2", "Branch1"]
    for step, peer in zip(steps, ("Branch1", "Branch2"), strict=True):
        assert isinstance(step.payload, Fact)
        check = step.payload.value
        assert isinstance(check, CertificateCheck) and check.ok
        assert f"hostname={peer}.amit.com" in step.title


def test_esp_steps_carry_the_icmp_echoes_under_the_negotiated_spis(seed_run: list[Step]) -> None:
    keymat_spis = {
        int(s.payload.name.split("SPI ")[1].rstrip(")"), 16)
        for s in of_kind(seed_run, StepKind.KEY_DERIVATION)
        if isinstance(s.payload, Fact) and s.payload.name.startswith("KEYMAT")
    }
    for step in of_kind(seed_run, StepKind.ESP_PACKET):
        assert isinstance(step.payload, Fact)
        packet = step.payload.value
        assert isinstance(packet, EspPacket)
        assert packet.spi in keymat_spis
        assert packet.inner is not None
        assert decode_ipv4(packet.inner).header.protocol == IpProtocol.ICMP
    sent = [s for s in of_kind(seed_run, StepKind.ESP_PACKET) if "encrypts" in s.title]
    assert len(sent) == 8 and all(s.related for s in sent)  # seq, IV, plaintext, ICV facts


def test_the_first_echo_is_dropped_while_ike_negotiates_then_times_out(
    seed_run: list[Step],
) -> None:
    dropped = of_kind(seed_run, StepKind.DROPPED)
    assert len(dropped) == 1 and "no SA" in dropped[0].title
    (timer,) = of_kind(seed_run, StepKind.TIMER)
    assert "timeout" in timer.title  # the seed's ping prints ".!!!!"


def test_every_step_knows_actor_rfc_and_explanation(seed_run: list[Step]) -> None:
    for step in seed_run:
        assert step.actor and step.title and len(step.explanation) > 20, step
        if step.kind not in (StepKind.LEARNER_ACTION, StepKind.LOG):
            assert step.rfc.startswith("RFC"), step
        assert {name for name, _ in step.peers} == {"Branch1", "Branch2"}
