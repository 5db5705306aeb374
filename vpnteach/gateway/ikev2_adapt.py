"""From an IOS configuration with ``set ikev2-profile`` to the IKEv2 engine's configuration.

A crypto map entry with ``set ikev2-profile NAME`` (Cisco FlexVPN, crypto map form) becomes one
:class:`~vpnteach.ikev2.config.PeerConfig`:

* the peer is the entry's ``set peer``; the traffic selectors (RFC 7296 §2.9) are the first
  ``permit`` of its ``match address`` ACL (source: TSi, destination: TSr);
* the IKE SA proposals (RFC 7296 §3.3) come from the ``crypto ikev2 policy`` blocks'
  proposals (every proposal when no policy is configured);
* the Child SA proposals are the entry's transform sets (``esp-aes N`` with
  ``esp-sha-hmac``/``esp-sha256-hmac``: ENCR_AES_CBC with AUTH_HMAC_SHA1_96 or
  AUTH_HMAC_SHA2_256_128, RFC 7296 §3.3.2);
* the identities and the credential come from the profile: ``identity local`` (default: the
  interface address, ID_IPV4_ADDR), ``match identity remote``, and ``authentication`` with
  ``pki trustpoint`` (RSA signature, RFC 7296 §3.8 method 1) or ``keyring local``
  (shared key MIC, method 2);
* ``crypto ikev2 cookie-challenge N``: answer IKE_SA_INIT with a COOKIE once N responder SAs
  are half open (RFC 7296 §2.6; without the line the engine's default threshold), and
  ``crypto call admission limit ike in-negotiation-sa`` (or ``router run
  --in-negotiation-sa``): never more half-open SAs than that.

Anything the engine cannot run raises :class:`GatewayConfigError` naming the line to fix.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from vpnteach.gateway.adapt import CryptoInterface, GatewayConfigError
from vpnteach.ike.admission import DEFAULT_IN_NEGOTIATION
from vpnteach.ike.policy import CryptoMapEntry, TransformSet
from vpnteach.ikev2.config import (
    CertCredential,
    Credential,
    EspProposal,
    Identity,
    IkeProposal,
    Ikev2Config,
    PeerConfig,
    PskCredential,
)
from vpnteach.ios.ikev2_model import Ikev2ProfileConfig
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.wire.ikev2.constants import IdType

_ESP_INTEG = {"esp-sha-hmac": "sha1", "esp-sha256-hmac": "sha256"}


@dataclass(frozen=True)
class Ikev2Entry:
    """A crypto map entry that negotiates with IKEv2, and the profile it names."""

    entry: CryptoMapEntry
    profile: Ikev2ProfileConfig


def ikev2_entries(config: RouterConfig, crypto: CryptoInterface) -> tuple[Ikev2Entry, ...]:
    """The entries of the applied map with ``set ikev2-profile`` (empty: the map uses ISAKMP).

    Raises:
        GatewayConfigError: the map mixes IKEv1 and IKEv2 entries, or names a missing profile.
    """
    specs = config.crypto_maps.get(crypto.map_name, {})
    found = []
    for entry in crypto.entries:
        vti = crypto.carrier is not None  # a tunnel's profile is its ipsec profile's
        name = crypto.ikev2_profile if vti else specs[entry.seq].ikev2_profile
        if name is None:
            continue
        profile = config.ikev2_profiles.get(name)
        if profile is None:
            where = f"crypto map {entry.name} {entry.seq}"
            where = f"interface {crypto.name}: crypto ipsec profile" if vti else where
            raise GatewayConfigError(f"{where}: set ikev2-profile {name}: no such IKEv2 profile")
        found.append(Ikev2Entry(entry, profile))
    if found and len(found) != len(crypto.entries):
        raise GatewayConfigError(
            f"crypto map {crypto.map_name}: some entries have set ikev2-profile and some not; "
            "this gateway runs one IKE version per map"
        )
    return tuple(found)


def ikev2_config_from(
    config: RouterConfig,
    pki: RouterPki | None,
    crypto: CryptoInterface,
    in_negotiation: int | None = None,
    half_open_timeout: float | None = None,
) -> Ikev2Config:
    """The IKEv2 endpoint's configuration for the applied crypto map (see the module doc);
    ``in_negotiation`` bounds the half-open SAs (default: the config's ``crypto call
    admission limit ike in-negotiation-sa``, else IOS's 1000), ``half_open_timeout`` is how
    long one may wait for its IKE_AUTH (default: the engine's, RFC 7296 §2.6).

    Raises:
        GatewayConfigError: no IKEv2 entry, or one the engine cannot run (the message says
            which line).
    """
    entries = ikev2_entries(config, crypto)
    if not entries:
        raise GatewayConfigError(f"crypto map {crypto.map_name}: no entry has set ikev2-profile")
    proposals = ike_proposals(config)
    peers = tuple(_peer_config(config, pki, crypto, e, proposals) for e in entries)
    limit = in_negotiation or config.in_negotiation_sa or DEFAULT_IN_NEGOTIATION
    v2 = Ikev2Config(crypto.address, peers, max_in_negotiation=limit)
    if half_open_timeout is not None:
        v2 = replace(v2, half_open_timeout=half_open_timeout)
    if config.ikev2_cookie_challenge is None:  # IOS: no challenge; here the engine's default
        return v2
    return replace(v2, max_half_open=config.ikev2_cookie_challenge)


def ike_proposals(config: RouterConfig) -> tuple[IkeProposal, ...]:
    """The IKE SA proposals: the policies' proposals in order (all proposals without policy)."""
    if config.ikev2_policies:
        names = [n for p in config.ikev2_policies.values() for n in p.proposals]
    else:
        names = list(config.ikev2_proposals)
    suites = [
        s
        for n in dict.fromkeys(names)
        if n in config.ikev2_proposals
        for s in config.ikev2_proposals[n].suites()
    ]
    if not suites:
        raise GatewayConfigError(
            "crypto ikev2 proposal: no complete proposal (encryption, integrity, group) "
            "is offered by a crypto ikev2 policy"
        )
    return tuple(IkeProposal.parse(s) for s in suites)


def esp_proposal(ts: TransformSet, pfs_group: int | None) -> EspProposal:
    """One transform set as an IKEv2 ESP proposal (AES-CBC + HMAC only here).

    Raises:
        GatewayConfigError: a cipher or HMAC this IKEv2 engine does not negotiate for ESP.
    """
    where = f"crypto ipsec transform-set {ts.name}"
    if ts.cipher != "esp-aes" or ts.integrity not in _ESP_INTEG:
        raise GatewayConfigError(
            f"{where}: IKEv2 here negotiates ESP with esp-aes and esp-sha-hmac or "
            f"esp-sha256-hmac, not {' '.join(ts.transforms)}"
        )
    dh = f"-modp{_MODP_BITS[pfs_group]}" if pfs_group else ""
    return EspProposal.parse(f"aes{ts.key_length}-{_ESP_INTEG[ts.integrity]}{dh}")


_MODP_BITS = {1: 768, 2: 1024, 5: 1536, 14: 2048, 15: 3072, 16: 4096}


def _peer_config(
    config: RouterConfig,
    pki: RouterPki | None,
    crypto: CryptoInterface,
    item: Ikev2Entry,
    proposals: tuple[IkeProposal, ...],
) -> PeerConfig:
    entry, profile = item.entry, item.profile
    where = f"crypto ikev2 profile {profile.name}"
    gaps = [g for g in profile.gaps() if not g.startswith("no match identity")]
    if gaps:
        raise GatewayConfigError(f"{where}: {gaps[0]}")
    permits = entry.match_address.permits()
    if not permits:
        raise GatewayConfigError(f"access list {entry.match_address.name}: no permit entry")
    local_ts, remote_ts = (p.network for p in permits[0].proxy_identities())
    credential = _credential(config, pki, profile, entry.peer)
    return PeerConfig(
        peer=entry.peer,
        local_id=_local_identity(profile, crypto.address, credential),
        remote_id=_remote_identity(profile),
        credential=credential,
        local_ts=local_ts,
        remote_ts=remote_ts,
        ike_proposals=proposals,
        esp_proposals=tuple(esp_proposal(ts, entry.pfs_group) for ts in entry.transform_sets),
    )


def _credential(
    config: RouterConfig, pki: RouterPki | None, profile: Ikev2ProfileConfig, peer: str
) -> Credential:
    where = f"crypto ikev2 profile {profile.name}"
    if profile.auth_local != profile.auth_remote:
        raise GatewayConfigError(
            f"{where}: authentication local {profile.auth_local} and remote "
            f"{profile.auth_remote}: this engine uses one method both ways"
        )
    if profile.auth_local == "rsa-sig":
        assert profile.trustpoint is not None  # gaps() checked it
        if pki is None:
            raise GatewayConfigError(f"{where}: rsa-sig needs the router's PKI")
        try:
            return CertCredential.from_router_pki(pki, profile.trustpoint)
        except (KeyError, ValueError) as exc:
            raise GatewayConfigError(
                f"{where}: pki trustpoint {profile.trustpoint}: {exc}"
            ) from None
    keyring = config.ikev2_keyrings.get(profile.keyring or "")
    key = keyring.key_for(peer) if keyring is not None else None
    if key is None:
        raise GatewayConfigError(
            f"{where}: keyring local {profile.keyring}: no peer with address {peer} "
            "and a pre-shared-key"
        )
    return PskCredential(key.encode())


def _local_identity(profile: Ikev2ProfileConfig, address: str, cred: Credential) -> Identity:
    kind, value = profile.identity_local or ("address", address)
    if kind == "fqdn":
        return Identity.fqdn(value)
    if kind == "dn":
        if not isinstance(cred, CertCredential):
            raise GatewayConfigError(
                f"crypto ikev2 profile {profile.name}: identity local dn needs rsa-sig"
            )
        return Identity(IdType.ID_DER_ASN1_DN, cred.certificate.subject.public_bytes())
    return Identity.ipv4(value or address)


def _remote_identity(profile: Ikev2ProfileConfig) -> Identity | None:
    """The one identity the peer must present (``None``: any the credential proves; a
    ``match identity remote address`` with a mask wider than /32 matches many)."""
    if len(profile.match_remote) != 1:
        return None
    kind, value = profile.match_remote[0]
    if kind == "fqdn":
        return Identity.fqdn(value)
    address, _, mask = value.partition(" ")
    if ipaddress.IPv4Network(f"0.0.0.0/{mask or '255.255.255.255'}").prefixlen != 32:
        return None
    return Identity.ipv4(address)
