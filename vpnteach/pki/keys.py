"""Router RSA key pairs: ``crypto key generate rsa general-keys modulus N label L exportable``.

A :class:`KeyPair` is what IOS keeps under a label: the RSA private key, its modulus size, the
usage (only ``general-keys`` here: one pair for signing and encryption) and whether it may be
exported. Generation takes an :class:`~vpnteach.crypto.rng.Rng`:

* with a :class:`~vpnteach.crypto.rng.SeededRng` it is deterministic. The key is generated from
  32 bytes drawn from that stream, and keys are cached in-process by (those 32 bytes, modulus),
  so a replayed lab (the stepper's ``back()``) or a test suite pays for each key once;
* with any other source (``OsRng``) it is a fresh key, never cached.

The RSA generation itself is :func:`vpnteach.crypto.rsa_sig.generate_rsa_key` (pycryptodome's
``RSA.generate`` with ``randfunc`` from a seeded rng; ``cryptography``'s generator for OsRng). It
accepts multiples of 256 bits from 1024 up, a narrower range than IOS's 360..4096.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng, SeededRng
from vpnteach.crypto.rsa_sig import generate_rsa_key
from vpnteach.pki.errors import KeyNotExportableError

GENERAL_PURPOSE = "General Purpose"
"""The IOS name of a ``general-keys`` pair's usage (``show crypto key mypubkey rsa``)."""

_MODULUS_RANGE = (360, 4096)  # IOS 12.4 accepts 360..4096 bits


@functools.lru_cache(maxsize=64)
def _cached_key(bits: int, key_seed: bytes) -> rsa.RSAPrivateKey:
    return generate_rsa_key(bits, SeededRng(key_seed))


def rsa_private_key(bits: int, rng: Rng) -> rsa.RSAPrivateKey:
    """An RSA private key of ``bits`` bits: deterministic and cached for a seeded ``rng``."""
    if isinstance(rng, SeededRng):
        return _cached_key(bits, rng.random_bytes(32))
    return generate_rsa_key(bits, rng)


def fork(rng: Rng, label: str) -> Rng:
    """An independent stream for ``label`` when ``rng`` is seeded; ``rng`` itself otherwise."""
    return rng.fork(label) if isinstance(rng, SeededRng) else rng


def clear_key_cache() -> None:
    """Forget cached seeded keys (the benchmark uses it to measure cold generation)."""
    _cached_key.cache_clear()


@dataclass(frozen=True)
class KeyPair(HtmlRepr):
    """An RSA key pair stored on a router under ``label`` (IOS ``crypto key generate rsa``)."""

    label: str
    modulus: int
    exportable: bool
    private_key: rsa.RSAPrivateKey
    usage: str = GENERAL_PURPOSE

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half (goes into the CSR and, signed by the CA, into the certificate)."""
        return self.private_key.public_key()

    def public_der(self) -> bytes:
        """The SubjectPublicKeyInfo, DER (what ``show crypto key mypubkey rsa`` dumps)."""
        return self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def export_pem(self, passphrase: bytes) -> bytes:
        """``crypto key export rsa LABEL pem ... 3des PASSPHRASE``: the encrypted private key.

        Raises:
            KeyNotExportableError: the pair was generated without ``exportable``.
        """
        if not self.exportable:
            raise KeyNotExportableError(f"% RSA keypair {self.label} is not exportable.")
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(passphrase),
        )

    def ios_message(self) -> str:
        """The line IOS prints after generating the pair (as in the seed's comment)."""
        return (
            f"% Generating {self.modulus} bit RSA keys, keys will be "
            f"{'' if self.exportable else 'non-'}exportable...[OK]"
        )


def generate_key_pair(label: str, modulus: int, exportable: bool, rng: Rng) -> KeyPair:
    """``crypto key generate rsa general-keys modulus MODULUS label LABEL [exportable]``.

    Raises:
        ValueError: the modulus is outside IOS's 360..4096 range or the label is empty.
    """
    low, high = _MODULUS_RANGE
    if not low <= modulus <= high:
        raise ValueError(f"% modulus {modulus} out of range: IOS accepts {low}..{high} bits")
    if not label or any(c.isspace() for c in label):
        raise ValueError(f"% invalid key label {label!r}: one word, not empty")
    return KeyPair(label, modulus, exportable, rsa_private_key(modulus, rng))
