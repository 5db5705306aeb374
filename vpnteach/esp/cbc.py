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

from cryptography.hazmat.primitives.ciphers import (
    AEADDecryptionContext,
    Cipher,
    CipherContext,
    modes,
)

from vpnteach.crypto.cipher import CipherAlgorithm


class CbcContext:
    """One SA's CBC encryptor and decryptor (see the module docstring for how IVs work)."""

    def __init__(self, cipher: CipherAlgorithm, key: bytes) -> None:
        algorithm = cipher.algorithm(key)  # checks the key length
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
