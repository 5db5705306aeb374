"""The IKEv2 PRFs, integrity algorithms and AEAD against published vectors."""

from __future__ import annotations

import pytest

from vpnteach.ikev2.transforms import (
    UnsupportedTransformError,
    aes_xcbc_mac,
    get_encr,
    get_integ,
    get_prf,
)
from vpnteach.wire.ikev2.constants import EncrId, IntegId, PrfId

# RFC 4231 §4.2 (Test Case 1), the PRF vectors RFC 4868 §2.7.1 refers to.
HMAC_TC1_KEY = bytes([0x0B] * 20)
HMAC_TC1_DATA = b"Hi There"
HMAC_SHA256_TC1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
# RFC 4231 §4.3 (Test Case 2)
HMAC_TC2_KEY = b"Jefe"
HMAC_TC2_DATA = b"what do ya want for nothing?"
HMAC_SHA256_TC2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
# RFC 4868 §2.7.2.1 Test Case AUTH256-1: key 0x0b x 32, "Hi There", HMAC-SHA-256-128
AUTH256_1_KEY = bytes([0x0B] * 32)
AUTH256_1 = "198a607eb44bfbc69903a0f1cf2bbdc5"

# RFC 3566 §4.6: AES-XCBC-MAC-96 test vectors (full 128-bit MACs as listed there)
XCBC_KEY = bytes(range(16))
XCBC_VECTORS = [
    (b"", "75f0251d528ac01c4573dfd584d79f29"),
    (bytes(range(3)), "5b376580ae2f19afe7219ceef172756f"),
    (bytes(range(16)), "d2a246fa349b68a79998a4394ff7a263"),
    (bytes(range(20)), "47f51b4564966215b8985c63055ed308"),
    (bytes(range(32)), "f54f0ec8d2b9f3d36807734bd5283fd4"),
]
# RFC 4434 §6: AES-XCBC-PRF-128 with keys of 10 and 18 bytes, message 0x00..0x13
PRF_XCBC_VECTORS = [
    (bytes(range(10)), "0fa087af7d866e7653434e602fdde835"),
    (bytes(range(16)) + b"\xed\xcb", "8cd3c93ae598a9803006ffb67c40e9e4"),
]

# McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Test Case 4 (AES-128): the
# 96-bit IV cafebabefacedbaddecaf888 split as RFC 5282's salt (4 bytes) | IV (8 bytes).
GCM_KEY = bytes.fromhex("feffe9928665731c6d6a8f9467308308")
GCM_SALT, GCM_IV = bytes.fromhex("cafebabe"), bytes.fromhex("facedbaddecaf888")
GCM_P = bytes.fromhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
GCM_A = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
GCM_C = bytes.fromhex(
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
)
GCM_T = bytes.fromhex("5bc94fbc3221a5db94fae95ae7121a47")


def test_prf_hmac_sha2_256_matches_rfc_4231() -> None:
    prf = get_prf(PrfId.PRF_HMAC_SHA2_256)
    assert prf(HMAC_TC1_KEY, HMAC_TC1_DATA).hex() == HMAC_SHA256_TC1
    assert prf(HMAC_TC2_KEY, HMAC_TC2_DATA).hex() == HMAC_SHA256_TC2
    assert prf.key_size == prf.output_size == 32


def test_hmac_sha2_256_128_truncates_as_rfc_4868() -> None:
    integ = get_integ(IntegId.AUTH_HMAC_SHA2_256_128)
    assert integ.icv(AUTH256_1_KEY, HMAC_TC1_DATA).hex() == AUTH256_1
    assert integ.verify(AUTH256_1_KEY, HMAC_TC1_DATA, bytes.fromhex(AUTH256_1))
    assert not integ.verify(AUTH256_1_KEY, HMAC_TC1_DATA + b"!", bytes.fromhex(AUTH256_1))


@pytest.mark.parametrize(
    ("integ_id", "key_size", "icv_size"),
    [(2, 20, 12), (12, 32, 16), (13, 48, 24), (14, 64, 32)],
)
def test_integrity_key_and_icv_sizes_follow_rfc_4868_and_2404(
    integ_id: int, key_size: int, icv_size: int
) -> None:
    integ = get_integ(integ_id)
    assert (integ.key_size, integ.icv_size) == (key_size, icv_size)
    assert len(integ.icv(bytes(key_size), b"x")) == icv_size
    with pytest.raises(ValueError, match=f"needs a {key_size}-byte key"):
        integ.icv(bytes(key_size - 1), b"x")


@pytest.mark.parametrize(("message", "mac"), XCBC_VECTORS)
def test_aes_xcbc_mac_matches_rfc_3566(message: bytes, mac: str) -> None:
    assert aes_xcbc_mac(XCBC_KEY, message).hex() == mac


@pytest.mark.parametrize(("key", "output"), PRF_XCBC_VECTORS)
def test_aes_xcbc_prf_128_matches_rfc_4434(key: bytes, output: str) -> None:
    assert get_prf(PrfId.PRF_AES128_XCBC)(key, bytes(range(20))).hex() == output


def test_aes_gcm_16_uses_salt_then_iv_as_nonce_matching_gcm_test_case_4() -> None:
    encr = get_encr(EncrId.ENCR_AES_GCM_16, 128)
    assert (encr.key_size, encr.iv_size, encr.icv_size) == (20, 8, 16)
    sealed = encr.gcm_seal(GCM_KEY + GCM_SALT, GCM_IV, GCM_P, GCM_A)
    assert sealed == GCM_C + GCM_T
    assert encr.gcm_open(GCM_KEY + GCM_SALT, GCM_IV, sealed, GCM_A) == GCM_P


def test_unsupported_numbers_are_named() -> None:
    with pytest.raises(UnsupportedTransformError, match="PRF transform ID 99"):
        get_prf(99)
    with pytest.raises(UnsupportedTransformError, match="ENCR transform ID 12 with key length 100"):
        get_encr(EncrId.ENCR_AES_CBC, 100)
