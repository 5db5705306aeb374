"""Hypothesis strategies for every payload kind and whole ISAKMP messages."""

from __future__ import annotations

from hypothesis import strategies as st

from vpnteach.wire import (
    CertPayload,
    CertReqPayload,
    DataAttribute,
    DeletePayload,
    FragmentPayload,
    HashPayload,
    IdPayload,
    IsakmpHeader,
    KePayload,
    Message,
    NatDPayload,
    NatOaPayload,
    NoncePayload,
    NotificationPayload,
    Payload,
    Proposal,
    SaPayload,
    SigPayload,
    Transform,
    UnknownPayload,
    VendorIdPayload,
)
from vpnteach.wire.chain import SHORT_NAMES

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
small = st.binary(max_size=24)

attributes = st.one_of(
    st.builds(DataAttribute.basic, st.integers(0, 0x7FFF), u16),
    st.builds(DataAttribute.variable, st.integers(0, 0x7FFF), small),
)
transforms = st.builds(Transform, u8, u8, st.lists(attributes, min_size=1, max_size=4).map(tuple))
proposals = st.builds(
    Proposal, u8, u8, st.binary(max_size=8), st.lists(transforms, max_size=3).map(tuple)
)
sa_payloads = st.one_of(
    st.builds(
        SaPayload, st.just(1), st.just(1), st.lists(proposals, min_size=1, max_size=3).map(tuple)
    ),
    st.builds(SaPayload, st.just(1), u32.filter(lambda s: s != 1), st.just(()), small),
    st.builds(SaPayload, u32.filter(lambda d: d != 1), st.just(0), st.just(()), small),
)


@st.composite
def delete_payloads(draw: st.DrawFn) -> DeletePayload:
    size = draw(st.integers(0, 8))
    spis = draw(st.lists(st.binary(min_size=size, max_size=size), max_size=4))
    return DeletePayload(draw(u8), size, tuple(spis), draw(u32))


# Types this codec does not decode (0 would end the chain, so it is not a payload type).
unknown_types = st.integers(1, 255).filter(lambda t: t not in SHORT_NAMES)

payloads: st.SearchStrategy[Payload] = st.one_of(
    sa_payloads,
    sa_payloads,
    sa_payloads,
    st.builds(KePayload, small),
    st.builds(IdPayload, u8, u8, u16, small),
    st.builds(CertPayload, u8, small),
    st.builds(CertReqPayload, u8, small),
    st.builds(HashPayload, small),
    st.builds(SigPayload, small),
    st.builds(NoncePayload, small),
    st.builds(NotificationPayload, u16, u32, u8, st.binary(max_size=16), small),
    delete_payloads(),
    st.builds(VendorIdPayload, small),
    st.builds(NatDPayload, small, st.sampled_from([20, 130])),
    st.builds(NatOaPayload, u8, small, st.sampled_from([21, 131])),
    st.builds(FragmentPayload, u16, u8, u8, small),
    st.builds(UnknownPayload, unknown_types, small),
)

cookies = st.binary(min_size=8, max_size=8)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    header = IsakmpHeader(
        cky_i=draw(cookies),
        cky_r=draw(cookies),
        exchange_type=draw(u8),
        flags=draw(u8) & ~1 | draw(st.sampled_from([0, 0, 0, 1])),
        message_id=draw(u32),
        major_version=draw(st.integers(0, 15)),
        minor_version=draw(st.integers(0, 15)),
    )
    if header.encrypted:
        first = draw(u8)
        return Message(IsakmpHeader(**{**header.__dict__, "next_payload": first}), (), draw(small))
    return Message(header, tuple(draw(st.lists(payloads, max_size=5))))
