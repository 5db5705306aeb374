"""The Security Association payload with its proposals and transforms (RFC 2408 §3.4–3.6).

Proposals and transforms are payloads of their own kind nested inside the SA payload: each
carries the generic header, proposals chain with Next Payload 2 (PROPOSAL) and transforms with
3 (TRANSFORM), the last of each with 0. The encoder computes those numbers, the lengths and
the "# of Transforms" count from the nested tuples; the decoder checks them.
For DOI 1 (IPsec, RFC 2407 §4.6.1) the situation is a 4-byte bitmap; only SIT_IDENTITY_ONLY is
decoded further. Any other DOI or situation keeps the rest of the body as ``situation_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.wire.attributes import DataAttribute, encode_attribute, pull_attribute
from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import (
    Doi,
    IkeTransformId,
    IpsecTransformId,
    PayloadType,
    ProtocolId,
    Situation,
    describe,
)
from vpnteach.wire.generic import generic_payload, open_payload


@dataclass(frozen=True)
class Transform(HtmlRepr):
    """A Transform payload (RFC 2408 §3.6)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ! Next Payload  !   RESERVED    !         Payload Length        !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !  Transform #  !  Transform-Id !           RESERVED2           !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ~                        SA Attributes                          ~
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    """

    transform_number: int
    transform_id: int
    attributes: tuple[DataAttribute, ...] = ()

    def attribute(self, type: int) -> DataAttribute | None:
        """The first attribute of class ``type``, or ``None``."""
        return next((a for a in self.attributes if a.type == type), None)

    def int_attribute(self, type: int) -> int | None:
        """The integer value of the first attribute of class ``type``, or ``None``."""
        attr = self.attribute(type)
        return None if attr is None else attr.int_value


@dataclass(frozen=True)
class Proposal(HtmlRepr):
    """A Proposal payload (RFC 2408 §3.5)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    ! Next Payload  !   RESERVED    !         Payload Length        !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !                        SPI (variable)                         !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    """

    proposal_number: int
    protocol_id: int
    spi: bytes
    transforms: tuple[Transform, ...]


@dataclass(frozen=True)
class SaPayload(HtmlRepr):
    """Security Association payload (RFC 2408 §3.4; IPsec DOI situation, RFC 2407 §4.6.1)::

         0                   1                   2                   3
         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        ! Next Payload  !   RESERVED    !         Payload Length        !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !              Domain of Interpretation  (DOI)                  !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
        !                           Situation                           !
        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    Attributes:
        doi: 1 (IPsec) in IKEv1.
        situation: the IPsec DOI situation bitmap (0 when the DOI is not 1).
        proposals: the proposal payloads, in wire order.
        situation_data: undecoded bytes after the situation (non-IPsec DOI, or a
            situation with SIT_SECRECY/SIT_INTEGRITY); proposals are then not decoded.
    """

    doi: int = Doi.IPSEC
    situation: int = Situation.SIT_IDENTITY_ONLY
    proposals: tuple[Proposal, ...] = ()
    situation_data: bytes = b""

    payload_type = PayloadType.SA


def _transform_id_text(protocol_id: int, value: int) -> str:
    if protocol_id == ProtocolId.PROTO_ISAKMP:
        return describe(IkeTransformId, value)
    if protocol_id == ProtocolId.PROTO_IPSEC_ESP:
        return describe(IpsecTransformId, value)
    return str(value)


def _transform_header(protocol_id: int) -> Layout:
    """Transform # / Transform-Id / RESERVED2, the id described for ``protocol_id``."""
    return Layout(
        ("transform_number", "B", lambda v: f"Transform #{v}"),
        ("transform_id", "B", lambda v: _transform_id_text(protocol_id, v)),
        ("reserved2", "H", lambda v: "RESERVED2, must be 0"),
    )


# One layout per protocol whose transform IDs have names; any other protocol shows numbers.
_TRANSFORM_HEADERS: dict[int, Layout] = {
    protocol: _transform_header(protocol)
    for protocol in (ProtocolId.PROTO_ISAKMP, ProtocolId.PROTO_IPSEC_ESP)
}
_TRANSFORM_HEADER = _transform_header(0)

_PROPOSAL_HEADER = Layout(
    ("proposal_number", "B", lambda v: f"Proposal #{v}"),
    ("protocol_id", "B", lambda v: describe(ProtocolId, v)),
    ("spi_size", "B", lambda n: f"SPI of {n} bytes"),
    ("number_of_transforms", "B", lambda n: f"{n} transforms follow"),
)


def pull_transform(buf: Buffer, protocol_id: int) -> tuple[int, Transform]:
    """Read one Transform payload (header included); return ``(next_payload, transform)``."""
    next_payload, outer = open_payload(buf, "transform length")
    header = _TRANSFORM_HEADERS.get(protocol_id, _TRANSFORM_HEADER)
    number, tid, _ = buf.pull_fields(header)
    ike = protocol_id == ProtocolId.PROTO_ISAKMP
    attributes: list[DataAttribute] = []
    while not buf.eof():
        attributes.append(pull_attribute(buf, ike))
    buf.close_window(outer, "transform length")
    return next_payload, Transform(number, tid, tuple(attributes))


def pull_proposal(buf: Buffer) -> tuple[int, Proposal]:
    """Read one Proposal payload with its transforms; return ``(next_payload, proposal)``."""
    next_payload, outer = open_payload(buf, "proposal length")
    number, protocol_id, spi_size, count = buf.pull_fields(_PROPOSAL_HEADER)
    spi = buf.pull_bytes(spi_size, "spi", lambda b: f"SPI 0x{b.hex()}")
    transforms: list[Transform] = []
    for index in range(1, count + 1):
        start = buf.open_scope(f"transform[{index}]")
        nxt, transform = pull_transform(buf, protocol_id)
        _check_next(buf, nxt, PayloadType.TRANSFORM, index == count, start)
        buf.close_scope(start, "Transform payload (RFC 2408 §3.6)")
        transforms.append(transform)
    if not buf.eof():
        raise buf.error(f"# of Transforms is {count} but {buf.remaining} more bytes follow")
    buf.close_window(outer, "proposal length")
    return next_payload, Proposal(number, protocol_id, spi, tuple(transforms))


def _check_next(buf: Buffer, nxt: int, kind: int, last: bool, offset: int) -> None:
    expected = 0 if last else kind
    if nxt != expected:
        name = PayloadType(kind).name.lower()
        where = "the last" if last else "a non-final"
        raise buf.error(f"next payload {nxt} in {where} {name}, expected {expected}", offset)


def pull_sa(buf: Buffer) -> SaPayload:
    """Read an SA payload body (the window is the payload's declared length)."""
    doi = buf.pull_uint32("doi", lambda v: describe(Doi, v))
    if doi != Doi.IPSEC:
        return SaPayload(doi, 0, (), buf.pull_rest("situation_data", lambda b: "undecoded"))
    situation = buf.pull_uint32("situation", _describe_situation)
    if situation != Situation.SIT_IDENTITY_ONLY:
        return SaPayload(doi, situation, (), buf.pull_rest("situation_data", lambda b: "undecoded"))
    proposals: list[Proposal] = []
    index, nxt = 0, PayloadType.PROPOSAL if not buf.eof() else 0
    while nxt:
        index += 1
        start = buf.open_scope(f"proposal[{index}]")
        nxt, proposal = pull_proposal(buf)
        if nxt not in (0, PayloadType.PROPOSAL):
            raise buf.error(f"next payload {nxt} after a proposal, expected 2 or 0", start)
        buf.close_scope(start, "Proposal payload (RFC 2408 §3.5)")
        proposals.append(proposal)
    return SaPayload(doi, situation, tuple(proposals))


def _describe_situation(value: int) -> str:
    names = [f.name for f in Situation if f.name and value & f]
    return f"0x{value:08x} = {' | '.join(names) or 'none'}"


_DOI_AND_SITUATION = Layout(("doi", "I", None), ("situation", "I", None))
_DOI = Layout(("doi", "I", None))


def sa_body(sa: SaPayload) -> bytes:
    """An SA payload body: DOI, situation, then proposals with computed headers."""
    if sa.doi == Doi.IPSEC:
        parts = [_DOI_AND_SITUATION.pack(sa.doi, sa.situation), sa.situation_data]
    else:
        parts = [_DOI.pack(sa.doi), sa.situation_data]
    last = len(sa.proposals)
    for index, proposal in enumerate(sa.proposals, 1):
        nxt = 0 if index == last else PayloadType.PROPOSAL
        parts.append(generic_payload(nxt, _proposal_body(proposal)))
    return b"".join(parts)


def push_sa(buf: Buffer, sa: SaPayload) -> None:
    """Write an SA payload body: DOI, situation, then proposals with computed headers."""
    buf.push_bytes(sa_body(sa))


def _proposal_body(proposal: Proposal) -> bytes:
    header = _PROPOSAL_HEADER.pack(
        proposal.proposal_number,
        proposal.protocol_id,
        len(proposal.spi),
        len(proposal.transforms),
    )
    parts = [header, proposal.spi]
    last = len(proposal.transforms)
    for index, transform in enumerate(proposal.transforms, 1):
        nxt = 0 if index == last else PayloadType.TRANSFORM
        parts.append(generic_payload(nxt, _transform_body(transform)))
    return b"".join(parts)


def _transform_body(transform: Transform) -> bytes:
    header = _TRANSFORM_HEADER.pack(transform.transform_number, transform.transform_id, 0)
    return header + b"".join([encode_attribute(attr) for attr in transform.attributes])
