"""The IKEv2 payloads other than SA (RFC 7296 §3.4–3.16).

Each payload is a frozen dataclass holding the body fields after the generic payload header
(which :mod:`vpnteach.wire.ikev2.message` reads and writes, with its Critical bit).
``pull_<payload>(buf)`` reads a body inside a window of exactly its declared length;
``<payload>_body(p)`` gives a body's bytes. Numbers stay plain ``int`` so unknown values
survive; compare them with the enums in :mod:`vpnteach.wire.ikev2.constants`. RESERVED fields
are read and written as zero (RFC 7296 §3.2 "MUST be sent as zero; MUST be ignored on
receipt"): a message with non-zero reserved bits decodes, and re-encodes with zeros.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import describe
from vpnteach.wire.errors import EncodeError
from vpnteach.wire.ikev2.constants import (
    AuthMethod,
    CertEncoding,
    DhId,
    IdType,
    NotifyType,
    PayloadType,
    ProtocolId,
    TsType,
)


def _hex(data: bytes) -> str:
    return data.hex() if len(data) <= 32 else f"{data[:32].hex()}... ({len(data)} bytes)"


@dataclass(frozen=True)
class KePayload(HtmlRepr):
    """Key Exchange payload (RFC 7296 §3.4)::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    !   Diffie-Hellman Group Num    !           RESERVED            !
    ~                       Key Exchange Data                       ~
    """

    dh_group_num: int
    key_exchange_data: bytes
    payload_type = PayloadType.KE


@dataclass(frozen=True)
class IdPayload(HtmlRepr):
    """Identification payload, IDi (35) or IDr (36) (RFC 7296 §3.5)::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    !   ID Type     !                 RESERVED                      |
    ~                   Identification Data                         ~

    The body after the generic header (ID Type, RESERVED, data) is what AUTH signs as
    ``RestOfInitIDPayload`` / ``RestOfRespIDPayload`` (§2.15): see :func:`id_body`.
    """

    id_type: int
    identification_data: bytes
    payload_type: int = PayloadType.IDi


@dataclass(frozen=True)
class CertPayload(HtmlRepr):
    """Certificate payload (RFC 7296 §3.6): encoding 4 is a DER X.509 certificate."""

    cert_encoding: int
    certificate_data: bytes
    payload_type = PayloadType.CERT


@dataclass(frozen=True)
class CertReqPayload(HtmlRepr):
    """Certificate Request payload (RFC 7296 §3.7): for X.509, the Certification Authority
    field is a concatenation of SHA-1 hashes of trusted CAs' public keys (20 bytes each)."""

    cert_encoding: int
    certification_authority: bytes = b""
    payload_type = PayloadType.CERTREQ


@dataclass(frozen=True)
class AuthPayload(HtmlRepr):
    """Authentication payload (RFC 7296 §3.8)::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    ! Auth Method   !                RESERVED                       !
    ~                      Authentication Data                      ~
    """

    auth_method: int
    authentication_data: bytes
    payload_type = PayloadType.AUTH


@dataclass(frozen=True)
class NoncePayload(HtmlRepr):
    """Nonce payload, Ni or Nr (RFC 7296 §3.9): 16 to 256 bytes of random data."""

    nonce_data: bytes
    payload_type = PayloadType.Ni


@dataclass(frozen=True)
class NotifyPayload(HtmlRepr):
    """Notify payload (RFC 7296 §3.10)::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    !  Protocol ID  !   SPI Size    !      Notify Message Type      !
    ~                Security Parameter Index (SPI)                 ~
    ~                       Notification Data                       ~
    """

    notify_message_type: int
    notification_data: bytes = b""
    protocol_id: int = ProtocolId.NONE
    spi: bytes = b""
    payload_type = PayloadType.N


@dataclass(frozen=True)
class DeletePayload(HtmlRepr):
    """Delete payload (RFC 7296 §3.11): protocol 1 (IKE, no SPI: the SA of the message
    itself) or 3 (ESP, 4-byte SPIs of the sender's inbound SAs)::

    ! Protocol ID   !   SPI Size    !          Num of SPIs          !
    ~               Security Parameter Index(es) (SPI)              ~
    """

    protocol_id: int
    spi_size: int
    spis: tuple[bytes, ...] = ()
    payload_type = PayloadType.D


@dataclass(frozen=True)
class VendorIdPayload(HtmlRepr):
    """Vendor ID payload (RFC 7296 §3.12)."""

    vendor_id: bytes
    payload_type = PayloadType.V


@dataclass(frozen=True)
class TrafficSelector(HtmlRepr):
    """One traffic selector (RFC 7296 §3.13.1)::

    !   TS Type     !IP Protocol ID*|       Selector Length         |
    |           Start Port*         |           End Port*           |
    ~                         Starting Address*                     ~
    ~                         Ending Address*                       ~
    """

    ts_type: int
    ip_protocol_id: int
    start_port: int
    end_port: int
    starting_address: bytes
    ending_address: bytes

    @classmethod
    def ipv4_network(
        cls, network: str | ipaddress.IPv4Network, ip_protocol_id: int = 0
    ) -> TrafficSelector:
        """The range of an IPv4 network, all ports: ``ipv4_network("192.168.11.0/24")``."""
        net = ipaddress.IPv4Network(network)
        first, last = net.network_address.packed, net.broadcast_address.packed
        return cls(TsType.TS_IPV4_ADDR_RANGE, ip_protocol_id, 0, 0xFFFF, first, last)

    def __str__(self) -> str:
        if self.ts_type != TsType.TS_IPV4_ADDR_RANGE or len(self.starting_address) != 4:
            return f"TS type {self.ts_type} {self.starting_address.hex()}"
        first = ipaddress.IPv4Address(self.starting_address)
        last = ipaddress.IPv4Address(self.ending_address)
        return f"{first}-{last} proto {self.ip_protocol_id} ports {self.start_port}-{self.end_port}"


@dataclass(frozen=True)
class TsPayload(HtmlRepr):
    """Traffic Selector payload, TSi (44) or TSr (45) (RFC 7296 §3.13)::

    ! Number of TSs !                 RESERVED                      !
    ~                       <Traffic Selectors>                     ~
    """

    traffic_selectors: tuple[TrafficSelector, ...]
    payload_type: int = PayloadType.TSi


@dataclass(frozen=True)
class SkPayload(HtmlRepr):
    """Encrypted and Authenticated payload (RFC 7296 §3.14), still sealed::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    !                     Initialization Vector                     !
    ~                    Encrypted IKE Payloads                     ~
    +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !               !             Padding (0-255 octets)            !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+
    !                                               !  Pad Length   !
    ~                    Integrity Checksum Data                    ~

    Its Next Payload names the first payload *inside*; it is the last payload of a message.
    ``content`` is IV | ciphertext | ICV: only the negotiated algorithms can split it
    (:mod:`vpnteach.ikev2.sk`).
    """

    first_payload: int
    content: bytes
    payload_type = PayloadType.SK


@dataclass(frozen=True)
class SkfPayload(HtmlRepr):
    """Encrypted and Authenticated Fragment payload (RFC 7383 §2.5), still sealed::

    ! Next Payload  !C!  RESERVED   !         Payload Length        !
    !        Fragment Number        !        Total Fragments        !
    !                     Initialization Vector                     !
    ~                      Encrypted content                        ~
    ~                    Integrity Checksum Data                    ~

    Like SK it ends the message; only fragment 1 names the first inner payload (the others
    carry 0). Each fragment is encrypted and authenticated on its own; the decrypted contents,
    in order, are the inside of the SK payload the sender would have sent whole.
    """

    first_payload: int
    fragment_number: int
    total_fragments: int
    content: bytes
    payload_type = PayloadType.SKF


_SKF_HEADER = Layout(
    ("fragment_number", "H", lambda v: f"fragment #{v}"),
    ("total_fragments", "H", lambda v: f"of {v}"),
)


def pull_skf(buf: Buffer, first_payload: int) -> SkfPayload:
    """Read an SKF body (RFC 7383 §2.5); fragment numbers count from 1 up to the total."""
    start = buf.absolute
    number, total = buf.pull_fields(_SKF_HEADER)
    if not 1 <= number <= total:
        raise buf.error(
            f"fragment {number} of {total} (RFC 7383 §2.5: 1 <= number <= total)", start
        )
    return SkfPayload(first_payload, number, total, buf.pull_rest("content", _hex))


def skf_body(p: SkfPayload) -> bytes:
    """An SKF body."""
    return _SKF_HEADER.pack(p.fragment_number, p.total_fragments) + p.content


@dataclass(frozen=True)
class UnknownPayload(HtmlRepr):
    """A payload this codec does not decode (CP, EAP, SKF, or an unknown type), kept byte for
    byte with its Critical bit (RFC 7296 §2.5: a critical unknown payload is refused)."""

    payload_type: int
    body: bytes
    critical: bool = False


def pull_ke(buf: Buffer) -> KePayload:
    """Read a KE body (§3.4)."""
    group, _ = buf.pull_fields(_KE_HEADER)
    return KePayload(group, buf.pull_rest("key_exchange_data", lambda b: f"{len(b)} bytes"))


_KE_HEADER = Layout(
    ("dh_group_num", "H", lambda v: describe(DhId, v)), ("reserved", "H", lambda v: "RESERVED")
)
_TYPE_RESERVED = Layout(("type", "B", None), ("reserved", "3s", lambda b: "RESERVED"))


def _pull_typed(buf: Buffer, field: str, describe_value: Callable[[int], str]) -> int:
    """A one-byte type field followed by three RESERVED bytes (ID, AUTH, TS headers)."""
    value = buf.pull_uint8(field, describe_value)
    buf.pull_bytes(3, "reserved", lambda b: "RESERVED")
    return value


def pull_id(buf: Buffer, payload_type: int) -> IdPayload:
    """Read an IDi/IDr body (§3.5)."""
    id_type = _pull_typed(buf, "id_type", lambda v: describe(IdType, v))
    return IdPayload(id_type, buf.pull_rest("identification_data", _hex), payload_type)


def pull_cert(buf: Buffer) -> CertPayload:
    """Read a CERT body (§3.6)."""
    encoding = buf.pull_uint8("cert_encoding", lambda v: describe(CertEncoding, v))
    return CertPayload(encoding, buf.pull_rest("certificate_data", _hex))


def pull_certreq(buf: Buffer) -> CertReqPayload:
    """Read a CERTREQ body (§3.7)."""
    encoding = buf.pull_uint8("cert_encoding", lambda v: describe(CertEncoding, v))
    return CertReqPayload(encoding, buf.pull_rest("certification_authority", _hex))


def pull_auth(buf: Buffer) -> AuthPayload:
    """Read an AUTH body (§3.8)."""
    method = _pull_typed(buf, "auth_method", lambda v: describe(AuthMethod, v))
    return AuthPayload(method, buf.pull_rest("authentication_data", _hex))


def pull_nonce(buf: Buffer) -> NoncePayload:
    """Read a Nonce body (§3.9)."""
    return NoncePayload(buf.pull_rest("nonce_data", _hex))


_NOTIFY_HEADER = Layout(
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"SPI of {n} bytes"),
    ("notify_message_type", "H", lambda v: describe(NotifyType, v)),
)


def pull_notify(buf: Buffer) -> NotifyPayload:
    """Read a Notify body (§3.10)."""
    protocol_id, spi_size, kind = buf.pull_fields(_NOTIFY_HEADER)
    spi = buf.pull_bytes(spi_size, "spi", _hex)
    return NotifyPayload(kind, buf.pull_rest("notification_data", _hex), protocol_id, spi)


_DELETE_HEADER = Layout(
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"each SPI {n} bytes"),
    ("num_of_spis", "H", lambda n: f"{n} SPIs follow"),
)


def pull_delete(buf: Buffer) -> DeletePayload:
    """Read a Delete body (§3.11)."""
    protocol_id, spi_size, count = buf.pull_fields(_DELETE_HEADER)
    if spi_size == 0 and count:
        raise buf.error(f"{count} SPIs of size 0")
    spis = tuple(buf.pull_bytes(spi_size, f"spi[{i}]", _hex) for i in range(1, count + 1))
    return DeletePayload(protocol_id, spi_size, spis)


def pull_vendor_id(buf: Buffer) -> VendorIdPayload:
    """Read a Vendor ID body (§3.12)."""
    return VendorIdPayload(buf.pull_rest("vendor_id", _hex))


_TS_HEADER = Layout(
    ("ts_type", "B", lambda v: describe(TsType, v)),
    ("ip_protocol_id", "B", lambda v: "any protocol" if v == 0 else f"IP protocol {v}"),
    ("selector_length", "H", lambda n: f"{n} bytes"),
    ("start_port", "H", None),
    ("end_port", "H", None),
)
_ADDRESS_SIZES = {TsType.TS_IPV4_ADDR_RANGE: 4, TsType.TS_IPV6_ADDR_RANGE: 16}


def _pull_selector(buf: Buffer, index: int) -> TrafficSelector:
    start = buf.open_scope(f"ts[{index}]")
    ts_type, protocol, length, start_port, end_port = buf.pull_fields(_TS_HEADER)
    if length < 8:
        raise buf.error(f"selector length {length} is shorter than its 8-byte header", start)
    outer = buf.open_window(length - 8, "selector length")
    size = _ADDRESS_SIZES.get(ts_type)
    if size is None:  # an unknown TS type: keep its addresses as one opaque field
        first, last = buf.pull_rest("addresses", _hex), b""
    else:
        first = buf.pull_bytes(size, "starting_address", _hex)
        last = buf.pull_bytes(size, "ending_address", _hex)
    buf.close_window(outer, "selector length")
    buf.close_scope(start, "traffic selector")
    return TrafficSelector(ts_type, protocol, start_port, end_port, first, last)


def pull_ts(buf: Buffer, payload_type: int) -> TsPayload:
    """Read a TSi/TSr body (§3.13)."""
    count = _pull_typed(buf, "number_of_tss", lambda n: f"{n} selectors")
    selectors = tuple(_pull_selector(buf, i) for i in range(1, count + 1))
    return TsPayload(selectors, payload_type)


def ke_body(p: KePayload) -> bytes:
    """A KE body."""
    return _KE_HEADER.pack(p.dh_group_num, 0) + p.key_exchange_data


def id_body(p: IdPayload) -> bytes:
    """An IDi/IDr body: ``RestOfInitIDPayload`` of RFC 7296 §2.15."""
    return _TYPE_RESERVED.pack(p.id_type, bytes(3)) + p.identification_data


def auth_body(p: AuthPayload) -> bytes:
    """An AUTH body."""
    return _TYPE_RESERVED.pack(p.auth_method, bytes(3)) + p.authentication_data


def notify_body(p: NotifyPayload) -> bytes:
    """A Notify body."""
    header = _NOTIFY_HEADER.pack(p.protocol_id, len(p.spi), p.notify_message_type)
    return header + p.spi + p.notification_data


def delete_body(p: DeletePayload) -> bytes:
    """A Delete body; every SPI must be ``spi_size`` bytes."""
    if any(len(spi) != p.spi_size for spi in p.spis) or (p.spi_size == 0 and p.spis):
        raise EncodeError(f"Delete payload: every SPI must be {p.spi_size} bytes")
    return _DELETE_HEADER.pack(p.protocol_id, p.spi_size, len(p.spis)) + b"".join(p.spis)


def selector_bytes(ts: TrafficSelector) -> bytes:
    """One traffic selector substructure."""
    addresses = ts.starting_address + ts.ending_address
    length = 8 + len(addresses)
    header = _TS_HEADER.pack(ts.ts_type, ts.ip_protocol_id, length, ts.start_port, ts.end_port)
    return header + addresses


def ts_body(p: TsPayload) -> bytes:
    """A TSi/TSr body."""
    if len(p.traffic_selectors) > 0xFF:
        raise EncodeError("a TS payload carries at most 255 traffic selectors")
    head = _TYPE_RESERVED.pack(len(p.traffic_selectors), bytes(3))
    return head + b"".join(selector_bytes(ts) for ts in p.traffic_selectors)
