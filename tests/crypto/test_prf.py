"""Known-answer tests for the IKEv1 hash/PRF registry (RFC 2202, RFC 4231)."""

from __future__ import annotations

import pytest

from vpnteach.crypto.prf import HASH_ALGORITHMS, get_hash

_DATA_6 = b"Test Using Larger Than Block-Size Key - Hash Key First"
_DATA_7_2202 = b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
_DATA_7_4231 = (
    b"This is a test using a larger than block-size key and a larger than block-size data. "
    b"The key needs to be hashed before being used by the HMAC algorithm."
)

# RFC 2202 §2 "Test Cases for HMAC-MD5", test cases 1-7: (key, data, digest).
RFC2202_MD5 = [
    (b"\x0b" * 16, b"Hi There", "9294727a3638bb1c13f48ef8158bfc9d"),
    (b"Jefe", b"what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"),
    (b"\xaa" * 16, b"\xdd" * 50, "56be34521d144c88dbb8c733f0e8b3f6"),
    (bytes(range(1, 26)), b"\xcd" * 50, "697eaf0aca3a3aea3a75164746ffaa79"),
    (b"\x0c" * 16, b"Test With Truncation", "56461ef2342edc00f9bab995690efd4c"),
    (b"\xaa" * 80, _DATA_6, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"),
    (b"\xaa" * 80, _DATA_7_2202, "6f630fad67cda0ee1fb1f562db3aa53e"),
]

# RFC 2202 §3 "Test Cases for HMAC-SHA-1", test cases 1-7: (key, data, digest).
RFC2202_SHA1 = [
    (b"\x0b" * 20, b"Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"),
    (b"Jefe", b"what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
    (b"\xaa" * 20, b"\xdd" * 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
    (bytes(range(1, 26)), b"\xcd" * 50, "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
    (b"\x0c" * 20, b"Test With Truncation", "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"),
    (b"\xaa" * 80, _DATA_6, "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
    (b"\xaa" * 80, _DATA_7_2202, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
]

# RFC 4231 §4.2-§4.8, test cases 1-7: (case, key, data, {hash: HMAC output}). Case 5 (§4.6)
# lists only the output truncated to 128 bits; the test compares that prefix.
RFC4231 = [
    (
        1,
        b"\x0b" * 20,
        b"Hi There",
        {
            "sha256": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "sha384": "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
            "faea9ea9076ede7f4af152e8b2fa9cb6",
            "sha512": "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        },
    ),
    (
        2,
        b"Jefe",
        b"what do ya want for nothing?",
        {
            "sha256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "sha384": "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649",
            "sha512": "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        },
    ),
    (
        3,
        b"\xaa" * 20,
        b"\xdd" * 50,
        {
            "sha256": "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "sha384": "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
            "2a5ab39dc13814b94e3ab6e101a34f27",
            "sha512": "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
            "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        },
    ),
    (
        4,
        bytes(range(1, 26)),
        b"\xcd" * 50,
        {
            "sha256": "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "sha384": "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
            "6801dd23c4a7d679ccf8a386c674cffb",
            "sha512": "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
            "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
        },
    ),
    (
        5,
        b"\x0c" * 20,
        b"Test With Truncation",
        {
            "sha256": "a3b6167473100ee06e0c796c2955552b",
            "sha384": "3abf34c3503b2a23a46efc619baef897",
            "sha512": "415fad6271580a531d4179bc891d87a6",
        },
    ),
    (
        6,
        b"\xaa" * 131,
        _DATA_6,
        {
            "sha256": "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "sha384": "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
            "0c2ef6ab4030fe8296248df163f44952",
            "sha512": "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
            "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        },
    ),
    (
        7,
        b"\xaa" * 131,
        _DATA_7_4231,
        {
            "sha256": "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            "sha384": "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
            "a678cc31e799176d3860e6110c46523e",
            "sha512": "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
            "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        },
    ),
]


@pytest.mark.parametrize(("key", "data", "expected"), RFC2202_MD5)
def test_md5_prf_matches_rfc2202(key: bytes, data: bytes, expected: str) -> None:
    assert get_hash(1).prf(key, data).hex() == expected


@pytest.mark.parametrize(("key", "data", "expected"), RFC2202_SHA1)
def test_sha1_prf_matches_rfc2202(key: bytes, data: bytes, expected: str) -> None:
    assert get_hash("sha").prf(key, data).hex() == expected


@pytest.mark.parametrize(
    ("case", "name", "key", "data", "expected"),
    [(c, n, k, d, e) for c, k, d, out in RFC4231 for n, e in out.items()],
)
def test_sha2_prf_matches_rfc4231(
    case: int, name: str, key: bytes, data: bytes, expected: str
) -> None:
    mac = get_hash(name).prf(key, data)
    assert len(mac) == get_hash(name).digest_size
    # RFC 4231 §4.6: case 5 publishes only the leftmost 128 bits of the output.
    assert mac[: len(expected) // 2].hex() == expected


def test_hash_of_abc_matches_fips_180_vectors() -> None:
    # FIPS 180-2 Appendix A.1 / B.1 "abc" and RFC 1321 §A.5 MD5("abc").
    assert get_hash("md5").hash(b"abc").hex() == "900150983cd24fb0d6963f7d28e17f72"
    assert get_hash(2).hash(b"abc").hex() == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert get_hash(4).hash(b"abc").hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_registry_sizes_match_hashlib() -> None:
    import hashlib

    for alg in HASH_ALGORITHMS.values():
        ref = hashlib.new(alg.hashlib_name)
        assert (alg.digest_size, alg.block_size) == (ref.digest_size, ref.block_size)


@pytest.mark.parametrize("bad", [3, 99, "tiger", "sha3"])
def test_unknown_hash_is_rejected_with_list_of_known_ones(bad: int | str) -> None:
    with pytest.raises(ValueError, match=r"unknown IKE hash algorithm.*known: 1 \(MD5\)"):
        get_hash(bad)
