"""AES-GCM in ESP (RFC 4106): one combined transform for confidentiality and integrity.

With AES-CBC + HMAC an ESP packet is encrypted by one algorithm and authenticated by another,
each with its own key. AES-GCM (NIST SP 800-38D) does both in one pass, with one key:

* **KEYMAT** (RFC 4106 §8.1): the key exchange asks for the AES key length *plus 4 bytes*; the
  first bytes are the AES key, the last 4 the **salt**, a secret value fixed for the SA's life;
* **IV** (§3.1): 8 bytes carried in each packet after the sequence number. It MUST never repeat
  under one key, and need not be unpredictable (unlike a CBC IV): "the encryptor can use a
  counter". We use the packet's sequence number, which is unique for the SA's life (§3.3.3 of
  RFC 4303 forbids cycling it);
* **nonce** (§4): salt | IV, the 12 bytes GCM needs; the receiver rebuilds it from the SA's
  salt and the IV in the packet;
* **AAD** (§5): what is authenticated but not encrypted: SPI | 32-bit sequence number (8 bytes;
  with Extended Sequence Numbers it would be SPI | 64-bit ESN, 12 bytes: the seed's IOS and
  this engine do not negotiate ESN, so the 8-byte form is the only one here);
* **ICV** (§6): the 16-byte GCM tag (transform ESP_AES_GCM_16 = 20, RFC 4106 §8.1; there are 8-
  and 12-byte variants, 18 and 19, that nobody configures by default), after the ciphertext;
* **padding** (§3.2): GCM is a stream mode, so the only alignment is RFC 4303 §2.4's 4-byte
  rule: the ciphertext (payload | padding | pad length | next header) is a multiple of 4.

There is no separate integrity algorithm: Quick Mode sends no Authentication Algorithm attribute
(RFC 4106 §8.1), IKEv2 no integrity transform (RFC 5282 §8 says the same for IKE's SK payload).
Verification and decryption are one call that returns nothing unless the tag is right, so
RFC 4303 §3.4.4's order (ICV first, then decrypt) holds by construction.

Implementation: ``cryptography``'s ``AESGCM`` (OpenSSL), one object per SA, built once.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vpnteach.wire.constants import IpsecTransformId

SALT_SIZE = 4
IV_SIZE = 8
ICV_SIZE = 16
ALIGNMENT = 4  # RFC 4303 §2.4: the ciphertext ends on a 4-byte boundary
_AAD = struct.Struct("!II")
_IV = struct.Struct("!Q")


@dataclass(frozen=True)
class GcmAlgorithm:
    """AES-GCM with a 16-byte ICV for ESP (RFC 4106), one per AES key length.

    Attributes:
        name: ``"aes128gcm16"`` ... (strongSwan's proposal keyword).
        key_bits: the AES key length (the Key Length attribute, 128/192/256).
        esp_id: ESP transform id 20, ESP_AES_GCM_16 (RFC 4106 §8.1).
    """

    name: str
    key_bits: int
    esp_id: int = int(IpsecTransformId.ESP_AES_GCM_16)
    block_size: int = ALIGNMENT
    iv_size: int = IV_SIZE
    icv_size: int = ICV_SIZE
    salt_size: int = SALT_SIZE
    rfc: str = "RFC 4106"

    @property
    def key_size(self) -> int:
        """Bytes of KEYMAT one SA takes: the AES key, then the 4-byte salt (RFC 4106 §8.1)."""
        return self.key_bits // 8 + SALT_SIZE

    @property
    def ios_text(self) -> str:
        """``esp-gcm 256``: the transform as IOS configures and prints it."""
        return f"esp-gcm {self.key_bits}"

    @property
    def wireshark_name(self) -> str:
        """The encryption algorithm name in Wireshark's ``esp_sa`` table (tshark 4.0)."""
        return "AES-GCM with 16 octet ICV [RFC4106]"

    def __repr__(self) -> str:
        return f"GcmAlgorithm({self.name!r}, key {self.key_bits // 8} B + salt {SALT_SIZE} B)"


GCM_ALGORITHMS: dict[int, GcmAlgorithm] = {
    bits: GcmAlgorithm(f"aes{bits}gcm16", bits) for bits in (128, 192, 256)
}
"""AES-GCM-16 by AES key length in bits."""


def get_gcm(key_length_bits: int | None) -> GcmAlgorithm:
    """AES-GCM-16 for the Key Length attribute (RFC 4106 §8.1: it MUST be present).

    Raises:
        ValueError: no or an unsupported key length.
    """
    found = GCM_ALGORITHMS.get(key_length_bits or 0)
    if found is None:
        raise ValueError(
            f"ESP_AES_GCM_16 with key length {key_length_bits}: RFC 4106 §8.1 needs a Key "
            "Length attribute of 128, 192 or 256"
        )
    return found


def gcm_trailer_padding(payload_len: int) -> int:
    """Padding bytes so that payload | padding | pad length | next header is 4-byte aligned."""
    return -(payload_len + 2) % ALIGNMENT


class GcmContext:
    """One SA's AES-GCM state: the ``AESGCM`` object and the salt, split from KEYMAT once.

    Args:
        algorithm: which key length; keymat: AES key | salt (``algorithm.key_size`` bytes).
    """

    __slots__ = ("_aead", "algorithm", "salt")

    def __init__(self, algorithm: GcmAlgorithm, keymat: bytes) -> None:
        if len(keymat) != algorithm.key_size:
            raise ValueError(
                f"{algorithm.name}: KEYMAT is {len(keymat)} bytes, needs {algorithm.key_size} "
                f"({algorithm.key_bits // 8}-byte AES key + {SALT_SIZE}-byte salt, RFC 4106 §8.1)"
            )
        self.algorithm = algorithm
        self.salt = bytes(keymat[-SALT_SIZE:])
        self._aead = AESGCM(bytes(keymat[:-SALT_SIZE]))

    @staticmethod
    def iv_for(seq: int) -> bytes:
        """The explicit IV of packet ``seq``: the sequence number as 8 bytes (RFC 4106 §3.1)."""
        return _IV.pack(seq)

    @staticmethod
    def aad(spi: int, seq: int) -> bytes:
        """SPI | 32-bit sequence number (RFC 4106 §5, without ESN)."""
        return _AAD.pack(spi, seq)

    def nonce(self, iv: bytes) -> bytes:
        """salt | IV, GCM's 12-byte nonce (RFC 4106 §4)."""
        return self.salt + iv

    def seal(self, spi: int, seq: int, iv: bytes, plaintext: bytes) -> bytes:
        """``ciphertext | ICV`` of ``plaintext`` (payload + ESP trailer)."""
        return self._aead.encrypt(self.salt + iv, plaintext, _AAD.pack(spi, seq))

    def open(self, spi: int, seq: int, iv: bytes, sealed: bytes) -> bytes | None:
        """The plaintext of ``ciphertext | ICV``, or ``None`` if the ICV does not verify."""
        try:
            return self._aead.decrypt(self.salt + iv, sealed, _AAD.pack(spi, seq))
        except InvalidTag:
            return None
