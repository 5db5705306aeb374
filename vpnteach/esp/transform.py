"""Which ESP transform a negotiated SA uses: a CBC cipher with an HMAC, or AES-GCM alone.

Quick Mode (RFC 2407 §4.4.4, §4.5) and IKEv2 (RFC 7296 §3.3.2) name the ESP transform by its
id and Key Length; the Authentication Algorithm attribute (or IKEv2 integrity transform) is
there for a CBC cipher and absent for a combined mode (RFC 4106 §8.1, RFC 5282 §8).
:func:`esp_cipher` and :func:`esp_integrity` turn those numbers into the objects an
:class:`~vpnteach.esp.sa.IpsecSa` is built from.
"""

from __future__ import annotations

from vpnteach.crypto.cipher import CipherAlgorithm, get_esp_cipher
from vpnteach.esp.gcm import GcmAlgorithm, get_gcm
from vpnteach.esp.integrity import IntegrityAlgorithm, get_integrity
from vpnteach.wire.constants import IpsecTransformId

EspCipher = CipherAlgorithm | GcmAlgorithm
"""An ESP encryption transform: a CBC block cipher (with an HMAC) or AES-GCM (combined)."""

COMBINED_MODES = frozenset({int(IpsecTransformId.ESP_AES_GCM_16)})
"""ESP transform ids that authenticate by themselves (no Authentication Algorithm)."""


def esp_cipher(transform_id: int, key_length_bits: int | None = None) -> EspCipher:
    """The cipher of ESP transform ``transform_id`` with its Key Length.

    Raises:
        ValueError: unknown transform, or a key length it does not have.
    """
    if transform_id in COMBINED_MODES:
        return get_gcm(key_length_bits)
    return get_esp_cipher(transform_id, key_length_bits)


def esp_integrity(cipher: EspCipher, auth_algorithm: int) -> IntegrityAlgorithm | None:
    """The HMAC for a CBC cipher, ``None`` for AES-GCM (which must come without one).

    Raises:
        ValueError: an unknown HMAC, a CBC cipher without one, or AES-GCM with one.
    """
    if isinstance(cipher, GcmAlgorithm):
        if auth_algorithm:
            raise ValueError(
                f"{cipher.name} is a combined mode: an Authentication Algorithm "
                f"({auth_algorithm}) must not be negotiated with it (RFC 4106 §8.1)"
            )
        return None
    if not auth_algorithm:
        raise ValueError(f"ESP {cipher.name}-CBC needs an Authentication Algorithm (RFC 4303 §3.2)")
    return get_integrity(auth_algorithm)


def transform_text(cipher: EspCipher, integrity: IntegrityAlgorithm | None) -> str:
    """``esp-3des esp-md5-hmac`` / ``esp-256-aes esp-sha256-hmac`` / ``esp-gcm 256``, as IOS
    prints a transform in ``show crypto ipsec sa``."""
    if isinstance(cipher, GcmAlgorithm):
        return cipher.ios_text
    name = cipher.name
    text = f"esp-{name[3:]}-aes" if name.startswith("aes") else f"esp-{name}"
    return f"{text} {integrity.ios_name}" if integrity is not None else text
