"""Endpoint behaviour: authentication methods, PFS, profiles, failures, robustness, NAT-T."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ike.harness import (
    B1,
    B2,
    MODERN_POLICY,
    MODERN_TS,
    SEED_POLICY,
    SEED_TS,
    Pair,
    branch_config,
    seed_pki,
)
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import (
    DeadPeerAnswered,
    Event,
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    Phase1Complete,
    Phase2Complete,
    SaDeleted,
)
from vpnteach.ike.policy import AccessList, AclEntry, AddressMatch, IsakmpPolicy, TransformSet
from vpnteach.ike.states import IkeState
from vpnteach.wire.constants import EncapsulationMode, NotifyMessageType
from vpnteach.wire.message import decode_message

PSK_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")


def run(c1: IkeConfig, c2: IkeConfig, seed: int = 1) -> tuple[Pair, list[Event], list[Event]]:
    pair = Pair.make(c1, c2, seed)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair, pair.events(pair.b1), pair.events(pair.b2)


def phase2(events: list[Event]) -> Phase2Complete:
    found = [e for e in events if isinstance(e, Phase2Complete)]
    assert len(found) == 1, events
    return found[0]


def test_pre_shared_key_main_mode_and_quick_mode_complete() -> None:
    c1 = branch_config("Branch1", policy=PSK_POLICY, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=PSK_POLICY, psk="cisco123", pki=False)
    pair, ev1, ev2 = run(c1, c2)
    p1, p2 = phase2(ev1), phase2(ev2)
    assert p1.outbound.enc_key == p2.inbound.enc_key
    first = ev1[0]
    assert isinstance(first, Phase1Complete) and first.peer_identity == B2  # ID_IPV4_ADDR
    assert "pre-shared key authentication using id type ID_IPV4_ADDR" in pair.b1.debug_log()


def test_different_pre_shared_keys_make_mm5_undecryptable_and_the_initiator_gives_up() -> None:
    # With another key SKEYID, hence SKEYID_e and Ka, differ: the responder cannot even
    # decrypt MM5 (IOS: "failed its sanity check or is malformed") and stays silent.
    c1 = branch_config("Branch1", policy=PSK_POLICY, psk="cisco123", pki=False)
    c2 = branch_config("Branch2", policy=PSK_POLICY, psk="cisco124", pki=False)
    pair, ev1, ev2 = run(c1, c2)
    assert ev1 == [] and ev2 == []
    assert pair.b2.stats["dropped_ProtectionError"] == 1
    assert "failed its sanity check or is malformed" in pair.b2.debug_log()
    while (t := pair.b1.get_timer()) is not None:
        pair.now = t
        pair.b1.handle_timer(t)
        pair.run()
    assert [type(e) for e in pair.events(pair.b1)] == [NegotiationFailed]
    assert pair.b2.stats["dropped_ProtectionError"] == 6  # MM5 and its 5 retransmissions
    assert pair.b1.isakmp_sa(B2) is None


@pytest.mark.parametrize("group", [1, 2])
def test_pfs_adds_a_quick_mode_diffie_hellman(group: int) -> None:
    pair, ev1, ev2 = run(branch_config("Branch1", pfs=group), branch_config("Branch2", pfs=group))
    p1, p2 = phase2(ev1), phase2(ev2)
    assert p1.suite.pfs_group == group
    assert p1.outbound.enc_key == p2.inbound.enc_key
    assert pair.b1.trace.find("g^xy").value != pair.b1.trace.facts[-1].value
    keymat_facts = [f for f in pair.b1.trace if f.name.startswith("KEYMAT")]
    assert all("g_qm_xy" in f.inputs for f in keymat_facts) and keymat_facts


def test_keys_without_pfs_do_not_use_a_quick_mode_secret() -> None:
    pair, _, _ = run(branch_config("Branch1"), branch_config("Branch2"))
    keymat_facts = [f for f in pair.b1.trace if f.name.startswith("KEYMAT")]
    assert len(keymat_facts) == 2 and not any("g_qm_xy" in f.inputs for f in keymat_facts)


def test_pfs_group_mismatch_is_no_proposal_chosen() -> None:
    _, ev1, ev2 = run(branch_config("Branch1", pfs=1), branch_config("Branch2", pfs=2))
    assert not any(isinstance(e, Phase2Complete) for e in ev1 + ev2)
    sent = [e.notify_type for e in ev2 if isinstance(e, NotificationSent)]
    assert sent == [NotifyMessageType.NO_PROPOSAL_CHOSEN]
    got = [e.notify_type for e in ev1 if isinstance(e, NotificationReceived)]
    assert got == [NotifyMessageType.NO_PROPOSAL_CHOSEN]


def test_modern_profile_negotiates_aes256_sha256_group14() -> None:
    c1 = branch_config("Branch1", policy=MODERN_POLICY, ts=MODERN_TS)
    c2 = branch_config("Branch2", policy=MODERN_POLICY, ts=MODERN_TS)
    pair, ev1, _ = run(c1, c2)
    first = ev1[0]
    assert isinstance(first, Phase1Complete)
    suite = first.suite
    assert (suite.encryption, suite.key_length, suite.hash, suite.group) == (7, 256, 4, 14)
    p = phase2(ev1)
    assert len(p.outbound.enc_key) == 32 and len(p.outbound.auth_key) == 32
    ka = pair.b1.trace.find("Ka").value
    assert isinstance(ka, bytes) and len(ka) == 32


def test_phase1_mismatch_is_no_proposal_chosen_in_clear() -> None:
    other = IsakmpPolicy(priority=10, encryption="aes", hash="sha", group=2)
    pair, ev1, ev2 = run(branch_config("Branch1"), branch_config("Branch2", policy=other))
    assert [type(e) for e in ev2] == [NotificationSent, NegotiationFailed]
    notify = [e for e in ev1 if isinstance(e, NotificationReceived)]
    assert notify and notify[0].notify_type == NotifyMessageType.NO_PROPOSAL_CHOSEN
    assert any(isinstance(e, NegotiationFailed) for e in ev1)
    log = pair.b2.debug_log()
    assert "atts are not acceptable" in log and "phase 1 SA policy not acceptable!" in log
    # The notification travels before any key exists: an unencrypted Informational.
    info = [d for who, d in pair.log if who == "b2"][-1]
    assert not decode_message(info.data).header.encrypted


def test_certificate_from_another_ca_fails_with_invalid_cert_authority() -> None:
    stranger = seed_pki(7).routers["Branch1"]  # same names, a different CA key
    c1 = branch_config("Branch1")
    c1 = replace(c1, pki=stranger)
    _, ev1, ev2 = run(c1, branch_config("Branch2"))
    sent = [e for e in ev2 if isinstance(e, NotificationSent)]
    assert [e.notify_type for e in sent] == [NotifyMessageType.INVALID_CERT_AUTHORITY]
    failed = [e for e in ev2 if isinstance(e, NegotiationFailed)]
    assert failed and "chain" in failed[0].reason
    got = [e for e in ev1 if isinstance(e, NotificationReceived)]
    assert [e.notify_type for e in got] == [NotifyMessageType.INVALID_CERT_AUTHORITY]
    assert not any(isinstance(e, Phase1Complete) for e in ev1 + ev2)


def test_proxy_identities_outside_the_acl_are_invalid_id_information() -> None:
    c2 = branch_config("Branch2", lans=("192.168.22.0/24", "192.168.99.0/24"))
    pair, ev1, ev2 = run(branch_config("Branch1"), c2)
    sent = [e.notify_type for e in ev2 if isinstance(e, NotificationSent)]
    assert sent == [NotifyMessageType.INVALID_ID_INFORMATION]
    assert not any(isinstance(e, Phase2Complete) for e in ev1)
    failed = [e for e in ev1 if isinstance(e, NegotiationFailed)]
    assert [(e.phase, e.notify_type) for e in failed] == [(2, 18)]
    assert pair.b1.get_timer() != pytest.approx(pair.now + 5, abs=1)  # QM1 is not resent


def test_lost_mm2_is_recovered_by_retransmission() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    first = pair.b1.datagrams_to_send(pair.now)
    assert len(first) == 1  # MM1, dropped on the floor
    timer = pair.b1.get_timer()
    assert timer is not None and timer == pytest.approx(pair.now + 5.0)
    pair.b1.handle_timer(pair.now + 1)  # not due yet: nothing
    assert pair.b1.datagrams_to_send(pair.now) == []
    pair.now = timer
    pair.b1.handle_timer(timer)
    assert pair.b1.get_timer() == pytest.approx(timer + 10.0)  # backoff doubles
    pair.run()
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))
    assert pair.b1.stats["retransmissions"] == 1


def test_unanswered_initiator_gives_up_after_the_retransmission_limit() -> None:
    ep = IkeEndpoint(branch_config("Branch1"), name="lonely")
    now = 0.0
    ep.initiate(B2, now)
    sent = len(ep.datagrams_to_send(now))
    while (t := ep.get_timer()) is not None:
        now = t
        ep.handle_timer(now)
        sent += len(ep.datagrams_to_send(now))
    assert sent == 1 + 5
    events = []
    while (e := ep.next_event()) is not None:
        events.append(e)
    assert [type(e) for e in events] == [NegotiationFailed]
    assert ep.isakmp_sa(B2) is None


def test_a_duplicate_request_gets_the_previous_answer_again() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.step()  # MM1 -> b2, MM2 -> b1, MM3 queued at b1
    mm3 = pair.b1.datagrams_to_send(pair.now)[0]
    pair.b2.receive_datagram(mm3.data, (B1, 500), pair.now)
    mm4 = pair.b2.datagrams_to_send(pair.now)
    later = pair.now + 5.0  # Branch1's retransmission timer, well past the resend guard
    pair.b2.receive_datagram(mm3.data, (B1, 500), later)
    again = pair.b2.datagrams_to_send(later)
    assert again == mm4
    assert pair.b2.stats["duplicates"] == 1
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.state == IkeState.IKE_R_MM4


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00" * 10, b"\xff" * 28, bytes(range(256)) * 3],
)
def test_garbage_is_counted_and_dropped_never_raised(garbage: bytes) -> None:
    ep = IkeEndpoint(branch_config("Branch2"))
    ep.receive_datagram(garbage, (B1, 500), 0.0)
    ep.receive_datagram(garbage, (B1, 4500), 0.0, local_port=4500)
    assert sum(ep.stats.values()) >= 1
    assert ep.datagrams_to_send(0.0) == [] and ep.sas == {}


def test_an_unexpected_message_is_dropped_by_the_payload_rules() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    mm1 = pair.b1.datagrams_to_send(pair.now)[0]
    pair.b2.receive_datagram(mm1.data, (B1, 500), pair.now)
    mm2 = pair.b2.datagrams_to_send(pair.now)[0]
    pair.b1.receive_datagram(mm2.data, (B2, 500), pair.now)
    pair.b1.receive_datagram(mm2.data[:-1] + b"\x01", (B2, 500), pair.now)  # an altered MM2
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.state == IkeState.IKE_I_MM3  # waiting for MM4, unchanged
    assert pair.b1.stats["dropped_PayloadRuleError"] == 1


def test_quick_mode_before_phase_1_is_dropped() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.step()
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None
    qm = bytearray(pair.b1.datagrams_to_send(pair.now)[0].data)
    qm[18] = 32  # exchange type: Quick Mode
    pair.b2.receive_datagram(bytes(qm), (B1, 500), pair.now)
    assert pair.b2.stats["dropped_IkeError"] == 1


def test_nat_in_front_of_the_initiator_floats_to_4500_and_udp_encapsulates() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.nat = (B1, 1024)  # a port-translating NAT: NAT-D hashes cover the port too
    pair.b1.initiate(B2, pair.now)
    pair.run()
    ev1, ev2 = pair.events(pair.b1), pair.events(pair.b2)
    first = ev1[0]
    assert isinstance(first, Phase1Complete) and first.nat_detected
    p1, p2 = phase2(ev1), phase2(ev2)
    assert p1.suite.encapsulation == EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
    assert p1.outbound.udp_encapsulated and p2.inbound.udp_encapsulated
    ports = [d.local_port for who, d in pair.log if who == "b1"]
    assert ports[:2] == [500, 500] and set(ports[2:]) == {4500}  # MM5 on: port 4500
    assert all(d.data[:4] == bytes(4) for who, d in pair.log if d.local_port == 4500)
    assert "My hash no match -  this node inside NAT" in pair.b1.debug_log()


def test_dpd_r_u_there_is_acknowledged() -> None:
    pair, _, _ = run(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.send_dpd(B2, pair.now, 7)
    pair.run()
    assert any(isinstance(e, DeadPeerAnswered) and e.sequence == 7 for e in pair.events(pair.b1))
    got = pair.events(pair.b2)
    assert any(
        isinstance(e, NotificationReceived) and e.notify_type == NotifyMessageType.R_U_THERE
        for e in got
    )


def test_delete_removes_the_isakmp_sa_on_both_sides() -> None:
    pair, _, _ = run(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.delete_isakmp_sa(B2, pair.now)
    pair.run()
    assert any(isinstance(e, SaDeleted) for e in pair.events(pair.b2))
    assert pair.b1.isakmp_sa(B2) is None and pair.b2.isakmp_sa(B1) is None


def test_acquire_starts_ike_only_for_interesting_traffic() -> None:
    ep = IkeEndpoint(branch_config("Branch1"))
    assert not ep.acquire("192.168.11.1", "8.8.8.8", 0.0)
    assert ep.datagrams_to_send(0.0) == []
    assert ep.acquire("192.168.11.1", "192.168.22.1", 0.0)
    assert len(ep.datagrams_to_send(0.0)) == 1


def test_initiator_offers_only_policies_it_can_authenticate() -> None:
    both = (SEED_POLICY, IsakmpPolicy(priority=20, authentication="pre-share"))
    c1 = branch_config("Branch1")
    c1 = replace(c1, policies=both)
    ep = IkeEndpoint(c1)
    ep.initiate(B2, 0.0)
    mm1 = decode_message(ep.datagrams_to_send(0.0)[0].data)
    sa = mm1.payloads[0]
    assert len(sa.proposals[0].transforms) == 1  # type: ignore[union-attr]
    assert "No pre-shared key with 10.2.2.1!" in ep.debug_log()


def test_several_transform_sets_are_offered_as_alternatives() -> None:
    ts2 = TransformSet("TS2", ("esp-aes", "esp-sha-hmac"))
    c1 = branch_config("Branch1")
    entry = replace(c1.crypto_map[0], transform_sets=(ts2, SEED_TS))
    c1 = replace(c1, crypto_map=(entry,))
    _, ev1, _ = run(c1, branch_config("Branch2"))
    assert phase2(ev1).suite.transform_id == 3  # Branch2 only knows esp-3des


def test_isakmp_sa_is_deleted_when_its_lifetime_expires() -> None:
    short = IsakmpPolicy(priority=10, encryption="3des", hash="md5", lifetime=600)
    pair, _, _ = run(branch_config("Branch1", policy=short), branch_config("Branch2", policy=short))
    start = pair.now
    timer = pair.b1.get_timer()
    assert timer is not None and timer == pytest.approx(start + 600, abs=1)
    pair.now = timer
    pair.b1.handle_timer(timer)
    pair.run()
    mine = [e for e in pair.events(pair.b1) if isinstance(e, SaDeleted)]
    assert mine and not mine[0].by_peer
    assert any(isinstance(e, SaDeleted) and e.by_peer for e in pair.events(pair.b2))
    assert pair.b1.isakmp_sa(B2) is None and pair.b2.isakmp_sa(B1) is None


def test_a_second_quick_mode_runs_under_the_same_isakmp_sa() -> None:
    pair, ev1, _ = run(branch_config("Branch1"), branch_config("Branch2"))
    first = phase2(ev1)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    second = phase2(pair.events(pair.b1))
    assert second.conn_id == first.conn_id and second.message_id != first.message_id
    assert second.outbound.spi != first.outbound.spi
    assert second.outbound.enc_key != first.outbound.enc_key  # fresh nonces, fresh KEYMAT


def test_acquire_negotiates_the_acl_line_the_packet_matched() -> None:
    two_lines = AccessList(
        "ACL",
        (
            AclEntry(
                "permit",
                AddressMatch.network("192.168.11.0/24"),
                AddressMatch.network("192.168.22.0/24"),
            ),
            AclEntry(
                "permit", AddressMatch.host("192.168.11.7"), AddressMatch.network("10.99.0.0/16")
            ),
        ),
    )
    c1 = branch_config("Branch1")
    c1 = replace(c1, crypto_map=(replace(c1.crypto_map[0], match_address=two_lines),))
    mirror = AccessList(
        "ACL",
        (
            AclEntry(
                "permit", AddressMatch.network("10.99.0.0/16"), AddressMatch.host("192.168.11.7")
            ),
        ),
    )
    c2 = branch_config("Branch2")
    c2 = replace(c2, crypto_map=(replace(c2.crypto_map[0], match_address=mirror),))
    pair = Pair.make(c1, c2)
    assert pair.b1.acquire("192.168.11.7", "10.99.1.1", pair.now)
    pair.run()
    p = phase2(pair.events(pair.b1))
    assert (str(p.outbound.src_proxy), str(p.outbound.dst_proxy)) == (
        "192.168.11.7/32",
        "10.99.0.0/16",
    )


def test_initiator_offers_configured_policies_and_responder_also_tries_the_default_suite() -> None:
    ep = IkeEndpoint(replace(branch_config("Branch1"), default_policy=True))
    ep.initiate(B2, 0.0)
    mm1 = decode_message(ep.datagrams_to_send(0.0)[0].data)
    assert len(mm1.payloads[0].proposals[0].transforms) == 1  # type: ignore[union-attr]
    # A responder whose only policy differs still accepts the IOS default suite (65535).
    default_offer = IsakmpPolicy(priority=5)  # DES/SHA/rsa-sig/group 1: the default suite
    c1 = branch_config("Branch1", policy=default_offer)
    c2 = replace(
        branch_config("Branch2", policy=IsakmpPolicy(priority=10, encryption="aes")),
        default_policy=True,
    )
    pair, ev1, _ = run(c1, c2)
    assert any(isinstance(e, Phase2Complete) for e in ev1)
    assert "Checking ISAKMP transform 1 against priority 65535 policy" in pair.b2.debug_log()


def test_lost_qm3_is_recovered_by_the_responder_resending_qm2() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    for _ in range(4):
        pair.step()  # MM1..MM6, QM1, QM2 delivered; QM3 now queued at Branch1
    qm3 = pair.b1.datagrams_to_send(pair.now)
    assert len(qm3) == 1  # ... and lost
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b1))
    timer = pair.b2.get_timer()
    assert timer is not None
    pair.now = timer
    pair.b2.handle_timer(timer)  # Branch2 resends QM2; Branch1 answers with QM3 again
    pair.run()
    assert pair.b1.stats["duplicates"] == 1
    assert any(isinstance(e, Phase2Complete) for e in pair.events(pair.b2))
