"""Payload bodies built by hand from the RFC diagrams, byte for byte, and their round trips."""

from __future__ import annotations

import ipaddress
import re

import pytest

from vpnteach.wire import (
    CertEncoding,
    CertPayload,
    CertReqPayload,
    DataAttribute,
    DeletePayload,
    Doi,
    EncapsulationMode,
    FragmentPayload,
    HashPayload,
    IdPayload,
    IdType,
    IkeAttribute,
    IpsecAttribute,
    IpsecTransformId,
    KePayload,
    NatDPayload,
    NatOaPayload,
    NoncePayload,
    NotificationPayload,
    NotifyMessageType,
    Payload,
    PayloadType,
    Proposal,
    ProtocolId,
    SaPayload,
    SigPayload,
    Transform,
    UnknownPayload,
    VendorIdPayload,
    decode_payload_chain,
    encode_payload_chain,
    id_der_asn1_dn,
    id_fqdn,
    id_ipv4_address,
    id_ipv4_range,
    id_ipv4_subnet,
    id_user_fqdn,
)
from vpnteach.wire.ident import IdentificationError


def h(text: str) -> bytes:
    """Hex with spaces; on each line, text after a run of 3+ spaces is a comment."""
    lines = (re.split(r"\s{3,}", line.strip())[0] for line in text.splitlines())
    return bytes.fromhex("".join("".join(lines).split()))


# RFC 2408 §3.4–3.6 + RFC 2409 App. A: an SA payload offering 3DES / MD5 / RSA-sig / group 1 /
# 86400 s (the seed's "crypto isakmp policy 10"), written field by field from the diagrams.
SEED_SA = h(
    """
    00 00 0038             generic header: next 0, reserved, length 56
    00000001               DOI = IPsec
    00000001               situation = SIT_IDENTITY_ONLY
    00 00 002c             proposal header: next 0, length 44
    01 01 00 01            proposal #1, PROTO_ISAKMP, SPI size 0, 1 transform
    00 00 0024             transform header: next 0, length 36
    01 01 0000             transform #1, KEY_IKE, RESERVED2
    8001 0005              TV Encryption Algorithm = 3DES-CBC
    8002 0001              TV Hash Algorithm = MD5
    8003 0003              TV Authentication Method = RSA signatures
    8004 0001              TV Group Description = 768-bit MODP
    800b 0001              TV Life Type = seconds
    000c 0004 00015180     TLV Life Duration = 86400
    """
)

SEED_SA_VALUE = SaPayload(
    Doi.IPSEC,
    1,
    (
        Proposal(
            1,
            ProtocolId.PROTO_ISAKMP,
            b"",
            (
                Transform(
                    1,
                    1,
                    (
                        DataAttribute.basic(IkeAttribute.ENCRYPTION_ALGORITHM, 5),
                        DataAttribute.basic(IkeAttribute.HASH_ALGORITHM, 1),
                        DataAttribute.basic(IkeAttribute.AUTHENTICATION_METHOD, 3),
                        DataAttribute.basic(IkeAttribute.GROUP_DESCRIPTION, 1),
                        DataAttribute.basic(IkeAttribute.LIFE_TYPE, 1),
                        DataAttribute.variable(IkeAttribute.LIFE_DURATION, h("00015180")),
                    ),
                ),
            ),
        ),
    ),
)

# RFC 2407 §4.5, §4.6.1: a Quick Mode SA, ESP 3DES + HMAC-MD5, UDP-encapsulated tunnel
# (RFC 3947 §6.1 value 3), lifetime 3600 s, SPI 0x8b4c7102; two transforms to exercise chaining.
QM_SA = h(
    """
    00 00 0044
    00000001 00000001
    00 00 0038             proposal: next 0, length 56
    01 03 04 02            #1 PROTO_IPSEC_ESP, SPI size 4, 2 transforms
    8b4c7102               SPI
    03 00 0018             transform: next 3 (another transform follows), length 24
    01 03 0000             #1 ESP_3DES
    8001 0001              SA Life Type = seconds
    8002 0e10              SA Life Duration = 3600
    8004 0003              Encapsulation Mode = UDP-Encapsulated-Tunnel
    8005 0001              Authentication Algorithm = HMAC-MD5
    00 00 0014             transform: next 0, length 20
    02 0c 0000             #2 ESP_AES
    8004 0001              Encapsulation Mode = tunnel
    8005 0002              Authentication Algorithm = HMAC-SHA
    8006 0100              Key Length = 256
    """
)


def chain_of(payload: Payload) -> bytes:
    return encode_payload_chain((payload,))


def test_ike_sa_payload_encodes_exactly_as_the_rfc_layout() -> None:
    assert chain_of(SEED_SA_VALUE) == SEED_SA


def test_ike_sa_payload_decodes_to_the_seed_policy() -> None:
    chain = decode_payload_chain(PayloadType.SA, SEED_SA)
    assert chain.payloads == (SEED_SA_VALUE,)
    assert chain.padding == b""
    transform = SEED_SA_VALUE.proposals[0].transforms[0]
    assert transform.int_attribute(IkeAttribute.LIFE_DURATION) == 86400
    assert transform.int_attribute(IkeAttribute.KEY_LENGTH) is None


def test_quick_mode_sa_decodes_ipsec_attributes_and_spi() -> None:
    (sa,) = decode_payload_chain(PayloadType.SA, QM_SA).payloads
    assert isinstance(sa, SaPayload)
    proposal = sa.proposals[0]
    assert proposal.protocol_id == ProtocolId.PROTO_IPSEC_ESP
    assert proposal.spi == h("8b4c7102")
    first, second = proposal.transforms
    assert first.transform_id == IpsecTransformId.ESP_3DES
    mode = first.int_attribute(IpsecAttribute.ENCAPSULATION_MODE)
    assert mode == EncapsulationMode.UDP_ENCAPSULATED_TUNNEL
    assert second.int_attribute(IpsecAttribute.KEY_LENGTH) == 256
    assert encode_payload_chain((sa,)) == QM_SA


# RFC 2408 §3.14 + RFC 2407 §4.6.3: INITIAL-CONTACT with the two cookies as SPI.
INITIAL_CONTACT = h(
    """
    00 00 001c  00000001  01 10 6002
    0011223344556677 8899aabbccddeeff
    """
)
# RFC 3706 §5: R-U-THERE, SPI = cookies, notification data = 4-byte sequence number.
R_U_THERE = h("00 00 0020 00000001 01 10 8d28 0011223344556677 8899aabbccddeeff 0000abcd")
# RFC 2408 §3.15: delete two ESP SAs (SPI size 4).
DELETE_ESP = h("00 00 0014 00000001 03 04 0002 8b4c7102 8d6b02d8")
# RFC 2407 §4.6.2 (phase 1): ID_FQDN Branch1.amit.com, UDP port 500.
ID_FQDN = h("00 00 0018 02 11 01f4") + b"Branch1.amit.com"
# RFC 2407 §4.6.2.4: ID_IPV4_ADDR_SUBNET 192.168.11.0/255.255.255.0, protocol 0, port 0.
ID_SUBNET = h("00 00 0010 04 00 0000 c0a80b00 ffffff00")
# RFC 2407 §4.6.2.7: ID_IPV4_ADDR_RANGE 10.0.0.1 - 10.0.0.9.
ID_RANGE = h("00 00 0010 07 00 0000 0a000001 0a000009")
# RFC 3947 §5.2: NAT-OA with ID_IPV4_ADDR 10.1.1.1.
NAT_OA = h("00 00 000c 01 000000 0a010101")
# Cisco fragmentation as strongSwan sends it: fragment ID 1, number 2, last-fragment flag.
FRAGMENT = h("00 00 000b 0001 02 01 aabbcc")

CASES: list[tuple[bytes, int, Payload]] = [
    (
        INITIAL_CONTACT,
        PayloadType.N,
        NotificationPayload(
            NotifyMessageType.INITIAL_CONTACT, spi=h("00112233445566778899aabbccddeeff")
        ),
    ),
    (
        R_U_THERE,
        PayloadType.N,
        NotificationPayload(
            NotifyMessageType.R_U_THERE,
            spi=h("00112233445566778899aabbccddeeff"),
            notification_data=h("0000abcd"),
        ),
    ),
    (DELETE_ESP, PayloadType.D, DeletePayload(3, 4, (h("8b4c7102"), h("8d6b02d8")))),
    (ID_FQDN, PayloadType.ID, id_fqdn("Branch1.amit.com", 17, 500)),
    (ID_SUBNET, PayloadType.ID, id_ipv4_subnet("192.168.11.0/24")),
    (ID_RANGE, PayloadType.ID, id_ipv4_range("10.0.0.1", "10.0.0.9")),
    (NAT_OA, PayloadType.NAT_OA, NatOaPayload(IdType.ID_IPV4_ADDR, h("0a010101"))),
    (FRAGMENT, PayloadType.FRAGMENT, FragmentPayload(1, 2, 1, h("aabbcc"))),
    (h("00 00 0008 01020304"), PayloadType.KE, KePayload(h("01020304"))),
    (
        h("00 00 0007 04 3082"),
        PayloadType.CERT,
        CertPayload(CertEncoding.X509_SIGNATURE, h("3082")),
    ),
    (h("00 00 0005 04"), PayloadType.CR, CertReqPayload(CertEncoding.X509_SIGNATURE)),
    (h("00 00 0006 abcd"), PayloadType.HASH, HashPayload(h("abcd"))),
    (h("00 00 0006 abcd"), PayloadType.SIG, SigPayload(h("abcd"))),
    (h("00 00 000c") + bytes(8), PayloadType.NONCE, NoncePayload(bytes(8))),
    (h("00 00 0008 09002689"), PayloadType.VID, VendorIdPayload(h("09002689"))),
    (h("00 00 0006 1234"), PayloadType.NAT_D, NatDPayload(h("1234"))),
    (h("00 00 0006 1234"), PayloadType.NAT_D_DRAFT, NatDPayload(h("1234"), 130)),
    (h("00 00 0006 1234"), 99, UnknownPayload(99, h("1234"))),
    (h("00 00 0005 ee"), PayloadType.PROPOSAL, UnknownPayload(2, h("ee"))),
]


@pytest.mark.parametrize(("wire", "kind", "value"), CASES)
def test_payload_decodes_to_its_fields_and_encodes_back_byte_exact(
    wire: bytes, kind: int, value: Payload
) -> None:
    assert decode_payload_chain(kind, wire).payloads == (value,)
    assert chain_of(value) == wire


def test_a_subnet_id_from_a_network_object_is_the_same_as_from_its_text() -> None:
    network = ipaddress.IPv4Network("192.168.11.0/24")
    assert chain_of(id_ipv4_subnet(network)) == chain_of(id_ipv4_subnet("192.168.11.0/24"))
    assert chain_of(id_ipv4_subnet(network)) == ID_SUBNET


def test_identification_values_follow_rfc_2407() -> None:
    assert id_ipv4_address("10.1.1.1").value == ipaddress.IPv4Address("10.1.1.1")
    assert id_ipv4_subnet("192.168.22.0/24").value == ipaddress.IPv4Network("192.168.22.0/24")
    addresses = id_ipv4_range("10.0.0.1", "10.0.0.9").value
    assert isinstance(addresses, tuple)
    assert [str(a) for a in addresses] == ["10.0.0.1", "10.0.0.9"]
    assert id_user_fqdn("admin@amit.com").value == "admin@amit.com"
    assert id_der_asn1_dn(b"\x30\x00").value == b"\x30\x00"


def test_malformed_identification_data_says_what_is_wrong() -> None:
    with pytest.raises(IdentificationError, match="ID_IPV4_ADDR needs 4 bytes"):
        _ = IdPayload(IdType.ID_IPV4_ADDR, 0, 0, b"\x01\x02").value
    with pytest.raises(IdentificationError, match="ID_IPV4_ADDR_SUBNET"):
        _ = IdPayload(IdType.ID_IPV4_ADDR_SUBNET, 0, 0, h("0a000000 ff00ff00")).value


def test_decrypted_body_padding_is_returned_not_rejected() -> None:
    body = chain_of(HashPayload(bytes(16))) + bytes(4)
    chain = decode_payload_chain(PayloadType.HASH, body)
    assert chain.payloads == (HashPayload(bytes(16)),)
    assert chain.padding == bytes(4)


def test_sa_with_unsupported_situation_keeps_the_rest_undecoded() -> None:
    wire = h("00 00 0014 00000001 00000002 00000000 11223344")
    (sa,) = decode_payload_chain(PayloadType.SA, wire).payloads
    assert sa == SaPayload(1, 2, (), h("00000000 11223344"))
    assert chain_of(sa) == wire


def test_sa_with_other_doi_keeps_situation_and_proposals_as_bytes() -> None:
    wire = h("00 00 000c 00000002 01020304")
    (sa,) = decode_payload_chain(PayloadType.SA, wire).payloads
    assert sa == SaPayload(2, 0, (), h("01020304"))
    assert chain_of(sa) == wire


def test_fragment_last_flag() -> None:
    assert FragmentPayload(1, 3, 1, b"").last
    assert not FragmentPayload(1, 1, 0, b"").last
