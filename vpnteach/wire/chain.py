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
from typing import Any

from vpnteach.wire import payloads as p
from vpnteach.wire.buffer import Buffer, Span
from vpnteach.wire.constants import PayloadType, label
from vpnteach.wire.generic import pull_generic_header, push_generic_header
from vpnteach.wire.sa import SaPayload, pull_sa, push_sa

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

Puller = Callable[[Buffer, int], Payload]

_PULLERS: dict[int, Puller] = {
    PayloadType.SA: lambda b, t: pull_sa(b),
    PayloadType.KE: lambda b, t: p.pull_ke(b),
    PayloadType.ID: lambda b, t: p.pull_id(b),
    PayloadType.CERT: lambda b, t: p.pull_cert(b),
    PayloadType.CR: lambda b, t: p.pull_cr(b),
    PayloadType.HASH: lambda b, t: p.pull_hash(b),
    PayloadType.SIG: lambda b, t: p.pull_sig(b),
    PayloadType.NONCE: lambda b, t: p.pull_nonce(b),
    PayloadType.N: lambda b, t: p.pull_notification(b),
    PayloadType.D: lambda b, t: p.pull_delete(b),
    PayloadType.VID: lambda b, t: p.pull_vid(b),
    PayloadType.NAT_D: p.pull_nat_d,
    PayloadType.NAT_D_DRAFT: p.pull_nat_d,
    PayloadType.NAT_OA: p.pull_nat_oa,
    PayloadType.NAT_OA_DRAFT: p.pull_nat_oa,
    PayloadType.FRAGMENT: lambda b, t: p.pull_fragment(b),
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
    return SHORT_NAMES.get(payload_type, f"PAYLOAD-{payload_type}")


@dataclass(frozen=True)
class PayloadChain:
    """A decoded chain and the bytes after its last payload (padding of a decrypted body)."""

    payloads: tuple[Payload, ...]
    padding: bytes = b""


def pull_payload(buf: Buffer, payload_type: int) -> tuple[int, Payload]:
    """Read one payload of ``payload_type``; return ``(next_payload, payload)``."""
    next_payload, length = pull_generic_header(buf)
    with buf.window(length):
        puller = _PULLERS.get(payload_type)
        if puller is None:
            payload: Payload = p.UnknownPayload(payload_type, buf.pull_rest("body"))
        else:
            payload = puller(buf, payload_type)
    return next_payload, payload


def pull_payload_chain(buf: Buffer, first_payload_type: int) -> tuple[Payload, ...]:
    """Read payloads from ``first_payload_type`` until Next Payload is 0."""
    result: list[Payload] = []
    seen: dict[str, int] = {}
    nxt = first_payload_type
    while nxt != PayloadType.NONE:
        name = short_name(nxt)
        seen[name] = seen.get(name, 0) + 1
        meaning = f"{label(PayloadType, nxt)} payload" if buf.recording else ""
        with buf.scope(f"{name}[{seen[name]}]", meaning):
            nxt, payload = pull_payload(buf, nxt)
        result.append(payload)
    return tuple(result)


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


def _push_typed(buf: Buffer, kind: int, data: bytes) -> None:
    """A CERT or CERT_REQ body: a one-byte encoding, then the opaque data (RFC 2408 §3.9-10)."""
    buf.push_uint8(kind)
    buf.push_bytes(data)


# How each payload class writes its body: the mirror of _PULLERS, keyed by class.
_PUSHERS: dict[type, Callable[[Buffer, Any], None]] = {
    SaPayload: push_sa,
    p.IdPayload: p.push_id,
    p.NotificationPayload: p.push_notification,
    p.DeletePayload: p.push_delete,
    p.NatOaPayload: p.push_nat_oa,
    p.FragmentPayload: p.push_fragment,
    p.CertPayload: lambda b, x: _push_typed(b, x.cert_encoding, x.certificate_data),
    p.CertReqPayload: lambda b, x: _push_typed(b, x.cert_type, x.certificate_authority),
    p.KePayload: lambda b, x: b.push_bytes(x.key_exchange_data),
    p.HashPayload: lambda b, x: b.push_bytes(x.hash_data),
    p.NatDPayload: lambda b, x: b.push_bytes(x.hash_data),
    p.SigPayload: lambda b, x: b.push_bytes(x.signature_data),
    p.NoncePayload: lambda b, x: b.push_bytes(x.nonce_data),
    p.VendorIdPayload: lambda b, x: b.push_bytes(x.vendor_id),
    p.UnknownPayload: lambda b, x: b.push_bytes(x.body),
}


def push_payload_body(buf: Buffer, payload: Payload) -> None:
    """Write the body of one payload (everything after its generic header)."""
    _PUSHERS[type(payload)](buf, payload)


def encode_payload_chain(payloads: Sequence[Payload]) -> bytes:
    """Encode payloads with Next Payload fields and lengths computed from their order."""
    buf = Buffer()
    for index, payload in enumerate(payloads):
        body = Buffer()
        push_payload_body(body, payload)
        following = payloads[index + 1].payload_type if index + 1 < len(payloads) else 0
        push_generic_header(buf, following, body.data())
    return buf.data()
