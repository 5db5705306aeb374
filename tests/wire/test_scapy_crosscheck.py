"""Scapy's ISAKMP layer (an independent implementation) reads our bytes with our field values,
and we read the bytes Scapy builds."""

from __future__ import annotations

from typing import Any

import pytest

from vpnteach.wire import (
    DataAttribute,
    DeletePayload,
    EncryptionAlgorithm,
    ExchangeType,
    HashPayload,
    IkeAttribute,
    IpsecAttribute,
    IsakmpHeader,
    Message,
    NoncePayload,
    NotificationPayload,
    NotifyMessageType,
    Proposal,
    ProtocolId,
    SaPayload,
    Transform,
    VendorIdPayload,
    decode_message,
    encode_message,
    id_fqdn,
    id_ipv4_subnet,
)

isakmp = pytest.importorskip("scapy.layers.isakmp")

CKY_I = bytes.fromhex("bd75fba226eee4e5")
CKY_R = bytes.fromhex("1122334455667788")
SEED_TRANSFORM = Transform(
    1,
    1,
    (
        DataAttribute.basic(IkeAttribute.ENCRYPTION_ALGORITHM, EncryptionAlgorithm.TRIPLE_DES_CBC),
        DataAttribute.basic(IkeAttribute.HASH_ALGORITHM, 1),
        DataAttribute.basic(IkeAttribute.AUTHENTICATION_METHOD, 3),
        DataAttribute.basic(IkeAttribute.GROUP_DESCRIPTION, 1),
        DataAttribute.basic(IkeAttribute.LIFE_TYPE, 1),
        DataAttribute.integer(IkeAttribute.LIFE_DURATION, 86400),
    ),
)


def scapy_attributes(transform: Any) -> list[tuple[int, int]]:
    """Scapy's (name, value) attribute list as (class number, integer value)."""
    result = []
    for name, value in transform.transforms:
        number, values, _ = isakmp.ISAKMPAttributeTypes[name]
        result.append((number, values.get(value, value) if isinstance(value, str) else value))
    return result


def test_scapy_reads_our_main_mode_message_1() -> None:
    sa = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (SEED_TRANSFORM,)),))
    vid = VendorIdPayload(bytes.fromhex("4a131c81070358455c5728f20e95452f"))
    header = IsakmpHeader(CKY_I, bytes(8), ExchangeType.IDENTITY_PROTECTION)
    wire = encode_message(Message(header, (sa, vid)))
    pkt = isakmp.ISAKMP(wire)
    assert (pkt.init_cookie, pkt.resp_cookie) == (CKY_I, bytes(8))
    assert (pkt.next_payload, pkt.version, pkt.exch_type, pkt.id) == (1, 0x10, 2, 0)
    assert pkt.length == len(wire)
    psa = pkt[isakmp.ISAKMP_payload_SA]
    assert (psa.doi, psa.situation, psa.next_payload, psa.length) == (1, 1, 13, 56)
    prop = psa.prop
    assert (prop.proposal, prop.proto, prop.SPIsize, prop.trans_nb) == (1, 1, 0, 1)
    expected = [(a.type, a.int_value) for a in SEED_TRANSFORM.attributes]
    assert scapy_attributes(prop.trans) == expected
    assert pkt[isakmp.ISAKMP_payload_VendorID].VendorID == vid.vendor_id


def test_scapy_reads_our_quick_mode_payloads() -> None:
    esp = Transform(
        1,
        3,
        (
            DataAttribute.basic(IpsecAttribute.SA_LIFE_TYPE, 1),
            DataAttribute.basic(IpsecAttribute.SA_LIFE_DURATION, 3600),
            DataAttribute.basic(IpsecAttribute.ENCAPSULATION_MODE, 1),
            DataAttribute.basic(IpsecAttribute.AUTHENTICATION_ALGORITHM, 1),
        ),
    )
    spi = bytes.fromhex("8b4c7102")
    sa = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_IPSEC_ESP, spi, (esp,)),))
    payloads = (
        HashPayload(bytes(range(16))),
        sa,
        NoncePayload(bytes(range(20))),
        id_ipv4_subnet("192.168.11.0/24"),
        id_fqdn("Branch2.amit.com", 17, 500),
    )
    header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.QUICK_MODE, message_id=0xA90E8C17)
    pkt = isakmp.ISAKMP(encode_message(Message(header, payloads)))
    assert (pkt.exch_type, pkt.id, pkt.next_payload) == (32, 0xA90E8C17, 8)
    assert pkt[isakmp.ISAKMP_payload_Hash].hash == bytes(range(16))
    prop = pkt[isakmp.ISAKMP_payload_SA].prop
    assert (prop.proto, prop.SPIsize, prop.SPI) == (3, 4, spi)
    assert prop.trans.transform_id == 3
    assert pkt[isakmp.ISAKMP_payload_Nonce].nonce == bytes(range(20))
    first, second = pkt[isakmp.ISAKMP_payload_ID], pkt[isakmp.ISAKMP_payload_ID].payload
    assert (first.IDtype, first.ProtoID, first.Port) == (4, 0, 0)
    assert first.IdentData == bytes.fromhex("c0a80b00ffffff00")
    assert (second.IDtype, second.ProtoID, second.Port) == (2, 17, 500)
    assert second.IdentData == b"Branch2.amit.com"


def test_scapy_reads_our_informational_notify_and_delete() -> None:
    payloads = (
        NotificationPayload(
            NotifyMessageType.R_U_THERE, spi=CKY_I + CKY_R, notification_data=b"\0\0\0\7"
        ),
        DeletePayload(ProtocolId.PROTO_IPSEC_ESP, 4, (bytes.fromhex("8b4c7102"),)),
    )
    header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.INFORMATIONAL, message_id=7)
    pkt = isakmp.ISAKMP(encode_message(Message(header, payloads)))
    note = pkt[isakmp.ISAKMP_payload_Notify]
    assert (note.doi, note.proto, note.SPIsize, note.notify_msg_type) == (1, 1, 16, 36136)
    assert note.SPI == CKY_I + CKY_R
    assert note.notify_data == b"\0\0\0\7"
    delete = pkt[isakmp.ISAKMP_payload_Delete]
    assert (delete.doi, delete.proto, delete.SPIsize, delete.SPIcount) == (1, 3, 4, 1)


def test_we_read_a_message_built_by_scapy() -> None:
    # Scapy does not fill in "# of Transforms" or "Transform #" by itself.
    transform = isakmp.ISAKMP_payload_Transform(
        transform_count=1,
        transforms=[
            ("Encryption", "AES-CBC"),
            ("KeyLength", 256),
            ("Hash", "SHA"),
            ("LifeDuration", 86400),
        ],
    )
    proposal = isakmp.ISAKMP_payload_Proposal(trans=transform, trans_nb=1)
    pkt = isakmp.ISAKMP(init_cookie=CKY_I, exch_type=2) / isakmp.ISAKMP_payload_SA(prop=proposal)
    wire = bytes(pkt)
    msg = decode_message(wire)
    (sa,) = msg.payloads
    assert isinstance(sa, SaPayload)
    (t,) = sa.proposals[0].transforms
    assert t.int_attribute(IkeAttribute.ENCRYPTION_ALGORITHM) == EncryptionAlgorithm.AES_CBC
    assert t.int_attribute(IkeAttribute.KEY_LENGTH) == 256
    assert t.int_attribute(IkeAttribute.HASH_ALGORITHM) == 2
    assert t.int_attribute(IkeAttribute.LIFE_DURATION) == 86400
    assert encode_message(msg) == wire
