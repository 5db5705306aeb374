"""Forcing UDP encapsulation between two routers with no NAT between them (opt-in).

RFC 3947 §3.2: in Main Mode messages 3 and 4 each side sends two NAT-D payloads, the hash of
the address and port it sends *to*, then the hash of its own *source*; a receiver that cannot
reproduce the source hash concludes that the sender is behind a NAT, and from then on IKE
floats to UDP 4500 and ESP is UDP-encapsulated (RFC 3948). strongSwan's ``encap = yes`` (and
its kernel-libipsec backend, always) forces that path by sending a source hash that cannot
match ("faking NAT situation to enforce UDP encapsulation").

:func:`fake_source_nat_d` does the same at the router process's socket boundary, in both
directions: it replaces the *last* NAT-D payload of a plaintext Main Mode message (the
sender's own-address hash) by zeros, so the peer sees "His hash no match" for our messages
and our engine sees it for the peer's, whether or not the peer fakes too (a constant, unlike a
complement, stays fake when two forcing routers both rewrite it). Both sides then agree that a
NAT is on the path. Nothing authenticated changes: HASH_I/HASH_R (RFC 2409 §5) do not cover NAT-D.

This belongs in the IKE engine as a configuration switch (like strongSwan's ``encap``); until
it is there, ``vpnteach router run --force-udp-encap`` uses this module. It is off by default.
"""

from __future__ import annotations

from dataclasses import replace

from vpnteach.wire import NatDPayload, decode_message, encode_message
from vpnteach.wire.constants import ExchangeType
from vpnteach.wire.errors import DecodeError

__all__ = ["fake_source_nat_d"]


def fake_source_nat_d(data: bytes) -> bytes:
    """``data`` with its last NAT-D hash zeroed, if it is a plaintext Main Mode message
    carrying NAT-D payloads (RFC 3947 §3.2); otherwise ``data`` unchanged."""
    if len(data) < 28 or data[18] != ExchangeType.IDENTITY_PROTECTION or data[19] & 1:
        return data  # not Main Mode, or encrypted (MM5 on): no NAT-D to see
    try:
        msg = decode_message(data)
    except DecodeError:
        return data  # the engine will say what is wrong with it
    where = [i for i, p in enumerate(msg.payloads) if isinstance(p, NatDPayload)]
    if len(where) < 2:
        return data
    last = msg.payloads[where[-1]]
    assert isinstance(last, NatDPayload)
    fake = replace(last, hash_data=bytes(len(last.hash_data)))
    i = where[-1]
    payloads = (*msg.payloads[:i], fake, *msg.payloads[i + 1 :])
    return encode_message(replace(msg, payloads=payloads))
