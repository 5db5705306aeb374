"""Vendor ID payloads (RFC 2408 §3.16): what each side announces it can do.

IOS announces NAT traversal in MM1 (RFC 3947 and the drafts 02, 03, 07), Dead Peer Detection
(RFC 3706 §5.1), Cisco Unity and XAUTH, and a Cisco-private value that makes the peer print
"speaking to another IOS box!". The first three are public constants (MD5 of a text, as the
documents define them); the IOS-box value is Cisco-private, so vpnteach uses its own 16-byte
stand-in (MD5 of "vpnteach IOS box") that only vpnteach recognises — stated here so no one
mistakes it for Cisco's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from vpnteach.ike.context import Context
from vpnteach.ike.records_phase1 import (
    VendorIdIos,
    VendorIdKnown,
    VendorIdNatT,
    VendorIdProcessing,
    VendorIdUnityMismatch,
)


@dataclass(frozen=True)
class VendorId:
    """A known vendor ID: its bytes, the name IOS logs, and what it announces."""

    name: str
    data: bytes
    ios_name: str
    source: str


def _hex(text: str) -> bytes:
    return bytes.fromhex(text)


# RFC 3947 §3.1: MD5("RFC 3947").
NAT_T_RFC3947 = VendorId(
    "NAT-T RFC 3947",
    _hex("4a131c81070358455c5728f20e95452f"),
    "NAT-T vendor-rfc3947",
    "RFC 3947 §3.1",
)
# draft-ietf-ipsec-nat-t-ike-07: MD5("draft-ietf-ipsec-nat-t-ike-07").
NAT_T_V7 = VendorId(
    "NAT-T v7",
    _hex("439b59f8ba676c4c7737ae22eab8f582"),
    "NAT-T vendor-07",
    "draft-ietf-ipsec-nat-t-ike-07",
)
# draft-ietf-ipsec-nat-t-ike-03: MD5("draft-ietf-ipsec-nat-t-ike-03").
NAT_T_V3 = VendorId(
    "NAT-T v3",
    _hex("7d9419a65310ca6f2c179d9215529d56"),
    "NAT-T vendor-03",
    "draft-ietf-ipsec-nat-t-ike-03",
)
# draft-ietf-ipsec-nat-t-ike-02: MD5("draft-ietf-ipsec-nat-t-ike-02\n").
NAT_T_V2 = VendorId(
    "NAT-T v2",
    _hex("90cb80913ebb696e086381b5ec427b1f"),
    "NAT-T vendor-02",
    "draft-ietf-ipsec-nat-t-ike-02",
)
# RFC 3706 §5.1: the DPD vendor ID, major version 1, minor 0.
DPD = VendorId("DPD", _hex("afcad71368a1f1c96b8696fc77570100"), "DPD", "RFC 3706 §5.1")
# Cisco Unity 1.0 (as strongSwan's vendor_id_payload list records it).
UNITY = VendorId("Unity", _hex("12f5f28c457168a9702d9fe274cc0100"), "Unity", "Cisco Unity")
# Cisco XAUTH (draft-beaulieu-ike-xauth, as strongSwan records it).
XAUTH = VendorId("XAUTH", _hex("09002689dfd6b712"), "XAUTH", "draft-beaulieu-ike-xauth")
# vpnteach's stand-in for Cisco's private "IOS box" value (see the module docstring).
IOS_BOX = VendorId("IOS box", hashlib.md5(b"vpnteach IOS box").digest(), "IOS box", "vpnteach")

NAT_T_ALL = (NAT_T_RFC3947, NAT_T_V7, NAT_T_V3, NAT_T_V2)
KNOWN = (*NAT_T_ALL, DPD, UNITY, XAUTH, IOS_BOX)
_NAT_T_NAMES = frozenset(vid.name for vid in NAT_T_ALL)


def identify(data: bytes) -> VendorId | None:
    """The known vendor ID ``data`` is (a DPD/Unity ID may carry other version bytes)."""
    for vid in KNOWN:
        if data == vid.data:
            return vid
    for vid in (DPD, UNITY):
        if data[:14] == vid.data[:14] and len(data) == 16:
            return vid
    return None


def unity_dpd_major(data: bytes) -> int | None:
    """The byte IOS reads as a Unity/DPD "major" version (``vendor ID seems Unity/DPD but major
    69 mismatch`` for the RFC 3947 ID), or ``None`` for a short vendor ID."""
    return data[14] if len(data) >= 16 else None


def log_vendor_ids(ctx: Context, vids: Iterable[bytes], seen: list[str]) -> None:
    """Record each received vendor ID as IOS logs it; add the known ones to ``seen``."""
    for data in vids:
        ctx.log(VendorIdProcessing())
        known = identify(data)
        if known is not None and known.name in _NAT_T_NAMES:
            ctx.log(VendorIdUnityMismatch(major=unity_dpd_major(data)))
            ctx.log(VendorIdNatT(name=known.name if known else ""))
        elif known is IOS_BOX:
            ctx.log(VendorIdIos())
        elif known is not None:
            ctx.log(VendorIdKnown(name=known.ios_name))
        if known is not None and known.name not in seen:
            seen.append(known.name)
