"""The random sources: seeded streams are reproducible, independent per fork, well bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vpnteach.crypto.rng import OsRng, Rng, SeededRng, random_int_below


def test_same_seed_gives_same_stream_and_different_seed_a_different_one() -> None:
    assert SeededRng(42).random_bytes(64) == SeededRng(42).random_bytes(64)
    assert SeededRng(42).random_bytes(64) != SeededRng(43).random_bytes(64)
    assert SeededRng("lab").random_bytes(16) == SeededRng(b"lab").random_bytes(16)


@given(st.lists(st.integers(0, 70), max_size=8))
def test_stream_does_not_depend_on_how_draws_are_split(sizes: list[int]) -> None:
    split = SeededRng("split")
    pieces = b"".join(split.random_bytes(n) for n in sizes)
    assert pieces == SeededRng("split").random_bytes(sum(sizes))


def test_forks_are_independent_of_draws_on_the_parent() -> None:
    parent = SeededRng(7)
    before = parent.fork("dh").random_bytes(32)
    parent.random_bytes(100)
    assert parent.fork("dh").random_bytes(32) == before
    assert parent.fork("nonce").random_bytes(32) != before


def test_first_block_is_sha256_of_the_documented_input() -> None:
    import hashlib

    # SHA-256(len(seed) as 4 bytes | seed | label | counter as 8 bytes), module docstring.
    expected = hashlib.sha256(b"\x00\x00\x00\x03abc" + b"" + bytes(8)).digest()
    assert SeededRng(b"abc").random_bytes(32) == expected


def test_negative_draw_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative number of bytes"):
        SeededRng(1).random_bytes(-1)


@given(st.integers(1, 2**70), st.integers(0, 2**32))
def test_random_int_below_stays_in_range(bound: int, seed: int) -> None:
    assert 0 <= random_int_below(SeededRng(seed), bound) < bound


def test_random_int_below_covers_a_small_range_evenly() -> None:
    rng = SeededRng("uniform")
    counts = [0] * 6
    for _ in range(6000):
        counts[random_int_below(rng, 6)] += 1
    assert all(850 < c < 1150 for c in counts), counts


def test_random_int_below_rejects_non_positive_bound() -> None:
    with pytest.raises(ValueError, match="bound must be positive, got 0"):
        random_int_below(SeededRng(1), 0)


def test_both_sources_satisfy_the_protocol() -> None:
    assert isinstance(OsRng(), Rng) and isinstance(SeededRng(1), Rng)
    assert len(OsRng().random_bytes(24)) == 24
