"""IKEv2 messages against Scapy's independent IKEv2 layer (scapy.contrib.ikev2), and the
codec's errors, spans and edge cases."""

from __future__ import annotations

import pytest

from vpnteach.wire.errors import DecodeError, EncodeError
from vpnteach.wire.ikev2 import (
    AuthPayload,
    DeletePayload,
    ExchangeType,
    Flags,
    IdPayload,
    Ikev2Header,
    Ikev2Message,
    KePayload,
    NoncePayload,
    NotifyPayload,
    NotifyType,
    PayloadType,
    Proposal,
    ProtocolId,
    SaPayload,
    SkPayload,
    TrafficSelector,
    Transform,
    TsPayload,
    UnknownPayload,
    decode_message,
    encode_message,
    key_length,
    message_spans,
)

k = pytest.importorskip("scapy.contrib.ikev2")

SPI_I = bytes.fromhex("0123456789abcdef")
SPI_R = bytes.fromhex("fedcba9876543210")
PROPOSAL = Proposal(
    1,
    ProtocolId.IKE,
    b"",
    (
        Transform(1, 12, (key_length(256),)),
        Transform(2, 5),
        Transform(3, 12),
        Transform(4, 14),
    ),
)
SA_INIT = Ikev2Message(
    Ikev2Header(SPI_I, bytes(8), ExchangeType.IKE_SA_INIT, Flags.INITIATOR, 0),
    (
        SaPayload((PROPOSAL,)),
        KePayload(14, bytes(range(256))),
        NoncePayload(b"N" * 32),
        NotifyPayload(NotifyType.NAT_DETECTION_SOURCE_IP, b"s" * 20),
        NotifyPayload(NotifyType.NAT_DETECTION_DESTINATION_IP, b"d" * 20),
    ),
)


def test_scapy_reads_our_ike_sa_init_with_our_values() -> None:
    pkt = k.IKEv2(encode_message(SA_INIT))
    assert (
        pkt.init_SPI == SPI_I and pkt.exch_type == 34 and pkt.length == 28 + 48 + 264 + 36 + 28 + 28
    )
    sa = pkt[k.IKEv2_SA]
    prop = sa.prop
    assert (prop.proposal, prop.proto, prop.trans_nb) == (1, 1, 4)
    t = prop.trans
    seen = []
    while t is not None and isinstance(t, k.IKEv2_Transform):
        seen.append((t.transform_type, t.transform_id, t.key_length))
        t = t.payload if isinstance(t.payload, k.IKEv2_Transform) else None
    assert seen == [(1, 12, 256), (2, 5, None), (3, 12, None), (4, 14, None)]
    assert pkt[k.IKEv2_KE].group == 14 and bytes(pkt[k.IKEv2_KE].ke) == bytes(range(256))
    assert bytes(pkt[k.IKEv2_Nonce].nonce) == b"N" * 32
    notifies = [p for p in pkt.iterpayloads() if isinstance(p, k.IKEv2_Notify)]
    assert [(n.type, bytes(n.notify)) for n in notifies] == [(16388, b"s" * 20), (16389, b"d" * 20)]


def test_we_read_an_ike_auth_built_by_scapy() -> None:
    ts = k.IPv4TrafficSelector(
        starting_address_v4="192.168.11.0", ending_address_v4="192.168.11.255"
    )
    pkt = (
        k.IKEv2(init_SPI=SPI_I, resp_SPI=SPI_R, exch_type=35, flags="Response", id=1)
        / k.IKEv2_IDr(IDtype=2, ID=b"Branch2.amit.com")
        / k.IKEv2_AUTH(auth_type=2, load=b"a" * 32)
        / k.IKEv2_TSi(number_of_TSs=1, traffic_selector=[ts])
        / k.IKEv2_Delete(proto=3, SPIsize=4, SPInum=1, SPI=[b"\x01\x02\x03\x04"])
    )
    msg = decode_message(bytes(pkt))
    assert msg.header.response and msg.header.message_id == 1
    assert msg.payloads == (
        IdPayload(2, b"Branch2.amit.com", PayloadType.IDr),
        AuthPayload(2, b"a" * 32),
        TsPayload((TrafficSelector.ipv4_network("192.168.11.0/24"),), PayloadType.TSi),
        DeletePayload(3, 4, (b"\x01\x02\x03\x04",)),
    )
    assert encode_message(msg) == bytes(pkt)


def test_sk_payload_ends_the_chain_and_names_the_first_inner_payload() -> None:
    header = Ikev2Header(SPI_I, SPI_R, ExchangeType.IKE_AUTH, Flags.INITIATOR, 1)
    data = encode_message(Ikev2Message(header, (SkPayload(PayloadType.IDi, b"x" * 40),)))
    assert data[16] == PayloadType.SK and data[28] == PayloadType.IDi  # SK's Next = IDi
    assert decode_message(data).sk == SkPayload(PayloadType.IDi, b"x" * 40)
    scapy_sk = k.IKEv2(data)[k.IKEv2_Encrypted]
    assert scapy_sk.next_payload == PayloadType.IDi and bytes(scapy_sk.load) == b"x" * 40


def test_an_sk_payload_before_another_payload_is_refused() -> None:
    header = Ikev2Header(SPI_I, SPI_R, ExchangeType.IKE_AUTH, Flags.INITIATOR, 1)
    with pytest.raises(EncodeError, match="last payload"):
        encode_message(Ikev2Message(header, (SkPayload(35, b""), NoncePayload(b"n" * 16))))


def test_unknown_critical_payload_keeps_its_critical_bit() -> None:
    msg = Ikev2Message(SA_INIT.header, (UnknownPayload(99, b"abc", True), NoncePayload(b"n" * 16)))
    data = encode_message(msg)
    assert data[29] == 0x80
    assert decode_message(data).payloads[0] == UnknownPayload(99, b"abc", True)


def test_major_version_1_is_refused_with_its_offset() -> None:
    data = bytearray(encode_message(SA_INIT))
    data[17] = 0x10
    with pytest.raises(DecodeError, match="offset 17: IKE major version 1, not 2"):
        decode_message(bytes(data))


def test_a_proposal_whose_transform_count_lies_is_refused_where_it_lies() -> None:
    data = bytearray(encode_message(SA_INIT))
    data[28 + 4 + 7] = 5  # Num Transforms of proposal 1: 5 instead of 4
    with pytest.raises(DecodeError) as err:
        decode_message(bytes(data))
    assert err.value.payload.startswith("SA[1].proposal[1]")


def test_spans_tile_the_message_byte_for_byte() -> None:
    data = encode_message(SA_INIT)
    leaves = [s for s in message_spans(data) if s.leaf]
    offset = 0
    for span in leaves:
        assert span.offset == offset, span
        offset += span.length
    assert offset == len(data)
    names = {s.name for s in leaves}
    assert "SA[1].proposal[1].transform[1].attr[1].value" in names
    assert "N[2].notify_message_type" in names


def test_skf_fragment_number_beyond_the_total_is_refused() -> None:
    from vpnteach.wire.ikev2 import SkfPayload

    header = Ikev2Header(SPI_I, SPI_R, ExchangeType.IKE_AUTH, Flags.INITIATOR, 1)
    good = encode_message(Ikev2Message(header, (SkfPayload(35, 2, 2, b"x" * 20),)))
    assert decode_message(good).skf == SkfPayload(35, 2, 2, b"x" * 20)
    bad = good[:32] + (3).to_bytes(2, "big") + good[34:]
    with pytest.raises(DecodeError, match="fragment 3 of 2"):
        decode_message(bad)
