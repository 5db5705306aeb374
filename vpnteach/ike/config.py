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

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach._html import HtmlRepr
from vpnteach.ike.admission import HalfOpenLimits
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


#: The identity kinds of IOS ``set aggressive-mode client-endpoint`` (RFC 2407 §4.6.2.1 types).
CLIENT_ENDPOINT_KINDS = ("ipv4-address", "fqdn", "user-fqdn")


@dataclass(frozen=True)
class AggressiveModeIdentity(HtmlRepr):
    """The identity an Aggressive Mode initiator sends to ``peer`` in AM1 (in clear), IOS's
    ``set aggressive-mode client-endpoint ipv4-address|fqdn|user-fqdn VALUE`` under
    ``crypto isakmp peer address PEER``; without one, AM1 carries the ``crypto isakmp
    identity`` ID, as Main Mode's MM5 does."""

    peer: str
    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in CLIENT_ENDPOINT_KINDS:
            raise PolicyError(
                f"client-endpoint kind {self.kind!r}: one of {', '.join(CLIENT_ENDPOINT_KINDS)}"
            )
        try:
            IPv4Address(self.peer)
            if self.kind == "ipv4-address":
                IPv4Address(self.value)
        except ValueError as exc:
            raise PolicyError(f"aggressive-mode identity for {self.peer}: {exc}") from None
        if self.kind != "ipv4-address" and not self.value.isascii():
            raise PolicyError(f"client-endpoint {self.kind} {self.value!r} is not ASCII")


@dataclass(frozen=True)
class PeerPublicKey(HtmlRepr):
    """A peer's RSA public key for rsa-encr (RFC 2409 §5.2), as IOS configures it::

        crypto key pubkey-chain rsa
         addressed-key 10.2.2.1
          key-string
           30819F30 0D06092A ...
          quit

    ``key_der`` is the DER the key-string spells in hex: a SubjectPublicKeyInfo (what
    ``show crypto key mypubkey rsa`` prints on the peer) or a PKCS#1 RSAPublicKey.
    """

    address: str
    key_der: bytes

    def __post_init__(self) -> None:
        try:
            IPv4Address(self.address)
        except ValueError:
            raise PolicyError(f"addressed-key: {self.address!r} is not an IPv4 address") from None
        self.public_key  # noqa: B018 - refuse a key-string that is no RSA public key now

    @classmethod
    def from_key(cls, address: str, public_key: rsa.RSAPublicKey) -> PeerPublicKey:
        """The entry for ``public_key`` (stored as its SubjectPublicKeyInfo DER)."""
        der = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(address, der)

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        """The key, loaded once."""
        try:
            key = serialization.load_der_public_key(self.key_der)
        except ValueError:
            raise PolicyError(
                f"addressed-key {self.address}: the key-string is not a DER public key"
            ) from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise PolicyError(f"addressed-key {self.address}: the key is not an RSA key")
        return key


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
        peer_public_keys: ``crypto key pubkey-chain rsa`` entries: the peers' public keys
            that rsa-encr (RFC 2409 §5.2) encrypts our nonce and ID with.
        aggressive_mode_peers: the peers we initiate Aggressive Mode (RFC 2409 §5.4) with
            instead of Main Mode. IOS: ``crypto isakmp peer address 10.2.2.1`` with
            ``set aggressive-mode client-endpoint ...`` (or an ISAKMP profile with
            ``initiate mode aggressive``).
        aggressive_mode_disable: ``crypto isakmp aggressive-mode disable``: as responder,
            refuse every Aggressive Mode AM1.
        aggressive_mode_ids: per peer, the identity AM1 carries with a pre-shared key
            (``set aggressive-mode client-endpoint``; :class:`AggressiveModeIdentity`).
        half_open: how many responder SAs may negotiate at once, globally and per source
            address, and for how long (:mod:`vpnteach.ike.admission`).
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
    peer_public_keys: tuple[PeerPublicKey, ...] = ()
    aggressive_mode_peers: tuple[str, ...] = ()
    aggressive_mode_disable: bool = False
    aggressive_mode_ids: tuple[AggressiveModeIdentity, ...] = ()
    half_open: HalfOpenLimits = field(default_factory=HalfOpenLimits)

    def __post_init__(self) -> None:
        try:
            IPv4Address(self.local_address)
        except ValueError:
            raise PolicyError(f"local address {self.local_address!r} is not IPv4") from None
        if not 8 <= self.nonce_length <= 256:
            raise PolicyError("nonce length must be 8..256 bytes (RFC 2409 §5)")

    def aggressive_with(self, peer: str) -> bool:
        """We initiate Aggressive Mode (not Main Mode) with ``peer``."""
        return peer in self.aggressive_mode_peers

    def aggressive_id_for(self, peer: str) -> AggressiveModeIdentity | None:
        """The client-endpoint identity configured for Aggressive Mode with ``peer``."""
        return next((i for i in self.aggressive_mode_ids if i.peer == peer), None)

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

    def public_key_for(self, peer: str) -> rsa.RSAPublicKey | None:
        """The public key configured for ``peer`` in the pubkey chain, or ``None``."""
        entry = self._public_key_by_peer.get(peer)
        return entry.public_key if entry is not None else None

    @cached_property
    def _public_key_by_peer(self) -> dict[str, PeerPublicKey]:
        """``addressed-key`` entries by address, the first one for an address winning."""
        keys: dict[str, PeerPublicKey] = {}
        for entry in self.peer_public_keys:
            keys.setdefault(entry.address, entry)
        return keys

    def own_private_key(self) -> rsa.RSAPrivateKey | None:
        """Our RSA private key for rsa-encr: the key pair of the first trustpoint that names
        one (``rsakeypair``), else the router's first key pair; ``None`` without keys."""
        if self.pki is None:
            return None
        for tp in self.pki.trustpoints.values():
            pair = self.pki.keys.get(tp.rsakeypair)
            if pair is not None:
                return pair.private_key
        return next((pair.private_key for pair in self.pki.keys.values()), None)

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
