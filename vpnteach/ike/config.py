"""Everything an IKE endpoint is configured with: one router's ``crypto`` configuration.

:class:`IkeConfig` gathers the ISAKMP policies, pre-shared keys, crypto map entries, the
router's PKI (keys and trustpoints, :class:`vpnteach.pki.trustpoint.RouterPki`) and a few
engine settings (NAT traversal, retransmission, the clock's time zone for the ``debug`` log).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address

from vpnteach.ike.policy import (
    DEFAULT_POLICY,
    CryptoMapEntry,
    IsakmpPolicy,
    PolicyError,
    PreSharedKey,
)
from vpnteach.pki.trustpoint import RouterPki, Trustpoint


@dataclass(frozen=True)
class Retransmission:
    """How an unanswered message is resent: ``interval`` seconds, doubled each time, at most
    ``limit`` times (IOS: "attempt 1 of 5"), then the SA is deleted."""

    interval: float = 5.0
    backoff: float = 2.0
    limit: int = 5


@dataclass(frozen=True)
class IkeConfig:
    """One router's IKE configuration.

    Args:
        local_address: the address the crypto map is applied on (``10.1.1.1``).
        policies: ``crypto isakmp policy`` entries.
        crypto_map: ``crypto map`` entries (each names its peer).
        pre_shared_keys: ``crypto isakmp key ... address ...``.
        pki: the router's keys and trustpoints (for rsa-sig); ``None`` without certificates.
        nat_traversal: send and honour the RFC 3947 vendor ID and NAT-D payloads.
        force_udp_encapsulation: send a NAT-D hash of our own address that cannot match
            (RFC 3947 §3.2 lets a peer fake NAT detection; strongSwan's ``encap = yes``), so
            both sides detect a NAT, IKE floats to 4500 and ESP is UDP-encapsulated (mode 3).
        default_policy: a responder also matches the IOS default protection suite (65535).
        timezone: the zone the ``debug`` timestamps are printed in.
    """

    local_address: str
    policies: tuple[IsakmpPolicy, ...] = ()
    crypto_map: tuple[CryptoMapEntry, ...] = ()
    pre_shared_keys: tuple[PreSharedKey, ...] = ()
    pki: RouterPki | None = None
    nat_traversal: bool = True
    force_udp_encapsulation: bool = False
    default_policy: bool = True
    retransmission: Retransmission = field(default_factory=Retransmission)
    timezone: dt.tzinfo = dt.timezone.utc
    nonce_length: int = 20

    def __post_init__(self) -> None:
        try:
            IPv4Address(self.local_address)
        except ValueError:
            raise PolicyError(f"local address {self.local_address!r} is not IPv4") from None
        if not 8 <= self.nonce_length <= 256:
            raise PolicyError("nonce length must be 8..256 bytes (RFC 2409 §5)")

    def psk_for(self, peer: str) -> bytes | None:
        """The pre-shared key configured for ``peer``, or ``None``."""
        return self._psk_by_peer.get(peer)

    @cached_property
    def _psk_by_peer(self) -> dict[str, bytes]:
        """``crypto isakmp key`` by address, the first line for an address winning."""
        keys: dict[str, bytes] = {}
        for key in self.pre_shared_keys:
            keys.setdefault(key.address, key.key.encode())
        return keys

    def responder_policies(self) -> tuple[IsakmpPolicy, ...]:
        """The policies a responder matches against, by priority (default suite last)."""
        mine = tuple(sorted(self.policies, key=lambda p: p.priority))
        return mine + ((DEFAULT_POLICY,) if self.default_policy or not mine else ())

    def initiator_policies(self) -> tuple[IsakmpPolicy, ...]:
        """The policies an initiator offers in MM1: the configured ones by priority, or the
        default suite when none is configured."""
        mine = tuple(sorted(self.policies, key=lambda p: p.priority))
        return mine or (DEFAULT_POLICY,)

    def entries_for(self, peer: str) -> tuple[CryptoMapEntry, ...]:
        """The crypto map entries whose ``set peer`` is ``peer``."""
        return self._entries_by_peer.get(peer, ())

    @cached_property
    def _entries_by_peer(self) -> dict[str, tuple[CryptoMapEntry, ...]]:
        """The crypto map entries grouped by ``set peer``, each group in configured order."""
        groups: dict[str, list[CryptoMapEntry]] = {}
        for entry in self.crypto_map:
            groups.setdefault(entry.peer, []).append(entry)
        return {peer: tuple(entries) for peer, entries in groups.items()}

    def entry_for_traffic(self, src: str, dst: str) -> CryptoMapEntry | None:
        """The first crypto map entry (by sequence) whose ACL protects ``src -> dst``."""
        for entry in sorted(self.crypto_map, key=lambda e: e.seq):
            if entry.match_address.protects(src, dst):
                return entry
        return None

    def trustpoint(self) -> Trustpoint | None:
        """The first trustpoint with a CA certificate and our own certificate."""
        if self.pki is None:
            return None
        for tp in self.pki.trustpoints.values():
            if tp.authenticated and tp.certificate is not None:
                return tp
        return None
