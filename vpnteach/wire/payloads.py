"""The non-SA payloads of IKEv1 (RFC 2408 §3.7–3.16, RFC 2407 §4.6, RFC 3947, Cisco fragments).

Each payload is a frozen dataclass holding the body fields after the generic header (which
the chain code in :mod:`vpnteach.wire.chain` reads and writes). ``pull_<payload>(buf)`` reads a
body inside a window of exactly its declared length; ``push_<payload>(buf, p)`` writes it.
Numbers stay plain ``int`` so unknown values survive; compare them with the enums in
:mod:`vpnteach.wire.constants`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import (
    CertEncoding,
    Doi,
    IdType,
    NotifyMessageType,
    PayloadType,
    ProtocolId,
    describe,
)
from vpnteach.wire.errors import EncodeError
from vpnteach.wire.ident import (
    IdValue,
    describe_identification,
    encode_ipv4_subnet,
    identification_value,
)


@dataclass(frozen=True)
class KePayload(HtmlRepr):
    """Key Exchange payload (RFC 2408 §3.7): the Diffie-Hellman public value g^x::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ~                       Key Exchange Data                       ~
    """

    key_exchange_data: bytes
    payload_type = PayloadType.KE


@dataclass(frozen=True)
class IdPayload(HtmlRepr):
    """Identification payload (RFC 2408 §3.8) with the IPsec DOI fields (RFC 2407 §4.6.2)::

        ! Next Payload  !   RESERVED    !         Payload Length        !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !   ID Type     !  Protocol ID  !             Port              !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        ~                     Identification Data                       ~

    In phase 1 the protocol is 17 (UDP) and the port 500, or both 0 (RFC 2407 §4.6.2).
    Build one with ``id_ipv4_address``, ``id_fqdn``, ... below; read it with :attr:`value`.
    """

    id_type: int
    protocol_id: int
    port: int
    identification_data: bytes
    payload_type = PayloadType.ID

    @property
    def value(self) -> IdValue:
        """The identity as a Python value (see :func:`vpnteach.wire.ident.identification_value`)."""
        return identification_value(self.id_type, self.identification_data)


@dataclass(frozen=True)
class CertPayload(HtmlRepr):
    """Certificate payload (RFC 2408 §3.9)::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ! Cert Encoding !                                               !
    +-+-+-+-+-+-+-+-+                                               !
    ~                       Certificate Data                        ~
    """

    cert_encoding: int
    certificate_data: bytes
    payload_type = PayloadType.CERT


@dataclass(frozen=True)
class CertReqPayload(HtmlRepr):
    """Certificate Request payload (RFC 2408 §3.10); an empty authority means "any CA"::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    !  Cert. Type   !                                               !
    +-+-+-+-+-+-+-+-+                                               !
    ~                    Certificate Authority                      ~
    """

    cert_type: int
    certificate_authority: bytes = b""
    payload_type = PayloadType.CR


@dataclass(frozen=True)
class HashPayload(HtmlRepr):
    """Hash payload (RFC 2408 §3.11): HASH_I/HASH_R or Quick Mode HASH(1..3)::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ~                           Hash Data                           ~
    """

    hash_data: bytes
    payload_type = PayloadType.HASH


@dataclass(frozen=True)
class SigPayload(HtmlRepr):
    """Signature payload (RFC 2408 §3.12): SIG_I/SIG_R in Main Mode with rsa-sig::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ~                         Signature Data                        ~
    """

    signature_data: bytes
    payload_type = PayloadType.SIG


@dataclass(frozen=True)
class NoncePayload(HtmlRepr):
    """Nonce payload (RFC 2408 §3.13): Ni_b / Nr_b (RFC 2409 §5 allows 8..256 bytes)::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ~                            Nonce Data                         ~
    """

    nonce_data: bytes
    payload_type = PayloadType.NONCE


@dataclass(frozen=True)
class NotificationPayload(HtmlRepr):
    """Notification payload (RFC 2408 §3.14; IPsec DOI status types, RFC 2407 §4.6.3)::

        ! Next Payload  !   RESERVED    !         Payload Length        !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !              Domain of Interpretation  (DOI)                  !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        ~                Security Parameter Index (SPI)                 ~
        ~                       Notification Data                       ~

    In phase 1 the SPI is usually the two cookies (16 bytes), e.g. for INITIAL-CONTACT.
    """

    notify_message_type: int
    doi: int = Doi.IPSEC
    protocol_id: int = ProtocolId.PROTO_ISAKMP
    spi: bytes = b""
    notification_data: bytes = b""
    payload_type = PayloadType.N


@dataclass(frozen=True)
class DeletePayload(HtmlRepr):
    """Delete payload (RFC 2408 §3.15)::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !              Domain of Interpretation  (DOI)                  !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !  Protocol-Id  !   SPI Size    !           # of SPIs           !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ~               Security Parameter Index(es) (SPI)              ~
    """

    protocol_id: int
    spi_size: int
    spis: tuple[bytes, ...]
    doi: int = Doi.IPSEC
    payload_type = PayloadType.D


@dataclass(frozen=True)
class VendorIdPayload(HtmlRepr):
    """Vendor ID payload (RFC 2408 §3.16): announces an extension (NAT-T, DPD, fragmentation)::

    ! Next Payload  !   RESERVED    !         Payload Length        !
    ~                        Vendor ID (VID)                        ~
    """

    vendor_id: bytes
    payload_type = PayloadType.VID


@dataclass(frozen=True)
class NatDPayload(HtmlRepr):
    """NAT-D payload (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port)::

        ! Next Payload  !   RESERVED    !         Payload Length        !
        ~                 HASH of the address and port                  ~

    ``payload_type`` is 20, or 130 for the pre-RFC drafts.
    """

    hash_data: bytes
    payload_type: int = PayloadType.NAT_D


@dataclass(frozen=True)
class NatOaPayload(HtmlRepr):
    """NAT-OA payload (RFC 3947 §5.2): the original address, ID_IPV4_ADDR or ID_IPV6_ADDR::

        ! Next Payload  !   RESERVED    !         Payload Length        !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !    ID Type    !   RESERVED    !            RESERVED           !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !           IPv4 (4 octets) or IPv6 address (16 octets)         !

    ``payload_type`` is 21, or 131 for the drafts.
    """

    id_type: int
    address: bytes
    payload_type: int = PayloadType.NAT_OA


@dataclass(frozen=True)
class FragmentPayload(HtmlRepr):
    """IKE fragment (Cisco fragmentation, payload 132, as strongSwan implements it)::

        ! Next Payload  !   RESERVED    !         Payload Length        !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !          Fragment ID          !  Fragment Num !     Flags     !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        ~                         Fragment Data                         ~

    Fragments are numbered from 1; flag 0x01 marks the last one. The data of all fragments,
    in order, is the complete original ISAKMP message (header included).
    """

    fragment_id: int
    fragment_number: int
    flags: int
    fragment_data: bytes
    payload_type = PayloadType.FRAGMENT

    @property
    def last(self) -> bool:
        """True for the last fragment (flag bit 0x01)."""
        return bool(self.flags & 0x01)


@dataclass(frozen=True)
class UnknownPayload(HtmlRepr):
    """A payload this codec does not decode (or an unknown type), kept byte for byte."""

    payload_type: int
    body: bytes


# Known vendor IDs, to annotate spans. Sources: RFC 3947 §3.1 (MD5("RFC 3947")), RFC 3706 §5.1
# (DPD), draft-ietf-ipsec-nat-t-ike-02/03/07 (MD5 of the draft's name), strongSwan
# src/libcharon/encoding/payloads (Unity, XAUTH, MD5("FRAGMENTATION") for Cisco
# fragmentation; strongSwan appends flags after the hash).
KNOWN_VENDOR_IDS: dict[str, str] = {
    "4a131c81070358455c5728f20e95452f": "RFC 3947 NAT-T",
    "afcad71368a1f1c96b8696fc77570100": "Dead Peer Detection (RFC 3706)",
    "cd60464335df21f87cfdb2fc68b6a448": "draft-ietf-ipsec-nat-t-ike-02",
    "90cb80913ebb696e086381b5ec427b1f": "draft-ietf-ipsec-nat-t-ike-02\\n",
    "7d9419a65310ca6f2c179d9215529d56": "draft-ietf-ipsec-nat-t-ike-03",
    "439b59f8ba676c4c7737ae22eab8f582": "draft-ietf-ipsec-nat-t-ike-07",
    "12f5f28c457168a9702d9fe274cc0100": "Cisco Unity 1.0",
    "09002689dfd6b712": "XAUTH",
    "4048b7d56ebce88525e7de7f00d6c2d3": "Cisco Fragmentation",
}


def describe_vendor_id(data: bytes) -> str:
    """The name of a known vendor ID (matched by prefix), else its hex."""
    for prefix, name in KNOWN_VENDOR_IDS.items():
        if data.hex().startswith(prefix):
            return name
    return f"unknown vendor ID {data.hex()}"


def _hex(data: bytes) -> str:
    return data.hex() if len(data) <= 32 else f"{data[:32].hex()}... ({len(data)} bytes)"


def pull_ke(buf: Buffer) -> KePayload:
    """Read a KE body."""
    return KePayload(buf.pull_rest("key_exchange_data", lambda b: f"g^x, {len(b)} bytes"))


_ID_HEADER = Layout(
    ("id_type", "B", lambda v: describe(IdType, v)),
    ("protocol_id", "B", lambda v: f"IP protocol {v}"),
    ("port", "H", lambda v: f"port {v}"),
)


def pull_id(buf: Buffer) -> IdPayload:
    """Read an ID body (RFC 2407 §4.6.2)."""
    id_type, protocol_id, port = buf.pull_fields(_ID_HEADER)
    data = buf.pull_rest("identification_data", lambda b: describe_identification(id_type, b))
    return IdPayload(id_type, protocol_id, port, data)


def pull_cert(buf: Buffer) -> CertPayload:
    """Read a CERT body."""
    encoding = buf.pull_uint8("cert_encoding", lambda v: describe(CertEncoding, v))
    return CertPayload(encoding, buf.pull_rest("certificate_data", _hex))


def pull_cr(buf: Buffer) -> CertReqPayload:
    """Read a CR body."""
    cert_type = buf.pull_uint8("cert_type", lambda v: describe(CertEncoding, v))
    return CertReqPayload(cert_type, buf.pull_rest("certificate_authority", _hex))


def pull_hash(buf: Buffer) -> HashPayload:
    """Read a HASH body."""
    return HashPayload(buf.pull_rest("hash_data", _hex))


def pull_sig(buf: Buffer) -> SigPayload:
    """Read a SIG body."""
    return SigPayload(buf.pull_rest("signature_data", _hex))


def pull_nonce(buf: Buffer) -> NoncePayload:
    """Read a NONCE body."""
    return NoncePayload(buf.pull_rest("nonce_data", _hex))


_NOTIFICATION_HEADER = Layout(
    ("doi", "I", lambda v: describe(Doi, v)),
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"SPI of {n} bytes"),
    ("notify_message_type", "H", lambda v: describe(NotifyMessageType, v)),
)


def pull_notification(buf: Buffer) -> NotificationPayload:
    """Read a Notification body (RFC 2408 §3.14)."""
    doi, protocol_id, spi_size, kind = buf.pull_fields(_NOTIFICATION_HEADER)
    spi = buf.pull_bytes(spi_size, "spi", _hex)
    data = buf.pull_rest("notification_data", _hex)
    return NotificationPayload(kind, doi, protocol_id, spi, data)


_DELETE_HEADER = Layout(
    ("doi", "I", lambda v: describe(Doi, v)),
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"each SPI {n} bytes"),
    ("number_of_spis", "H", lambda n: f"{n} SPIs follow"),
)


def pull_delete(buf: Buffer) -> DeletePayload:
    """Read a Delete body (RFC 2408 §3.15)."""
    doi, protocol_id, spi_size, count = buf.pull_fields(_DELETE_HEADER)
    spis = tuple(buf.pull_bytes(spi_size, f"spi[{i}]", _hex) for i in range(1, count + 1))
    return DeletePayload(protocol_id, spi_size, spis, doi)


def pull_vid(buf: Buffer) -> VendorIdPayload:
    """Read a Vendor ID body."""
    return VendorIdPayload(buf.pull_rest("vendor_id", describe_vendor_id))


def pull_nat_d(buf: Buffer, payload_type: int) -> NatDPayload:
    """Read a NAT-D body (type 20 or draft 130)."""
    return NatDPayload(buf.pull_rest("hash_data", _hex), payload_type)


_NAT_OA_HEADER = Layout(
    ("id_type", "B", lambda v: describe(IdType, v)),
    ("reserved", "3s", lambda b: "RESERVED, must be 0"),
)


def pull_nat_oa(buf: Buffer, payload_type: int) -> NatOaPayload:
    """Read a NAT-OA body (type 21 or draft 131)."""
    id_type, _ = buf.pull_fields(_NAT_OA_HEADER)
    address = buf.pull_rest("address", lambda b: describe_identification(id_type, b))
    return NatOaPayload(id_type, address, payload_type)


_FRAGMENT_HEADER = Layout(
    ("fragment_id", "H", lambda v: f"fragment ID {v}"),
    ("fragment_number", "B", lambda v: f"fragment #{v}"),
    ("flags", "B", lambda v: "last fragment" if v & 1 else "more follow"),
)


def pull_fragment(buf: Buffer) -> FragmentPayload:
    """Read a Cisco IKE fragment body."""
    fragment_id, number, flags = buf.pull_fields(_FRAGMENT_HEADER)
    return FragmentPayload(fragment_id, number, flags, buf.pull_rest("fragment_data", _hex))


def id_body(p: IdPayload) -> bytes:
    """An ID body."""
    return _ID_HEADER.pack(p.id_type, p.protocol_id, p.port) + p.identification_data


def notification_body(p: NotificationPayload) -> bytes:
    """A Notification body."""
    header = _NOTIFICATION_HEADER.pack(p.doi, p.protocol_id, len(p.spi), p.notify_message_type)
    return header + p.spi + p.notification_data


def delete_body(p: DeletePayload) -> bytes:
    """A Delete body; every SPI must be ``spi_size`` bytes."""
    if any(len(spi) != p.spi_size for spi in p.spis):
        raise EncodeError(f"Delete payload: every SPI must be {p.spi_size} bytes")
    header = _DELETE_HEADER.pack(p.doi, p.protocol_id, p.spi_size, len(p.spis))
    return header + b"".join(p.spis)


def nat_oa_body(p: NatOaPayload) -> bytes:
    """A NAT-OA body."""
    return _NAT_OA_HEADER.pack(p.id_type, bytes(3)) + p.address


def fragment_body(p: FragmentPayload) -> bytes:
    """A Cisco IKE fragment body."""
    return _FRAGMENT_HEADER.pack(p.fragment_id, p.fragment_number, p.flags) + p.fragment_data


def push_id(buf: Buffer, p: IdPayload) -> None:
    """Write an ID body."""
    buf.push_bytes(id_body(p))


def push_notification(buf: Buffer, p: NotificationPayload) -> None:
    """Write a Notification body."""
    buf.push_bytes(notification_body(p))


def push_delete(buf: Buffer, p: DeletePayload) -> None:
    """Write a Delete body; every SPI must be ``spi_size`` bytes."""
    buf.push_bytes(delete_body(p))


def push_nat_oa(buf: Buffer, p: NatOaPayload) -> None:
    """Write a NAT-OA body."""
    buf.push_bytes(nat_oa_body(p))


def push_fragment(buf: Buffer, p: FragmentPayload) -> None:
    """Write a Cisco IKE fragment body."""
    buf.push_bytes(fragment_body(p))


def _ipv4(address: ipaddress.IPv4Address | str) -> bytes:
    return ipaddress.IPv4Address(address).packed


def id_ipv4_address(
    address: ipaddress.IPv4Address | str, protocol_id: int = 0, port: int = 0
) -> IdPayload:
    """An ID_IPV4_ADDR payload, e.g. ``id_ipv4_address("10.1.1.1", 17, 500)`` in phase 1."""
    return IdPayload(IdType.ID_IPV4_ADDR, protocol_id, port, _ipv4(address))


def id_ipv4_subnet(
    network: ipaddress.IPv4Network | str, protocol_id: int = 0, port: int = 0
) -> IdPayload:
    """An ID_IPV4_ADDR_SUBNET payload, e.g. ``id_ipv4_subnet("192.168.11.0/24")``."""
    return IdPayload(IdType.ID_IPV4_ADDR_SUBNET, protocol_id, port, encode_ipv4_subnet(network))


def id_ipv4_range(
    first: ipaddress.IPv4Address | str,
    last: ipaddress.IPv4Address | str,
    protocol_id: int = 0,
    port: int = 0,
) -> IdPayload:
    """An ID_IPV4_ADDR_RANGE payload."""
    return IdPayload(IdType.ID_IPV4_ADDR_RANGE, protocol_id, port, _ipv4(first) + _ipv4(last))


def id_fqdn(name: str, protocol_id: int = 0, port: int = 0) -> IdPayload:
    """An ID_FQDN payload, e.g. ``id_fqdn("Branch1.amit.com")``."""
    return IdPayload(IdType.ID_FQDN, protocol_id, port, name.encode("ascii"))


def id_user_fqdn(name: str, protocol_id: int = 0, port: int = 0) -> IdPayload:
    """An ID_USER_FQDN payload (``user@domain``)."""
    return IdPayload(IdType.ID_USER_FQDN, protocol_id, port, name.encode("ascii"))


def id_der_asn1_dn(der_name: bytes, protocol_id: int = 0, port: int = 0) -> IdPayload:
    """An ID_DER_ASN1_DN payload carrying a DER-encoded X.501 Name (e.g. a cert's subject)."""
    return IdPayload(IdType.ID_DER_ASN1_DN, protocol_id, port, der_name)
