"""The IKEv1 RSA signature: PKCS#1 v1.5 type-1 padding over the raw hash, no DigestInfo.

RFC 2409 §5.1 authenticates Main Mode with ``SIG_I = sign(HASH_I)``; for RSA the hash is
padded as PKCS#1 block type 1 (RFC 2313 §8.1 / RFC 8017 §9.2 steps 4-5) but **without** the
ASN.1 DigestInfo that identifies the hash algorithm: the negotiated hash is already known to
both peers. strongSwan calls this scheme ``RSA_EMSA_PKCS1_NULL``; ``openssl pkeyutl -sign``
without ``-digest`` produces the same bytes. The encoded message for a modulus of ``k`` bytes is::

    EM = 0x00 || 0x01 || PS (k - 3 - len(H) bytes of 0xFF, at least 8) || 0x00 || H

and the signature is ``EM^d mod n`` as ``k`` big-endian bytes (RSASP1, RFC 8017 §5.2.1).
Verification raises ``s^e mod n`` back to a block and compares it with the expected one in
constant time; :class:`SignatureCheck` keeps both blocks so a learner sees *why* it failed.

Implementation: signing is OpenSSL's RSASP1 (CRT, with blinding) through ``cryptography``'s
``NoDigestInfo`` option (cryptography >= 47), which pads exactly as above and runs about twice
as fast as the CRT written out in Python; the key's consistency (``n = p q``, ``e d = 1``) was
checked by ``cryptography`` when the key was loaded. Verification computes ``s^e mod n`` itself
(:func:`~vpnteach.crypto.modexp.powmod`) so the recovered block can be shown even when it is
wrong.

:func:`generate_rsa_key` makes key pairs that are reproducible for a
:class:`~vpnteach.crypto.rng.SeededRng` (pycryptodome's generator drawing from the seeded
stream), and uses ``cryptography``'s generator for :class:`~vpnteach.crypto.rng.OsRng`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import NoDigestInfo

from vpnteach._html import HtmlRepr
from vpnteach.crypto.modexp import powmod
from vpnteach.crypto.rng import OsRng, Rng

_MIN_PADDING = 8  # RFC 8017 §9.2 step 5 / RFC 2313 §8.1: PS is at least 8 octets
_PKCS1_TYPE_1 = padding.PKCS1v15()
_NO_DIGEST_INFO = NoDigestInfo()


class RsaSignatureError(ValueError):
    """The hash does not fit the RSA modulus, or a key is unusable."""


def modulus_length(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> int:
    """``k``, the length of the modulus ``n`` in bytes."""
    return (key.key_size + 7) // 8


def emsa_pkcs1_v15_null(hash_bytes: bytes, k: int) -> bytes:
    """``0x00 0x01 FF..FF 0x00 H``: type-1 padding of the raw hash to ``k`` bytes, no DigestInfo.

    Raises:
        RsaSignatureError: the hash is longer than ``k - 11`` bytes.
    """
    _check_fits(hash_bytes, k)
    return b"\x00\x01" + b"\xff" * (k - 3 - len(hash_bytes)) + b"\x00" + hash_bytes


def _check_fits(hash_bytes: bytes, k: int) -> None:
    if len(hash_bytes) > k - 3 - _MIN_PADDING:
        raise RsaSignatureError(
            f"a {len(hash_bytes)}-byte hash does not fit a {k}-byte RSA modulus "
            f"(at most {k - 11} bytes, RFC 8017 §9.2)"
        )


def ikev1_sign(private_key: rsa.RSAPrivateKey, hash_bytes: bytes) -> bytes:
    """``SIG = EMSA-PKCS1-v1_5-NULL(HASH)^d mod n`` as ``k`` bytes (RFC 2409 §5.1).

    Raises:
        RsaSignatureError: the hash does not fit the modulus.
    """
    _check_fits(hash_bytes, modulus_length(private_key))
    # PKCS1v15 + NoDigestInfo is the padding of emsa_pkcs1_v15_null, then RSASP1 (RFC 8017
    # §5.2.1): the same bytes as `openssl pkeyutl -sign` without -digest (tested).
    return private_key.sign(hash_bytes, _PKCS1_TYPE_1, _NO_DIGEST_INFO)


@dataclass(frozen=True)
class SignatureCheck(HtmlRepr):
    """The outcome of verifying an IKEv1 RSA signature, with both blocks for inspection.

    ``recovered_block`` is ``s^e mod n`` as ``k`` bytes (``None`` if the signature could not
    be opened); ``expected_block`` is the padding of the hash we computed ourselves.
    """

    ok: bool
    reason: str
    hash_bytes: bytes
    recovered_block: bytes | None
    expected_block: bytes | None

    def __bool__(self) -> bool:
        return self.ok


def _failed(
    reason: str, h: bytes, recovered: bytes | None, expected: bytes | None
) -> SignatureCheck:
    return SignatureCheck(False, reason, h, recovered, expected)


def _padding_is_wellformed(block: bytes) -> bool:
    """True when ``block`` is ``00 01 FF..FF 00 ...`` with at least 8 bytes of 0xFF."""
    if block[:2] != b"\x00\x01":
        return False
    end = block.find(b"\x00", 2)
    return end >= 2 + _MIN_PADDING and block[2:end] == b"\xff" * (end - 2)


def ikev1_verify(
    public_key: rsa.RSAPublicKey, hash_bytes: bytes, signature: bytes
) -> SignatureCheck:
    """Verify ``signature`` over ``hash_bytes`` (RFC 2409 §5.1, type-1 padding, no DigestInfo).

    Never raises for a bad signature: the returned :class:`SignatureCheck` says what failed
    (wrong length, out of range, bad padding, hash mismatch). It is truthy when valid.
    """
    k = modulus_length(public_key)
    try:
        expected = emsa_pkcs1_v15_null(hash_bytes, k)
    except RsaSignatureError as exc:
        return _failed(str(exc), hash_bytes, None, None)
    if len(signature) != k:
        reason = f"wrong length: signature has {len(signature)} bytes, the modulus {k} bytes"
        return _failed(reason, hash_bytes, None, expected)
    numbers = public_key.public_numbers()
    s = int.from_bytes(signature, "big")
    if s >= numbers.n:
        return _failed("signature value is not below the modulus n", hash_bytes, None, expected)
    recovered = powmod(s, numbers.e, numbers.n).to_bytes(k, "big")  # RSAVP1, RFC 8017 §5.2.2
    if hmac.compare_digest(recovered, expected):
        return SignatureCheck(True, "signature valid", hash_bytes, recovered, expected)
    return _failed(_diagnose(recovered, hash_bytes), hash_bytes, recovered, expected)


def _diagnose(recovered: bytes, hash_bytes: bytes) -> str:
    """Why a recovered block differs from the expected one, in a learner's terms."""
    if not _padding_is_wellformed(recovered):
        return "bad padding: s^e mod n is not 00 01 FF..FF 00 || hash (wrong key or data?)"
    payload = recovered[recovered.index(b"\x00", 2) + 1 :]
    if len(payload) > len(hash_bytes) and payload.endswith(hash_bytes):
        return (
            "DigestInfo present: the signer put an ASN.1 DigestInfo before the hash "
            "(IKEv1 signs the raw hash, RFC 2409 §5.1)"
        )
    if len(payload) != len(hash_bytes):
        return f"hash mismatch: {len(payload)}-byte hash signed, {len(hash_bytes)}-byte expected"
    return "hash mismatch: the signed hash differs from ours"


def _validate_bits(bits: int) -> None:
    if bits < 1024 or bits % 256:
        raise RsaSignatureError(
            f"RSA key size must be at least 1024 bits and a multiple of 256, got {bits}"
        )


def generate_rsa_key(bits: int, rng: Rng) -> rsa.RSAPrivateKey:
    """A new RSA key (public exponent 65537) of ``bits`` bits, as a ``cryptography`` key.

    With :class:`~vpnteach.crypto.rng.OsRng` this is ``cryptography``'s generator. With any
    other source (a ``SeededRng``) it is pycryptodome's ``RSA.generate`` drawing all its
    randomness from ``rng``, so the same seed gives the same key (with the same pycryptodome
    version: its prime search is not a published standard).

    Raises:
        RsaSignatureError: ``bits`` below 1024 or not a multiple of 256 (pycryptodome's rule,
            applied to both paths so a seeded and an OS run accept the same sizes).
    """
    _validate_bits(bits)
    if isinstance(rng, OsRng):
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    from Crypto.PublicKey import RSA  # deferred: only seeded runs need pycryptodome here

    key = RSA.generate(bits, randfunc=rng.random_bytes, e=65537)
    p, q, d = int(key.p), int(key.q), int(key.d)
    public = rsa.RSAPublicNumbers(int(key.e), int(key.n))
    return rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=public,
    ).private_key()
