"""Data attributes (RFC 2408 §3.3), IANA numbers, and errors for malformed structures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vpnteach.wire import (
    AuthenticationMethod,
    Buffer,
    DataAttribute,
    DecodeError,
    EncodeError,
    ExchangeType,
    IkeAttribute,
    NotifyMessageType,
    PayloadType,
    Proposal,
    SaPayload,
    Transform,
    as_enum,
    decode_payload_chain,
    describe,
    encode_payload_chain,
)
from vpnteach.wire.attributes import pull_attribute, push_attribute


def encode_attribute(attr: DataAttribute) -> bytes:
    buf = Buffer()
    push_attribute(buf, attr)
    return buf.data()


# RFC 2408 §3.3: AF=1, type 1 (Encryption Algorithm), value 5 (3DES-CBC, RFC 2409 App. A).
TV_3DES = bytes.fromhex("80010005")
# RFC 2408 §3.3: AF=0, type 12 (Life Duration), length 4, value 86400 (as strongSwan sends it).
TLV_LIFE = bytes.fromhex("000c000400015180")


def test_tv_attribute_encodes_af_bit_and_16_bit_value() -> None:
    assert encode_attribute(DataAttribute.basic(IkeAttribute.ENCRYPTION_ALGORITHM, 5)) == TV_3DES


def test_tlv_life_duration_reads_as_an_integer_and_keeps_its_form() -> None:
    attr = pull_attribute(Buffer(TLV_LIFE), ike=True)
    assert attr == DataAttribute(12, bytes.fromhex("00015180"), tv=False)
    assert attr.int_value == 86400
    assert encode_attribute(attr) == TLV_LIFE


def test_small_value_sent_as_tlv_stays_tlv() -> None:
    # A TLV attribute carrying 3600 in 4 bytes must not be "optimised" into TV on re-encode.
    wire = bytes.fromhex("0002000400000e10")
    attr = pull_attribute(Buffer(wire), ike=False)
    assert (attr.tv, attr.int_value) == (False, 3600)
    assert encode_attribute(attr) == wire


def test_integer_helper_picks_tv_when_it_fits_and_tlv_otherwise() -> None:
    assert DataAttribute.integer(12, 3600) == DataAttribute.basic(12, 3600)
    assert encode_attribute(DataAttribute.integer(12, 86400)) == TLV_LIFE
    assert encode_attribute(DataAttribute.integer(2, 4608000)) == bytes.fromhex("0002000400465000")


def test_unknown_attribute_class_and_value_round_trip() -> None:
    transform = Transform(
        1, 1, (DataAttribute.basic(0x7ABC, 0xFFFE), DataAttribute(0x1234, b"\1\2\3", False))
    )
    sa = SaPayload(proposals=(Proposal(1, 1, b"", (transform,)),))
    wire = encode_payload_chain((sa,))
    assert decode_payload_chain(PayloadType.SA, wire).payloads == (sa,)


def test_attribute_that_cannot_be_written_is_an_encode_error() -> None:
    with pytest.raises(EncodeError):
        encode_attribute(DataAttribute.basic(1, 70000))
    with pytest.raises(EncodeError):
        encode_attribute(DataAttribute.basic(0x8000, 1))
    with pytest.raises(EncodeError):
        encode_attribute(DataAttribute(1, b"\x01", tv=True))


def test_as_enum_returns_member_for_known_and_int_for_unknown() -> None:
    assert as_enum(ExchangeType, 2) is ExchangeType.IDENTITY_PROTECTION
    assert as_enum(ExchangeType, 77) == 77
    assert not isinstance(as_enum(ExchangeType, 77), ExchangeType)


def test_wire_numbers_match_the_rfcs() -> None:
    # RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706 §5.
    assert int(NotifyMessageType.INVALID_CERT_AUTHORITY) == 22
    assert int(NotifyMessageType.INITIAL_CONTACT) == 24578
    assert int(NotifyMessageType.R_U_THERE_ACK) == 36137
    # RFC 3947 §3.2 and the draft number; Cisco fragmentation.
    assert (PayloadType.NAT_D, PayloadType.NAT_D_DRAFT, PayloadType.FRAGMENT) == (20, 130, 132)
    assert (ExchangeType.IDENTITY_PROTECTION, ExchangeType.QUICK_MODE) == (2, 32)
    assert int(AuthenticationMethod.XAUTH_INIT_PRESHARED) == 65001


def test_describe_names_the_value_for_a_learner() -> None:
    assert describe(ExchangeType, 2) == "2 = Identity Protection (Main Mode)"
    assert describe(NotifyMessageType, 14) == "14 = NO_PROPOSAL_CHOSEN"
    assert describe(PayloadType, 200) == "200 = unknown"


# A proposal that says 0 transforms but carries one (Scapy's default "# of Transforms").
ZERO_COUNT = bytes.fromhex(
    "0000002c 00000001 00000001"
    "00000020 01010000"  # proposal: 0 transforms declared
    "00000018 01010000 80010007 800e0100 80020002 800b0001"
)


def test_transform_count_mismatch_says_so() -> None:
    # Fix the SA length to cover exactly the bytes above.
    wire = ZERO_COUNT[:2] + len(ZERO_COUNT).to_bytes(2, "big") + ZERO_COUNT[4:]
    wire = wire[:14] + (len(wire) - 12).to_bytes(2, "big") + wire[16:]
    with pytest.raises(DecodeError, match="# of Transforms is 0 but 24 more bytes follow"):
        decode_payload_chain(PayloadType.SA, wire)


def test_wrong_next_payload_inside_a_proposal_chain_is_rejected() -> None:
    sa = SaPayload(proposals=(Proposal(1, 1, b"", (Transform(1, 1),)),))
    wire = bytearray(encode_payload_chain((sa,)))
    wire[12] = 5  # the proposal's Next Payload: ID instead of 0
    with pytest.raises(DecodeError, match="after a proposal, expected 2 or 0") as info:
        decode_payload_chain(PayloadType.SA, bytes(wire), 0)
    assert info.value.offset == 12


def test_import_is_light() -> None:
    code = (
        "import sys, vpnteach.wire; "
        "bad = [m for m in ('scapy', 'hypothesis', 'cryptography', 'Crypto', 'IPython') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
