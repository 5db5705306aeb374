"""IKEv2 configuration as Cisco FlexVPN writes it: proposals, policies, keyrings, profiles.

Cisco's "FlexVPN Site-to-Site Configuration Example" (document 115782) and the "FlexVPN and
Internet Key Exchange Version 2 Configuration Guide" split an IKEv2 tunnel in four objects,
referenced by name (IOS accepts names that do not exist yet)::

    crypto ikev2 proposal PROP          ! the IKE SA's transforms (RFC 7296 §3.3)
     encryption aes-cbc-256
     integrity sha256
     group 14
    crypto ikev2 policy POL             ! which proposals are offered
     proposal PROP
    crypto ikev2 keyring KEYS           ! pre-shared keys by peer
     peer Branch2
      address 10.2.2.1
      pre-shared-key cisco123
    crypto ikev2 profile PROF           ! identities and authentication (RFC 7296 §2.15)
     match identity remote address 10.2.2.1 255.255.255.255
     identity local address 10.1.1.1
     authentication remote rsa-sig
     authentication local rsa-sig
     pki trustpoint WIN2003
     keyring local KEYS
    crypto map CRYPTO 10 ipsec-isakmp
     set ikev2-profile PROF             ! this entry negotiates with IKEv2

The records here are frozen; :mod:`vpnteach.ios.ikev2` edits them line by line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from vpnteach._html import HtmlRepr

ENCRYPTIONS: dict[str, str] = {
    "aes-cbc-128": "aes128",
    "aes-cbc-192": "aes192",
    "aes-cbc-256": "aes256",
    "aes-gcm-128": "aes128gcm16",
    "aes-gcm-256": "aes256gcm16",
}
"""IOS ``encryption`` keywords -> the engine's proposal words (ENCR_AES_CBC, ENCR_AES_GCM_16)."""
INTEGRITIES: dict[str, str] = {
    "sha1": "sha1",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}
"""IOS ``integrity`` (and ``prf``) keywords -> the engine's words (RFC 4868 HMACs, HMAC-SHA1)."""
GROUPS: dict[int, str] = {
    1: "modp768",
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
}
"""IOS ``group`` numbers -> the MODP groups (RFC 7296 App. B, RFC 3526)."""
AUTH_METHODS = ("pre-share", "rsa-sig")
"""``authentication local|remote`` methods (RFC 7296 §3.8: Shared Key MIC, RSA signature)."""
IDENTITY_KINDS = ("address", "fqdn", "dn")
"""``identity local`` / ``match identity remote`` kinds modelled (ID_IPV4_ADDR, ID_FQDN, DN)."""


@dataclass(frozen=True)
class Ikev2ProposalConfig(HtmlRepr):
    """``crypto ikev2 proposal NAME``: each list in the order typed (several transforms of one
    type go in one proposal, RFC 7296 §3.3)."""

    name: str
    encryption: tuple[str, ...] = ()
    integrity: tuple[str, ...] = ()
    prf: tuple[str, ...] = ()
    groups: tuple[int, ...] = ()

    def gaps(self) -> list[str]:
        """What keeps this proposal from being offered (IOS: "proposal is incomplete")."""
        aead = all(e.startswith("aes-gcm") for e in self.encryption)
        missing = [("encryption", self.encryption), ("group", self.groups)]
        missing.append(("prf", self.prf) if aead else ("integrity", self.integrity))
        return [f"no {word}: the proposal is incomplete" for word, value in missing if not value]

    def suites(self) -> list[str]:
        """Every single-transform combination as the engine's proposal strings
        (``aes256-sha256-prfsha256-modp2048``), most preferred first."""
        if self.gaps():
            return []
        out = []
        for encr, group in itertools.product(self.encryption, self.groups):
            aead = encr.startswith("aes-gcm")
            integs: tuple[str | None, ...] = (None,) if aead else self.integrity
            prfs: tuple[str | None, ...] = self.prf or (None,)
            for integ, prf in itertools.product(integs, prfs):
                words = [ENCRYPTIONS[encr]]
                words += [INTEGRITIES[integ]] if integ else []
                words += [f"prf{INTEGRITIES[prf]}"] if prf else []
                out.append("-".join([*words, GROUPS[group]]))
        return out


@dataclass(frozen=True)
class Ikev2PolicyConfig(HtmlRepr):
    """``crypto ikev2 policy NAME`` with its ``proposal`` lines."""

    name: str
    proposals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ikev2KeyringPeer(HtmlRepr):
    """``peer NAME`` in a keyring: its ``address`` and ``pre-shared-key``."""

    name: str
    address: str | None = None
    mask: str | None = None
    pre_shared_key: str | None = None


@dataclass(frozen=True)
class Ikev2KeyringConfig(HtmlRepr):
    """``crypto ikev2 keyring NAME``: its peers, by name, in the order typed."""

    name: str
    peers: tuple[Ikev2KeyringPeer, ...] = ()

    def peer(self, name: str) -> Ikev2KeyringPeer | None:
        """The peer block called ``name``."""
        return next((p for p in self.peers if p.name == name), None)

    def key_for(self, address: str) -> str | None:
        """The pre-shared key of the first peer block whose ``address`` is ``address``."""
        found = (p.pre_shared_key for p in self.peers if p.address == address)
        return next((k for k in found if k is not None), None)

    def with_peer(self, peer: Ikev2KeyringPeer) -> Ikev2KeyringConfig:
        """This keyring with ``peer`` added or replacing the block of that name."""
        peers = [p for p in self.peers if p.name != peer.name]
        index = next((i for i, p in enumerate(self.peers) if p.name == peer.name), len(peers))
        peers.insert(index, peer)
        return Ikev2KeyringConfig(self.name, tuple(peers))


@dataclass(frozen=True)
class Ikev2Dpd(HtmlRepr):
    """``dpd INTERVAL RETRY on-demand|periodic`` in an IKEv2 profile: ask the peer whether it
    lives (an empty INFORMATIONAL request, RFC 7296 §2.4) after ``interval`` seconds without
    hearing from it (on demand: only when there is traffic to send), repeat every ``retry``."""

    interval: int
    retry: int
    mode: str = "on-demand"


@dataclass(frozen=True)
class Ikev2ProfileConfig(HtmlRepr):
    """``crypto ikev2 profile NAME``.

    Attributes:
        match_remote: ``match identity remote address A [MASK]`` / ``fqdn NAME`` as
            ``(kind, value)`` pairs.
        identity_local: ``identity local address A`` / ``fqdn NAME`` / ``dn`` (``None``: the
            local address, IOS's default).
        auth_local / auth_remote: ``authentication local|remote pre-share|rsa-sig``.
        trustpoint: ``pki trustpoint``; keyring: ``keyring local``; lifetime: ``lifetime``.
        dpd: ``dpd INTERVAL RETRY on-demand|periodic`` (RFC 7296 §2.4 liveness checks).
    """

    name: str
    match_remote: tuple[tuple[str, str], ...] = ()
    identity_local: tuple[str, str] | None = None
    auth_local: str | None = None
    auth_remote: str | None = None
    trustpoint: str | None = None
    keyring: str | None = None
    lifetime: int = 86400
    dpd: Ikev2Dpd | None = None

    def gaps(self) -> list[str]:
        """What IOS would complain about when the profile is used."""
        out = []
        if self.auth_local is None:
            out.append("no authentication local method")
        if self.auth_remote is None:
            out.append("no authentication remote method")
        if not self.match_remote:
            out.append("no match identity remote: the profile matches no peer")
        if "rsa-sig" in (self.auth_local, self.auth_remote) and self.trustpoint is None:
            out.append("rsa-sig without pki trustpoint")
        if "pre-share" in (self.auth_local, self.auth_remote) and self.keyring is None:
            out.append("pre-share without keyring local")
        return out
