"""Modular exponentiation, the one costly operation of IKE (DH and RSA).

``powmod(base, exponent, modulus)`` is Python's ``pow`` with three arguments. When the optional
``gmpy2`` package (GMP) is installed it does the same computation several times faster, which
keeps a full Main Mode + Quick Mode in the milliseconds a learner expects; results are identical
(tested). Nothing else in vpnteach depends on GMP.
"""

from __future__ import annotations

from collections.abc import Callable

try:  # pragma: no cover - which branch runs depends on the installation
    import gmpy2

    def _gmp_powmod(base: int, exponent: int, modulus: int) -> int:
        return int(gmpy2.powmod(base, exponent, modulus))

    _POWMOD: Callable[[int, int, int], int] = _gmp_powmod
    BACKEND = "gmpy2"
except ImportError:  # pragma: no cover
    _POWMOD = pow
    BACKEND = "python"


def powmod(base: int, exponent: int, modulus: int) -> int:
    """``base ** exponent mod modulus`` (non-negative ``exponent``, ``modulus`` > 1)."""
    if exponent < 0 or modulus < 2:
        raise ValueError(f"powmod needs exponent >= 0 and modulus > 1, got {exponent}, {modulus}")
    return _POWMOD(base, exponent, modulus)
