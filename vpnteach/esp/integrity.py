"""ESP integrity algorithms: HMAC truncated to the ICV length (RFC 2403, 2404, 4868).

The ICV is the first ``icv_size`` bytes of ``HMAC(K_a, SPI | Sequence | IV | ciphertext)``
(RFC 4303 §2.8, §3.3.4): HMAC-MD5-96 (RFC 2403 §2) and HMAC-SHA-1-96 (RFC 2404 §2) keep 12
bytes of a 16/20-byte HMAC; HMAC-SHA-256-128 (RFC 4868 §2.3) keeps 16 bytes of 32 and uses a
32-byte key. The registry is keyed by the IPsec DOI Authentication Algorithm attribute value
(RFC 2407 §4.5) that Quick Mode negotiates.

An SA computes thousands of ICVs with one key: :class:`HmacContext` keys HMAC once (RFC 2104
§2: the key padded and XORed into ipad/opad, hashed into the inner and outer states; OpenSSL
through ``cryptography``) and copies that keyed state for each packet, which gives the same
ICV as :meth:`IntegrityAlgorithm.icv` for less work.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as keyed

from vpnteach.wire.constants import AuthenticationAlgorithm

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5, "sha1": hashes.SHA1, "sha256": hashes.SHA256,
}  # fmt: skip


@dataclass(frozen=True)
class IntegrityAlgorithm:
    """A truncated-HMAC ESP integrity algorithm.

    Attributes:
        name: RFC name (``"HMAC-MD5-96"``); ios_name: the transform keyword (``esp-md5-hmac``).
        auth_id: IPsec DOI Authentication Algorithm value (RFC 2407 §4.5, RFC 4868 §2.5).
        hashlib_name: the hash; key_size: key bytes; icv_size: ICV bytes kept.
        wireshark_name: the name tshark's ``esp_sa`` table uses; rfc: where it is specified.
    """

    name: str
    ios_name: str
    auth_id: AuthenticationAlgorithm
    hashlib_name: str
    key_size: int
    icv_size: int
    wireshark_name: str
    rfc: str

    def icv(self, key: bytes, data: bytes) -> bytes:
        """``trunc_icv_size(HMAC(key, data))``."""
        return hmac.digest(key, data, self.hashlib_name)[: self.icv_size]


class HmacContext:
    """One SA's keyed HMAC (see the module docstring): ``icv(data)`` is
    ``algorithm.icv(key, data)``."""

    __slots__ = ("_keyed", "icv_size")

    def __init__(self, algorithm: IntegrityAlgorithm, key: bytes) -> None:
        self._keyed = keyed.HMAC(key, _HASHES[algorithm.hashlib_name]())
        self.icv_size = algorithm.icv_size

    def icv(self, data: bytes) -> bytes:
        """``trunc_icv_size(HMAC(key, data))``."""
        mac = self._keyed.copy()
        mac.update(data)
        return mac.finalize()[: self.icv_size]


INTEGRITY_ALGORITHMS: dict[AuthenticationAlgorithm, IntegrityAlgorithm] = {
    a.auth_id: a
    for a in (
        IntegrityAlgorithm(
            "HMAC-MD5-96", "esp-md5-hmac", AuthenticationAlgorithm.HMAC_MD5, "md5", 16, 12,
            "HMAC-MD5-96 [RFC2403]", "RFC 2403",
        ),
        IntegrityAlgorithm(
            "HMAC-SHA-1-96", "esp-sha-hmac", AuthenticationAlgorithm.HMAC_SHA, "sha1", 20, 12,
            "HMAC-SHA-1-96 [RFC2404]", "RFC 2404",
        ),
        IntegrityAlgorithm(
            "HMAC-SHA-256-128", "esp-sha256-hmac", AuthenticationAlgorithm.HMAC_SHA2_256,
            "sha256", 32, 16, "HMAC-SHA-256-128 [RFC4868]", "RFC 4868",
        ),
    )
}  # fmt: skip

_BY_NAME = {a.ios_name: a for a in INTEGRITY_ALGORITHMS.values()} | {
    a.name.lower(): a for a in INTEGRITY_ALGORITHMS.values()
}


def get_integrity(auth_id_or_name: int | str) -> IntegrityAlgorithm:
    """The algorithm for an Authentication Algorithm value (``1``) or a name.

    Names: the IOS keyword (``"esp-md5-hmac"``) or the RFC name (``"HMAC-SHA-256-128"``).

    Raises:
        ValueError: unknown algorithm; the message lists the supported ones.
    """
    if isinstance(auth_id_or_name, str):
        found = _BY_NAME.get(auth_id_or_name.lower())
    else:
        found = next(
            (a for a in INTEGRITY_ALGORITHMS.values() if a.auth_id == auth_id_or_name), None
        )
    if found is None:
        known = ", ".join(f"{int(a.auth_id)} ({a.name})" for a in INTEGRITY_ALGORITHMS.values())
        raise ValueError(f"unsupported ESP integrity algorithm {auth_id_or_name!r}; known: {known}")
    return found
