"""Payload chains: a sequence of payloads linked by Next Payload (RFC 2408 §3.1–3.2).

The ISAKMP header's Next Payload names the first payload; each generic payload header names
the one after it; 0 ends the chain. On encode those numbers come from the order of the
``payloads`` tuple, so a caller never writes them by hand.

A decrypted message body (RFC 2408 §3.1, RFC 2409 §5.3) is a chain followed by padding up to
the cipher's block size: :func:`decode_payload_chain` stops at Next Payload 0 and returns the
padding separately instead of failing on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from vpnteach.wire import payloads as p
from vpnteach.wire.buffer import Buffer, Layout, Span
from vpnteach.wire.constants import PayloadType
from vpnteach.wire.generic import generic_payload, open_payload
from vpnteach.wire.sa import SaPayload, pull_sa, sa_body
from vpnteach.wire.walk import payload_meanings, unknown_payload_name, walk_chain

Payload = (
    SaPayload
    | p.KePayload
    | p.IdPayload
    | p.CertPayload
    | p.CertReqPayload
    | p.HashPayload
    | p.SigPayload
    | p.NoncePayload
    | p.NotificationPayload
    | p.DeletePayload
    | p.VendorIdPayload
    | p.NatDPayload
    | p.NatOaPayload
    | p.FragmentPayload
    | p.UnknownPayload
)

Puller = Callable[[Buffer], Payload]

_PULLERS: dict[int, Puller] = {
    PayloadType.SA: pull_sa,
    PayloadType.KE: p.pull_ke,
    PayloadType.ID: p.pull_id,
    PayloadType.CERT: p.pull_cert,
    PayloadType.CR: p.pull_cr,
    PayloadType.HASH: p.pull_hash,
    PayloadType.SIG: p.pull_sig,
    PayloadType.NONCE: p.pull_nonce,
    PayloadType.N: p.pull_notification,
    PayloadType.D: p.pull_delete,
    PayloadType.VID: p.pull_vid,
    PayloadType.FRAGMENT: p.pull_fragment,
}

# Payloads that exist as an RFC number and a draft number keep the number they came with.
_TYPED_PULLERS: dict[int, Callable[[Buffer, int], Payload]] = {
    PayloadType.NAT_D: p.pull_nat_d,
    PayloadType.NAT_D_DRAFT: p.pull_nat_d,
    PayloadType.NAT_OA: p.pull_nat_oa,
    PayloadType.NAT_OA_DRAFT: p.pull_nat_oa,
}

# Short names used in span paths and error messages (Wireshark's abbreviations).
SHORT_NAMES: dict[int, str] = {
    PayloadType.SA: "SA",
    PayloadType.KE: "KE",
    PayloadType.ID: "ID",
    PayloadType.CERT: "CERT",
    PayloadType.CR: "CERTREQ",
    PayloadType.HASH: "HASH",
    PayloadType.SIG: "SIG",
    PayloadType.NONCE: "NONCE",
    PayloadType.N: "N",
    PayloadType.D: "D",
    PayloadType.VID: "VID",
    PayloadType.NAT_D: "NAT-D",
    PayloadType.NAT_D_DRAFT: "NAT-D",
    PayloadType.NAT_OA: "NAT-OA",
    PayloadType.NAT_OA_DRAFT: "NAT-OA",
    PayloadType.FRAGMENT: "FRAG",
}


def short_name(payload_type: int) -> str:
    """``"NONCE"`` for 10; ``"PAYLOAD-99"`` for a type this codec does not decode."""
    name = SHORT_NAMES.get(payload_type)
    return unknown_payload_name(payload_type) if name is None else name


@dataclass(frozen=True)
class PayloadChain:
    """A decoded chain and the bytes after its last payload (padding of a decrypted body)."""

    payloads: tuple[Payload, ...]
    padding: bytes = b""


def pull_payload(buf: Buffer, payload_type: int) -> tuple[int, Payload]:
    """Read one payload of ``payload_type``; return ``(next_payload, payload)``."""
    next_payload, outer = open_payload(buf)
    puller = _PULLERS.get(payload_type)
    if puller is not None:
        payload = puller(buf)
    elif payload_type in _TYPED_PULLERS:
        payload = _TYPED_PULLERS[payload_type](buf, payload_type)
    else:
        payload = p.UnknownPayload(payload_type, buf.pull_rest("body"))
    buf.close_window(outer)
    return next_payload, payload


def pull_payload_chain(buf: Buffer, first_payload_type: int) -> tuple[Payload, ...]:
    """Read payloads from ``first_payload_type`` until Next Payload is 0 (RFC 2408 §3.2)."""
    return walk_chain(
        buf, first_payload_type, pull=pull_payload, names=SHORT_NAMES, meanings=_MEANINGS
    )


# The meaning of a payload's group span; a number that is no PayloadType is "unknown".
_MEANINGS = payload_meanings(PayloadType)


def decode_payload_chain(
    first_payload_type: int,
    data: bytes,
    offset_base: int = 28,
    *,
    spans: list[Span] | None = None,
) -> PayloadChain:
    """Decode a (decrypted) body: the chain, then whatever padding follows it.

    Args:
        first_payload_type: the ISAKMP header's Next Payload.
        data: the body, e.g. the plaintext of an encrypted message.
        offset_base: absolute offset of ``data[0]`` (28: right after the ISAKMP header).
        spans: a list to record field spans into, if wanted.
    """
    buf = Buffer(data, base=offset_base, spans=spans)
    found = pull_payload_chain(buf, first_payload_type)
    padding = buf.pull_rest("padding", lambda b: f"{len(b)} bytes of padding")
    return PayloadChain(found, padding)


_ENCODING = Layout(("encoding", "B", None))


def _typed(kind: int, data: bytes) -> bytes:
    """A CERT or CERT_REQ body: a one-byte encoding, then the opaque data (RFC 2408 §3.9-10)."""
    return _ENCODING.pack(kind) + data


# The body of each payload class (everything after its generic header): the mirror of _PULLERS.
_BODIES: dict[type, Callable[[Any], bytes]] = {
    SaPayload: sa_body,
    p.IdPayload: p.id_body,
    p.NotificationPayload: p.notification_body,
    p.DeletePayload: p.delete_body,
    p.NatOaPayload: p.nat_oa_body,
    p.FragmentPayload: p.fragment_body,
    p.CertPayload: lambda x: _typed(x.cert_encoding, x.certificate_data),
    p.CertReqPayload: lambda x: _typed(x.cert_type, x.certificate_authority),
    p.KePayload: attrgetter("key_exchange_data"),
    p.HashPayload: attrgetter("hash_data"),
    p.NatDPayload: attrgetter("hash_data"),
    p.SigPayload: attrgetter("signature_data"),
    p.NoncePayload: attrgetter("nonce_data"),
    p.VendorIdPayload: attrgetter("vendor_id"),
    p.UnknownPayload: attrgetter("body"),
}


def push_payload_body(buf: Buffer, payload: Payload) -> None:
    """Write the body of one payload (everything after its generic header)."""
    buf.push_bytes(_BODIES[type(payload)](payload))


def encode_payload_chain(payloads: Sequence[Payload]) -> bytes:
    """Encode payloads with Next Payload fields and lengths computed from their order."""
    parts = []
    last = len(payloads) - 1
    for index, payload in enumerate(payloads):
        body = _BODIES[type(payload)](payload)
        following = payloads[index + 1].payload_type if index < last else 0
        parts.append(generic_payload(following, body))
    return b"".join(parts)
