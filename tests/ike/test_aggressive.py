"""Aggressive Mode (RFC 2409 §5.4) between two in-process endpoints, and the offline attack.

The references: the transition table of the brief (IOS state names), RFC 2409 §5.4's message
layout (decoded independently with the wire codec), the Main Mode engine for the key material
(both peers must derive the same Ka and ESP keys), and hashlib/hmac for the attack.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from ipaddress import IPv4Address

import pytest

from tests.ike.harness import B1, B2, Pair, branch_config
from vpnteach.ike.aggressive import offline_psk_guess
from vpnteach.ike.aggressive_attack import CaptureError, read_capture
from vpnteach.ike.config import AggressiveModeIdentity, IkeConfig
from vpnteach.ike.events import (
    Event,
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    Phase1Complete,
    Phase2Complete,
)
from vpnteach.ike.policy import IsakmpPolicy, PolicyError
from vpnteach.ike.states import IkeState
from vpnteach.ike.transitions import AGGRESSIVE_MODE, to_dot
from vpnteach.wire.constants import ExchangeType, IdType, NotifyMessageType, PayloadType
from vpnteach.wire.message import decode_message
from vpnteach.wire.payloads import IdPayload

PSK = "cisco123"
PSK_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")
MODERN_PSK = IsakmpPolicy(
    priority=10, encryption="aes 256", authentication="pre-share", hash="sha256", group=14
)
S = IkeState
INITIATOR_MOVES = [
    (S.IKE_READY, S.IKE_I_AM1),
    (S.IKE_I_AM1, S.IKE_P1_COMPLETE),
    (S.IKE_P1_COMPLETE, S.IKE_P1_COMPLETE),
]
RESPONDER_MOVES = [
    (S.IKE_READY, S.IKE_R_AM_AAA_AWAIT),
    (S.IKE_R_AM_AAA_AWAIT, S.IKE_R_AM2),
    (S.IKE_R_AM2, S.IKE_P1_COMPLETE),
    (S.IKE_P1_COMPLETE, S.IKE_P1_COMPLETE),
]
WORDS = ["letmein", "password", "cisco", "cisco123", "vpn"]


def am_configs(
    policy: IsakmpPolicy = PSK_POLICY,
    *,
    responder_policy: IsakmpPolicy | None = None,
    psk2: str = PSK,
    disable: bool = False,
    pki: bool = False,
) -> tuple[IkeConfig, IkeConfig]:
    c1 = branch_config("Branch1", policy=policy, psk=PSK, pki=pki)
    c2 = branch_config("Branch2", policy=responder_policy or policy, psk=psk2, pki=pki)
    c1 = dataclasses.replace(c1, aggressive_mode_peers=(B2,))
    return c1, dataclasses.replace(c2, aggressive_mode_disable=disable)


def run(c1: IkeConfig, c2: IkeConfig) -> Pair:
    pair = Pair.make(c1, c2)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair


def phase1_moves(pair: Pair, which: str) -> list[tuple[IkeState, IkeState]]:
    ep = pair.b1 if which == "b1" else pair.b2
    return [(m.old_state, m.new_state) for m in ep.recorder.moves() if m.node is None]


def sent(pair: Pair, who: str) -> list[bytes]:
    return [d.data for w, d in pair.log if w == who]


@pytest.mark.parametrize("policy", [PSK_POLICY, MODERN_PSK], ids=["seed", "modern"])
def test_aggressive_mode_and_quick_mode_complete_with_the_ios_state_names(
    policy: IsakmpPolicy,
) -> None:
    pair = run(*am_configs(policy))
    e1, e2 = pair.events(pair.b1), pair.events(pair.b2)
    assert [type(e) for e in e1] == [Phase1Complete, Phase2Complete]
    assert [type(e) for e in e2] == [Phase1Complete, Phase2Complete]
    assert phase1_moves(pair, "b1") == INITIATOR_MOVES
    assert phase1_moves(pair, "b2") == RESPONDER_MOVES
    p2i, p2r = e1[1], e2[1]
    assert isinstance(p2i, Phase2Complete) and isinstance(p2r, Phase2Complete)
    assert p2i.outbound.enc_key == p2r.inbound.enc_key
    assert p2i.inbound.auth_key == p2r.outbound.auth_key
    assert pair.b1.trace.find("Ka").value == pair.b2.trace.find("Ka").value


def test_the_exchange_has_three_messages_laid_out_as_rfc_2409_section_5_4() -> None:
    pair = run(*am_configs())
    am1, am3 = (decode_message(d) for d in sent(pair, "b1")[:2])
    am2 = decode_message(sent(pair, "b2")[0])
    assert {m.header.exchange_type for m in (am1, am2, am3)} == {ExchangeType.AGGRESSIVE}
    T = PayloadType
    assert [p.payload_type for p in am1.payloads][:4] == [T.SA, T.KE, T.NONCE, T.ID]
    assert [p.payload_type for p in am2.payloads][:5] == [T.SA, T.KE, T.NONCE, T.ID, T.HASH]
    assert not am1.header.encrypted and not am2.header.encrypted
    assert am3.header.encrypted and am3.encrypted_body  # HDR*, as IOS and strongSwan send it
    # The identities are readable by anyone on the path, and the trace says so.
    assert pair.b2.trace.find("IDii (received in clear)").value == B1
    assert pair.b1.trace.find("IDir (received in clear)").value == B2
    assert pair.b1.trace.find("AM offline PSK test material").rfc == "RFC 2409 §5.4"


def test_the_debug_log_shows_the_aggressive_exchange() -> None:
    pair = run(*am_configs())
    log1, log2 = pair.b1.debug_log(), pair.b2.debug_log()
    assert "beginning Aggressive Mode exchange" in log1
    assert "Can not start Aggressive mode" not in log1
    assert "(I) AG_INIT_EXCH" in log1 and "(R) AG_INIT_EXCH" in log2
    assert "Input = IKE_MESG_FROM_AAA, PRESHARED_KEY_REPLY" in log2


@pytest.mark.parametrize(
    ("kind", "value", "id_type"),
    [
        ("fqdn", "branch1.amit.com", IdType.ID_FQDN),
        ("user-fqdn", "vpn@amit.com", IdType.ID_USER_FQDN),
        ("ipv4-address", "10.1.1.1", IdType.ID_IPV4_ADDR),
    ],
)
def test_the_client_endpoint_is_the_identity_am1_carries_in_clear(
    kind: str, value: str, id_type: int
) -> None:
    c1, c2 = am_configs()
    identity = AggressiveModeIdentity(B2, kind, value)
    pair = run(dataclasses.replace(c1, aggressive_mode_ids=(identity,)), c2)
    assert [type(e) for e in pair.events(pair.b2)] == [Phase1Complete, Phase2Complete]
    am1 = decode_message(sent(pair, "b1")[0])
    (idii,) = [p for p in am1.payloads if isinstance(p, IdPayload)]
    # RFC 2407 §4.6.2.1: the type, then the identity bytes, readable by anyone on the path
    assert idii.id_type == id_type
    wire = IPv4Address(value).packed if kind == "ipv4-address" else value.encode("ascii")
    assert idii.identification_data == wire
    assert f"using id type {IdType(id_type).name}" in pair.b1.debug_log()


def test_a_client_endpoint_identity_is_checked_when_configured() -> None:
    with pytest.raises(PolicyError, match="one of ipv4-address, fqdn, user-fqdn"):
        AggressiveModeIdentity(B2, "ipv6-address", "::1")
    with pytest.raises(PolicyError, match="not ASCII"):
        AggressiveModeIdentity(B2, "fqdn", "büro.amit.com")


def test_main_mode_is_still_used_for_peers_not_configured_for_aggressive_mode() -> None:
    c1, c2 = am_configs()
    pair = run(dataclasses.replace(c1, aggressive_mode_peers=()), c2)
    assert decode_message(sent(pair, "b1")[0]).header.exchange_type == (
        ExchangeType.IDENTITY_PROTECTION
    )
    assert [type(e) for e in pair.events(pair.b2)] == [Phase1Complete, Phase2Complete]


def _failed(pair: Pair) -> tuple[list[Event], list[Event]]:
    return pair.events(pair.b1), pair.events(pair.b2)


def test_a_wrong_psk_fails_on_both_sides_with_authentication_failed() -> None:
    pair = run(*am_configs(psk2="wrong-key"))
    e1, e2 = _failed(pair)
    auth = NotifyMessageType.AUTHENTICATION_FAILED
    assert any(isinstance(e, NotificationSent) and e.notify_type == auth for e in e1)
    assert any(isinstance(e, NegotiationFailed) and "HASH does not match" in e.reason for e in e1)
    # the notification went out in clear (the keys were never proven), so the responder reads it
    assert any(isinstance(e, NotificationReceived) and e.notify_type == auth for e in e2)
    assert not any(isinstance(e, Phase1Complete) for e in e1 + e2)
    assert pair.b1.stats["aggressive_mode_failed"] == 1
    assert not pair.b1.sas and not pair.b2.sas


def _responder_refused_with(pair: Pair, notify_type: int) -> None:
    """Phase 1 failed; the responder sent ``notify_type`` and the initiator received it."""
    e1, e2 = _failed(pair)
    assert any(isinstance(e, NotificationSent) and e.notify_type == notify_type for e in e2)
    assert any(isinstance(e, NotificationReceived) and e.notify_type == notify_type for e in e1)


def test_a_group_mismatch_is_refused_with_no_proposal_chosen_and_says_why() -> None:
    other = dataclasses.replace(PSK_POLICY, group=2)
    pair = run(*am_configs(responder_policy=other))
    _responder_refused_with(pair, NotifyMessageType.NO_PROPOSAL_CHOSEN)
    assert "AM1's KE fixes DH group 1; our policies use group 2" in pair.b2.debug_log()
    assert pair.b2.stats["aggressive_mode_failed"] == 1


def test_a_proposal_mismatch_is_refused_with_no_proposal_chosen() -> None:
    other = dataclasses.replace(PSK_POLICY, encryption="aes")
    pair = run(*am_configs(responder_policy=other))
    _responder_refused_with(pair, NotifyMessageType.NO_PROPOSAL_CHOSEN)
    assert "fixes DH group" not in pair.b2.debug_log()


def test_a_responder_with_aggressive_mode_disabled_refuses_am1() -> None:
    pair = run(*am_configs(disable=True))
    _responder_refused_with(pair, NotifyMessageType.INVALID_EXCHANGE_TYPE)
    assert "Aggressive Mode is disabled: AM1 from 10.1.1.1 refused" in pair.b2.debug_log()


def test_a_failed_aggressive_mode_does_not_touch_an_established_sa() -> None:
    c1, c2 = am_configs()
    pair = run(c1, c2)
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.established
    am1 = sent(pair, "b1")[0]
    forged = bytearray(am1)
    forged[:8] = bytes(range(8))  # a new CKY-I: another AM1, from a peer with no key here
    pair.b2.reconfigure(dataclasses.replace(c2, aggressive_mode_disable=True), pair.now)
    pair.b2.receive_datagram(bytes(forged), (B1, 500), pair.now + 1)
    assert pair.b2.isakmp_sa(B1) is sa and sa.established


def test_rsa_sig_aggressive_mode_completes() -> None:
    rsa = dataclasses.replace(PSK_POLICY, authentication="rsa-sig")
    pair = run(*am_configs(rsa, pki=True))
    assert [type(e) for e in pair.events(pair.b1)] == [Phase1Complete, Phase2Complete]
    assert phase1_moves(pair, "b2") == RESPONDER_MOVES
    am2 = decode_message(sent(pair, "b2")[0])
    assert PayloadType.SIG in [p.payload_type for p in am2.payloads]


# --- the offline attack ---------------------------------------------------------------------


def test_offline_psk_guess_finds_the_key_from_am1_and_am2_alone() -> None:
    pair = run(*am_configs())
    am1, am2 = sent(pair, "b1")[0], sent(pair, "b2")[0]
    assert offline_psk_guess(am1, am2, WORDS) == PSK
    assert offline_psk_guess(am1, am2, ["letmein", "password"]) is None


def test_the_attack_recomputes_hash_r_as_rfc_2409_defines_it() -> None:
    pair = run(*am_configs())
    c = read_capture(sent(pair, "b1")[0], sent(pair, "b2")[0])
    # RFC 2409 §5: SKEYID = prf(PSK, Ni_b | Nr_b); HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R |
    # CKY-I | SAi_b | IDir_b); prf = HMAC-MD5 here (policy hash md5), computed with hmac.
    skeyid = hmac.new(PSK.encode(), c.ni_b + c.nr_b, hashlib.md5).digest()
    data = c.g_xr + c.g_xi + c.cky_r + c.cky_i + c.sai_b + c.idir_b
    assert hmac.new(skeyid, data, hashlib.md5).digest() == c.hash_r
    assert pair.b2.trace.find("HASH_R").value == c.hash_r


def test_offline_psk_guess_refuses_a_main_mode_capture() -> None:
    c1, c2 = am_configs()
    pair = run(dataclasses.replace(c1, aggressive_mode_peers=()), c2)
    with pytest.raises(CaptureError, match="not a clear-text Aggressive Mode message"):
        offline_psk_guess(sent(pair, "b1")[0], sent(pair, "b2")[0], WORDS)


def test_the_aggressive_mode_table_draws_its_ios_states() -> None:
    dot = to_dot(AGGRESSIVE_MODE)
    for state in ("IKE_I_AM1", "IKE_R_AM_AAA_AWAIT", "IKE_R_AM2", "IKE_P1_COMPLETE"):
        assert f'"{state}"' in dot
    assert "PRESHARED_KEY_REPLY" in dot


def test_a_retransmitted_am1_gets_the_same_am2_again() -> None:
    c1, c2 = am_configs()
    pair = Pair.make(c1, c2)
    pair.b1.initiate(B2, pair.now)
    am1 = pair.b1.datagrams_to_send(pair.now)[0].data
    pair.b2.receive_datagram(am1, (B1, 500), pair.now)
    am2 = pair.b2.datagrams_to_send(pair.now)[0].data
    pair.b2.receive_datagram(am1, (B1, 500), pair.now + 2)  # after IOS's resend guard
    assert [d.data for d in pair.b2.datagrams_to_send(pair.now + 2)] == [am2]
    assert pair.b2.stats["duplicates"] == 1
