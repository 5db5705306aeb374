"""The IKEv2 Security Association payload: proposals, transforms, attributes (RFC 7296 §3.3).

::

    SA payload        ! Next Payload  !C!  RESERVED   !         Payload Length        !
                      ~                          <Proposals>                          ~
    Proposal (§3.3.1) ! Last Substruc !   RESERVED    !         Proposal Length       !
                      ! Proposal Num  !  Protocol ID  !    SPI Size   !Num  Transforms!
                      ~                        SPI (variable)                         ~
                      ~                        <Transforms>                           ~
    Transform (§3.3.2)! Last Substruc !   RESERVED    !        Transform Length       !
                      !Transform Type !   RESERVED    !          Transform ID         !
                      ~                      Transform Attributes                     ~

Last Substruc is 2 before another proposal (3 before another transform) and 0 on the last
one; the encoder computes it, the decoder checks it. Unlike IKEv1 there is no DOI or
situation, and a transform is one algorithm of one type (ENCR, PRF, INTEG, DH, ESN): a
proposal is an AND of types and an OR within a type (§3.3.6). Attributes reuse
:class:`vpnteach.wire.attributes.DataAttribute` (the format of §3.3.5 is ISAKMP's).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from vpnteach._html import HtmlRepr
from vpnteach.wire.attributes import DataAttribute, encode_attribute
from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import describe
from vpnteach.wire.errors import EncodeError
from vpnteach.wire.ikev2.constants import (
    DhId,
    EncrId,
    EsnId,
    IntegId,
    PayloadType,
    PrfId,
    ProtocolId,
    TransformAttribute,
    TransformType,
)

LAST = 0
MORE_PROPOSALS = 2
MORE_TRANSFORMS = 3

#: The IANA registry of each transform type's IDs.
TRANSFORM_IDS: dict[int, type[IntEnum]] = {
    TransformType.ENCR: EncrId,
    TransformType.PRF: PrfId,
    TransformType.INTEG: IntegId,
    TransformType.DH: DhId,
    TransformType.ESN: EsnId,
}


@dataclass(frozen=True)
class Transform(HtmlRepr):
    """One transform (RFC 7296 §3.3.2), e.g. ``Transform(1, 12, (key_length(256),))``."""

    transform_type: int
    transform_id: int
    attributes: tuple[DataAttribute, ...] = ()

    @property
    def key_length(self) -> int | None:
        """The Key Length attribute in bits (§3.3.5), or ``None``."""
        for attr in self.attributes:
            if attr.type == TransformAttribute.KEY_LENGTH:
                return attr.int_value
        return None

    def describe(self) -> str:
        """``"ENCR_AES_CBC (256 bits)"``."""
        enum_cls = TRANSFORM_IDS.get(self.transform_type)
        name = describe(enum_cls, self.transform_id) if enum_cls else str(self.transform_id)
        bits = self.key_length
        return name.split(" = ")[-1] + (f" ({bits} bits)" if bits is not None else "")


def key_length(bits: int) -> DataAttribute:
    """The Key Length attribute (type 14, TV form; RFC 7296 §3.3.5)."""
    return DataAttribute.basic(TransformAttribute.KEY_LENGTH, bits)


@dataclass(frozen=True)
class Proposal(HtmlRepr):
    """One proposal (RFC 7296 §3.3.1): numbered from 1, an SPI (8 bytes for IKE in a
    CREATE_CHILD_SA, none in IKE_SA_INIT; 4 for ESP) and its transforms."""

    proposal_num: int
    protocol_id: int
    spi: bytes
    transforms: tuple[Transform, ...]

    def of_type(self, transform_type: int) -> tuple[Transform, ...]:
        """The transforms of ``transform_type``, in order."""
        return tuple(t for t in self.transforms if t.transform_type == transform_type)


@dataclass(frozen=True)
class SaPayload(HtmlRepr):
    """Security Association payload (RFC 7296 §3.3): one or more proposals."""

    proposals: tuple[Proposal, ...]
    payload_type = PayloadType.SA


_SUBSTRUCTURE = Layout(
    ("last_substruc", "B", lambda v: "last" if v == 0 else f"{v}: more follow"),
    ("reserved", "B", lambda v: "RESERVED"),
    ("length", "H", lambda n: f"{n} bytes"),
)
_PROPOSAL = Layout(
    ("proposal_num", "B", lambda v: f"proposal #{v}"),
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"SPI of {n} bytes"),
    ("num_transforms", "B", lambda n: f"{n} transforms"),
)
_TRANSFORM = Layout(
    ("transform_type", "B", lambda v: describe(TransformType, v)),
    ("reserved2", "B", lambda v: "RESERVED"),
    ("transform_id", "H", lambda v: f"transform ID {v}"),
)
_TV = Layout(("af_type", "H", None), ("value", "H", None))
_TLV = Layout(("af_type", "H", None), ("length", "H", None))


def _pull_substructure(buf: Buffer, more: int, what: str) -> tuple[bool, int]:
    """The 4-byte substructure header; returns ``(more_follow, body_length)``."""
    start = buf.absolute
    last, _, length = buf.pull_fields(_SUBSTRUCTURE)
    if last not in (LAST, more):
        raise buf.error(f"Last Substruc {last} is neither 0 nor {more}", start)
    if length < 4:
        raise buf.error(f"{what} length {length} is shorter than its header", start)
    return last == more, length - 4


def _pull_attribute(buf: Buffer, index: int) -> DataAttribute:
    start = buf.open_scope(f"attr[{index}]")
    word = int.from_bytes(buf.peek(2), "big")
    if word & 0x8000:
        value = buf.pull_fields(_TV)[1]
        attr = DataAttribute(word & 0x7FFF, value, True)
    else:
        length = buf.pull_fields(_TLV)[1]
        attr = DataAttribute(word, buf.pull_bytes(length, "value"), False)
    buf.close_scope(start, f"transform attribute type {attr.type}")
    return attr


def _pull_transform(buf: Buffer, index: int) -> tuple[bool, Transform]:
    start = buf.open_scope(f"transform[{index}]")
    more, body = _pull_substructure(buf, MORE_TRANSFORMS, "transform")
    outer = buf.open_window(body, "transform length")
    kind, _, transform_id = buf.pull_fields(_TRANSFORM)
    attributes: list[DataAttribute] = []
    while not buf.eof():
        attributes.append(_pull_attribute(buf, len(attributes) + 1))
    buf.close_window(outer, "transform length")
    transform = Transform(kind, transform_id, tuple(attributes))
    buf.close_scope(start, "transform")
    return more, transform


def _pull_proposal(buf: Buffer, index: int) -> tuple[bool, Proposal]:
    start = buf.open_scope(f"proposal[{index}]")
    more, body = _pull_substructure(buf, MORE_PROPOSALS, "proposal")
    outer = buf.open_window(body, "proposal length")
    number, protocol_id, spi_size, count = buf.pull_fields(_PROPOSAL)
    spi = buf.pull_bytes(spi_size, "spi", lambda b: f"SPI {b.hex()}")
    transforms: list[Transform] = []
    for i in range(1, count + 1):
        more_transforms, transform = _pull_transform(buf, i)
        transforms.append(transform)
        if more_transforms != (i < count):
            raise buf.error(f"Last Substruc of transform {i} disagrees with {count} transforms")
    buf.close_window(outer, "proposal length")
    buf.close_scope(start, "proposal")
    return more, Proposal(number, protocol_id, spi, tuple(transforms))


def pull_sa(buf: Buffer) -> SaPayload:
    """Read an SA body: proposals until one says it is the last (RFC 7296 §3.3)."""
    proposals: list[Proposal] = []
    more = True
    while more:
        if buf.eof():
            raise buf.error("an SA payload needs at least one proposal")
        more, proposal = _pull_proposal(buf, len(proposals) + 1)
        proposals.append(proposal)
    return SaPayload(tuple(proposals))


def _substructure(more: bool, kind: int, body: bytes) -> bytes:
    if len(body) + 4 > 0xFFFF:
        raise EncodeError(f"SA substructure of {len(body)} bytes exceeds the 16-bit length")
    return _SUBSTRUCTURE.pack(kind if more else LAST, 0, len(body) + 4) + body


def transform_bytes(t: Transform, more: bool) -> bytes:
    """One transform substructure."""
    body = _TRANSFORM.pack(t.transform_type, 0, t.transform_id)
    body += b"".join(encode_attribute(a) for a in t.attributes)
    return _substructure(more, MORE_TRANSFORMS, body)


def proposal_bytes(p: Proposal, more: bool) -> bytes:
    """One proposal substructure with its transforms."""
    if len(p.transforms) > 0xFF or len(p.spi) > 0xFF:
        raise EncodeError("a proposal has at most 255 transforms and a 255-byte SPI")
    last = len(p.transforms) - 1
    body = _PROPOSAL.pack(p.proposal_num, p.protocol_id, len(p.spi), len(p.transforms)) + p.spi
    body += b"".join(transform_bytes(t, i < last) for i, t in enumerate(p.transforms))
    return _substructure(more, MORE_PROPOSALS, body)


def sa_body(sa: SaPayload) -> bytes:
    """An SA body (RFC 7296 §3.3)."""
    if not sa.proposals:
        raise EncodeError("an SA payload needs at least one proposal (RFC 7296 §3.3)")
    last = len(sa.proposals) - 1
    return b"".join(proposal_bytes(p, i < last) for i, p in enumerate(sa.proposals))
