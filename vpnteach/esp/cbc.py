"""Long-lived CBC contexts for one SA: no cipher set-up per packet.

ESP needs a fresh, unpredictable IV for every packet (RFC 4303 §3.3.2, RFC 3602 §3). Setting up
a new OpenSSL CBC context per packet costs more than encrypting a 1400-byte packet with AES, so
each SA keeps one encryptor and one decryptor for its whole life and uses two properties of CBC:

* **Encryption.** The encryptor's chaining value ``Z`` is its last output block. Feeding it one
  random block ``R`` (from the SA's :class:`~vpnteach.crypto.rng.Rng`) before the plaintext
  outputs ``C_0 = E_K(R xor Z)``; every later block is chained on ``C_0``, so ``C_0`` *is* the IV
  of the rest. That IV is the block cipher applied to a fresh random value, the construction
  NIST SP 800-38A Appendix C recommends for unpredictable CBC IVs. The receiver needs nothing
  special: it reads the IV from the packet like any other.
* **Decryption.** ``P_i = D_K(C_i) xor C_(i-1)``: feeding ``IV | ciphertext`` to a running
  decryptor yields one meaningless block (``D_K(IV) xor`` whatever came before) and then exactly
  the plaintext, whatever the context decrypted before.

The results are byte-for-byte what a fresh CBC context with that IV gives (the tests check it
against :mod:`vpnteach.crypto.cipher` and Scapy).
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import (
    AEADDecryptionContext,
    BlockCipherAlgorithm,
    Cipher,
    CipherContext,
    modes,
)
from cryptography.hazmat.primitives.ciphers.algorithms import AES

from vpnteach.crypto.cipher import CipherAlgorithm, CipherInputError


def _algorithm(cipher: CipherAlgorithm, key: bytes) -> BlockCipherAlgorithm:
    if cipher.name == "des":  # single DES = 3DES with K | K | K (NIST SP 800-67 §3.2)
        return TripleDES(key * 3)
    if cipher.name == "3des":
        return TripleDES(key)
    return AES(key)


class CbcContext:
    """One SA's CBC encryptor and decryptor (see the module docstring for how IVs work)."""

    def __init__(self, cipher: CipherAlgorithm, key: bytes) -> None:
        if len(key) != cipher.key_size:
            raise CipherInputError(f"{cipher.name} key must be {cipher.key_size} bytes")
        algorithm = _algorithm(cipher, bytes(key))
        zero = bytes(cipher.block_size)
        self.block_size = cipher.block_size
        self._encryptor: CipherContext = Cipher(algorithm, modes.CBC(zero)).encryptor()
        self._decryptor: CipherContext | AEADDecryptionContext = Cipher(
            algorithm, modes.CBC(zero)
        ).decryptor()

    def encrypt(self, random_block: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
        """``(iv, ciphertext)``: the IV is ``E_K(random_block xor Z)``, then CBC under it."""
        out = self._encryptor.update(random_block + plaintext)
        return out[: self.block_size], out[self.block_size :]

    def decrypt(self, iv: bytes, ciphertext: bytes) -> bytes:
        """CBC-decrypt ``ciphertext`` (whole blocks) that was encrypted under ``iv``."""
        return self._decryptor.update(iv + ciphertext)[self.block_size :]
