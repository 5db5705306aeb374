"""IKEv1 RSA signatures (PKCS#1 v1.5 type 1, no DigestInfo), cross-checked with openssl."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import require_tool
from vpnteach._html import plain_html
from vpnteach.crypto.rng import OsRng, SeededRng
from vpnteach.crypto.rsa_sig import (
    RsaSignatureError,
    emsa_pkcs1_v15_null,
    generate_rsa_key,
    ikev1_sign,
    ikev1_verify,
)

HASH_MD5 = hashlib.md5(b"HASH_I").digest()
HASH_SHA1 = hashlib.sha1(b"HASH_R").digest()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return generate_rsa_key(1024, SeededRng("rsa-sig-test"))


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return generate_rsa_key(1024, SeededRng("another key"))


def _openssl() -> str:
    return require_tool("openssl", "needs the openssl command line tool")


def _write_keys(key: rsa.RSAPrivateKey, tmp: Path) -> tuple[Path, Path]:
    priv, pub = tmp / "key.pem", tmp / "pub.pem"
    priv.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


def _pkeyutl(*args: str | Path) -> bytes:
    cmd = [_openssl(), "pkeyutl", *map(str, args)]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=30).stdout


def test_emsa_null_block_layout() -> None:
    block = emsa_pkcs1_v15_null(b"\xab" * 16, 128)
    assert block == b"\x00\x01" + b"\xff" * 109 + b"\x00" + b"\xab" * 16
    assert len(block) == 128


def test_emsa_null_rejects_hash_without_room_for_8_padding_bytes() -> None:
    assert len(emsa_pkcs1_v15_null(bytes(53), 64)) == 64  # k - 11 fits exactly
    with pytest.raises(RsaSignatureError, match="54-byte hash does not fit a 64-byte RSA modulus"):
        emsa_pkcs1_v15_null(bytes(54), 64)


# openssl pkeyutl -sign -inkey key.pem -pkeyopt rsa_padding_mode:pkcs1 -in hash.bin
# (no -digest: type-1 padding over the raw input, no DigestInfo)
@pytest.mark.parametrize("hash_bytes", [HASH_MD5, HASH_SHA1])
def test_signature_equals_openssl_pkeyutl_raw_pkcs1(
    key: rsa.RSAPrivateKey, tmp_path: Path, hash_bytes: bytes
) -> None:
    priv, _ = _write_keys(key, tmp_path)
    (tmp_path / "hash.bin").write_bytes(hash_bytes)
    expected = _pkeyutl(
        "-sign", "-inkey", priv, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", tmp_path / "hash.bin"
    )
    assert ikev1_sign(key, hash_bytes) == expected


def test_signature_is_the_padded_hash_to_the_private_exponent(key: rsa.RSAPrivateKey) -> None:
    # RFC 8017 §5.2.1 RSASP1, first representation (s = m^d mod n), with Python's own pow.
    numbers = key.private_numbers()
    m = int.from_bytes(emsa_pkcs1_v15_null(HASH_MD5, 128), "big")
    expected = pow(m, numbers.d, numbers.public_numbers.n).to_bytes(128, "big")
    assert ikev1_sign(key, HASH_MD5) == expected


def test_sign_refuses_a_hash_without_room_for_the_padding(key: rsa.RSAPrivateKey) -> None:
    assert len(ikev1_sign(key, bytes(117))) == 128  # k - 11 fits exactly
    with pytest.raises(RsaSignatureError, match="118-byte hash does not fit a 128-byte"):
        ikev1_sign(key, bytes(118))


# openssl pkeyutl -verifyrecover -pubin -inkey pub.pem -pkeyopt rsa_padding_mode:pkcs1 -in sig
def test_openssl_recovers_our_hash_from_our_signature(
    key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    _, pub = _write_keys(key, tmp_path)
    (tmp_path / "sig.bin").write_bytes(ikev1_sign(key, HASH_SHA1))
    common: list[str | Path] = ["-pubin", "-inkey", pub, "-in", tmp_path / "sig.bin"]
    recovered = _pkeyutl("-verifyrecover", *common, "-pkeyopt", "rsa_padding_mode:pkcs1")
    assert recovered == HASH_SHA1
    raw = _pkeyutl("-verifyrecover", *common, "-pkeyopt", "rsa_padding_mode:none")
    assert raw == emsa_pkcs1_v15_null(HASH_SHA1, 128)


def test_we_verify_a_signature_made_by_openssl(key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    priv, _ = _write_keys(key, tmp_path)
    (tmp_path / "hash.bin").write_bytes(HASH_MD5)
    signature = _pkeyutl(
        "-sign", "-inkey", priv, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", tmp_path / "hash.bin"
    )
    check = ikev1_verify(key.public_key(), HASH_MD5, signature)
    assert check.ok and bool(check)
    assert check.recovered_block == check.expected_block == emsa_pkcs1_v15_null(HASH_MD5, 128)


def test_signature_with_digestinfo_is_not_the_ikev1_signature(key: rsa.RSAPrivateKey) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, utils

    with_digest_info = key.sign(HASH_SHA1, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    check = ikev1_verify(key.public_key(), HASH_SHA1, with_digest_info)
    assert not check.ok
    assert check.reason.startswith("DigestInfo present")


def test_verify_reports_wrong_length(key: rsa.RSAPrivateKey) -> None:
    signature = ikev1_sign(key, HASH_MD5)
    check = ikev1_verify(key.public_key(), HASH_MD5, signature[1:])
    assert not check.ok
    assert check.reason == "wrong length: signature has 127 bytes, the modulus 128 bytes"
    assert check.recovered_block is None


def test_verify_reports_bad_padding_for_another_key(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    check = ikev1_verify(other_key.public_key(), HASH_MD5, ikev1_sign(key, HASH_MD5))
    assert not check.ok and check.reason.startswith("bad padding")
    assert check.recovered_block is not None and check.recovered_block != check.expected_block


def test_verify_reports_hash_mismatch(key: rsa.RSAPrivateKey) -> None:
    signature = ikev1_sign(key, hashlib.md5(b"something else").digest())
    check = ikev1_verify(key.public_key(), HASH_MD5, signature)
    assert not check.ok and check.reason.startswith("hash mismatch")
    assert check.recovered_block is not None
    assert check.recovered_block[:-16] == check.expected_block[:-16]  # type: ignore[index]


def test_verify_reports_value_not_below_modulus(key: rsa.RSAPrivateKey) -> None:
    n = key.public_key().public_numbers().n
    check = ikev1_verify(key.public_key(), HASH_MD5, n.to_bytes(128, "big"))
    assert not check.ok and "not below the modulus" in check.reason


def test_signature_check_has_an_html_view(key: rsa.RSAPrivateKey) -> None:
    html = plain_html(ikev1_verify(key.public_key(), HASH_MD5, ikev1_sign(key, HASH_MD5)))
    assert "SignatureCheck" in html and "signature valid" in html


def test_seeded_key_generation_is_reproducible(key: rsa.RSAPrivateKey) -> None:
    again = generate_rsa_key(1024, SeededRng("rsa-sig-test"))
    assert again.private_numbers() == key.private_numbers()
    assert key.key_size == 1024
    assert key.public_key().public_numbers().e == 65537


def test_different_seeds_give_different_keys(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    assert key.public_key().public_numbers().n != other_key.public_key().public_numbers().n


def test_os_rng_key_generation_gives_a_working_key() -> None:
    fresh = generate_rsa_key(1024, OsRng())
    assert fresh.key_size == 1024
    assert ikev1_verify(fresh.public_key(), HASH_SHA1, ikev1_sign(fresh, HASH_SHA1)).ok


@pytest.mark.parametrize("bits", [512, 1000, 1100])
def test_unsupported_key_sizes_are_rejected(bits: int) -> None:
    with pytest.raises(
        RsaSignatureError, match=f"at least 1024 bits and a multiple of 256, got {bits}"
    ):
        generate_rsa_key(bits, SeededRng(1))
