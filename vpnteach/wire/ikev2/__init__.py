"""The IKEv2 wire format (RFC 7296 §3): header, payloads, traffic selectors, IANA numbers.

Theory of operation: an IKEv2 message is IKEv1's 28-byte header (major version 2, new flags)
followed by a chain of payloads; from IKE_AUTH on, the chain is one SK payload whose content
is encrypted and integrity-protected (§3.14). ``decode_message`` / ``encode_message`` convert
between bytes and frozen dataclasses named as in the RFC; ``decode_payload_chain`` reads the
decrypted inside of an SK payload. Decoders can record :class:`~vpnteach.wire.buffer.Span` s
for an annotated hex dump and raise only :class:`~vpnteach.wire.errors.DecodeError`.
Stdlib only.
"""

from __future__ import annotations

from vpnteach.wire.ikev2.constants import (
    AuthMethod,
    CertEncoding,
    DhId,
    EncrId,
    ExchangeType,
    Flags,
    IdType,
    IntegId,
    NotifyType,
    PayloadType,
    PrfId,
    ProtocolId,
    TransformType,
    TsType,
)
from vpnteach.wire.ikev2.message import (
    Ikev2Header,
    Ikev2Message,
    Payload,
    decode_message,
    decode_payload_chain,
    encode_message,
    encode_payload_chain,
    message_spans,
)
from vpnteach.wire.ikev2.payloads import (
    AuthPayload,
    CertPayload,
    CertReqPayload,
    DeletePayload,
    IdPayload,
    KePayload,
    NoncePayload,
    NotifyPayload,
    SkfPayload,
    SkPayload,
    TrafficSelector,
    TsPayload,
    UnknownPayload,
    VendorIdPayload,
)
from vpnteach.wire.ikev2.sa import Proposal, SaPayload, Transform, key_length

__all__ = [
    "AuthMethod",
    "AuthPayload",
    "CertEncoding",
    "CertPayload",
    "CertReqPayload",
    "DeletePayload",
    "DhId",
    "EncrId",
    "ExchangeType",
    "Flags",
    "IdPayload",
    "IdType",
    "Ikev2Header",
    "Ikev2Message",
    "IntegId",
    "KePayload",
    "NoncePayload",
    "NotifyPayload",
    "NotifyType",
    "Payload",
    "PayloadType",
    "PrfId",
    "Proposal",
    "ProtocolId",
    "SaPayload",
    "SkPayload",
    "SkfPayload",
    "TrafficSelector",
    "Transform",
    "TransformType",
    "TsPayload",
    "TsType",
    "UnknownPayload",
    "VendorIdPayload",
    "decode_message",
    "decode_payload_chain",
    "encode_message",
    "encode_payload_chain",
    "key_length",
    "message_spans",
]
