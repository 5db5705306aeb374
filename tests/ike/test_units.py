"""Small units: payload rules, vendor IDs, NAT-D hashes, RFC 2409 padding."""

from __future__ import annotations

import hashlib

import pytest

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.prf import get_hash
from vpnteach.ike import nat_t, vendor
from vpnteach.ike.keymat import IvManager
from vpnteach.ike.protection import ProtectionError, open_body, pad, seal
from vpnteach.ike.rules import PayloadRuleError, rule_for
from vpnteach.wire.constants import AuthenticationMethod, NotifyMessageType, PayloadType
from vpnteach.wire.message import IsakmpHeader, decode_message
from vpnteach.wire.payloads import NoncePayload

T = PayloadType


def test_mm5_with_rsa_sig_needs_sig_and_refuses_hash() -> None:
    rule = rule_for("MM5", AuthenticationMethod.RSA_SIGNATURES)
    rule.check([T.ID, T.CERT, T.SIG, T.N], encrypted=True)
    with pytest.raises(PayloadRuleError) as info:
        rule.check([T.ID, T.CERT, T.N], encrypted=True)
    assert info.value.notify == NotifyMessageType.PAYLOAD_MALFORMED
    with pytest.raises(PayloadRuleError):
        rule.check([T.ID, T.HASH, T.SIG], encrypted=True)


def test_mm5_with_pre_share_needs_hash() -> None:
    rule = rule_for("MM5", AuthenticationMethod.PRE_SHARED_KEY)
    rule.check([T.ID, T.HASH, T.N], encrypted=True)
    with pytest.raises(PayloadRuleError, match="SIG"):
        rule.check([T.ID, T.HASH, T.SIG], encrypted=True)


def test_rules_refuse_clear_mm5_unknown_payloads_and_a_wrong_first_payload() -> None:
    with pytest.raises(PayloadRuleError) as clear:
        rule_for("MM5").check([T.ID, T.SIG], encrypted=False)
    assert clear.value.notify == NotifyMessageType.INVALID_FLAGS
    with pytest.raises(PayloadRuleError) as unknown:
        rule_for("MM3").check([T.KE, T.NONCE, T.SA], encrypted=False)
    assert unknown.value.notify == NotifyMessageType.INVALID_PAYLOAD_TYPE
    with pytest.raises(PayloadRuleError, match="start with a HASH"):
        rule_for("QM1").check([T.SA, T.HASH, T.NONCE], encrypted=True)
    rule_for("MM1").check([T.SA, T.VID, T.VID, T.VID], encrypted=False)  # VIDs always allowed


@pytest.mark.parametrize(
    ("vid", "text"),
    [
        # RFC 3947 §3.1; draft-ietf-ipsec-nat-t-ike-02 §3 (with its trailing newline), -03, -07.
        (vendor.NAT_T_RFC3947, b"RFC 3947"),
        (vendor.NAT_T_V2, b"draft-ietf-ipsec-nat-t-ike-02\n"),
        (vendor.NAT_T_V3, b"draft-ietf-ipsec-nat-t-ike-03"),
        (vendor.NAT_T_V7, b"draft-ietf-ipsec-nat-t-ike-07"),
    ],
)
def test_nat_t_vendor_ids_are_md5_of_their_document_names(
    vid: vendor.VendorId, text: bytes
) -> None:
    assert vid.data == hashlib.md5(text).digest()
    assert vendor.identify(vid.data) is vid


def test_ios_major_byte_of_the_rfc3947_vendor_id_is_69() -> None:
    # Source: seed log "vendor ID seems Unity/DPD but major 69 mismatch" before "NAT-T RFC 3947".
    assert vendor.unity_dpd_major(vendor.NAT_T_RFC3947.data) == 69
    assert vendor.identify(vendor.DPD.data[:14] + b"\x02\x00") is vendor.DPD  # another version


def test_nat_d_hash_follows_rfc3947() -> None:
    h = get_hash("sha1")
    ci, cr = bytes(range(8)), bytes(range(8, 16))
    # RFC 3947 §3.2: HASH = HASH(CKY-I | CKY-R | IP | Port)
    expected = hashlib.sha1(ci + cr + bytes([10, 1, 1, 1]) + (500).to_bytes(2, "big")).digest()
    assert nat_t.nat_d_hash(h, ci, cr, "10.1.1.1", 500, "x") == expected


def test_nat_detection_tells_which_side_is_behind_the_nat() -> None:
    h = get_hash("md5")
    ci, cr = b"i" * 8, b"r" * 8
    me, peer = ("10.1.1.1", 500), ("10.2.2.1", 500)
    straight = [nat_t.nat_d_hash(h, ci, cr, *me, "d"), nat_t.nat_d_hash(h, ci, cr, *peer, "s")]
    assert not nat_t.detect(h, ci, cr, straight, me, peer).nat_detected
    seen_by_peer = [nat_t.nat_d_hash(h, ci, cr, "10.1.1.1", 1024, "d"), straight[1]]
    result = nat_t.detect(h, ci, cr, seen_by_peer, me, peer)
    assert result.local_behind_nat and not result.peer_behind_nat


@pytest.mark.parametrize("length", [0, 1, 6, 7, 8, 15])
def test_rfc2409_padding_always_adds_at_least_one_byte_counting_the_zeros(length: int) -> None:
    padded = pad(bytes([0xAA]) * length, 8)
    assert len(padded) % 8 == 0 and len(padded) > length
    count = padded[-1]
    assert padded[length:-1] == bytes(count)


def test_sealed_message_opens_with_the_same_key_and_not_with_another() -> None:
    h, cipher = get_hash("md5"), get_cipher("3des")
    key = bytes(range(24))
    sender = IvManager(h, 8, b"gxi", b"gxr")
    receiver = IvManager(h, 8, b"gxi", b"gxr")
    header = IsakmpHeader(b"i" * 8, b"r" * 8, 2)
    data = seal(header, [NoncePayload(b"n" * 20)], cipher, key, sender)
    payloads, raw = open_body(decode_message(data), cipher, key, receiver)
    assert payloads == (NoncePayload(b"n" * 20),) and raw[4:] == b"n" * 20
    wrong = IvManager(h, 8, b"gxi", b"gxr")
    with pytest.raises(ProtectionError):
        open_body(decode_message(data), cipher, bytes(24), wrong)
