"""An SA's keyed HMAC context (vpnteach.esp.integrity.HmacContext) against Python's hmac
module (RFC 2104 as the standard library implements it) and RFC 2202's test vectors."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.integrity import INTEGRITY_ALGORITHMS, HmacContext, get_integrity


@pytest.mark.parametrize("algorithm", list(INTEGRITY_ALGORITHMS.values()), ids=lambda a: a.name)
def test_every_packet_gets_the_truncated_hmac_of_its_own_bytes(algorithm: object) -> None:
    alg = get_integrity(algorithm.name)  # type: ignore[attr-defined]
    rng = SeededRng(alg.name)
    key = rng.random_bytes(alg.key_size)
    context = HmacContext(alg, key)
    for size in (0, 1, 63, 64, 65, 1400, 1500):  # around the hash's 64-byte block
        data = rng.random_bytes(size)
        expected = hmac.new(key, data, getattr(hashlib, alg.hashlib_name)).digest()
        assert context.icv(data) == expected[: alg.icv_size]
        assert context.icv(data) == expected[: alg.icv_size]  # no state carried over


def test_rfc_2202_vectors_truncated_to_96_bits() -> None:
    md5 = HmacContext(get_integrity("esp-md5-hmac"), b"\x0b" * 16)  # RFC 2202 §2, case 1
    assert md5.icv(b"Hi There") == bytes.fromhex("9294727a3638bb1c13f48ef8158bfc9d")[:12]
    sha1 = HmacContext(get_integrity("esp-sha-hmac"), b"\x0b" * 20)  # RFC 2202 §3, case 1
    assert sha1.icv(b"Hi There") == bytes.fromhex("b617318655057264e28bc0b6fb378c8ef146be00")[:12]
