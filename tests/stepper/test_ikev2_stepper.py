"""The stepper over an IKEv2 lab (``Lab.seed(ike=2)``): IKE_SA_INIT, IKE_AUTH and
CREATE_CHILD_SA messages as steps, the key facts with their values (checked against a prf+
written here from RFC 7296 §2.13-§2.14 with Python's HMAC), and the state moves against the
IKEv2 transition table the state diagram is drawn from."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from vpnteach.ikev2.transitions import IKEV2
from vpnteach.lab import Lab
from vpnteach.stepper import SEED_COMMAND, Step, StepKind, Stepper
from vpnteach.stepper.ikev2_steps import Ikev2Message, Ikev2Transition
from vpnteach.trace import Fact


def _rekeying_lab() -> Lab:
    lab = Lab.seed(ike=2, auth="pre-share", pfs=14)
    for router in (lab.branch1, lab.branch2):
        router.configure("crypto map CRYPTO 10\n set security-association lifetime seconds 120\n")
    return lab


def _until_rekeyed(step: Step) -> bool:
    payload = step.payload
    return isinstance(payload, Ikev2Message) and payload.label == "CREATE_CHILD_SA response"


@pytest.fixture(scope="module")
def cert_run() -> list[Step]:
    return list(Stepper.seed(ike=2))


@pytest.fixture(scope="module")
def psk_run() -> list[Step]:
    stepper = Stepper(_rekeying_lab, (SEED_COMMAND,))
    assert stepper.run(until=_until_rekeyed) is not None
    stepper.run(until=StepKind.TRANSITION)  # Branch1 takes the answer
    return stepper.steps


def _messages(steps: list[Step]) -> list[Ikev2Message]:
    return [s.payload for s in steps if isinstance(s.payload, Ikev2Message)]


def _facts(steps: list[Step], actor: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for s in steps:
        if s.actor == actor and isinstance(s.payload, Fact) and isinstance(s.payload.value, bytes):
            found.setdefault(s.payload.name, s.payload.value)
    return found


def test_the_exchanges_are_named_from_the_wire(cert_run: list[Step]) -> None:
    labels = [(m.label, m.sender) for m in _messages(cert_run)]
    assert labels == [
        ("IKE_SA_INIT request", "Branch1"),
        ("IKE_SA_INIT response", "Branch2"),
        ("IKE_AUTH request (fragment 1/2)", "Branch1"),  # a certificate: RFC 7383 fragments
        ("IKE_AUTH request (fragment 2/2)", "Branch1"),
        ("IKE_AUTH response (fragment 1/2)", "Branch2"),
        ("IKE_AUTH response (fragment 2/2)", "Branch2"),
    ]
    fragments = [m for m in _messages(cert_run) if m.label.startswith("IKE_AUTH request")]
    assert fragments[0].inner == ()  # one fragment alone is not a message (RFC 7383 §2.6)
    # the last one names the whole message, reassembled with the receiver's keys:
    # RFC 7296 §1.2 SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}
    assert {"IDi", "CERT", "AUTH", "SA", "TSi", "TSr"} <= set(fragments[1].inner)
    assert fragments[1].payload_names[0].startswith("SKF{IDi, CERT")
    first = _messages(cert_run)[0]
    assert first.clear[:3] == ("SA", "KE", "Nonce")  # RFC 7296 §1.2: HDR, SAi1, KEi, Ni
    assert "N(NAT_DETECTION_SOURCE_IP)" in first.clear


def test_ike_auth_hides_the_identity_inside_sk(psk_run: list[Step]) -> None:
    request, response = (m for m in _messages(psk_run) if m.label.startswith("IKE_AUTH"))
    assert request.clear == ("SK",)  # nothing in clear but the SK payload (§3.14)
    # RFC 7296 §1.2: SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, SAi2, TSi, TSr}
    assert {"IDi", "AUTH", "SA", "TSi", "TSr"} <= set(request.inner)
    assert {"IDr", "AUTH", "SA", "TSi", "TSr"} <= set(response.inner)
    assert request.payload_names[0].startswith("SK{IDi")


def test_create_child_sa_rekeys_with_rekey_sa_and_a_new_ke(psk_run: list[Step]) -> None:
    rekey = next(m for m in _messages(psk_run) if m.label == "CREATE_CHILD_SA request")
    # RFC 7296 §1.3.3: SK {N(REKEY_SA), SA, Ni, [KEi,] TSi, TSr}; KEi because of set pfs
    assert rekey.inner == ("N(REKEY_SA)", "SA", "Nonce", "KE", "TSi", "TSr")
    step = next(s for s in psk_run if s.payload is rekey)
    assert step.rfc == "RFC 7296 §1.3" and "REKEY_SA" in step.explanation


def _prf_plus(key: bytes, seed: bytes, length: int) -> bytes:
    out, block, n = b"", b"", 1
    while len(out) < length:
        block = hmac.new(key, block + seed + bytes([n]), hashlib.sha256).digest()
        out, n = out + block, n + 1
    return out[:length]


def test_the_key_steps_carry_skeyseed_and_sk_values_both_peers_agree_on(
    cert_run: list[Step],
) -> None:
    b1, b2 = _facts(cert_run, "Branch1"), _facts(cert_run, "Branch2")
    ni, nr, g_ir = b1["Ni"], b2["Nr"], b1["g^ir"]
    assert g_ir == b2["g^ir"]
    skeyseed = hmac.new(ni + nr, g_ir, hashlib.sha256).digest()  # RFC 7296 §2.14
    assert b1["SKEYSEED"] == b2["SKEYSEED"] == skeyseed
    answer = _messages(cert_run)[1].v2  # IKE_SA_INIT response: both SPIs in its header
    assert answer is not None
    spi_i, spi_r = answer.header.spi_i, answer.header.spi_r
    stream = _prf_plus(skeyseed, ni + nr + spi_i + spi_r, 7 * 32)
    names = ("SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr")
    for n, name in enumerate(names):
        assert b1[name] == b2[name] == stream[32 * n : 32 * (n + 1)], name
    step = next(s for s in cert_run if isinstance(s.payload, Fact) and s.payload.name == "SK_ei")
    assert step.kind is StepKind.KEY_DERIVATION and "prf+(SKEYSEED" in step.title
    assert "encryption key of the initiator's SK payloads" in step.explanation
    seed = next(s for s in cert_run if isinstance(s.payload, Fact) and s.payload.name == "SKEYSEED")
    assert "RFC 7296 §2.14" in seed.explanation and "SKEYID" in seed.explanation


def test_every_transition_is_a_row_of_the_ikev2_table(psk_run: list[Step]) -> None:
    moves = [s.payload for s in psk_run if isinstance(s.payload, Ikev2Transition)]
    assert [(m.router, str(m.record.next_state)) for m in moves[:5]] == [
        ("Branch1", "I_WAIT_INIT"),
        ("Branch2", "R_WAIT_AUTH"),
        ("Branch1", "I_WAIT_AUTH"),
        ("Branch2", "READY"),
        ("Branch1", "READY"),
    ]
    for move in moves:
        row = IKEV2.lookup(move.record.state, move.record.input)
        assert move.record.next_state in (row.next_state, *row.alternatives)
        assert row.handler == move.record.handler


def test_the_state_diagram_is_the_ikev2_table_and_has_every_move_taken(
    psk_run: list[Step],
) -> None:
    stepper = Stepper(_rekeying_lab, (SEED_COMMAND,))
    assert stepper.run(until="READY") is not None
    assert stepper.current.in_state("READY")
    (dot,) = stepper.state_diagrams().values()
    for move in (s.payload for s in psk_run if isinstance(s.payload, Ikev2Transition)):
        edge = f'"{move.record.state}" -> "{move.record.next_state}"'
        assert edge in dot, edge
    assert set(Stepper.seed().state_diagrams()) == {"Main Mode", "Quick Mode"}


def test_the_debug_log_grows_with_the_ikev2_moves() -> None:
    stepper = Stepper.seed(ike=2)
    assert stepper.run(until="READY") is not None
    lines = [line for router, line in stepper.debug_log() if router == "Branch2"]
    assert any("State R_WAIT_AUTH -> READY (IKE_AUTH request)" in line for line in lines)
    assert lines[0].endswith("Received valid IKE_SA_INIT request; sending response")


def test_the_stepper_widget_walks_an_ikev2_run() -> None:
    # Ikev2Message is an IkeMessage: the widget's ladder and cards take it as they are
    from vpnteach.stepper.step import IkeMessage
    from vpnteach.ui.stepper_widget import ladder_entries

    stepper = Stepper.seed(ike=2)
    steps = list(stepper)
    widget = stepper.widget()
    for index in range(len(steps)):
        widget.show(index)
    arrows = ladder_entries(steps, len(steps) - 1)
    assert [a.label for a in arrows][:2] == ["IKE_SA_INIT request", "IKE_SA_INIT response"]
    # the arrows carry the IKEv2 table's states (RFC 7296 has no Main Mode state to show)
    first, second = arrows[0], arrows[1]
    assert (first.sender_state, first.state_after, first.arrived) == (
        "I_WAIT_INIT",
        "R_WAIT_AUTH",
        True,
    )
    assert (second.sender_state, second.state_after) == ("R_WAIT_AUTH", "I_WAIT_AUTH")
    assert arrows[-1].state_after == "READY" and arrows[-1].arrived
    assert all(isinstance(m, IkeMessage) for m in _messages(steps))
