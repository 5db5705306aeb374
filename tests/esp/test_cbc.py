"""The long-lived CBC contexts agree with a fresh CBC context per packet."""

from __future__ import annotations

import pytest

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.cbc import CbcContext


@pytest.mark.parametrize("name", ["des", "3des", "aes128", "aes192", "aes256"])
def test_running_contexts_match_fresh_cbc_packet_after_packet(name: str) -> None:
    cipher, rng = get_cipher(name), SeededRng(name)
    key = rng.random_bytes(cipher.key_size)
    ours = CbcContext(cipher, key)
    ivs = set()
    for n in range(1, 6):
        plaintext = rng.random_bytes(cipher.block_size * n)
        iv, ciphertext = ours.encrypt(rng.random_bytes(cipher.block_size), plaintext)
        assert cipher.encrypt(key, iv, plaintext) == ciphertext
        assert ours.decrypt(iv, ciphertext) == plaintext
        other_iv = rng.random_bytes(cipher.block_size)
        assert ours.decrypt(other_iv, cipher.encrypt(key, other_iv, plaintext)) == plaintext
        ivs.add(iv)
    assert len(ivs) == 5


def test_same_random_block_twice_still_gives_different_ivs() -> None:
    """The IV is E_K(R xor previous block): chaining makes it differ even for an equal R."""
    cipher = get_cipher("aes128")
    ours = CbcContext(cipher, bytes(16))
    first, _ = ours.encrypt(bytes(16), bytes(16))
    second, _ = ours.encrypt(bytes(16), bytes(16))
    assert first != second
