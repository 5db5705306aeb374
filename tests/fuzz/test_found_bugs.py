"""The bugs the fuzzers found, one readable test each (each failed before its fix).

Inputs come from ``fuzz/regressions/<target>/`` where the fuzzer's own file is clearer than a
hand-made one (its first byte is the target's mode selector, not part of the input).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from ipaddress import IPv4Network

import pytest

from fuzz._harness import ROOT
from tests.ike.harness import B1, B2, Pair, branch_config, seed_pki
from vpnteach.esp.esp import Dropped, DropReason, inspect_esp
from vpnteach.ike.context import IkeError
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import EspSuite, check_ike_transform
from vpnteach.ike.quick_mode import proxy_from_payload
from vpnteach.net.pcap import LinkType, encode_pcap, ipv4_udp_packet, udp_datagrams
from vpnteach.pki.der import load_certificate
from vpnteach.pki.errors import MalformedInputError
from vpnteach.pki.validation import validate_certificate
from vpnteach.wire.attributes import DataAttribute, pull_attribute, push_attribute
from vpnteach.wire.buffer import Buffer, Span
from vpnteach.wire.constants import (
    ExchangeType,
    Flags,
    IkeAttribute,
    IpsecAttribute,
    NotifyMessageType,
)
from vpnteach.wire.ip import IpProtocol, ipv4_packet
from vpnteach.wire.message import IsakmpHeader, Message, decode_message, encode_message
from vpnteach.wire.payloads import IdPayload
from vpnteach.wire.sa import SaPayload

REGRESSIONS = ROOT / "fuzz" / "regressions"
NOW = dt.datetime(2010, 6, 6, 10, 21, 50, tzinfo=dt.timezone.utc)


def fuzzer_input(target: str, name: str) -> bytes:
    """A saved input without its mode byte."""
    return (REGRESSIONS / target / name).read_bytes()[1:]


# --- decoders ------------------------------------------------------------------------------


@pytest.mark.parametrize("length", range(8))
def test_inspect_esp_without_sa_drops_an_esp_part_shorter_than_its_header(length: int) -> None:
    packet = ipv4_packet("10.1.1.1", "10.2.2.1", IpProtocol.ESP, bytes(range(1, length + 1)))
    result = inspect_esp(None, packet)
    assert isinstance(result, Dropped) and result.reason is DropReason.MALFORMED


def test_udp_datagrams_skips_a_frame_cut_by_a_short_snaplen() -> None:
    packet = ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, b"x" * 40)
    assert udp_datagrams(encode_pcap([(0, packet)], LinkType.RAW, snaplen=24)) == []
    assert len(udp_datagrams(encode_pcap([(0, packet)], LinkType.RAW))) == 1


@pytest.mark.parametrize(
    "name",
    [
        "validate-malformed-crl-distribution-point",
        "validate-duplicate-extension",
        "validate-name-bitstring-type",
    ],
)
def test_a_certificate_with_a_malformed_part_fails_the_parse_check(name: str) -> None:
    check = validate_certificate(fuzzer_input("pki", name), seed_pki().ca.certificate, NOW)
    assert not check.ok
    assert [i.name for i in check.items] == ["parse"]
    assert "malformed certificate" in check.items[0].reason


def test_a_certificate_with_an_invalid_version_is_a_malformed_input() -> None:
    with pytest.raises(MalformedInputError, match="malformed certificate"):
        load_certificate(fuzzer_input("pki", "load-certificate-invalid-version"))


def test_a_csr_with_an_unknown_key_type_is_refused_as_malformed() -> None:
    with pytest.raises(MalformedInputError, match="malformed certificate request"):
        seed_pki().ca.issue(fuzzer_input("pki", "issue-csr-unknown-key-type"), NOW)


def test_a_malformed_crl_fails_the_revocation_check_instead_of_raising() -> None:
    from vpnteach.pki.der import load_crl

    crl = load_crl(fuzzer_input("pki", "validate-malformed-crl-issuer"))
    cert = seed_pki().routers["Branch2"].trustpoints["WIN2003"].certificate
    assert cert is not None
    check = validate_certificate(
        cert, seed_pki().ca.certificate, NOW, crl=crl, revocation_check="crl"
    )
    item = check.item("revocation")
    assert not item.passed and item.reason.startswith("malformed CRL")


# --- IKE: attributes, identities -----------------------------------------------------------


def test_a_phase1_transform_without_a_group_is_not_acceptable() -> None:
    # RFC 2409 §5: encryption, hash, authentication method and group are mandatory.
    attrs = [
        DataAttribute.basic(IkeAttribute.ENCRYPTION_ALGORITHM, 5),
        DataAttribute.basic(IkeAttribute.HASH_ALGORITHM, 1),
        DataAttribute.basic(IkeAttribute.AUTHENTICATION_METHOD, 3),
    ]
    policy = IsakmpPolicy(priority=10, encryption="3des", authentication="rsa-sig", hash="md5")
    check = check_ike_transform(1, attrs, policy)
    assert not check.acceptable
    assert "GROUP_DESCRIPTION" in (check.problem or "")


def test_an_unknown_esp_life_type_is_ignored_not_a_crash() -> None:
    attrs = [
        DataAttribute.basic(IpsecAttribute.SA_LIFE_TYPE, 5),
        DataAttribute.basic(IpsecAttribute.SA_LIFE_DURATION, 3600),
        DataAttribute.basic(IpsecAttribute.AUTHENTICATION_ALGORITHM, 1),
    ]
    suite = EspSuite.from_attributes(3, attrs)
    assert (suite.lifetime_seconds, suite.auth_algorithm) == (28800, 1)


def test_a_proxy_id_with_a_non_contiguous_mask_is_invalid_id_information() -> None:
    payload = IdPayload(4, 0, 0, bytes([192, 168, 11, 0, 255, 0, 255, 0]))
    with pytest.raises(IkeError) as caught:
        proxy_from_payload(payload)
    assert caught.value.notify == NotifyMessageType.INVALID_ID_INFORMATION
    assert proxy_from_payload(IdPayload(4, 0, 0, bytes([192, 168, 11, 0, 255, 255, 255, 0])))
    assert IPv4Network("192.168.11.0/24")


# --- IKE: forged datagrams against an established SA ---------------------------------------


def established() -> Pair:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair


def forged(pair: Pair, exchange: int, mid: int, body: bytes = bytes(16)) -> bytes:
    """Garbage ciphertext under the real cookies: what an on-path attacker can send."""
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None
    header = IsakmpHeader(sa.cky_i, sa.cky_r, exchange, Flags.ENCRYPTION, mid, next_payload=0)
    return encode_message(Message(header, (), body))


def test_a_forged_quick_mode_message_leaves_no_node_behind() -> None:
    pair = established()
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None
    nodes = set(sa.nodes)
    for mid in (1, 2, 0xDEADBEEF):
        pair.b2.receive_datagram(forged(pair, ExchangeType.QUICK_MODE, mid), (B1, 500), pair.now)
    assert set(sa.nodes) == nodes


@pytest.mark.parametrize("exchange", [ExchangeType.QUICK_MODE, ExchangeType.INFORMATIONAL])
def test_a_forged_message_with_message_id_0_does_not_move_the_phase1_iv(exchange: int) -> None:
    # RFC 2409 App. B: every phase 2 IV starts from the last phase 1 block; if a forged
    # message moved it, every later Quick Mode of this SA would fail to decrypt.
    pair = established()
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.keying is not None
    before = sa.keying.ivs.checkpoint()
    pair.b2.receive_datagram(forged(pair, exchange, 0), (B1, 500), pair.now)
    assert sa.keying.ivs.checkpoint() == before


def test_a_phase2_message_id_before_phase1_is_done_is_dropped_not_an_internal_error() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.step()  # MM1, MM2 delivered; MM3 in flight
    pair.step()  # MM3, MM4 delivered: Branch2 has keys, waits for MM5
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.keying is not None and not sa.established
    pair.b2.receive_datagram(forged(pair, ExchangeType.INFORMATIONAL, 7), (B1, 500), pair.now)
    assert pair.b2.stats["dropped_ProtectionError"] == 1


def test_a_forged_qm2_with_a_bad_hash_does_not_end_the_quick_mode_in_flight() -> None:
    # The fuzzer's input: Branch1 waits for QM2; the body is QM2's plaintext with one bit of
    # the nonce flipped, encrypted with the real Ka (so it decrypts), HASH(2) left as it was.
    from fuzz import fuzz_endpoint

    data = (REGRESSIONS / "endpoint" / "forged-qm2-aborts-inflight-quick-mode.known").read_bytes()
    fuzz_endpoint._setup()
    snap, _, mids = fuzz_endpoint.TARGETS[data[0] % len(fuzz_endpoint.TARGETS)]
    ep = snap.fresh()
    datagram = fuzz_endpoint._sealed(ep, snap, mids, data[2:], insider=False)
    assert datagram is not None
    sa = ep.isakmp_sa(snap.peer[0])
    assert sa is not None
    in_flight = set(sa.nodes)
    ep.receive_datagram(datagram, snap.peer, ep.ctx.now + 0.5)
    assert set(sa.nodes) == in_flight


def test_a_tlv_attribute_too_long_for_decimal_is_described_in_hex() -> None:
    # Python refuses int -> str beyond 4300 digits (about 1786 bytes); RFC 2408 §3.3 allows
    # a TLV value of up to 65535 bytes. The describer runs on every decode.
    value = b"\x01" * 2000
    encoded = Buffer()
    push_attribute(encoded, DataAttribute.variable(IkeAttribute.LIFE_DURATION, value))
    spans: list[Span] = []
    attr = pull_attribute(Buffer(encoded.data(), spans=spans), ike=True)
    assert attr.value == value
    assert any(s.meaning.startswith("0x10101") for s in spans)


def test_an_mm1_with_a_2000_byte_attribute_is_refused_not_an_internal_error() -> None:
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    (mm1,) = pair.b1.datagrams_to_send(pair.now)
    msg = decode_message(mm1.data)
    sa_payload = msg.payloads[0]
    assert isinstance(sa_payload, SaPayload)
    proposal = sa_payload.proposals[0]
    transform = proposal.transforms[0]
    huge = DataAttribute.variable(IkeAttribute.LIFE_DURATION, b"\x01" * 2000)
    attrs = (*(a for a in transform.attributes if a.type != IkeAttribute.LIFE_DURATION), huge)
    offer = replace(proposal, transforms=(replace(transform, attributes=attrs),))
    forged_mm1 = replace(msg, payloads=(replace(sa_payload, proposals=(offer,)), *msg.payloads[1:]))
    pair.b2.receive_datagram(encode_message(forged_mm1), (B1, 500), pair.now)
    assert pair.b2.isakmp_sa(B1) is None  # NO_PROPOSAL_CHOSEN: nothing negotiated
