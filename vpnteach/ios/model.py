"""The parsed configuration of one router: :class:`RouterConfig` and its small records.

The IKE objects (:class:`~vpnteach.ike.policy.IsakmpPolicy`, ``PreSharedKey``, ``TransformSet``,
``AccessList``) are stored as they are: the parser builds them. Two things are kept by *name*
instead, as IOS itself does in its running configuration:

* a crypto map entry (:class:`CryptoMapSpec`) names its access list and transform sets; IOS
  accepts names that do not exist yet, so the entry may be incomplete.
  :meth:`RouterConfig.crypto_map_entries` resolves the complete ones into
  :class:`~vpnteach.ike.policy.CryptoMapEntry` objects; the others become :attr:`warnings`.
* a trustpoint (:class:`TrustpointConfig`) is only its configuration lines; the PKI's mutable
  :class:`~vpnteach.pki.trustpoint.Trustpoint` (which also holds certificates) is built from it
  by :meth:`TrustpointConfig.to_trustpoint`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface
from types import MappingProxyType
from typing import Any

from vpnteach._html import HtmlRepr
from vpnteach.ike.config import AggressiveModeIdentity, PeerPublicKey
from vpnteach.ike.policy import (
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    AccessList,
    CryptoMapEntry,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.ios.errors import ConfigWarning
from vpnteach.ios.ikev2_model import (
    Ikev2KeyringConfig,
    Ikev2PolicyConfig,
    Ikev2ProfileConfig,
    Ikev2ProposalConfig,
)
from vpnteach.ios.vti_model import IpsecProfileConfig
from vpnteach.pki.trustpoint import Trustpoint


@dataclass(frozen=True)
class RsaKeyCommand(HtmlRepr):
    """``crypto key generate rsa [general-keys|usage-keys] [modulus N] [label L] [exportable]``.

    IOS runs this once and keeps the key pair in private NVRAM; it never appears in the
    running configuration. ``label`` ``None`` means IOS's default label, the router's FQDN.
    """

    label: str | None
    modulus: int = 512
    exportable: bool = False
    usage: str = "general-keys"


@dataclass(frozen=True)
class TrustpointConfig(HtmlRepr):
    """``crypto pki trustpoint NAME`` and its configuration lines (no certificates)."""

    name: str
    enrollment_url: str = ""
    enrollment_mode_ra: bool = False
    rsakeypair: str = ""
    revocation_check: tuple[str, ...] = ("crl",)
    ip_address: str | None = None

    def to_trustpoint(self) -> Trustpoint:
        """A fresh PKI :class:`~vpnteach.pki.trustpoint.Trustpoint` with these settings.

        IOS tries the revocation methods in order; the PKI models one, the first.
        """
        return Trustpoint(
            name=self.name,
            enrollment_url=self.enrollment_url,
            enrollment_mode_ra=self.enrollment_mode_ra,
            rsakeypair=self.rsakeypair,
            revocation_check=self.revocation_check[0],
            ip_address=IPv4Address(self.ip_address) if self.ip_address else None,
        )


@dataclass(frozen=True)
class CryptoMapSpec(HtmlRepr):
    """``crypto map NAME SEQ ipsec-isakmp`` as configured: references by name, maybe incomplete.

    Attributes:
        match_address: the crypto ACL's name (``match address``), ``None`` if not set.
        peers: ``set peer`` addresses in order (IOS tries them in turn).
        transform_sets: ``set transform-set`` names in preference order.
        pfs_group: ``set pfs groupN``; lifetime_*: ``set security-association lifetime``.
        ikev2_profile: ``set ikev2-profile``: the entry negotiates with IKEv2 (FlexVPN).
    """

    name: str
    seq: int
    match_address: str | None = None
    peers: tuple[str, ...] = ()
    transform_sets: tuple[str, ...] = ()
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: int | None = None
    ikev2_profile: str | None = None


@dataclass(frozen=True)
class InterfaceConfig(HtmlRepr):
    """``interface NAME`` with ``ip address``, ``crypto map``, ``description``, ``shutdown``;
    a tunnel interface also ``ip unnumbered``, ``tunnel source|destination|mode|protection``
    (:mod:`vpnteach.ios.vti_model`; ``tunnel_mode`` ``None`` is IOS's default, ``gre ip``)."""

    name: str
    address: str | None = None
    mask: str | None = None
    crypto_map: str | None = None
    shutdown: bool = False
    description: str | None = None
    unnumbered: str | None = None
    tunnel_source: str | None = None
    tunnel_destination: str | None = None
    tunnel_mode: str | None = None
    tunnel_protection: str | None = None

    @property
    def ip_interface(self) -> IPv4Interface | None:
        """The address with its prefix, e.g. ``10.1.1.1/24`` (``None`` without an address)."""
        if self.address is None or self.mask is None:
            return None
        return IPv4Interface(f"{self.address}/{self.mask}")


@dataclass(frozen=True)
class StaticRoute(HtmlRepr):
    """``ip route PREFIX MASK NEXT-HOP`` or ``ip route PREFIX MASK INTERFACE [NEXT-HOP]``."""

    prefix: str
    mask: str
    next_hop: str | None
    interface: str | None = None


@dataclass(frozen=True)
class ClockTimezone(HtmlRepr):
    """``clock timezone AEST 10 [0]``: the zone's name and offset from UTC."""

    zone: str
    hours: int
    minutes: int = 0

    @property
    def tzinfo(self) -> dt.tzinfo:
        """The zone as a fixed-offset :class:`datetime.tzinfo` (the PKI prints dates in it)."""
        sign = -1 if self.hours < 0 else 1
        offset = dt.timedelta(hours=self.hours, minutes=sign * self.minutes)
        return dt.timezone(offset, self.zone)


@dataclass(frozen=True)
class IsakmpKeepalive(HtmlRepr):
    """``crypto isakmp keepalive SECONDS [RETRY] [periodic|on-demand]``: DPD (RFC 3706)."""

    seconds: int
    retry: int = 2
    mode: str = "on-demand"


@dataclass(frozen=True)
class PubkeyEntry(HtmlRepr):
    """One key of ``crypto key pubkey-chain rsa``: a peer's RSA public key typed in by hand.

    ``addressed-key 10.2.2.1`` names the key by the peer's address (``address`` is that address
    unless an ``address`` line says otherwise); ``named-key NAME`` names it by the peer's
    identity and needs an ``address`` line to be found by address. ``key_der`` is the DER that
    the ``key-string`` lines spell in hex (``None`` before a ``key-string`` ends with ``quit``).
    IKE's rsa-encr (RFC 2409 §5.2) encrypts Ni_b and IDii_b with this key.
    """

    name: str
    kind: str = "addressed"
    address: str | None = None
    key_der: bytes | None = None

    def peer_public_key(self) -> PeerPublicKey | None:
        """The IKE engine's entry (``None`` without an address or without a key-string)."""
        if self.address is None or self.key_der is None:
            return None
        return PeerPublicKey(self.address, self.key_der)


@dataclass(frozen=True)
class IsakmpPeerConfig(HtmlRepr):
    """``crypto isakmp peer address A.B.C.D``: how to start IKE with one peer (IOS 12.3+).

    ``password`` (``set aggressive-mode password``) is the pre-shared key and
    ``client_endpoint`` (``set aggressive-mode client-endpoint ipv4-address|fqdn|user-fqdn
    VALUE``, as ``(kind, value)``) the Tunnel-Client-Endpoint; with both, IOS initiates
    Aggressive Mode (RFC 2409 §5.4) with this peer instead of Main Mode.
    """

    address: str
    password: str | None = None
    client_endpoint: tuple[str, str] | None = None

    @property
    def aggressive(self) -> bool:
        """Both ``set aggressive-mode`` lines are there: IOS initiates Aggressive Mode."""
        return self.password is not None and self.client_endpoint is not None


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RouterConfig(HtmlRepr):
    """One router's configuration, as parsed from IOS text (immutable).

    Mappings are read-only; edit with :func:`vpnteach.ios.apply_commands`, which returns a new
    object. ``warnings`` lists what IOS accepted but cannot work (dangling references).
    """

    hostname: str = "Router"
    domain_name: str | None = None
    ntp_servers: tuple[str, ...] = ()
    clock_timezone: ClockTimezone | None = None
    rsa_key_commands: tuple[RsaKeyCommand, ...] = ()
    trustpoints: Mapping[str, TrustpointConfig] = field(default_factory=_empty)
    isakmp_policies: Mapping[int, IsakmpPolicy] = field(default_factory=_empty)
    isakmp_keys: Mapping[str, PreSharedKey] = field(default_factory=_empty)
    isakmp_identity: str = "address"
    isakmp_keepalive: IsakmpKeepalive | None = None
    pubkey_chain: Mapping[str, PubkeyEntry] = field(default_factory=_empty)
    isakmp_peers: Mapping[str, IsakmpPeerConfig] = field(default_factory=_empty)
    aggressive_mode_disable: bool = False
    in_negotiation_sa: int | None = None  # crypto call admission limit ike in-negotiation-sa
    sa_lifetime_seconds: int = GLOBAL_SA_LIFETIME_SECONDS
    sa_lifetime_kilobytes: int = GLOBAL_SA_LIFETIME_KILOBYTES
    transform_sets: Mapping[str, TransformSet] = field(default_factory=_empty)
    access_lists: Mapping[str, AccessList] = field(default_factory=_empty)
    crypto_maps: Mapping[str, Mapping[int, CryptoMapSpec]] = field(default_factory=_empty)
    interfaces: Mapping[str, InterfaceConfig] = field(default_factory=_empty)
    static_routes: tuple[StaticRoute, ...] = ()
    ipsec_profiles: Mapping[str, IpsecProfileConfig] = field(default_factory=_empty)
    ikev2_proposals: Mapping[str, Ikev2ProposalConfig] = field(default_factory=_empty)
    ikev2_policies: Mapping[str, Ikev2PolicyConfig] = field(default_factory=_empty)
    ikev2_keyrings: Mapping[str, Ikev2KeyringConfig] = field(default_factory=_empty)
    ikev2_profiles: Mapping[str, Ikev2ProfileConfig] = field(default_factory=_empty)
    ikev2_cookie_challenge: int | None = None  # crypto ikev2 cookie-challenge
    warnings: tuple[ConfigWarning, ...] = ()

    @property
    def fqdn(self) -> str:
        """``hostname.domain`` (IOS's default RSA key label and the seed's IKE identity)."""
        return f"{self.hostname}.{self.domain_name}" if self.domain_name else self.hostname

    def policies_by_priority(self) -> tuple[IsakmpPolicy, ...]:
        """The ISAKMP policies in the order IKE offers and checks them (lowest first)."""
        return tuple(self.isakmp_policies[p] for p in sorted(self.isakmp_policies))

    def peer_public_keys(self) -> tuple[PeerPublicKey, ...]:
        """The pubkey chain's complete keys, for ``IkeConfig.peer_public_keys`` (rsa-encr)."""
        entries = (e.peer_public_key() for e in self.pubkey_chain.values())
        return tuple(e for e in entries if e is not None)

    def aggressive_mode_peers(self) -> tuple[str, ...]:
        """The peers we initiate Aggressive Mode with, for ``IkeConfig.aggressive_mode_peers``:
        those with a complete ``crypto isakmp peer`` block, none under ``crypto isakmp
        aggressive-mode disable`` (IOS: it blocks Aggressive Mode "to and from" the router)."""
        return tuple(p.address for p in self._am_peers())

    def aggressive_mode_ids(self) -> tuple[AggressiveModeIdentity, ...]:
        """Each Aggressive Mode peer's ``client-endpoint``, for
        ``IkeConfig.aggressive_mode_ids``: the identity AM1 carries to that peer."""
        return tuple(
            AggressiveModeIdentity(p.address, *p.client_endpoint)
            for p in self._am_peers()
            if p.client_endpoint is not None
        )

    def pre_shared_keys(self) -> tuple[PreSharedKey, ...]:
        """The keys for ``IkeConfig.pre_shared_keys``: each Aggressive Mode peer's password
        first (IOS authenticates AM with it; the engine takes the first key for an address),
        then the ``crypto isakmp key`` lines."""
        am_keys = tuple(PreSharedKey(p.password or "", p.address) for p in self._am_peers())
        return am_keys + tuple(self.isakmp_keys.values())

    def _am_peers(self) -> tuple[IsakmpPeerConfig, ...]:
        if self.aggressive_mode_disable:
            return ()
        return tuple(p for p in self.isakmp_peers.values() if p.aggressive)

    def interfaces_using(self, map_name: str) -> tuple[str, ...]:
        """Names of the interfaces with ``crypto map map_name`` applied."""
        return tuple(i.name for i in self.interfaces.values() if i.crypto_map == map_name)

    def crypto_map_entries(self, map_name: str) -> tuple[CryptoMapEntry, ...]:
        """The complete entries of a crypto map, resolved into IKE objects, by sequence.

        An entry without a peer, without an existing ACL or without an existing transform set
        is left out (IOS keeps it disabled); :attr:`warnings` says why.
        """
        entries = self.crypto_maps.get(map_name, {})
        resolved = (self.resolve(entries[seq]) for seq in sorted(entries))
        return tuple(e for e in resolved if e is not None)

    def resolve(self, spec: CryptoMapSpec) -> CryptoMapEntry | None:
        """``spec`` as a :class:`CryptoMapEntry`, or ``None`` if it is incomplete."""
        acl = self.access_lists.get(spec.match_address or "")
        sets = tuple(
            self.transform_sets[n] for n in spec.transform_sets if n in self.transform_sets
        )
        if acl is None or not spec.peers or not sets:
            return None
        return CryptoMapEntry(
            name=spec.name,
            seq=spec.seq,
            match_address=acl,
            peer=spec.peers[0],
            transform_sets=sets,
            pfs_group=spec.pfs_group,
            lifetime_seconds=spec.lifetime_seconds or self._global_seconds(),
            lifetime_kilobytes=spec.lifetime_kilobytes or self._global_kilobytes(),
        )

    def _global_seconds(self) -> int | None:
        seconds = self.sa_lifetime_seconds
        return None if seconds == GLOBAL_SA_LIFETIME_SECONDS else seconds

    def _global_kilobytes(self) -> int | None:
        kilobytes = self.sa_lifetime_kilobytes
        return None if kilobytes == GLOBAL_SA_LIFETIME_KILOBYTES else kilobytes

    def to_text(self, include_keys: bool = False) -> str:
        """The configuration as ``show running-config`` prints it (IOS 12.4 canonical form).

        Args:
            include_keys: also write the ``crypto key generate rsa`` commands (IOS never shows
                them: the keys live in private NVRAM) so that the text rebuilds this object.
        """
        from vpnteach.ios.render import running_config  # render imports this module

        return running_config(self, include_keys=include_keys)
