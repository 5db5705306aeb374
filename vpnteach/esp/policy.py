"""IPsec policy as IOS configures it: crypto ACLs, transform sets and crypto map entries.

These are the SPD's configuration (RFC 4301 §4.4.1): a crypto map entry is an SPD entry whose
selectors are the permit lines of its crypto ACL and whose SA parameters are its transform
sets, PFS group and lifetimes. The ESP layer builds its SPD and SAD from them; the IKE engine
above reads them to offer and check Quick Mode proposals and proxy identities; the IOS parser
creates them.

* :class:`TransformSet` — ``crypto ipsec transform-set``: the ESP transform offered in Quick
  Mode (RFC 2407 §4.4.4, §4.5): a CBC cipher with an HMAC, or ``esp-gcm`` alone (RFC 4106).
* :class:`AccessList` / :class:`AclEntry` — the crypto ACL, the traffic to protect; an entry
  becomes the Quick Mode proxy identities IDci/IDcr (RFC 2409 §5.5, RFC 2407 §4.6.2).
* :class:`CryptoMapEntry` — ``crypto map <name> <seq> ipsec-isakmp``, tying them together.

All are frozen dataclasses; a bad value raises :class:`PolicyError` naming the field.
``vpnteach.ike.policy`` re-exports every name here beside the phase 1 policies.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from ipaddress import IPv4Address, IPv4Network

from vpnteach._html import HtmlRepr
from vpnteach.wire.constants import (
    AuthenticationAlgorithm,
    EncapsulationMode,
    IdType,
    IpsecTransformId,
)


class PolicyError(ValueError):
    """A configuration value that IOS would refuse; the message names the field and value."""


#: DH groups IOS offers (RFC 2409 §6, RFC 3526) with their modulus size in bits: phase 1
#: ``group`` and Quick Mode ``set pfs``.
GROUP_BITS: dict[int, int] = {1: 768, 2: 1024, 5: 1536, 14: 2048, 15: 3072, 16: 4096}
AES_KEY_LENGTHS = (128, 192, 256)


def require(condition: bool, message: str) -> None:
    """Raise :class:`PolicyError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise PolicyError(message)


def parse_address(text: str, where: str) -> IPv4Address:
    """``text`` as an IPv4 address, or a :class:`PolicyError` naming ``where``."""
    try:
        return _ipv4(text)
    except ValueError:
        raise PolicyError(f"{where}: {text!r} is not an IPv4 address") from None


#: IOS transform keywords -> ESP transform id (RFC 2407 §4.4.4, RFC 3602, RFC 4106 §8.1).
ESP_CIPHERS: dict[str, IpsecTransformId] = {
    "esp-des": IpsecTransformId.ESP_DES,
    "esp-3des": IpsecTransformId.ESP_3DES,
    "esp-aes": IpsecTransformId.ESP_AES,
    "esp-gcm": IpsecTransformId.ESP_AES_GCM_16,
}
#: Ciphers that authenticate by themselves: no HMAC with them (RFC 4106 §8.1).
COMBINED_CIPHERS = frozenset({"esp-gcm"})
#: IOS transform keywords -> IPsec Authentication Algorithm (RFC 2407 §4.5, RFC 4868).
ESP_AUTHS: dict[str, AuthenticationAlgorithm] = {
    "esp-md5-hmac": AuthenticationAlgorithm.HMAC_MD5,
    "esp-sha-hmac": AuthenticationAlgorithm.HMAC_SHA,
    "esp-sha256-hmac": AuthenticationAlgorithm.HMAC_SHA2_256,
}
MODES: dict[str, EncapsulationMode] = {
    "tunnel": EncapsulationMode.TUNNEL,
    "transport": EncapsulationMode.TRANSPORT,
}


@dataclass(frozen=True)
class TransformSet(HtmlRepr):
    """``crypto ipsec transform-set <name> <cipher> [<bits>] <hmac>`` with ``mode``.

    Args:
        name: the transform set's name, e.g. ``"TS"``.
        transforms: the IOS words, e.g. ``("esp-3des", "esp-md5-hmac")``,
            ``("esp-aes", "256", "esp-sha-hmac")`` or ``("esp-gcm", "256")`` (AES-GCM with a
            16-byte ICV, no HMAC: RFC 4106); a single string is split on spaces.
        mode: ``"tunnel"`` (default) or ``"transport"``.

    ``integrity`` is ``""`` for ``esp-gcm``, whose ICV is the cipher's own.
    """

    name: str
    transforms: tuple[str, ...]
    mode: str = "tunnel"
    cipher: str = field(init=False, default="")
    key_length: int | None = field(init=False, default=None)
    integrity: str = field(init=False, default="")

    def __post_init__(self) -> None:
        words = self.transforms.split() if isinstance(self.transforms, str) else self.transforms
        words = tuple(w.lower() for w in words)
        object.__setattr__(self, "transforms", words)
        where = f"crypto ipsec transform-set {self.name}"
        ciphers = [w for w in words if w in ESP_CIPHERS]
        auths = [w for w in words if w in ESP_AUTHS]
        numbers = [w for w in words if w.isdigit()]
        unknown = set(words) - set(ciphers) - set(auths) - set(numbers)
        require(not unknown, f"{where}: unknown transform(s) {sorted(unknown)}")
        require(len(ciphers) == 1, f"{where}: needs exactly one ESP cipher (esp-des/3des/aes/gcm)")
        if ciphers[0] in COMBINED_CIPHERS:
            extra = " ".join(auths)
            require(not auths, f"{where}: {ciphers[0]} authenticates by itself, drop {extra}"
                    " (RFC 4106 §8.1: no HMAC with AES-GCM)")  # fmt: skip
        else:
            require(len(auths) == 1,
                    f"{where}: needs exactly one ESP HMAC (esp-md5/sha/sha256-hmac)")  # fmt: skip
        object.__setattr__(self, "cipher", ciphers[0])
        object.__setattr__(self, "integrity", auths[0] if auths else "")
        object.__setattr__(self, "key_length", self._key_length(numbers, where))
        require(self.mode in MODES, f"{where}: mode must be tunnel or transport, not {self.mode!r}")

    def _key_length(self, numbers: list[str], where: str) -> int | None:
        if self.cipher not in ("esp-aes", "esp-gcm"):
            require(not numbers, f"{where}: {self.cipher} takes no key length")
            return None
        require(len(numbers) <= 1, f"{where}: one key length, not {' '.join(numbers)}")
        bits = int(numbers[0]) if numbers else 128
        require(bits in AES_KEY_LENGTHS, f"{where}: {self.cipher} key length must be 128/192/256")
        return bits

    @property
    def combined(self) -> bool:
        """AES-GCM: one transform for confidentiality and integrity (RFC 4106)."""
        return self.cipher in COMBINED_CIPHERS

    @property
    def transform_id(self) -> IpsecTransformId:
        """The ESP transform id (RFC 2407 §4.4.4)."""
        return ESP_CIPHERS[self.cipher]

    @property
    def auth_algorithm(self) -> AuthenticationAlgorithm | None:
        """The IPsec Authentication Algorithm attribute value (RFC 2407 §4.5); ``None`` for
        AES-GCM, which sends none (RFC 4106 §8.1)."""
        return ESP_AUTHS[self.integrity] if self.integrity else None

    @property
    def encapsulation(self) -> EncapsulationMode:
        """The Encapsulation Mode attribute value without NAT-T (RFC 2407 §4.5)."""
        return MODES[self.mode]

    def ios_text(self) -> str:
        """The transforms as ``show crypto ipsec sa`` prints them: ``esp-3des esp-md5-hmac``."""
        cipher = f"{self.cipher} {self.key_length}" if self.key_length else self.cipher
        return f"{cipher} {self.integrity}" if self.integrity else cipher


@dataclass(frozen=True)
class AddressMatch(HtmlRepr):
    """One side of an ACL entry: ``any``, ``host A.B.C.D`` or ``A.B.C.D W.X.Y.Z`` (wildcard)."""

    address: str = "0.0.0.0"
    wildcard: str = "255.255.255.255"

    def __post_init__(self) -> None:
        parse_address(self.address, "access-list address")
        parse_address(self.wildcard, "access-list wildcard")

    @classmethod
    def any(cls) -> AddressMatch:
        """``any``: every address."""
        return cls("0.0.0.0", "255.255.255.255")

    @classmethod
    def host(cls, address: str) -> AddressMatch:
        """``host A.B.C.D``: one address."""
        return cls(address, "0.0.0.0")

    @classmethod
    def network(cls, cidr: str) -> AddressMatch:
        """An IPv4 network in CIDR form, e.g. ``"192.168.11.0/24"``."""
        return cls(*_address_and_wildcard(cidr))

    def matches(self, address: str | IPv4Address) -> bool:
        """IOS wildcard rule: bits set in the wildcard are "don't care"."""
        care, value = _care_and_value(self.address, self.wildcard)
        number = int(address) if isinstance(address, IPv4Address) else _address_int(address)
        return number & care == value

    def as_network(self) -> IPv4Network:
        """The matched addresses as a subnet (only for contiguous wildcards like 0.0.0.255)."""
        return _as_network(self.address, self.wildcard)

    def ios_text(self) -> str:
        """``any``, ``host 10.1.1.1`` or ``192.168.11.0 0.0.0.255``."""
        if self.wildcard == "255.255.255.255":
            return "any"
        if self.wildcard == "0.0.0.0":
            return f"host {self.address}"
        return f"{self.address} {self.wildcard}"


# Parsed once, not per packet: a hub's SPD matches every packet against every entry's ACL.
# Addresses are parsed once per text: every configuration (and each seeded lab run) repeats
# the same few, and ipaddress parses in Python. IPv4Address and IPv4Network are immutable.
_ipv4 = lru_cache(maxsize=8192)(IPv4Address)


@lru_cache(maxsize=8192)
def _address_and_wildcard(cidr: str) -> tuple[str, str]:
    net = IPv4Network(cidr)
    return str(net.network_address), str(net.hostmask)


@lru_cache(maxsize=8192)
def _address_int(address: str) -> int:
    return int(IPv4Address(address))


@lru_cache(maxsize=8192)
def _care_and_value(address: str, wildcard: str) -> tuple[int, int]:
    """(the bits that matter, the address's value in them): IOS wildcard semantics."""
    care = ~_address_int(wildcard) & 0xFFFFFFFF
    return care, _address_int(address) & care


@lru_cache(maxsize=8192)
def _as_network(address: str, wildcard: str) -> IPv4Network:
    wild = _address_int(wildcard)
    if wild & (wild + 1):
        raise PolicyError(f"wildcard {wildcard} is not contiguous: cannot be a proxy identity")
    prefix = 32 - wild.bit_length()
    return IPv4Network(f"{address}/{prefix}", strict=False)


@dataclass(frozen=True)
class ProxyIdentity(HtmlRepr):
    """A Quick Mode client identity IDci/IDcr (RFC 2409 §5.5, RFC 2407 §4.6.2).

    A /32 travels as ID_IPV4_ADDR (type 1), anything else as ID_IPV4_ADDR_SUBNET (type 4).
    """

    network: IPv4Network
    protocol: int = 0
    port: int = 0

    @property
    def id_type(self) -> IdType:
        """The IPsec DOI identification type for this identity."""
        if self.network.prefixlen == 32:
            return IdType.ID_IPV4_ADDR
        return IdType.ID_IPV4_ADDR_SUBNET

    @cached_property
    def bounds(self) -> tuple[int, int]:
        """``(netmask, network address)`` as integers: an address ``a`` lies in the identity's
        network when ``a & netmask == network address`` (the per-packet check of RFC 4301
        §5.2, computed once)."""
        net = self.network
        return int(net.netmask), int(net.network_address)

    def contains(self, other: ProxyIdentity) -> bool:
        """``other`` lies inside this identity (protocol/port 0 mean any)."""
        same_proto = self.protocol in (0, other.protocol)
        same_port = self.port in (0, other.port)
        return other.network.subnet_of(self.network) and same_proto and same_port

    def ios_text(self) -> str:
        """``192.168.11.0/255.255.255.0/0/0`` as ``show crypto ipsec sa`` prints idents."""
        net = self.network
        return f"{net.network_address}/{net.netmask}/{self.protocol}/{self.port}"


@dataclass(frozen=True)
class AclEntry(HtmlRepr):
    """``permit|deny ip <source> <destination>`` in an extended access list."""

    action: str
    source: AddressMatch
    destination: AddressMatch
    protocol: str = "ip"

    def __post_init__(self) -> None:
        require(self.action in ("permit", "deny"), f"ACL action {self.action!r}: permit or deny")
        require(self.protocol == "ip", f"ACL protocol {self.protocol!r}: only 'ip' is supported")

    def matches(self, src: str | IPv4Address, dst: str | IPv4Address) -> bool:
        """The entry matches a packet from ``src`` to ``dst``."""
        return self.source.matches(src) and self.destination.matches(dst)

    def proxy_identities(self) -> tuple[ProxyIdentity, ProxyIdentity]:
        """(IDci, IDcr) an initiator sends for this entry: source and destination networks."""
        return ProxyIdentity(self.source.as_network()), ProxyIdentity(self.destination.as_network())

    def ios_text(self) -> str:
        """``permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255``."""
        src, dst = self.source.ios_text(), self.destination.ios_text()
        return f"{self.action} {self.protocol} {src} {dst}"


@dataclass(frozen=True)
class AccessList(HtmlRepr):
    """``ip access-list extended <name>``: entries in order, first match wins."""

    name: str
    entries: tuple[AclEntry, ...]

    def first_match(self, src: str | IPv4Address, dst: str | IPv4Address) -> AclEntry | None:
        """The first entry matching the packet, or ``None`` (implicit deny)."""
        return next((e for e in self.entries if e.matches(src, dst)), None)

    def protects(self, src: str | IPv4Address, dst: str | IPv4Address) -> bool:
        """The packet is "interesting traffic": its first match is a permit."""
        entry = self.first_match(src, dst)
        return entry is not None and entry.action == "permit"

    def permits(self) -> tuple[AclEntry, ...]:
        """The permit entries, each of which would become one pair of IPsec SAs."""
        return tuple(e for e in self.entries if e.action == "permit")


GLOBAL_SA_LIFETIME_SECONDS = 3600
"""``crypto ipsec security-association lifetime seconds`` default."""
GLOBAL_SA_LIFETIME_KILOBYTES = 4608000
"""``crypto ipsec security-association lifetime kilobytes`` default."""


@dataclass(frozen=True)
class CryptoMapEntry(HtmlRepr):
    """``crypto map <name> <seq> ipsec-isakmp`` and its ``match``/``set`` lines.

    Args:
        name: the map name (``"CRYPTO"``); seq: its sequence number.
        match_address: the crypto ACL; peer: ``set peer`` address.
        transform_sets: ``set transform-set`` (several, in preference order).
        pfs_group: ``set pfs group N`` (``None``: no PFS).
        lifetime_seconds / lifetime_kilobytes: ``set security-association lifetime``;
            ``None`` uses the global defaults (3600 s, 4608000 KB).
    """

    name: str
    seq: int
    match_address: AccessList
    peer: str
    transform_sets: tuple[TransformSet, ...]
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: int | None = None
    kind: str = "ipsec-isakmp"

    def __post_init__(self) -> None:
        where = f"crypto map {self.name} {self.seq}"
        if isinstance(self.transform_sets, TransformSet):
            object.__setattr__(self, "transform_sets", (self.transform_sets,))
        require(1 <= self.seq <= 65535, f"{where}: sequence number must be 1..65535")
        require(self.kind == "ipsec-isakmp", f"{where}: only ipsec-isakmp maps are supported")
        parse_address(self.peer, f"{where} set peer")
        require(bool(self.transform_sets), f"{where}: needs at least one transform set")
        ok_pfs = self.pfs_group is None or self.pfs_group in GROUP_BITS
        require(ok_pfs, f"{where}: set pfs group {self.pfs_group} is not supported")
        secs = self.lifetime_seconds
        require(secs is None or 120 <= secs <= 86400, f"{where}: lifetime seconds 120..86400")
        kb = self.lifetime_kilobytes
        require(kb is None or 2560 <= kb <= 4294967295, f"{where}: lifetime kilobytes too small")

    @property
    def sa_lifetime_seconds(self) -> int:
        """The IPsec SA lifetime in seconds this entry offers."""
        return self.lifetime_seconds or GLOBAL_SA_LIFETIME_SECONDS

    @property
    def sa_lifetime_kilobytes(self) -> int:
        """The IPsec SA lifetime in kilobytes this entry offers."""
        return self.lifetime_kilobytes or GLOBAL_SA_LIFETIME_KILOBYTES


def network_of(address: str) -> IPv4Network:
    """``"192.168.11.0/24"`` -> ``IPv4Network`` with a clear error."""
    try:
        return ipaddress.IPv4Network(address, strict=False)
    except ValueError:
        raise PolicyError(f"{address!r} is not an IPv4 network") from None
