"""CBC under one key with any IV, on two long-lived OpenSSL contexts: no set-up per message.

IKEv1 encrypts every message from MM5 on with one key, ``Ka``, in CBC mode, each message under
an IV it does not choose: the last ciphertext block of the message before it in the same
exchange (RFC 2409 Appendix B). :meth:`CipherAlgorithm.encrypt` sets up a new OpenSSL context
for each call, which for 3DES costs more than encrypting the message (the key schedule, and
OpenSSL 3 looking the cipher up). :class:`KeyedCbc` keeps one encryptor and one decryptor per
key instead and uses two properties of CBC (the idea of :mod:`vpnteach.esp.cbc`, there with
IVs of its own choosing):

* **Encryption with a given IV.** A running encryptor XORs the next plaintext block with its
  chaining value ``Z`` (its last output block) before encrypting. Handing it
  ``P_1 xor IV xor Z`` instead of ``P_1`` gives ``E_K(P_1 xor IV)``, exactly the first block
  of CBC under ``IV``; every later block chains on that one, as CBC under ``IV`` does.
* **Decryption.** ``P_i = D_K(C_i) xor C_(i-1)``: feeding ``IV | ciphertext`` to a running
  decryptor yields one meaningless block and then exactly the plaintext, whatever the context
  decrypted before.

The output is byte for byte what :meth:`CipherAlgorithm.encrypt` and ``decrypt`` give (the tests
compare them); bad lengths raise the same :class:`~vpnteach.crypto.cipher.CipherInputError`,
because they are handed to those methods. The contexts cannot be copied: a copy (``copy``,
``deepcopy``, ``pickle``) of a :class:`KeyedCbc` starts contexts of its own.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, modes

from vpnteach.crypto.cipher import CipherAlgorithm


class KeyedCbc:
    """CBC encryption and decryption under ``key`` with any IV (see the module docstring).

    Args:
        cipher: the block cipher.
        key: its key (checked on first use, as :meth:`CipherAlgorithm.algorithm` checks it).
    """

    __slots__ = ("_block_size", "_cipher", "_decryptor", "_encryptor", "_key", "_z")

    def __init__(self, cipher: CipherAlgorithm, key: bytes) -> None:
        self._cipher = cipher
        self._key = bytes(key)
        self._block_size = cipher.block_size
        self._encryptor: CipherContext | None = None
        self._decryptor: CipherContext | None = None
        self._z = bytes(cipher.block_size)  # the encryptor's chaining value

    @property
    def cipher(self) -> CipherAlgorithm:
        """The block cipher."""
        return self._cipher

    def uses(self, cipher: CipherAlgorithm, key: bytes) -> bool:
        """This is ``cipher`` under ``key``."""
        return (cipher is self._cipher or cipher == self._cipher) and key == self._key

    def encrypt(self, iv: bytes, data: bytes) -> bytes:
        """CBC-encrypt ``data`` (a whole number of blocks) with ``iv``, no padding."""
        bs = self._block_size
        if len(iv) != bs or len(data) % bs or not data:
            return self._cipher.encrypt(self._key, iv, data)  # b"", or its CipherInputError
        encryptor = self._encryptor
        if encryptor is None:
            encryptor = self._encryptor = self._context().encryptor()
        # P_1 xor IV xor Z: the running encryptor adds Z back, leaving E_K(P_1 xor IV)
        first = int.from_bytes(data[:bs], "big") ^ int.from_bytes(iv, "big")
        first ^= int.from_bytes(self._z, "big")
        out = encryptor.update(first.to_bytes(bs, "big") + data[bs:])
        self._z = out[-bs:]
        return out

    def decrypt(self, iv: bytes, data: bytes) -> bytes:
        """CBC-decrypt ``data`` (a whole number of blocks) that was encrypted with ``iv``."""
        bs = self._block_size
        if len(iv) != bs or len(data) % bs or not data:
            return self._cipher.decrypt(self._key, iv, data)  # b"", or its CipherInputError
        decryptor = self._decryptor
        if decryptor is None:
            decryptor = self._decryptor = self._context().decryptor()
        return decryptor.update(iv + data)[bs:]

    def _context(self) -> Cipher[modes.CBC]:
        return Cipher(self._cipher.algorithm(self._key), modes.CBC(bytes(self._block_size)))

    def __reduce__(self) -> tuple[Any, ...]:
        # OpenSSL contexts cannot be copied or pickled: a copy starts its own.
        return (KeyedCbc, (self._cipher, self._key))

    def __repr__(self) -> str:
        return f"KeyedCbc({self._cipher.name})"  # never the key
