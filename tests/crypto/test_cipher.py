"""CBC ciphers: published vectors, openssl cross-checks, round trips, errors, registry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpnteach.crypto.cipher import (
    CIPHERS,
    CipherAlgorithm,
    CipherInputError,
    get_cipher,
    get_esp_cipher,
    get_ike_cipher,
)

h = bytes.fromhex

# RFC 3602 §4 "Test Vectors", cases 1-4 (AES-128-CBC): (key, iv, plaintext, ciphertext).
RFC3602_CASES = [
    (
        "06a9214036b8a15b512e03d534120006",
        "3dafba429d9eb430b422da802c9fac41",
        b"Single block msg".hex(),
        "e353779c1079aeb82708942dbe77181a",
    ),
    (
        "c286696d887c9aa0611bbb3e2025a45a",
        "562e17996d093d28ddb3ba695a2e6f58",
        bytes(range(0x20)).hex(),
        "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1",
    ),
    (
        "6c3ea0477630ce21a2ce334aa746c2cd",
        "c782dc4c098c66cbd9cd27d825682c81",
        b"This is a 48-byte message (exactly 3 AES blocks)".hex(),
        "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
        "021c19216bad525c8579695d83ba2684",
    ),
    (
        "56e47a38c5598974bc46903dba290349",
        "8ce82eefbea0da3c44699ed7db51b7d9",
        bytes(range(0xA0, 0xE0)).hex(),
        "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
        "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55",
    ),
]

# NIST SP 800-38A Appendix F.2 plaintext and IV for the CBC-AES examples.
SP800_38A_PLAINTEXT = (
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
SP800_38A_IV = "000102030405060708090a0b0c0d0e0f"
# NIST SP 800-38A F.2.3 (CBC-AES192.Encrypt) and F.2.5 (CBC-AES256.Encrypt): (name, key, ct).
SP800_38A_CASES = [
    (
        "aes192",
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
        "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
    ),
    (
        "aes256",
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
        "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
    ),
]

# FIPS 81 Appendix C (CBC mode example), also:
# printf 'Now is the time for all ' | openssl enc -des-cbc -K 0123456789ABCDEF \
#   -iv 1234567890ABCDEF -nopad -provider legacy -provider default | xxd -p
DES_KEY, DES_IV = "0123456789abcdef", "1234567890abcdef"
DES_PLAINTEXT = b"Now is the time for all "
DES_CIPHERTEXT = "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"

# NIST SP 800-67 Rev. 1 Appendix B (TDEA ECB example): keys, plaintext, ciphertext.
TDES_KEY = "0123456789abcdef23456789abcdef01456789abcdef0123"
TDES_PLAINTEXT = b"The qufck brown fox jump"
TDES_ECB_CIPHERTEXT = "a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900"

# printf 'The qufck brown fox jump' | openssl enc -des-ede3-cbc \
#   -K 0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123 -iv 1234567890ABCDEF -nopad | xxd -p
TDES_CBC_IV = "1234567890abcdef"
TDES_CBC_CIPHERTEXT = "38413d4ba2325cf1141f707471ac2ced57db530f0123b5ac"


@pytest.mark.parametrize(("key", "iv", "plaintext", "ciphertext"), RFC3602_CASES)
def test_aes128_cbc_matches_rfc3602(key: str, iv: str, plaintext: str, ciphertext: str) -> None:
    aes = get_ike_cipher(7, 128)
    assert aes.encrypt(h(key), h(iv), h(plaintext)).hex() == ciphertext
    assert aes.decrypt(h(key), h(iv), h(ciphertext)).hex() == plaintext


@pytest.mark.parametrize(("name", "key", "ciphertext"), SP800_38A_CASES)
def test_aes192_and_aes256_cbc_match_sp800_38a(name: str, key: str, ciphertext: str) -> None:
    aes = get_cipher(name)
    ct = aes.encrypt(h(key), h(SP800_38A_IV), h(SP800_38A_PLAINTEXT))
    assert ct.hex() == ciphertext
    assert aes.decrypt(h(key), h(SP800_38A_IV), ct).hex() == SP800_38A_PLAINTEXT


def test_des_cbc_matches_fips81_example() -> None:
    des = get_ike_cipher(1)
    assert des.encrypt(h(DES_KEY), h(DES_IV), DES_PLAINTEXT).hex() == DES_CIPHERTEXT
    assert des.decrypt(h(DES_KEY), h(DES_IV), h(DES_CIPHERTEXT)) == DES_PLAINTEXT


def test_3des_matches_sp800_67_ecb_example_block_by_block() -> None:
    tdes = get_ike_cipher(5)
    zero_iv = bytes(8)  # one CBC block with a zero IV is one ECB block
    blocks = [TDES_PLAINTEXT[i : i + 8] for i in range(0, 24, 8)]
    ct = b"".join(tdes.encrypt(h(TDES_KEY), zero_iv, block) for block in blocks)
    assert ct.hex() == TDES_ECB_CIPHERTEXT


def test_3des_cbc_matches_openssl() -> None:
    tdes = get_esp_cipher(3)
    ct = tdes.encrypt(h(TDES_KEY), h(TDES_CBC_IV), TDES_PLAINTEXT)
    assert ct.hex() == TDES_CBC_CIPHERTEXT
    assert tdes.decrypt(h(TDES_KEY), h(TDES_CBC_IV), ct) == TDES_PLAINTEXT


def test_3des_accepts_a_key_whose_thirds_collapse_to_single_des() -> None:
    from Crypto.Cipher import DES  # pycryptodome as the independent single-DES reference

    k1, k3, iv = h("0123456789abcdef"), h("fedcba9876543210"), bytes(range(8))
    data = bytes(range(32))
    ct = get_cipher("3des").encrypt(k1 + k1 + k3, iv, data)  # E_K3(D_K1(E_K1(x))) = E_K3(x)
    assert ct == DES.new(k3, DES.MODE_CBC, iv).encrypt(data)


_ROUND_TRIP = st.sampled_from(CIPHERS).flatmap(
    lambda c: st.tuples(
        st.just(c),
        st.binary(min_size=c.key_size, max_size=c.key_size),
        st.binary(min_size=c.block_size, max_size=c.block_size),
        st.integers(0, 8).flatmap(
            lambda n: st.binary(min_size=n * c.block_size, max_size=n * c.block_size)
        ),
    )
)


@given(_ROUND_TRIP)
def test_decrypt_inverts_encrypt(case: tuple[CipherAlgorithm, bytes, bytes, bytes]) -> None:
    cipher, key, iv, data = case
    ct = cipher.encrypt(key, iv, data)
    assert len(ct) == len(data)  # no hidden padding
    assert cipher.decrypt(key, iv, ct) == data


@pytest.mark.parametrize(
    ("name", "key_len", "iv_len", "data_len", "message"),
    [
        ("3des", 16, 8, 8, "3des key must be 24 bytes, got 16 bytes"),
        ("aes128", 16, 8, 16, "aes128 IV must be 16 bytes, got 8 bytes"),
        ("des", 8, 8, 12, "des-cbc input is 12 bytes, not a multiple of the 8-byte block size"),
        ("aes256", 32, 16, 17, "aes256-cbc input is 17 bytes, not a multiple of the 16-byte"),
    ],
)
def test_bad_lengths_are_rejected_naming_expected_and_actual(
    name: str, key_len: int, iv_len: int, data_len: int, message: str
) -> None:
    cipher = get_cipher(name)
    for operation in (cipher.encrypt, cipher.decrypt):
        with pytest.raises(CipherInputError, match=message):
            operation(bytes(key_len), bytes(iv_len), bytes(data_len))


@pytest.mark.parametrize(
    ("ike_id", "esp_id", "key_bits", "name", "key_size", "block_size"),
    [
        (1, 2, None, "des", 8, 8),
        (5, 3, None, "3des", 24, 8),
        (5, 3, 192, "3des", 24, 8),
        (7, 12, 128, "aes128", 16, 16),
        (7, 12, 192, "aes192", 24, 16),
        (7, 12, 256, "aes256", 32, 16),
    ],
)
def test_registry_maps_ike_and_esp_ids_to_ciphers(
    ike_id: int, esp_id: int, key_bits: int | None, name: str, key_size: int, block_size: int
) -> None:
    ike = get_ike_cipher(ike_id, key_bits)
    assert ike is get_esp_cipher(esp_id, key_bits) is get_cipher(name)
    assert (ike.name, ike.key_size, ike.block_size) == (name, key_size, block_size)


def test_aes_without_key_length_attribute_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"needs a Key Length attribute \(128/192/256 bits"):
        get_ike_cipher(7)


def test_unsupported_key_length_is_rejected() -> None:
    with pytest.raises(ValueError, match="has no 512-bit key length; supported: 128/192/256"):
        get_esp_cipher(12, 512)
    with pytest.raises(ValueError, match=r"3des.*has no 128-bit key length"):
        get_ike_cipher(5, 128)


@pytest.mark.parametrize(("lookup", "number"), [(get_ike_cipher, 2), (get_esp_cipher, 1)])
def test_unknown_ids_are_rejected_with_list_of_known_ones(
    lookup: Callable[[int], CipherAlgorithm], number: int
) -> None:
    with pytest.raises(ValueError, match=f"unknown (IKE|ESP) encryption algorithm {number}; known"):
        lookup(number)


def test_unknown_cipher_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown cipher 'blowfish'"):
        get_cipher("blowfish")
