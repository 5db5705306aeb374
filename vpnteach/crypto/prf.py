"""Hash functions and the HMAC pseudo-random functions IKEv1 negotiates.

IKEv1 has no separate PRF attribute in practice: the negotiated hash (IKE attribute class 2,
RFC 2409 Appendix A) is used both as ``hash()`` and, through HMAC (RFC 2104), as ``prf()``
(RFC 2409 §4: "the HMAC version of the negotiated hash algorithm is used as the default
pseudo-random function"). The registry is keyed by the IANA attribute value.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class HashAlgorithm:
    """A hash function as negotiated by IKEv1 (attribute class 2, RFC 2409 Appendix A)."""

    ike_id: int
    name: str
    hashlib_name: str
    digest_size: int
    block_size: int

    def hash(self, data: bytes) -> bytes:
        """``hash(data)``."""
        # hashlib's named constructors are C functions; hashlib.new is a Python wrapper.
        return _CONSTRUCTORS[self.hashlib_name](data).digest()

    def prf(self, key: bytes, data: bytes) -> bytes:
        """``prf(key, data)`` = HMAC with this hash (RFC 2104, RFC 2409 §4)."""
        # One-shot HMAC: OpenSSL computes it in one call, no HMAC object is built.
        return hmac.digest(key, data, self.hashlib_name)


_CONSTRUCTORS = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}

HASH_ALGORITHMS: dict[int, HashAlgorithm] = {
    h.ike_id: h
    for h in (
        # RFC 2409 Appendix A "Hash Algorithm": 1 MD5, 2 SHA; 4-6 SHA2 from the IANA IPsec
        # registry (assigned for draft-ietf-ipsec-ciph-sha-256, see also RFC 4868).
        HashAlgorithm(1, "MD5", "md5", 16, 64),
        HashAlgorithm(2, "SHA", "sha1", 20, 64),
        HashAlgorithm(4, "SHA2-256", "sha256", 32, 64),
        HashAlgorithm(5, "SHA2-384", "sha384", 48, 128),
        HashAlgorithm(6, "SHA2-512", "sha512", 64, 128),
    )
}

_BY_NAME = {h.name.lower(): h for h in HASH_ALGORITHMS.values()} | {
    "sha1": HASH_ALGORITHMS[2],
    "sha256": HASH_ALGORITHMS[4],
    "sha384": HASH_ALGORITHMS[5],
    "sha512": HASH_ALGORITHMS[6],
}


def get_hash(ike_id_or_name: int | str) -> HashAlgorithm:
    """The hash for an IKE attribute value (``1``) or a name (``"md5"``, ``"sha256"``).

    Raises:
        ValueError: the algorithm is unknown; the message lists the known ones.
    """
    if isinstance(ike_id_or_name, str):
        found = _BY_NAME.get(ike_id_or_name.lower())
    else:
        found = HASH_ALGORITHMS.get(int(ike_id_or_name))
    if found is None:
        known = ", ".join(f"{h.ike_id} ({h.name})" for h in HASH_ALGORITHMS.values())
        raise ValueError(f"unknown IKE hash algorithm {ike_id_or_name!r}; known: {known}")
    return found
