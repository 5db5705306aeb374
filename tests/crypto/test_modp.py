"""MODP groups: the primes checked against two independent sources and for safe-primality."""

from __future__ import annotations

import mpmath  # type: ignore[import-untyped]  # test dependency: high-precision pi
import pytest

from vpnteach.crypto.modp import MODP_GROUPS, get_group

# The offset k of each prime, from the formula printed with each group:
# RFC 2409 §6.1 (768: k = 149686), §6.2 (1024: 129093); RFC 3526 §2 (1536: 741804),
# §3 (2048: 124476), §4 (3072: 1690314), §5 (4096: 240904).
PI_OFFSETS = {
    1: (768, 149686),
    2: (1024, 129093),
    5: (1536, 741804),
    14: (2048, 124476),
    15: (3072, 1690314),
    16: (4096, 240904),
}

# strongSwan src/libstrongswan/crypto/diffie_hellman.c (strongswan/strongswan, commit
# 0a5b60db2066e4e62d2e9da387080c80201a08b4), dh_params[].prime, transcribed row by row
# (16 bytes per row as there).
STRONGSWAN_PRIMES = {
    1: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A63A3620FFFFFFFFFFFFFFFF"
    ),
    2: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE6"
        "49286651ECE65381FFFFFFFFFFFFFFFF"
    ),
    5: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE6"
        "49286651ECE45B3DC2007CB8A163BF05"
        "98DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB"
        "9ED529077096966D670C354E4ABC9804"
        "F1746C08CA237327FFFFFFFFFFFFFFFF"
    ),
    14: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE6"
        "49286651ECE45B3DC2007CB8A163BF05"
        "98DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB"
        "9ED529077096966D670C354E4ABC9804"
        "F1746C08CA18217C32905E462E36CE3B"
        "E39E772C180E86039B2783A2EC07A28F"
        "B5C55DF06F4C52C9DE2BCBF695581718"
        "3995497CEA956AE515D2261898FA0510"
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF"
    ),
    15: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE6"
        "49286651ECE45B3DC2007CB8A163BF05"
        "98DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB"
        "9ED529077096966D670C354E4ABC9804"
        "F1746C08CA18217C32905E462E36CE3B"
        "E39E772C180E86039B2783A2EC07A28F"
        "B5C55DF06F4C52C9DE2BCBF695581718"
        "3995497CEA956AE515D2261898FA0510"
        "15728E5A8AAAC42DAD33170D04507A33"
        "A85521ABDF1CBA64ECFB850458DBEF0A"
        "8AEA71575D060C7DB3970F85A6E1E4C7"
        "ABF5AE8CDB0933D71E8C94E04A25619D"
        "CEE3D2261AD2EE6BF12FFA06D98A0864"
        "D87602733EC86A64521F2B18177B200C"
        "BBE117577A615D6C770988C0BAD946E2"
        "08E24FA074E5AB3143DB5BFCE0FD108E"
        "4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
    ),
    16: (
        "FFFFFFFFFFFFFFFFC90FDAA22168C234"
        "C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6"
        "F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE6"
        "49286651ECE45B3DC2007CB8A163BF05"
        "98DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB"
        "9ED529077096966D670C354E4ABC9804"
        "F1746C08CA18217C32905E462E36CE3B"
        "E39E772C180E86039B2783A2EC07A28F"
        "B5C55DF06F4C52C9DE2BCBF695581718"
        "3995497CEA956AE515D2261898FA0510"
        "15728E5A8AAAC42DAD33170D04507A33"
        "A85521ABDF1CBA64ECFB850458DBEF0A"
        "8AEA71575D060C7DB3970F85A6E1E4C7"
        "ABF5AE8CDB0933D71E8C94E04A25619D"
        "CEE3D2261AD2EE6BF12FFA06D98A0864"
        "D87602733EC86A64521F2B18177B200C"
        "BBE117577A615D6C770988C0BAD946E2"
        "08E24FA074E5AB3143DB5BFCE0FD108E"
        "4B82D120A92108011A723C12A787E6D7"
        "88719A10BDBA5B2699C327186AF4E23C"
        "1A946834B6150BDA2583E9CA2AD44CE8"
        "DBBBC2DB04DE8EF92E8EFC141FBECAA6"
        "287C59474E6BC05D99B2964FA090C3A2"
        "233BA186515BE7ED1F612970CEE2D7AF"
        "B81BDD762170481CD0069127D5B05AA9"
        "93B4EA988D8FDDC186FFB7DC90A6C08F"
        "4DF435C934063199FFFFFFFFFFFFFFFF"
    ),
}


def _prime_from_pi(n: int, k: int) -> int:
    """p = 2^n - 2^(n-64) - 1 + 2^64 * ( [2^(n-130) pi] + k ), pi to n + 64 bits."""
    with mpmath.workprec(n + 64):
        pi_part = int(mpmath.floor(mpmath.ldexp(mpmath.pi, n - 130)))
    return (1 << n) - (1 << (n - 64)) - 1 + (1 << 64) * (pi_part + k)


def _is_probable_prime(n: int, bases: tuple[int, ...] = (2, 3, 5, 7)) -> bool:
    """Miller-Rabin with a few fixed bases (enough to catch any transcription error)."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


@pytest.mark.parametrize("number", sorted(MODP_GROUPS))
def test_prime_equals_the_rfc_pi_formula(number: int) -> None:
    bits, k = PI_OFFSETS[number]
    group = MODP_GROUPS[number]
    assert group.p == _prime_from_pi(bits, k)
    assert group.bits == bits == group.p.bit_length()
    assert group.g == 2


@pytest.mark.parametrize("number", sorted(MODP_GROUPS))
def test_prime_equals_strongswan_transcription(number: int) -> None:
    assert MODP_GROUPS[number].p == int("".join(STRONGSWAN_PRIMES[number]), 16)


@pytest.mark.parametrize("number", sorted(MODP_GROUPS))
def test_prime_is_a_safe_prime(number: int) -> None:
    p = MODP_GROUPS[number].p
    assert _is_probable_prime(p)
    assert _is_probable_prime((p - 1) // 2)


def test_miller_rabin_helper_rejects_a_composite_near_the_prime() -> None:
    p = MODP_GROUPS[1].p
    assert not _is_probable_prime(p + 2)  # a Miller-Rabin witness proves compositeness
    assert not _is_probable_prime(561)  # Carmichael number: fools Fermat, not Miller-Rabin
    assert not _is_probable_prime(p * 3)


@pytest.mark.parametrize(
    ("key", "number", "name"),
    [
        (1, 1, "modp768"),
        ("modp1024", 2, "modp1024"),
        ("5", 5, "modp1536"),
        (14, 14, "modp2048"),
        ("MODP3072", 15, "modp3072"),
        (16, 16, "modp4096"),
    ],
)
def test_get_group_by_number_or_name(key: int | str, number: int, name: str) -> None:
    group = get_group(key)
    assert (group.number, group.name) == (number, name)
    assert group.byte_length * 8 == group.bits


@pytest.mark.parametrize("bad", [0, 3, 4, 17, "modp512", "ecp256"])
def test_unknown_group_is_rejected_with_list_of_known_ones(bad: int | str) -> None:
    with pytest.raises(ValueError, match=r"unknown MODP group .*known: 1 \(modp768\)"):
        get_group(bad)


def test_groups_cite_their_rfc_section() -> None:
    assert [g.rfc for g in MODP_GROUPS.values()] == [
        "RFC 2409 §6.1",
        "RFC 2409 §6.2",
        "RFC 3526 §2",
        "RFC 3526 §3",
        "RFC 3526 §4",
        "RFC 3526 §5",
    ]
