"""IKEv1 (RFC 2409) as IOS speaks it: Main Mode with rsa-sig or pre-share, Quick Mode, NAT-T.

Theory of operation. Configuration objects (:mod:`.policy`) say what a router offers and
accepts; :mod:`.proposal` matches offers with IOS rules, recording every check. Each exchange
is a transition table (:mod:`.transitions`, IOS state names from :mod:`.states`) whose rows
name handlers in :mod:`.main_mode` and :mod:`.quick_mode`; the payloads a message may carry are
checked first (:mod:`.rules`). Key material comes from :mod:`.keymat` and is recorded as facts;
messages are protected by :mod:`.protection`; NAT traversal (RFC 3947) is :mod:`.nat_t`;
notifications, deletes and DPD are :mod:`.informational`. :class:`IkeEndpoint`
(:mod:`.endpoint`) ties it together without any I/O; :mod:`.debuglog` renders what it recorded
as ``debug crypto isakmp`` and ``show crypto isakmp ...`` text.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vpnteach.ike.config import (
        AggressiveModeIdentity,
        IkeConfig,
        PeerPublicKey,
        Retransmission,
    )
    from vpnteach.ike.endpoint import IkeEndpoint
    from vpnteach.ike.events import (
        DeadPeerAnswered,
        Event,
        IpsecSaSpec,
        NegotiationFailed,
        NotificationReceived,
        NotificationSent,
        Phase1Complete,
        Phase2Complete,
        SaDeleted,
    )
    from vpnteach.ike.policy import (
        AccessList,
        AclEntry,
        AddressMatch,
        CryptoMapEntry,
        IsakmpPolicy,
        PolicyError,
        PreSharedKey,
        ProxyIdentity,
        TransformSet,
    )
    from vpnteach.ike.states import IkeState
    from vpnteach.ike.transitions import MAIN_MODE, QUICK_MODE, to_dot

# Exports are loaded on first use (PEP 562): ``import vpnteach.ike.keymat`` must not pull in the
# whole engine, the PKI and X.509.
_EXPORTS = {
    "AccessList": "vpnteach.ike.policy",
    "AclEntry": "vpnteach.ike.policy",
    "AddressMatch": "vpnteach.ike.policy",
    "CryptoMapEntry": "vpnteach.ike.policy",
    "DeadPeerAnswered": "vpnteach.ike.events",
    "AggressiveModeIdentity": "vpnteach.ike.config",
    "Event": "vpnteach.ike.events",
    "IkeConfig": "vpnteach.ike.config",
    "IkeEndpoint": "vpnteach.ike.endpoint",
    "IkeState": "vpnteach.ike.states",
    "IpsecSaSpec": "vpnteach.ike.events",
    "IsakmpPolicy": "vpnteach.ike.policy",
    "MAIN_MODE": "vpnteach.ike.transitions",
    "NegotiationFailed": "vpnteach.ike.events",
    "NotificationReceived": "vpnteach.ike.events",
    "NotificationSent": "vpnteach.ike.events",
    "PeerPublicKey": "vpnteach.ike.config",
    "Phase1Complete": "vpnteach.ike.events",
    "Phase2Complete": "vpnteach.ike.events",
    "PolicyError": "vpnteach.ike.policy",
    "PreSharedKey": "vpnteach.ike.policy",
    "ProxyIdentity": "vpnteach.ike.policy",
    "QUICK_MODE": "vpnteach.ike.transitions",
    "Retransmission": "vpnteach.ike.config",
    "SaDeleted": "vpnteach.ike.events",
    "TransformSet": "vpnteach.ike.policy",
    "to_dot": "vpnteach.ike.transitions",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vpnteach.ike' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "MAIN_MODE",
    "QUICK_MODE",
    "AccessList",
    "AclEntry",
    "AddressMatch",
    "AggressiveModeIdentity",
    "CryptoMapEntry",
    "DeadPeerAnswered",
    "Event",
    "IkeConfig",
    "IkeEndpoint",
    "IkeState",
    "IpsecSaSpec",
    "IsakmpPolicy",
    "NegotiationFailed",
    "NotificationReceived",
    "NotificationSent",
    "PeerPublicKey",
    "Phase1Complete",
    "Phase2Complete",
    "PolicyError",
    "PreSharedKey",
    "ProxyIdentity",
    "Retransmission",
    "SaDeleted",
    "TransformSet",
    "to_dot",
]
