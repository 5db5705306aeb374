"""A mutable working copy of a :class:`RouterConfig`, edited line by line, then frozen.

Editing a copy is what makes :func:`vpnteach.ios.apply_commands` atomic: the original
configuration is never touched, and a line that fails discards the whole copy.
:meth:`Draft.freeze` also works out the :attr:`RouterConfig.warnings` (references IOS accepts
but that lead nowhere).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from vpnteach.ike.policy import (
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    AccessList,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.ios.argtypes import interface_rank
from vpnteach.ios.errors import ConfigWarning
from vpnteach.ios.ikev2_model import (
    Ikev2KeyringConfig,
    Ikev2PolicyConfig,
    Ikev2ProfileConfig,
    Ikev2ProposalConfig,
)
from vpnteach.ios.model import (
    ClockTimezone,
    CryptoMapSpec,
    InterfaceConfig,
    IsakmpKeepalive,
    IsakmpPeerConfig,
    PubkeyEntry,
    RouterConfig,
    RsaKeyCommand,
    StaticRoute,
    TrustpointConfig,
)
from vpnteach.ios.vti_model import IPSEC_MODE, IpsecProfileConfig

DISABLED_MAP = "remains disabled until a peer and a valid access list have been configured"
"""IOS's own words (``% NOTE: This new crypto map will remain disabled until ...``)."""


@dataclass
class Draft:
    """The fields of :class:`RouterConfig` as plain lists and dicts, plus the edit context."""

    hostname: str = "Router"
    domain_name: str | None = None
    ntp_servers: list[str] = field(default_factory=list)
    clock_timezone: ClockTimezone | None = None
    rsa_key_commands: list[RsaKeyCommand] = field(default_factory=list)
    trustpoints: dict[str, TrustpointConfig] = field(default_factory=dict)
    isakmp_policies: dict[int, IsakmpPolicy] = field(default_factory=dict)
    isakmp_keys: dict[str, PreSharedKey] = field(default_factory=dict)
    isakmp_identity: str = "address"
    isakmp_keepalive: IsakmpKeepalive | None = None
    pubkey_chain: dict[str, PubkeyEntry] = field(default_factory=dict)
    isakmp_peers: dict[str, IsakmpPeerConfig] = field(default_factory=dict)
    aggressive_mode_disable: bool = False
    in_negotiation_sa: int | None = None
    sa_lifetime_seconds: int = GLOBAL_SA_LIFETIME_SECONDS
    sa_lifetime_kilobytes: int = GLOBAL_SA_LIFETIME_KILOBYTES
    transform_sets: dict[str, TransformSet] = field(default_factory=dict)
    access_lists: dict[str, AccessList] = field(default_factory=dict)
    crypto_maps: dict[str, dict[int, CryptoMapSpec]] = field(default_factory=dict)
    interfaces: dict[str, InterfaceConfig] = field(default_factory=dict)
    static_routes: list[StaticRoute] = field(default_factory=list)
    ipsec_profiles: dict[str, IpsecProfileConfig] = field(default_factory=dict)
    ikev2_proposals: dict[str, Ikev2ProposalConfig] = field(default_factory=dict)
    ikev2_policies: dict[str, Ikev2PolicyConfig] = field(default_factory=dict)
    ikev2_keyrings: dict[str, Ikev2KeyringConfig] = field(default_factory=dict)
    ikev2_profiles: dict[str, Ikev2ProfileConfig] = field(default_factory=dict)
    ikev2_cookie_challenge: int | None = None  # crypto ikev2 cookie-challenge
    context: Any = None
    """The key of the object a sub-mode edits (policy priority, interface name, ...)."""
    key_hex: list[str] = field(default_factory=list)
    """The hex words of the ``key-string`` being typed (config-pubkey mode), until ``quit``."""

    @classmethod
    def from_config(cls, config: RouterConfig) -> Draft:
        """A deep-enough copy: the records are immutable, the containers are new."""
        values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
        del values["warnings"]
        for name, value in values.items():
            if isinstance(value, tuple):
                values[name] = list(value)
            elif hasattr(value, "items"):
                values[name] = dict(value)
        values["crypto_maps"] = {n: dict(m) for n, m in config.crypto_maps.items()}
        return cls(**values)

    def freeze(self) -> RouterConfig:
        """The immutable configuration, with its warnings."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                value = tuple(value)
            elif isinstance(value, dict):
                value = MappingProxyType(dict(value))
            values[f.name] = value
        del values["context"], values["key_hex"]
        values["crypto_maps"] = MappingProxyType(
            {n: MappingProxyType(dict(m)) for n, m in self.crypto_maps.items() if m}
        )
        return RouterConfig(**values, warnings=tuple(self.warnings()))

    # --- warnings ---------------------------------------------------------------------------

    def warnings(self) -> list[ConfigWarning]:
        """Dangling references and incomplete objects (maps by name, interfaces in IOS order)."""
        found: list[ConfigWarning] = []
        for map_name in sorted(self.crypto_maps):
            entries = self.crypto_maps[map_name]
            for seq in sorted(entries):
                found += self._map_warnings(entries[seq])
        for interface_name in sorted(self.interfaces, key=interface_rank):
            interface = self.interfaces[interface_name]
            name = interface.crypto_map
            if name is not None and not self.crypto_maps.get(name):
                found.append(
                    ConfigWarning(f"interface {interface.name}", f"crypto map {name} not found")
                )
        found += self._pre_share_warnings()
        found += self._pubkey_warnings()
        found += [
            ConfigWarning(f"crypto isakmp peer address {p.address}", message)
            for p in self.isakmp_peers.values()
            for message in _peer_gaps(p, self.aggressive_mode_disable)
        ]
        return found + self._ikev2_warnings() + self._tunnel_warnings()

    def _map_warnings(self, spec: CryptoMapSpec) -> list[ConfigWarning]:
        subject = f"crypto map {spec.name} {spec.seq}"
        out: list[str] = []
        if not spec.peers or spec.match_address is None:
            out.append(DISABLED_MAP)
        if spec.match_address is not None and spec.match_address not in self.access_lists:
            out.append(f"match address {spec.match_address}: no such access list")
        if not spec.transform_sets:
            out.append("no transform set: Quick Mode has nothing to propose")
        out += [
            f"set transform-set {name}: no such transform set"
            for name in spec.transform_sets
            if name not in self.transform_sets
        ]
        profile = spec.ikev2_profile
        if profile is not None and profile not in self.ikev2_profiles:
            out.append(f"set ikev2-profile {profile}: no such IKEv2 profile")
        return [ConfigWarning(subject, message) for message in out]

    def _ikev2_warnings(self) -> list[ConfigWarning]:
        """Incomplete IKEv2 proposals and profiles, policies naming missing proposals."""
        found = [
            ConfigWarning(f"crypto ikev2 proposal {p.name}", message)
            for p in self.ikev2_proposals.values()
            for message in p.gaps()
        ]
        found += [
            ConfigWarning(f"crypto ikev2 policy {p.name}", f"proposal {n}: no such proposal")
            for p in self.ikev2_policies.values()
            for n in p.proposals
            if n not in self.ikev2_proposals
        ]
        return found + [
            ConfigWarning(f"crypto ikev2 profile {p.name}", message)
            for p in self.ikev2_profiles.values()
            for message in p.gaps()
        ]

    def _tunnel_warnings(self) -> list[ConfigWarning]:
        """Protected tunnel interfaces that cannot come up, profiles naming missing objects."""
        found: list[ConfigWarning] = []
        for p in self.ipsec_profiles.values():
            gone = [f"set transform-set {n}: no such transform set"
                    for n in p.transform_sets if n not in self.transform_sets]  # fmt: skip
            if p.ikev2_profile is not None and p.ikev2_profile not in self.ikev2_profiles:
                gone.append(f"set ikev2-profile {p.ikev2_profile}: no such IKEv2 profile")
            found += [ConfigWarning(f"crypto ipsec profile {p.name}", m)
                      for m in [*p.gaps(), *gone]]  # fmt: skip
        for name in sorted(self.interfaces, key=interface_rank):
            i = self.interfaces[name]
            if i.tunnel_protection is None:
                continue
            out = [] if i.tunnel_source else ["no tunnel source: no local address for IKE"]
            out += [] if i.tunnel_destination else ["no tunnel destination: no peer"]
            if i.tunnel_mode != IPSEC_MODE:
                out.append("tunnel mode gre ip (the default): this lab runs tunnel mode ipsec ipv4")
            found += [ConfigWarning(f"interface {name}", m) for m in out]
        return found

    def _pre_share_warnings(self) -> list[ConfigWarning]:
        am_keys = not self.aggressive_mode_disable and any(
            p.aggressive for p in self.isakmp_peers.values()
        )
        if self.isakmp_keys or am_keys:
            return []
        return [
            ConfigWarning(
                f"crypto isakmp policy {p}",
                "authentication pre-share, but no crypto isakmp key is configured",
            )
            for p, policy in sorted(self.isakmp_policies.items())
            if policy.authentication == "pre-share"
        ]

    def _pubkey_warnings(self) -> list[ConfigWarning]:
        found = [
            ConfigWarning(f"{e.kind}-key {e.name}", message)
            for e in self.pubkey_chain.values()
            for message in _pubkey_gaps(e)
        ]
        if any(e.peer_public_key() for e in self.pubkey_chain.values()):
            return found
        return found + [
            ConfigWarning(
                f"crypto isakmp policy {p}",
                "authentication rsa-encr, but crypto key pubkey-chain rsa holds no peer key",
            )
            for p, policy in sorted(self.isakmp_policies.items())
            if policy.authentication == "rsa-encr"
        ]


def _pubkey_gaps(entry: PubkeyEntry) -> list[str]:
    """What keeps a pubkey-chain entry from being used by rsa-encr."""
    gaps = ["no key-string: no key for this peer yet"] if entry.key_der is None else []
    if entry.address is None:
        gaps.append("no address: rsa-encr finds a peer's key by the peer's address")
    return gaps


def _peer_gaps(peer: IsakmpPeerConfig, disabled: bool) -> list[str]:
    """What keeps a ``crypto isakmp peer`` block from starting Aggressive Mode (IOS needs both
    ``set aggressive-mode`` lines and silently uses Main Mode without them)."""
    if disabled:
        return ["crypto isakmp aggressive-mode disable: Main Mode is used with this peer"]
    missing = [
        line
        for line, value in (("password", peer.password), ("client-endpoint", peer.client_endpoint))
        if value is None
    ]
    if not missing:
        return []
    lines = " and ".join(f"set aggressive-mode {m}" for m in missing)
    return [f"no {lines}: Main Mode is used with this peer, not Aggressive Mode"]
