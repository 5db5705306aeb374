"""Two IKEv2 endpoints in process: IKE_SA_INIT + IKE_AUTH in both roles, PSK and certificates,
retries, failures, retransmission, INFORMATIONAL. The peer's view is the check: both sides
must derive the same keys and install mirrored Child SAs."""

from __future__ import annotations

import dataclasses

import pytest

from tests.ikev2.harness import PSK, Pair, pair
from vpnteach.ikev2.events import (
    ChildSaEstablished,
    ChildSaFailed,
    IkeSaDeleted,
    IkeSaEstablished,
    LivenessChecked,
    NegotiationFailed,
)
from vpnteach.ikev2.transitions import IKEV2, State, to_dot
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType

B2 = "10.2.2.1"


def _established(p: Pair) -> tuple[ChildSaEstablished, ChildSaEstablished]:
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaEstablished"], p.events
    assert p.kinds("b") == ["IkeSaEstablished", "ChildSaEstablished"], p.events
    ca, cb = p.events["a"][1], p.events["b"][1]
    assert isinstance(ca, ChildSaEstablished) and isinstance(cb, ChildSaEstablished)
    return ca, cb


def _mirrored(ca: ChildSaEstablished, cb: ChildSaEstablished) -> None:
    assert (ca.spi_in, ca.spi_out) == (cb.spi_out, cb.spi_in)
    assert (ca.encr_key_out, ca.integ_key_out) == (cb.encr_key_in, cb.integ_key_in)
    assert (ca.encr_key_in, ca.integ_key_in) == (cb.encr_key_out, cb.integ_key_out)
    assert ca.encr_key_in != ca.encr_key_out


@pytest.mark.parametrize(
    ("auth", "method"), [("psk", 1), ("cert", 1), ("cert", 14)], ids=["psk", "rsa", "rsa-pss"]
)
def test_ike_sa_and_first_child_sa_with_the_same_keys_on_both_sides(auth: str, method: int) -> None:
    p = pair(auth=auth, method=method)
    ca, cb = _established(p)
    _mirrored(ca, cb)
    assert str(ca.local_ts) == "192.168.11.0/24" and str(ca.remote_ts) == "192.168.22.0/24"
    for name in (
        "SKEYSEED",
        "SK_d",
        "SK_ai",
        "SK_ar",
        "SK_ei",
        "SK_er",
        "SK_pi",
        "SK_pr",
        "KEYMAT",
    ):
        assert p.a.trace.find(name).value == p.b.trace.find(name).value, name
    sa_a = p.a.ike_sa(B2)
    assert sa_a is not None and sa_a.state == State.READY
    ike = p.events["b"][0]
    assert isinstance(ike, IkeSaEstablished)
    expected = "Branch1.amit.com" if auth == "cert" else "10.1.1.1"
    assert ike.peer_identity == expected


def test_aes_gcm_ike_and_esp_suites() -> None:
    p = pair(ike=("aes256gcm16-prfsha256-modp2048",), esp=("aes256gcm16",))
    ca, cb = _established(p)
    _mirrored(ca, cb)
    assert (ca.encr_id, ca.integ_id, len(ca.encr_key_out), ca.integ_key_out) == (20, None, 36, b"")


def test_identities_travel_only_encrypted() -> None:
    p = pair(auth="cert")
    _established(p)
    auth_msgs = [d for _, d in p.wire if decode_message(d).header.exchange_type == 35]
    assert len(auth_msgs) >= 2  # IKE fragments (RFC 7383) when the certificate does not fit
    assert all(b"Branch1.amit.com" not in d and b"Branch2.amit.com" not in d for d in auth_msgs)


def test_wrong_pre_shared_key_fails_both_sides_with_authentication_failed() -> None:
    p = pair(b_psk=b"other")
    p.a.initiate(B2, p.now)
    p.run()
    for side in ("a", "b"):
        (failed,) = p.events[side]
        assert isinstance(failed, NegotiationFailed)
        assert failed.notify_type == NotifyType.AUTHENTICATION_FAILED
    assert not p.a.sas and not p.b.sas


def test_certificate_of_another_ca_is_refused() -> None:
    p = pair(auth="cert")
    other = dataclasses.replace(p.b.config.peers[0].credential, ca_certificate=_stranger_ca())  # type: ignore[type-var]
    p.b.ctx.config = dataclasses.replace(
        p.b.config, peers=(dataclasses.replace(p.b.config.peers[0], credential=other),)
    )
    p.a.initiate(B2, p.now)
    p.run()
    failed = p.events["b"][0]
    assert isinstance(failed, NegotiationFailed) and "certificate refused" in failed.reason


def _stranger_ca() -> object:
    from tests.ike.harness import seed_pki

    return seed_pki(1).ca.certificate


def test_invalid_ke_payload_makes_the_initiator_retry_with_the_named_group() -> None:
    p = pair(
        a_ike=("aes256-sha256-modp2048", "aes256-sha256-modp1536"),
        b_ike=("aes256-sha256-modp1536",),
    )
    _established(p)
    assert p.b.stats["invalid_ke_sent"] == 1 and p.a.stats["sa_init_retries"] == 1
    init = [decode_message(d) for _, d in p.wire if decode_message(d).header.exchange_type == 34]
    assert len(init) == 4  # request, INVALID_KE_PAYLOAD, request again, answer
    assert init[1].payloads[0].notify_message_type == NotifyType.INVALID_KE_PAYLOAD  # type: ignore[union-attr]


def test_no_common_ike_proposal_is_no_proposal_chosen() -> None:
    p = pair(a_ike=("aes128-sha1-modp2048",), b_ike=("aes256-sha256-modp2048",))
    p.a.initiate(B2, p.now)
    p.run()
    assert [e.notify_type for e in p.events["a"]] == [NotifyType.NO_PROPOSAL_CHOSEN]  # type: ignore[union-attr]
    assert not p.b.sas


def test_no_common_esp_proposal_keeps_the_ike_sa() -> None:
    p = pair(a_esp=("aes128-sha1",), b_esp=("aes256-sha256",))
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaFailed"]
    assert p.kinds("b") == ["IkeSaEstablished", "ChildSaFailed"]
    failed = p.events["a"][1]
    assert isinstance(failed, ChildSaFailed) and failed.notify_type == NotifyType.NO_PROPOSAL_CHOSEN


def test_cookie_under_load_is_sent_back_and_then_accepted() -> None:
    p = pair()
    p.b.ctx.config = dataclasses.replace(p.b.config, max_half_open=0)
    _established(p)
    assert p.b.stats["cookie_sent"] == 1
    init = [decode_message(d) for _, d in p.wire if decode_message(d).header.exchange_type == 34]
    first = init[2].payloads[0]
    assert first.notify_message_type == NotifyType.COOKIE  # type: ignore[union-attr]


def test_cookie_returners_beyond_the_in_negotiation_limit_are_dropped() -> None:
    """Above ``max_half_open`` every IKE_SA_INIT must carry our cookie (§2.6); an initiator
    that returns it still gets no SA once ``max_in_negotiation`` SAs are half open."""
    p = pair()
    p.b.ctx.config = dataclasses.replace(p.b.config, max_half_open=2, max_in_negotiation=3)
    for _ in range(5):  # IKE_SA_INIT, COOKIE, IKE_SA_INIT with it; IKE_AUTH never delivered
        p.a.initiate(B2, p.now)
        for _ in range(2):
            for d in p.a.datagrams_to_send(p.now):
                if decode_message(d.data).header.exchange_type == 34:
                    p.b.receive_datagram(d.data, ("10.1.1.1", 500), p.now)
            for d in p.b.datagrams_to_send(p.now):
                p.a.receive_datagram(d.data, ("10.2.2.1", 500), p.now)
    half_open = [sa for sa in p.b.sas.values() if sa.state == State.R_WAIT_AUTH]
    assert len(half_open) == 3
    assert p.b.stats["cookie_sent"] == 3 and p.b.stats["dropped half_open_limit"] == 2


def test_lost_response_is_recovered_by_retransmission() -> None:
    p = pair()
    p.a.initiate(B2, p.now)
    first = p.a.datagrams_to_send(p.now)
    p.b.receive_datagram(first[0].data, ("10.1.1.1", 500), p.now)
    p.b.datagrams_to_send(p.now)  # the IKE_SA_INIT answer is lost
    due = p.a.get_timer()
    assert due is not None
    p.now = due
    p.a.handle_timer(p.now)
    p.run()
    assert p.a.stats["retransmissions"] == 1
    assert p.b.stats["retransmitted_requests_answered"] == 1
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaEstablished"]


def test_unanswered_requests_give_up_after_the_limit() -> None:
    p = pair()
    p.a.initiate(B2, p.now)
    p.a.datagrams_to_send(p.now)
    while (due := p.a.get_timer()) is not None:
        p.a.handle_timer(due)
        p.a.datagrams_to_send(due)
    assert p.a.stats["retransmissions"] == p.a.config.retransmission.limit
    assert [type(e).__name__ for e in [p.a.next_event()]] == ["NegotiationFailed"]
    assert not p.a.sas


def test_liveness_check_and_delete_of_the_ike_sa() -> None:
    p = pair()
    _established(p)
    assert p.b.check_liveness("10.1.1.1", p.now)  # the responder's first request: Message ID 0
    p.run()
    assert isinstance(p.events["b"][-1], LivenessChecked)
    assert p.a.delete_ike_sa(B2, p.now)
    p.run()
    assert isinstance(p.events["a"][-1], IkeSaDeleted) and isinstance(
        p.events["b"][-1], IkeSaDeleted
    )
    assert not p.a.sas and not p.b.sas
    info = [
        decode_message(d).header
        for _, d in p.wire
        if decode_message(d).header.exchange_type == ExchangeType.INFORMATIONAL
    ]
    assert [(h.message_id, h.response) for h in info] == [
        (0, False),
        (0, True),
        (2, False),
        (2, True),
    ]


def test_the_table_draws_every_state_and_each_handler_exists() -> None:
    from vpnteach.ikev2.endpoint import HANDLERS

    dot = to_dot()
    for state in IKEV2.states():
        assert f'"{state}"' in dot
    assert {m.handler for m in IKEV2.moves} == set(HANDLERS)


def test_psk_constant_is_what_both_sides_use() -> None:
    assert PSK == b"cisco123"


def test_responder_narrows_a_wider_proposal_to_its_own_selectors() -> None:
    import ipaddress

    p = pair()
    wide = dataclasses.replace(
        p.a.config.peers[0],
        local_ts=ipaddress.IPv4Network("192.168.0.0/16"),
        remote_ts=ipaddress.IPv4Network("192.168.0.0/16"),
    )
    p.a.ctx.config = dataclasses.replace(p.a.config, peers=(wide,))
    ca, cb = _established(p)
    # RFC 7296 §2.9: Branch2 answers with the subset its policy allows, Branch1 accepts it
    assert (str(ca.local_ts), str(ca.remote_ts)) == ("192.168.11.0/24", "192.168.22.0/24")
    assert (str(cb.local_ts), str(cb.remote_ts)) == ("192.168.22.0/24", "192.168.11.0/24")


def test_selectors_narrower_than_the_responders_policy_are_accepted_as_proposed() -> None:
    import ipaddress

    p = pair()
    narrow = dataclasses.replace(
        p.a.config.peers[0], local_ts=ipaddress.IPv4Network("192.168.11.0/25")
    )
    p.a.ctx.config = dataclasses.replace(p.a.config, peers=(narrow,))
    ca, cb = _established(p)
    # RFC 7296 §2.9: a subset of the responder's policy is a subset it allows: answered as is
    assert (str(ca.local_ts), str(ca.remote_ts)) == ("192.168.11.0/25", "192.168.22.0/24")
    assert (str(cb.local_ts), str(cb.remote_ts)) == ("192.168.22.0/24", "192.168.11.0/25")


def test_selectors_outside_the_responders_policy_are_ts_unacceptable() -> None:
    import ipaddress

    p = pair()
    elsewhere = dataclasses.replace(
        p.a.config.peers[0], local_ts=ipaddress.IPv4Network("192.168.33.0/24")
    )
    p.a.ctx.config = dataclasses.replace(p.a.config, peers=(elsewhere,))
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaFailed"]
    failed = p.events["b"][1]
    assert isinstance(failed, ChildSaFailed) and failed.notify_type == NotifyType.TS_UNACCEPTABLE


def test_a_half_open_responder_sa_is_forgotten_after_its_timeout() -> None:
    from vpnteach.ikev2.endpoint import HALF_OPEN_SECONDS

    p = pair()
    p.a.initiate(B2, p.now)
    (init,) = p.a.datagrams_to_send(p.now)
    p.b.receive_datagram(init.data, ("10.1.1.1", 500), p.now)
    assert [sa.state for sa in p.b.sas.values()] == [State.R_WAIT_AUTH]
    assert p.b.get_timer() == p.now + HALF_OPEN_SECONDS
    p.b.handle_timer(p.now + HALF_OPEN_SECONDS)
    assert not p.b.sas and p.b.stats["half_open_expired"] == 1
    failed = p.b.next_event()
    assert isinstance(failed, NegotiationFailed) and "R_WAIT_AUTH" in failed.reason


def test_deleting_a_child_sa_removes_the_pair_on_both_sides_and_keeps_the_ike_sa() -> None:
    from vpnteach.ikev2.events import ChildSaDeleted

    p = pair()
    ca, _ = _established(p)
    assert p.a.delete_child_sa(B2, ca.spi_in, p.now)
    p.run()
    for side in ("a", "b"):
        deleted = p.events[side][-1]
        assert isinstance(deleted, ChildSaDeleted)
        assert {deleted.spi_in, deleted.spi_out} == {ca.spi_in, ca.spi_out}
    sa_a, sa_b = p.a.ike_sa(B2), p.b.ike_sa("10.1.1.1")
    assert sa_a is not None and sa_b is not None and not sa_a.children and not sa_b.children
    assert not p.a.delete_child_sa(B2, ca.spi_in, p.now)  # already gone


def test_deletes_wait_for_the_request_window_and_go_one_request_at_a_time() -> None:
    """RFC 7296 §2.3: one request of ours in flight. A Child SA Delete and then an IKE SA
    Delete asked at once: the second leaves only after the first is answered, with the next
    Message ID; both sides end with no IKE SA."""
    p = pair()
    ca, _ = _established(p)
    assert p.a.delete_child_sa(B2, ca.spi_in, p.now)
    assert p.a.delete_ike_sa(B2, p.now)
    in_flight = p.a.datagrams_to_send(p.now)
    assert len(in_flight) == 1  # the Child SA's Delete alone
    for d in in_flight:
        p.b.receive_datagram(d.data, ("10.1.1.1", 500), p.now)
    p.run()
    requests = [decode_message(d).header for name, d in p.wire if name == "a"]
    assert [(h.exchange_type, h.message_id) for h in requests if not h.response][-1:] == [
        (ExchangeType.INFORMATIONAL, 3)
    ]  # IKE_SA_INIT 0, IKE_AUTH 1, the Child SA Delete 2, the IKE SA Delete 3
    assert not p.a.sas and not p.b.sas


def test_a_new_child_sa_and_the_rekey_of_a_chosen_one_by_its_outbound_spi() -> None:
    """CREATE_CHILD_SA without N(REKEY_SA) opens a second Child SA (§1.3.1); a rekey names the
    Child SA it replaces by the sender's inbound SPI in N(REKEY_SA) (§1.3.3), here the older
    one, which both sides then delete (§2.8)."""
    p = pair()
    ca, _ = _established(p)
    assert p.a.create_child_sa(B2, p.now)
    p.run()
    sa_a = p.a.ike_sa(B2)
    assert sa_a is not None and len(sa_a.children) == 2
    newer = sa_a.children[1]
    assert p.a.rekey_child_sa(B2, p.now, spi_out=ca.spi_out)
    p.run()
    sa_b = p.b.ike_sa("10.1.1.1")
    assert sa_b is not None and len(sa_a.children) == len(sa_b.children) == 2
    assert sa_a.children[0] == newer and ca.spi_in not in {c.spi_in for c in sa_a.children}
    assert ca.spi_in not in {c.spi_out for c in sa_b.children}  # the older pair is gone
    assert {c.spi_in for c in sa_b.children} == {c.spi_out for c in sa_a.children}
