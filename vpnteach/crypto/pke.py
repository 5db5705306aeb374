"""RSA encryption with PKCS#1 v1.5 padding (RFC 8017 §7.2), as IKEv1 rsa-encr uses it.

RFC 2409 §5.2 encrypts the bodies of the nonce and ID payloads with the peer's public key
"using PKCS #1" (RSAES-PKCS1-v1_5)::

    EM = 0x00 || 0x02 || PS || 0x00 || M     (PS: at least 8 random non-zero octets)
    C  = EM ^ e mod n                           (RSAEP, RFC 8017 §5.1.1)

Encryption draws PS from the engine's :class:`~vpnteach.crypto.rng.Rng`, so a seeded run
replays byte for byte (an OpenSSL call would take its own randomness). Decryption is written
out too, and says exactly what failed: OpenSSL 3.2 and later answer a bad PKCS#1 v1.5 block
with a random "implicitly rejected" message instead of an error, which would turn a wrong key
into a confusing failure much later.

A learner should know the catch: a decryptor that *reveals* whether the padding was right is a
Bleichenbacher oracle (CRYPTO '98). Felsch et al., "The Dangers of Key Reuse" (USENIX Security
2018, CVE-2018-0131), used exactly this against IKEv1 rsa-encr in Cisco IOS to forge rsa-sig
signatures with the same key. This teaching engine reports bad padding plainly, on purpose.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto.modexp import powmod
from vpnteach.crypto.rng import Rng

MIN_PADDING = 8  # RFC 8017 §7.2.1: PS is at least eight octets long


class PkeError(ValueError):
    """A message that cannot be RSA-encrypted, or a ciphertext that does not decrypt."""


def _length(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> int:
    return (key.key_size + 7) // 8


def _nonzero_bytes(rng: Rng, count: int) -> bytes:
    """``count`` random octets, none of them zero (RFC 8017 §7.2.1 step 2b)."""
    out = bytearray()
    while len(out) < count:
        out += bytes(b for b in rng.random_bytes(count - len(out)) if b)
    return bytes(out)


def encrypt(public_key: rsa.RSAPublicKey, message: bytes, rng: Rng) -> bytes:
    """RSAES-PKCS1-v1_5-ENCRYPT (RFC 8017 §7.2.1): ``k`` octets of ciphertext."""
    k = _length(public_key)
    if len(message) > k - 3 - MIN_PADDING:
        raise PkeError(
            f"{len(message)} bytes do not fit a {k * 8}-bit RSA key "
            f"(at most {k - 3 - MIN_PADDING}, RFC 8017 §7.2.1)"
        )
    padding = _nonzero_bytes(rng, k - 3 - len(message))
    em = b"\x00\x02" + padding + b"\x00" + message
    numbers = public_key.public_numbers()
    return powmod(int.from_bytes(em, "big"), numbers.e, numbers.n).to_bytes(k, "big")


def decrypt(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """RSAES-PKCS1-v1_5-DECRYPT (RFC 8017 §7.2.2); :class:`PkeError` says what failed."""
    k = _length(private_key)
    if len(ciphertext) != k:
        raise PkeError(
            f"ciphertext has {len(ciphertext)} bytes, our {k * 8}-bit key needs exactly {k}"
        )
    numbers = private_key.private_numbers()
    c = int.from_bytes(ciphertext, "big")
    if c >= numbers.public_numbers.n:
        raise PkeError("ciphertext is not below our modulus n: encrypted with another key")
    em = _rsadp_crt(numbers, c).to_bytes(k, "big")
    end = em.find(b"\x00", 2)
    if em[:2] != b"\x00\x02" or end < 2 + MIN_PADDING:
        raise PkeError(
            "no PKCS#1 v1.5 block (00 02 PS 00 M) after decryption: "
            "the peer encrypted with a public key that is not ours"
        )
    return em[end + 1 :]


def _rsadp_crt(numbers: rsa.RSAPrivateNumbers, c: int) -> int:
    """RSADP with the Chinese Remainder Theorem (RFC 8017 §5.1.2 step 2b)."""
    m1 = powmod(c, numbers.dmp1, numbers.p)
    m2 = powmod(c, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    return m2 + h * numbers.q
