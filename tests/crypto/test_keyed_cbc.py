"""KeyedCbc: CBC with any IV on long-lived contexts gives what a fresh CBC context gives.

The reference is a fresh ``cryptography`` CBC context per message, built here (RFC 3602's
vectors pin that one in test_cipher.py), and RFC 3602 §4 case 2 once more, through the
running contexts, after other messages have moved them.
"""

from __future__ import annotations

import copy
import pickle

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from vpnteach.crypto.cipher import CIPHERS, CipherAlgorithm, CipherInputError, get_cipher
from vpnteach.crypto.keyed_cbc import KeyedCbc

h = bytes.fromhex


def fresh_cbc(cipher: CipherAlgorithm, key: bytes, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    context = Cipher(cipher.algorithm(key), modes.CBC(iv))
    worker = context.encryptor() if encrypt else context.decryptor()
    return worker.update(data) + worker.finalize()


# (encrypt?, IV, number of blocks): a sequence of messages under one key, both directions.
OPERATIONS = st.lists(
    st.tuples(st.booleans(), st.binary(min_size=16, max_size=16), st.integers(1, 6)),
    min_size=1,
    max_size=12,
)


@pytest.mark.parametrize("cipher", CIPHERS, ids=lambda c: c.name)
@settings(max_examples=40, deadline=None)
@given(ops=OPERATIONS, key_seed=st.binary(min_size=32, max_size=32), data=st.data())
def test_every_message_equals_a_fresh_cbc_context_with_its_iv(
    cipher: CipherAlgorithm,
    ops: list[tuple[bool, bytes, int]],
    key_seed: bytes,
    data: st.DataObject,
) -> None:
    key = key_seed[: cipher.key_size]
    keyed = KeyedCbc(cipher, key)
    for encrypt, iv_seed, blocks in ops:
        iv = iv_seed[: cipher.block_size]
        size = blocks * cipher.block_size
        text = data.draw(st.binary(min_size=size, max_size=size))
        got = keyed.encrypt(iv, text) if encrypt else keyed.decrypt(iv, text)
        assert got == fresh_cbc(cipher, key, iv, text, encrypt)


def test_rfc3602_case_2_after_the_contexts_have_run() -> None:
    # RFC 3602 §4 case #2 (AES-128-CBC, 32 bytes).
    key, iv = h("c286696d887c9aa0611bbb3e2025a45a"), h("562e17996d093d28ddb3ba695a2e6f58")
    plaintext = bytes(range(0x20))
    ciphertext = h("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")
    keyed = KeyedCbc(get_cipher("aes128"), key)
    keyed.encrypt(bytes(16), bytes(48))
    keyed.decrypt(bytes(range(16)), bytes(32))
    assert keyed.encrypt(iv, plaintext) == ciphertext
    assert keyed.decrypt(iv, ciphertext) == plaintext


@pytest.mark.parametrize(
    ("iv", "data", "wrong"),
    [(bytes(7), bytes(16), "IV must be 8 bytes"), (bytes(8), bytes(12), "not a multiple")],
)
def test_bad_lengths_raise_the_cipher_input_error_of_the_cipher(
    iv: bytes, data: bytes, wrong: str
) -> None:
    keyed = KeyedCbc(get_cipher("3des"), bytes(range(24)))
    for operation in (keyed.encrypt, keyed.decrypt):
        with pytest.raises(CipherInputError, match=wrong):
            operation(iv, data)


def test_a_wrong_key_length_is_refused_on_first_use() -> None:
    keyed = KeyedCbc(get_cipher("aes256"), bytes(16))
    with pytest.raises(CipherInputError, match="key must be 32 bytes, got 16"):
        keyed.encrypt(bytes(16), bytes(16))


def test_empty_input_gives_empty_output() -> None:
    keyed = KeyedCbc(get_cipher("3des"), bytes(range(24)))
    assert keyed.encrypt(bytes(8), b"") == b"" and keyed.decrypt(bytes(8), b"") == b""


@pytest.mark.parametrize(
    "clone", [copy.copy, copy.deepcopy, lambda k: pickle.loads(pickle.dumps(k))]
)
def test_a_copy_runs_contexts_of_its_own_and_gives_the_same_results(clone: object) -> None:
    cipher, key = get_cipher("3des"), bytes(range(24))
    keyed = KeyedCbc(cipher, key)
    first = keyed.encrypt(bytes(8), bytes(16))
    other = clone(keyed)  # type: ignore[operator]
    iv, text = bytes(range(8)), bytes(range(32))
    assert (
        other.encrypt(iv, text) == keyed.encrypt(iv, text) == fresh_cbc(cipher, key, iv, text, True)
    )
    assert first == fresh_cbc(cipher, key, bytes(8), bytes(16), True)
    assert repr(other) == "KeyedCbc(3des)"
