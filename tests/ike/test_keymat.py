"""Unit tests of RFC 2409 key material: structure, expansion rules and bad input.

The values themselves are checked against strongSwan in test_keymat_strongswan.py; these tests
pin the rules that decide *which* bytes go into each prf (Appendix B expansion, IV chaining,
KEYMAT expansion) using hmac/hashlib directly as the independent reference.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from vpnteach.crypto.prf import get_hash
from vpnteach.ike import keymat
from vpnteach.trace import Trace

MD5 = get_hash("md5")
SHA256 = get_hash("sha256")
COOKIE_I = bytes.fromhex("0011223344556677")
COOKIE_R = bytes.fromhex("8899aabbccddeeff")


def test_ka_for_3des_from_md5_skeyid_e_is_expanded_to_24_bytes_per_appendix_b() -> None:
    skeyid_e = bytes(range(16))
    k1 = hmac.new(skeyid_e, b"\x00", "md5").digest()
    k2 = hmac.new(skeyid_e, k1, "md5").digest()
    assert keymat.encryption_key(MD5, skeyid_e, 24) == (k1 + k2)[:24]


def test_ka_is_truncated_skeyid_e_when_long_enough() -> None:
    skeyid_e = bytes(range(32))
    assert keymat.encryption_key(SHA256, skeyid_e, 32) == skeyid_e
    assert keymat.encryption_key(SHA256, skeyid_e, 16) == skeyid_e[:16]


def test_skeyid_family_uses_the_trailing_octets_0_1_2() -> None:
    skeyid, g_xy = b"k" * 16, b"g" * 96
    d, a, e = keymat.derive_skeyids(MD5, skeyid, g_xy, COOKIE_I, COOKIE_R)
    tail = g_xy + COOKIE_I + COOKIE_R
    assert d == hmac.new(skeyid, tail + b"\0", "md5").digest()
    assert a == hmac.new(skeyid, d + tail + b"\1", "md5").digest()
    assert e == hmac.new(skeyid, a + tail + b"\2", "md5").digest()


def test_facts_record_name_formula_inputs_and_the_returned_value() -> None:
    trace = Trace("Branch1")
    value = keymat.skeyid_sig(MD5, b"n" * 16, b"r" * 16, b"g" * 96, trace)
    fact = trace.find("SKEYID")
    assert fact.value == value
    assert fact.formula == "prf(Ni_b | Nr_b, g^xy)"
    assert fact.inputs["ni_b"] == b"n" * 16
    assert fact.actor == "Branch1"
    assert fact.rfc == "RFC 2409 §5"


def test_keymat_expansion_feeds_the_previous_block_back_with_the_seed() -> None:
    skeyid_d, spi, ni_b, nr_b = b"d" * 16, bytes.fromhex("34f84d56"), b"i" * 16, b"r" * 16
    seed = bytes([3]) + spi + ni_b + nr_b
    k1 = hmac.new(skeyid_d, seed, "md5").digest()
    k2 = hmac.new(skeyid_d, k1 + seed, "md5").digest()
    k3 = hmac.new(skeyid_d, k2 + seed, "md5").digest()
    # esp-3des esp-md5-hmac needs 24 + 16 bytes
    assert keymat.keymat(MD5, skeyid_d, 3, spi, ni_b, nr_b, 40) == (k1 + k2 + k3)[:40]


def test_keymat_with_pfs_puts_the_quick_mode_secret_first() -> None:
    skeyid_d, spi = b"d" * 16, b"\x01\x02\x03\x04"
    g_qm = b"q" * 96
    expected = hmac.new(skeyid_d, g_qm + b"\x03" + spi + b"ab", "md5").digest()
    assert keymat.keymat(MD5, skeyid_d, 3, spi, b"a", b"b", 16, g_qm_xy=g_qm) == expected


def test_iv_chain_starts_from_hash_of_public_values_then_follows_ciphertext() -> None:
    g_xi, g_xr = b"\x01" * 96, b"\x02" * 96
    ivs = keymat.IvManager(MD5, 8, g_xi, g_xr)
    assert ivs.iv(0) == hashlib.md5(g_xi + g_xr).digest()[:8]
    mm5 = bytes(range(32))
    ivs.update(0, mm5)
    assert ivs.iv(0) == mm5[-8:]
    m_id = 0xA5DC7F90
    assert ivs.iv(m_id) == hashlib.md5(mm5[-8:] + m_id.to_bytes(4, "big")).digest()[:8]


def test_quick_mode_hashes_follow_rfc_2409_section_5_5() -> None:
    skeyid_a, m_id = b"a" * 16, 0x01020304
    body, ni_b, nr_b = b"SA|Ni|IDci|IDcr", b"i" * 16, b"r" * 16
    mid = m_id.to_bytes(4, "big")
    assert (
        keymat.qm_hash1(MD5, skeyid_a, m_id, body) == hmac.new(skeyid_a, mid + body, "md5").digest()
    )
    assert (
        keymat.qm_hash2(MD5, skeyid_a, m_id, ni_b, body)
        == hmac.new(skeyid_a, mid + ni_b + body, "md5").digest()
    )
    assert (
        keymat.qm_hash3(MD5, skeyid_a, m_id, ni_b, nr_b)
        == hmac.new(skeyid_a, b"\0" + mid + ni_b + nr_b, "md5").digest()
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: keymat.derive_skeyids(MD5, b"k", b"g", b"short", COOKIE_R), "CKY-I must be 8"),
        (lambda: keymat.keymat(MD5, b"d", 3, b"\x01\x02", b"", b"", 16), "SPI is 4 bytes"),
        (lambda: keymat.keymat(MD5, b"d", 300, b"\0" * 4, b"", b"", 16), "one octet"),
        (lambda: keymat.encryption_key(MD5, b"e" * 16, 0), "must be positive"),
        (lambda: keymat.qm_hash3(MD5, b"a", 2**32, b"", b""), "unsigned 32-bit"),
        (lambda: keymat.skeyid_psk(MD5, b"", b"n", b"r"), "pre-shared key is empty"),
        (lambda: keymat.IvManager(MD5, 8, b"x", b"y").iv(5), "phase 1 has not produced"),
        (lambda: keymat.IvManager(MD5, 8, b"x", b"y").update(0, b"123"), "whole number"),
    ],
)
def test_bad_input_raises_a_value_error_saying_what_is_wrong(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        call()
