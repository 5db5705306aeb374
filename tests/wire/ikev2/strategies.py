"""Hypothesis strategies for every IKEv2 payload kind and whole IKEv2 messages."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.wire.strategies import attributes, small, u8, u16, u32
from vpnteach.wire.ikev2 import (
    AuthPayload,
    CertPayload,
    CertReqPayload,
    DeletePayload,
    IdPayload,
    Ikev2Header,
    Ikev2Message,
    KePayload,
    NoncePayload,
    NotifyPayload,
    Payload,
    PayloadType,
    Proposal,
    SaPayload,
    SkfPayload,
    SkPayload,
    TrafficSelector,
    Transform,
    TsPayload,
    UnknownPayload,
    VendorIdPayload,
)
from vpnteach.wire.ikev2.message import SHORT_NAMES

transforms = st.builds(Transform, u8, u16, st.lists(attributes, max_size=3).map(tuple))
proposals = st.builds(
    Proposal, u8, u8, st.binary(max_size=8), st.lists(transforms, max_size=4).map(tuple)
)
sa_payloads = st.builds(SaPayload, st.lists(proposals, min_size=1, max_size=3).map(tuple))


selectors = st.one_of(
    st.builds(
        TrafficSelector,
        st.sampled_from([7]),
        u8,
        u16,
        u16,
        st.binary(min_size=4, max_size=4),
        st.binary(min_size=4, max_size=4),
    ),
    st.builds(
        TrafficSelector,
        st.just(8),
        u8,
        u16,
        u16,
        st.binary(min_size=16, max_size=16),
        st.binary(min_size=16, max_size=16),
    ),
    st.builds(
        TrafficSelector, u8.filter(lambda t: t not in (7, 8)), u8, u16, u16, small, st.just(b"")
    ),
)
_known = [t for t in SHORT_NAMES if t not in (PayloadType.SK, PayloadType.SKF)]
unknown_types = u8.filter(lambda t: t not in SHORT_NAMES and t != 0)


@st.composite
def deletes(draw: st.DrawFn) -> DeletePayload:
    size = draw(st.sampled_from([0, 4, 8]))
    count = draw(st.integers(0, 3)) if size else 0
    spis = tuple(draw(st.binary(min_size=size, max_size=size)) for _ in range(count))
    return DeletePayload(draw(u8), size, spis)


payloads: st.SearchStrategy[Payload] = st.one_of(
    sa_payloads,
    st.builds(KePayload, u16, small),
    st.builds(IdPayload, u8, small, st.sampled_from([PayloadType.IDi, PayloadType.IDr])),
    st.builds(CertPayload, u8, small),
    st.builds(CertReqPayload, u8, small),
    st.builds(AuthPayload, u8, small),
    st.builds(NoncePayload, small),
    st.builds(NotifyPayload, u16, small, u8, st.binary(max_size=8)),
    deletes(),
    st.builds(VendorIdPayload, small),
    st.builds(
        TsPayload,
        st.lists(selectors, max_size=3).map(tuple),
        st.sampled_from([PayloadType.TSi, PayloadType.TSr]),
    ),
    st.builds(UnknownPayload, unknown_types, small, st.booleans()),
)
sk_payloads = st.one_of(
    st.builds(SkPayload, st.sampled_from(_known), st.binary(max_size=48)),
    st.integers(1, 5).flatmap(
        lambda total: st.builds(
            SkfPayload,
            st.sampled_from([0, *_known]),
            st.integers(1, total),
            st.just(total),
            st.binary(max_size=48),
        )
    ),
)
headers = st.builds(
    Ikev2Header,
    st.binary(min_size=8, max_size=8),
    st.binary(min_size=8, max_size=8),
    u8,
    u8,
    u32,
    st.just(2),
    st.integers(0, 15),
)


@st.composite
def messages(draw: st.DrawFn) -> Ikev2Message:
    body = draw(st.lists(payloads, max_size=5))
    if draw(st.booleans()):
        body.append(draw(sk_payloads))
    return Ikev2Message(draw(headers), tuple(body))
