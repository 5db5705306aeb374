"""IKE phase 1 policies and pre-shared keys; with the IPsec policy objects re-exported.

These are the configuration objects an IOS router's ``crypto`` commands build (the IOS text
parser in ``vpnteach.ios`` creates them); the IKE engine reads them.

* :class:`IsakmpPolicy` — ``crypto isakmp policy <priority>``: the phase 1 protection suite
  (RFC 2409 §5 and Appendix A attribute classes). Unset fields take the IOS defaults, which
  ``show crypto isakmp policy`` prints as the "Default protection suite": DES, SHA-1,
  rsa-sig, group 1, 86400 seconds.
* :class:`PreSharedKey` — ``crypto isakmp key <key> address <peer>``.

The phase 2 objects (:class:`TransformSet`, :class:`AccessList`, :class:`AclEntry`,
:class:`ProxyIdentity`, :class:`CryptoMapEntry`) are the SPD's configuration, which the ESP
layer below needs too: they live in :mod:`vpnteach.esp.policy` and are re-exported here, so
``from vpnteach.ike.policy import CryptoMapEntry`` keeps working.

All are frozen dataclasses; a bad value raises :class:`PolicyError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.esp.policy import (
    AES_KEY_LENGTHS,
    ESP_AUTHS,
    ESP_CIPHERS,
    GLOBAL_SA_LIFETIME_KILOBYTES,
    GLOBAL_SA_LIFETIME_SECONDS,
    GROUP_BITS,
    MODES,
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    PolicyError,
    ProxyIdentity,
    TransformSet,
    network_of,
    parse_address,
    require,
)
from vpnteach.wire.constants import AuthenticationMethod, EncryptionAlgorithm, HashAlgorithm

__all__ = [
    "AES_KEY_LENGTHS",
    "AUTH_IDS",
    "DEFAULT_POLICY",
    "ENCRYPTION_IDS",
    "ESP_AUTHS",
    "ESP_CIPHERS",
    "GLOBAL_SA_LIFETIME_KILOBYTES",
    "GLOBAL_SA_LIFETIME_SECONDS",
    "GROUP_BITS",
    "HASH_IDS",
    "IOS_DEFAULT_PRIORITY",
    "MODES",
    "AccessList",
    "AclEntry",
    "AddressMatch",
    "CryptoMapEntry",
    "IsakmpPolicy",
    "PolicyError",
    "PreSharedKey",
    "ProxyIdentity",
    "TransformSet",
    "network_of",
]


#: IOS ``encryption`` keywords -> IKE Encryption Algorithm (RFC 2409 App. A, RFC 3602).
ENCRYPTION_IDS: dict[str, EncryptionAlgorithm] = {
    "des": EncryptionAlgorithm.DES_CBC,
    "3des": EncryptionAlgorithm.TRIPLE_DES_CBC,
    "aes": EncryptionAlgorithm.AES_CBC,
}
#: IOS ``hash`` keywords -> IKE Hash Algorithm (RFC 2409 App. A, RFC 4868).
HASH_IDS: dict[str, HashAlgorithm] = {
    "md5": HashAlgorithm.MD5,
    "sha": HashAlgorithm.SHA,
    "sha256": HashAlgorithm.SHA2_256,
    "sha384": HashAlgorithm.SHA2_384,
    "sha512": HashAlgorithm.SHA2_512,
}
#: IOS ``authentication`` keywords -> IKE Authentication Method (RFC 2409 App. A).
AUTH_IDS: dict[str, AuthenticationMethod] = {
    "pre-share": AuthenticationMethod.PRE_SHARED_KEY,
    "rsa-sig": AuthenticationMethod.RSA_SIGNATURES,
    "rsa-encr": AuthenticationMethod.RSA_ENCRYPTION,
}

IOS_DEFAULT_PRIORITY = 65535
"""The priority IOS gives its default protection suite in ``debug crypto isakmp``."""


@dataclass(frozen=True)
class IsakmpPolicy(HtmlRepr):
    """``crypto isakmp policy <priority>``: one phase 1 protection suite.

    Args:
        priority: 1..10000, lower is tried first (65535 is reserved for the default suite).
        encryption: ``"des"``, ``"3des"`` or ``"aes"``; ``"aes 256"`` is accepted too.
        key_length: AES key length 128/192/256 (``None`` = 128 for AES, fixed for DES/3DES).
        hash: ``"md5"``, ``"sha"``, ``"sha256"``, ``"sha384"``, ``"sha512"``.
        authentication: ``"rsa-sig"``, ``"pre-share"`` or ``"rsa-encr"``.
        group: Diffie-Hellman group 1, 2, 5, 14, 15 or 16.
        lifetime: IKE SA lifetime in seconds, 60..86400.
    """

    priority: int
    encryption: str = "des"
    hash: str = "sha"
    authentication: str = "rsa-sig"
    group: int = 1
    lifetime: int = 86400
    key_length: int | None = None

    def __post_init__(self) -> None:
        words = self.encryption.lower().split()
        if len(words) == 2 and words[0] == "aes" and self.key_length is None:
            object.__setattr__(self, "key_length", int(words[1]))
        object.__setattr__(self, "encryption", words[0] if words else "")
        object.__setattr__(self, "hash", self.hash.lower())
        object.__setattr__(self, "authentication", self.authentication.lower())
        if self.encryption == "aes" and self.key_length is None:
            object.__setattr__(self, "key_length", 128)
        self._validate()

    def _validate(self) -> None:
        where = f"crypto isakmp policy {self.priority}"
        ok_priority = 1 <= self.priority <= 10000 or self.priority == IOS_DEFAULT_PRIORITY
        require(ok_priority, f"{where}: priority must be 1..10000")
        require(
            self.encryption in ENCRYPTION_IDS, f"{where}: unknown encryption {self.encryption!r}"
        )
        if self.encryption == "aes":
            require(
                self.key_length in AES_KEY_LENGTHS, f"{where}: AES key length must be 128/192/256"
            )
        else:
            require(self.key_length is None, f"{where}: {self.encryption} takes no key length")
        require(self.hash in HASH_IDS, f"{where}: unknown hash {self.hash!r}")
        require(self.authentication in AUTH_IDS, f"{where}: unknown auth {self.authentication!r}")
        require(self.group in GROUP_BITS, f"{where}: unsupported DH group {self.group}")
        require(60 <= self.lifetime <= 86400, f"{where}: lifetime must be 60..86400 seconds")

    @property
    def encryption_id(self) -> EncryptionAlgorithm:
        """The IKE Encryption Algorithm attribute value (RFC 2409 App. A)."""
        return ENCRYPTION_IDS[self.encryption]

    @property
    def hash_id(self) -> HashAlgorithm:
        """The IKE Hash Algorithm attribute value."""
        return HASH_IDS[self.hash]

    @property
    def auth_id(self) -> AuthenticationMethod:
        """The IKE Authentication Method attribute value."""
        return AUTH_IDS[self.authentication]


DEFAULT_POLICY = IsakmpPolicy(priority=IOS_DEFAULT_PRIORITY)
"""IOS's "Default protection suite": DES, SHA, rsa-sig, group 1, 86400 s."""


@dataclass(frozen=True)
class PreSharedKey(HtmlRepr):
    """``crypto isakmp key <key> address <address>``: a pre-shared key for one peer."""

    key: str
    address: str

    def __post_init__(self) -> None:
        require(bool(self.key), "crypto isakmp key: the key is empty")
        parse_address(self.address, "crypto isakmp key ... address")
