"""The algorithms an IKEv2 proposal negotiates, keyed by their IANA transform IDs.

* PRF (transform type 2, RFC 7296 §3.3.2): HMAC with MD5, SHA-1 (RFC 2104) and SHA-2
  (RFC 4868 §2.1: the PRF output is the full hash; the preferred key size is the output size,
  RFC 7296 §2.13), and AES-XCBC-PRF-128 (RFC 4434, fixed 16-byte key).
* Integrity (type 3): HMAC-MD5-96, HMAC-SHA1-96, and HMAC-SHA-256-128/384-192/512-256 whose
  keys are the hash's output size and whose ICV is the hash truncated to half (RFC 4868 §2.3).
* Encryption (type 1): AES-CBC (RFC 3602, IV of one block; in IKEv2 RFC 7296 §3.14) and
  AES-GCM with a 16-byte ICV (RFC 5282: 8-byte explicit IV, 4-byte salt taken from the key
  material after the AES key, §7.1).

Registries map wire numbers to frozen descriptions (no if/elif ladders); a lookup of a number
we do not implement raises :class:`UnsupportedTransformError` naming it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers.algorithms import AES

from vpnteach.wire.ikev2.constants import EncrId, IntegId, PrfId


class UnsupportedTransformError(ValueError):
    """A transform ID (or key length) this implementation does not offer."""


@dataclass(frozen=True)
class Prf:
    """A pseudorandom function (RFC 7296 §2.13)."""

    prf_id: int
    name: str
    hashlib_name: str  # "" for AES-XCBC
    output_size: int
    key_size: int  # the preferred key size: SK_d, SK_pi, SK_pr have this length (§2.14)

    def __call__(self, key: bytes, data: bytes) -> bytes:
        """``prf(key, data)``."""
        if not self.hashlib_name:
            return aes_xcbc_prf_128(key, data)
        return hmac.digest(key, data, self.hashlib_name)


@dataclass(frozen=True)
class Integ:
    """An integrity algorithm: HMAC truncated to ``icv_size`` (RFC 4868 §2.3, RFC 2404)."""

    integ_id: int
    name: str
    hashlib_name: str
    key_size: int
    icv_size: int

    def icv(self, key: bytes, data: bytes) -> bytes:
        """The Integrity Checksum Data over ``data``: HMAC truncated to ``icv_size`` bytes."""
        if len(key) != self.key_size:
            raise ValueError(f"{self.name} needs a {self.key_size}-byte key, got {len(key)}")
        return hmac.digest(key, data, self.hashlib_name)[: self.icv_size]

    def verify(self, key: bytes, data: bytes, icv: bytes) -> bool:
        """``icv`` is right for ``data`` (constant-time comparison)."""
        return hmac.compare_digest(self.icv(key, data), icv)


@dataclass(frozen=True)
class Encr:
    """An encryption algorithm for the SK payload and ESP.

    ``key_size`` is the length of SK_e (and of each ESP encryption key), salt included for
    AEAD (RFC 5282 §7.1: "key length + 4 octets of salt").
    """

    encr_id: int
    key_bits: int
    name: str
    iv_size: int
    block_size: int
    icv_size: int = 0  # AEAD only: the authentication tag
    salt_size: int = 0

    @property
    def aead(self) -> bool:
        """Combined-mode (RFC 5282): no separate integrity transform."""
        return self.icv_size > 0

    @property
    def key_size(self) -> int:
        """Bytes of key material: the AES key, then the salt for AEAD."""
        return self.key_bits // 8 + self.salt_size

    def cbc_encrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        """AES-CBC without hidden padding (``data`` is whole blocks)."""
        encryptor = Cipher(AES(key), modes.CBC(iv)).encryptor()
        return encryptor.update(data) + encryptor.finalize()

    def cbc_decrypt(self, key: bytes, iv: bytes, data: bytes) -> bytes:
        """AES-CBC decryption of whole blocks."""
        decryptor = Cipher(AES(key), modes.CBC(iv)).decryptor()
        return decryptor.update(data) + decryptor.finalize()

    def gcm_seal(self, keymat: bytes, iv: bytes, data: bytes, aad: bytes) -> bytes:
        """AES-GCM: ciphertext | 16-byte tag, nonce = salt | IV (RFC 5282 §4, RFC 4106 §4)."""
        key, salt = keymat[: -self.salt_size], keymat[-self.salt_size :]
        return AESGCM(key).encrypt(salt + iv, data, aad)

    def gcm_open(self, keymat: bytes, iv: bytes, data: bytes, aad: bytes) -> bytes:
        """AES-GCM decryption; raises ``cryptography.exceptions.InvalidTag`` on a bad tag."""
        key, salt = keymat[: -self.salt_size], keymat[-self.salt_size :]
        return AESGCM(key).decrypt(salt + iv, data, aad)


PRFS: dict[int, Prf] = {
    p.prf_id: p
    for p in (
        Prf(PrfId.PRF_HMAC_MD5, "PRF_HMAC_MD5", "md5", 16, 16),
        Prf(PrfId.PRF_HMAC_SHA1, "PRF_HMAC_SHA1", "sha1", 20, 20),
        Prf(PrfId.PRF_AES128_XCBC, "PRF_AES128_XCBC", "", 16, 16),
        Prf(PrfId.PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", "sha256", 32, 32),
        Prf(PrfId.PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", "sha384", 48, 48),
        Prf(PrfId.PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", "sha512", 64, 64),
    )
}

INTEGS: dict[int, Integ] = {
    i.integ_id: i
    for i in (
        Integ(IntegId.AUTH_HMAC_MD5_96, "AUTH_HMAC_MD5_96", "md5", 16, 12),
        Integ(IntegId.AUTH_HMAC_SHA1_96, "AUTH_HMAC_SHA1_96", "sha1", 20, 12),
        Integ(IntegId.AUTH_HMAC_SHA2_256_128, "AUTH_HMAC_SHA2_256_128", "sha256", 32, 16),
        Integ(IntegId.AUTH_HMAC_SHA2_384_192, "AUTH_HMAC_SHA2_384_192", "sha384", 48, 24),
        Integ(IntegId.AUTH_HMAC_SHA2_512_256, "AUTH_HMAC_SHA2_512_256", "sha512", 64, 32),
    )
}

_AES_BITS = (128, 192, 256)
ENCRS: dict[tuple[int, int], Encr] = {
    **{
        (EncrId.ENCR_AES_CBC, bits): Encr(EncrId.ENCR_AES_CBC, bits, f"AES-CBC-{bits}", 16, 16)
        for bits in _AES_BITS
    },
    **{
        (EncrId.ENCR_AES_GCM_16, bits): Encr(
            EncrId.ENCR_AES_GCM_16, bits, f"AES-GCM-{bits}-16", 8, 1, icv_size=16, salt_size=4
        )
        for bits in _AES_BITS
    },
}


def get_prf(prf_id: int) -> Prf:
    """The PRF for transform ID ``prf_id``."""
    try:
        return PRFS[prf_id]
    except KeyError:
        raise UnsupportedTransformError(f"PRF transform ID {prf_id} is not supported") from None


def get_integ(integ_id: int) -> Integ:
    """The integrity algorithm for transform ID ``integ_id``."""
    try:
        return INTEGS[integ_id]
    except KeyError:
        raise UnsupportedTransformError(f"INTEG transform ID {integ_id} is not supported") from None


def get_encr(encr_id: int, key_bits: int | None) -> Encr:
    """The encryption algorithm for ``encr_id`` with Key Length ``key_bits`` (required for AES,
    RFC 7296 §3.3.5)."""
    try:
        return ENCRS[(encr_id, key_bits or 0)]
    except KeyError:
        raise UnsupportedTransformError(
            f"ENCR transform ID {encr_id} with key length {key_bits} is not supported"
        ) from None


def _aes_ecb(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def aes_xcbc_mac(key: bytes, data: bytes) -> bytes:
    """AES-XCBC-MAC-128 (RFC 3566 §4): CBC-MAC with derived keys K1 (chaining), K2 (last
    block complete) and K3 (last block padded with 0x80 00...)."""
    k1 = _aes_ecb(key, b"\x01" * 16)
    k2 = _aes_ecb(key, b"\x02" * 16)
    k3 = _aes_ecb(key, b"\x03" * 16)
    blocks = [data[i : i + 16] for i in range(0, len(data), 16)] or [b""]
    e = bytes(16)
    for block in blocks[:-1]:
        e = _aes_ecb(k1, _xor(e, block))
    last = blocks[-1]
    if len(last) == 16:
        return _aes_ecb(k1, _xor(_xor(e, last), k2))
    padded = last + b"\x80" + bytes(15 - len(last))
    return _aes_ecb(k1, _xor(_xor(e, padded), k3))


def aes_xcbc_prf_128(key: bytes, data: bytes) -> bytes:
    """AES-XCBC-PRF-128 (RFC 4434 §2): a key shorter than 16 bytes is padded with zeros, a
    longer one replaced by AES-XCBC-MAC-128(0^128, key)."""
    if len(key) < 16:
        key = key + bytes(16 - len(key))
    elif len(key) > 16:
        key = aes_xcbc_mac(bytes(16), key)
    return aes_xcbc_mac(key, data)
