"""powmod: GMP when available, Python's pow otherwise; the same numbers either way."""

from __future__ import annotations

import pytest

from vpnteach.crypto import modexp
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.rng import SeededRng, random_int_below


@pytest.mark.parametrize("group", [1, 2, 14])
def test_powmod_equals_pythons_pow_on_modp_groups(group: int) -> None:
    p = get_group(group).p
    rng = SeededRng(f"powmod-{group}")
    for _ in range(5):
        base, exponent = random_int_below(rng, p), random_int_below(rng, p)
        assert modexp.powmod(base, exponent, p) == pow(base, exponent, p)


def test_powmod_returns_a_plain_int() -> None:
    assert type(modexp.powmod(3, 5, 7)) is int


def test_gmp_backend_is_used_when_installed() -> None:
    pytest.importorskip("gmpy2")
    assert modexp.BACKEND == "gmpy2"


@pytest.mark.parametrize(("exponent", "modulus"), [(-1, 7), (3, 1), (3, 0)])
def test_bad_arguments_are_refused(exponent: int, modulus: int) -> None:
    with pytest.raises(ValueError, match="powmod needs"):
        modexp.powmod(2, exponent, modulus)
