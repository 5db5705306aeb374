"""Compute-a-value exercises on phase 1 key material: g^x, SKEYID_e, Ka and the two IVs.

Each expected value comes from the package's own RFC functions (:mod:`vpnteach.crypto.dh`,
:mod:`vpnteach.ike.keymat`), which are tested against strongSwan and the RFC vectors; the
typical mistakes are the same formulas with one thing done wrong (RFC 2409 §5, Appendix B).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.dh import compute_public_value
from vpnteach.crypto.modp import ModpGroup, get_group
from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.ike.keymat import derive_skeyids, encryption_key, phase1_iv, phase2_iv

T = TypeVar("T")


def pick(rng: SeededRng, choices: Sequence[T]) -> T:
    """One of ``choices``, drawn from ``rng``."""
    return choices[random_int_below(rng, len(choices))]


def _expand(h: HashAlgorithm, key: bytes, first: bytes, size: int, chain: bool = True) -> bytes:
    """``K1 = prf(key, first)``, ``Kn = prf(key, Kn-1)`` (or ``first`` again), cut to size."""
    blocks = [h.prf(key, first)]
    while sum(map(len, blocks)) < size:
        blocks.append(h.prf(key, blocks[-1] if chain else first))
    return b"".join(blocks)[:size]


# --------------------------------------------------------------------------- g^x


@dataclass(frozen=True)
class DhParams:
    group: ModpGroup
    x: int


class DhPublicValue(HexExercise[DhParams]):
    """Compute a Diffie-Hellman public value ``g^x mod p`` as the KE payload carries it."""

    id = "dh_public_value"
    title = "Your Diffie-Hellman public value"
    kind = "compute"
    answer_name = "g^x"
    answer_format = "hex, exactly len(p) bytes (the KE payload data)"
    hint_ladder = (
        "The public value is g^x mod p; Python's pow(g, x, p) computes it without overflow.",
        "p and g are those of the group: vpnteach.crypto.modp.get_group(n).p and .g.",
        "The KE payload carries the value as big-endian bytes left-padded to len(p) "
        "(RFC 2409 §5): int.to_bytes(len_p, 'big').",
        "len(p) is the prime's size in bytes: 96 for group 1, 128 for group 2.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> DhParams:
        group = get_group(pick(rng, (1, 2)))
        x = 2 + random_int_below(rng, group.p // 2)
        y = pow(group.g, x, group.p)
        # Walk x upwards until g^x has a leading zero byte, so that forgetting the padding
        # shows (one doubling per step: g = 2).
        while y >> (8 * (group.byte_length - 1)):
            x, y = x + 1, (y * group.g) % group.p
        return DhParams(group, x)

    def _givens(self, p: DhParams) -> list[tuple[str, Any]]:
        return [("group", p.group.number), ("g", p.group.g), ("x", p.x)]

    def _question(self, p: DhParams) -> str:
        return (
            f"Your router drew the private value x below for Diffie-Hellman group "
            f"{p.group.number} ({p.group.name}). What does it put in the Key Exchange payload "
            "of Main Mode message 3?"
        )

    def _solve(self, p: DhParams) -> bytes:
        return compute_public_value(p.group, p.x)

    def _mistakes(self, p: DhParams) -> list[Mistake[bytes]]:
        right = self._solve(p)
        g, x, n = p.group, p.x, p.group.byte_length
        other = get_group(2 if g.number == 1 else 1)
        return [
            Mistake(
                "not_padded",
                right.lstrip(b"\x00"),
                f"The value is right but too short: KE data is always len(p) = {n} bytes, "
                "left-padded with zero bytes (RFC 2409 §5). Yours lost its leading zero.",
            ),
            Mistake(
                "byte_order",
                right[::-1],
                "Those are the right bytes in reverse order: the wire is big-endian "
                "(network byte order), most significant byte first.",
            ),
            Mistake(
                "x_g_swapped",
                (pow(x, g.g, g.p)).to_bytes(n, "big"),
                "You computed x^g mod p: the generator is the base and x the exponent, "
                "pow(g, x, p).",
            ),
            Mistake(
                "wrong_group",
                pow(other.g, x, other.p).to_bytes(other.byte_length, "big"),
                f"You used the prime of group {other.number}; this exercise is group {g.number}.",
            ),
        ]


# --------------------------------------------------------------------------- SKEYID_e


@dataclass(frozen=True)
class SkeyidParams:
    h: HashAlgorithm
    skeyid: bytes
    g_xy: bytes
    cky_i: bytes
    cky_r: bytes


def _skeyid_chain(
    p: SkeyidParams,
    *,
    octets: bytes = b"\x00\x01\x02",
    swap_cookies: bool = False,
    swap_prf: bool = False,
    use_d_for_a: bool = False,
) -> tuple[bytes, bytes, bytes]:
    """SKEYID_d, _a, _e with one deliberate deviation from RFC 2409 §5 (for mistakes)."""

    def prf(key: bytes, data: bytes) -> bytes:
        return p.h.prf(data, key) if swap_prf else p.h.prf(key, data)

    cookies = p.cky_r + p.cky_i if swap_cookies else p.cky_i + p.cky_r
    tail = p.g_xy + cookies
    d = prf(p.skeyid, tail + octets[:1])
    a = prf(p.skeyid, d + tail + octets[1:2])
    e = prf(p.skeyid, (d if use_d_for_a else a) + tail + octets[2:3])
    return d, a, e


class SkeyidE(HexExercise[SkeyidParams]):
    """Derive SKEYID_e (through SKEYID_d and SKEYID_a) from SKEYID, g^xy and the cookies."""

    id = "skeyid_e"
    title = "Derive SKEYID_e"
    kind = "compute"
    answer_name = "SKEYID_e"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "SKEYID_e is the last of a chain of three: SKEYID_d, then SKEYID_a, then SKEYID_e, "
        "all keyed with SKEYID (RFC 2409 §5).",
        "SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0); each next one starts with the "
        "previous value and ends with the next octet (1, then 2).",
        "prf(key, data) is HMAC with the negotiated hash: hmac.new(key, data, 'md5').digest() "
        "for MD5, 'sha1' for SHA; '| 2' is the single byte b'\\x02'.",
        "SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> SkeyidParams:
        h = get_hash(pick(rng, ("md5", "sha1")))
        draw = rng.random_bytes
        return SkeyidParams(h, draw(h.digest_size), draw(96), draw(8), draw(8))

    def _givens(self, p: SkeyidParams) -> list[tuple[str, Any]]:
        return [
            ("hash", p.h.name),
            ("SKEYID", p.skeyid),
            ("g^xy", p.g_xy),
            ("CKY-I", p.cky_i),
            ("CKY-R", p.cky_r),
        ]

    def _question(self, p: SkeyidParams) -> str:
        return (
            f"Main Mode negotiated hash {p.h.name}, so prf is HMAC-{p.h.name}. From SKEYID, "
            "the Diffie-Hellman secret g^xy and the two cookies below, compute SKEYID_e, the "
            "keying material from which Ka, the key that encrypts Main Mode messages 5 and 6, "
            "is cut."
        )

    def _solve(self, p: SkeyidParams) -> bytes:
        return derive_skeyids(p.h, p.skeyid, p.g_xy, p.cky_i, p.cky_r)[2]

    def _mistakes(self, p: SkeyidParams) -> list[Mistake[bytes]]:
        d, a, e = _skeyid_chain(p)
        tail = p.g_xy + p.cky_i + p.cky_r
        missing = "Each SKEYID_x ends with one octet: | 0 for _d, | 1 for _a, | 2 for _e. "
        return [
            Mistake("missing_octet", p.h.prf(p.skeyid, a + tail), missing + "Yours has no | 2."),
            Mistake("missing_octet", _skeyid_chain(p, octets=b"")[2], missing + "Yours has none."),
            Mistake(
                "octet_1",
                p.h.prf(p.skeyid, a + tail + b"\x01"),
                "You ended with | 1, the octet of SKEYID_a; SKEYID_e ends with | 2.",
            ),
            Mistake(
                "cookies_swapped",
                _skeyid_chain(p, swap_cookies=True)[2],
                "CKY-I and CKY-R are swapped: the initiator's cookie always comes first "
                "(CKY-I | CKY-R), whoever computes.",
            ),
            Mistake(
                "prf_swapped",
                _skeyid_chain(p, swap_prf=True)[2],
                "prf key and data are swapped: prf(SKEYID, ...) means HMAC keyed with SKEYID "
                "over the concatenation.",
            ),
            Mistake(
                "prf_swapped",
                p.h.prf(a + tail + b"\x02", p.skeyid),
                "In the last step prf key and data are swapped: SKEYID is the HMAC key.",
            ),
            Mistake(
                "skeyid_d_in_chain",
                _skeyid_chain(p, use_d_for_a=True)[2],
                "SKEYID_e starts with SKEYID_a, not SKEYID_d: each link uses the one just "
                "before it.",
            ),
            Mistake(
                "byte_order",
                e[::-1],
                "Right bytes, reversed order: keep the HMAC output as it comes, no byte swapping.",
            ),
            Mistake("gave_skeyid_a", a, "That is SKEYID_a: one more step gives SKEYID_e."),
            Mistake("gave_skeyid_d", d, "That is SKEYID_d: two more steps give SKEYID_e."),
        ]


# --------------------------------------------------------------------------- Ka


@dataclass(frozen=True)
class KaParams:
    h: HashAlgorithm
    cipher: str
    key_size: int
    skeyid_e: bytes


class Ka(HexExercise[KaParams]):
    """Stretch SKEYID_e into the cipher key Ka (RFC 2409 Appendix B)."""

    id = "ka"
    title = "From SKEYID_e to the encryption key Ka"
    kind = "compute"
    answer_name = "Ka"
    answer_format = "hex, exactly the cipher's key length"
    hint_ladder = (
        "Compare the length of SKEYID_e with the key length the cipher needs.",
        "When SKEYID_e is too short, RFC 2409 Appendix B expands it: Ka = K1 | K2 | K3 ...",
        "K1 = prf(SKEYID_e, 0) where 0 is one zero byte; K2 = prf(SKEYID_e, K1); "
        "K3 = prf(SKEYID_e, K2).",
        "Concatenate the blocks and keep the first key-length bytes.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> KaParams:
        h = get_hash(pick(rng, ("md5", "sha1")))
        cipher = get_cipher(pick(rng, ("3des", "aes256")))
        return KaParams(h, cipher.name, cipher.key_size, rng.random_bytes(h.digest_size))

    def _givens(self, p: KaParams) -> list[tuple[str, Any]]:
        return [("hash", p.h.name), ("cipher", p.cipher), ("SKEYID_e", p.skeyid_e)]

    def _question(self, p: KaParams) -> str:
        return (
            f"The ISAKMP SA uses {p.cipher} ({p.key_size}-byte key) with hash {p.h.name}. "
            "What key Ka encrypts Main Mode message 5?"
        )

    def _solve(self, p: KaParams) -> bytes:
        return encryption_key(p.h, p.skeyid_e, p.key_size)

    def _mistakes(self, p: KaParams) -> list[Mistake[bytes]]:
        h, e, n = p.h, p.skeyid_e, p.key_size
        short = f"SKEYID_e has {len(e)} bytes, {p.cipher} needs {n}: "
        full = _expand(h, e, b"\x00", 3 * h.digest_size)
        return [
            Mistake("no_expansion", e, short + "expand it, Ka = K1 | K2 | ... (Appendix B)."),
            Mistake(
                "no_expansion",
                e + bytes(n - len(e)),
                short + "padding with zeros is not "
                "the rule; expand it, K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1).",
            ),
            Mistake(
                "no_expansion",
                (e * 2)[:n],
                short + "repeating it is not the rule; expand "
                "it with K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1).",
            ),
            Mistake(
                "k2_repeats_k1",
                _expand(h, e, b"\x00", n, chain=False),
                "Your K2 equals K1: K2 = prf(SKEYID_e, K1), each block feeds the next.",
            ),
            Mistake(
                "skeyid_e_first",
                (e + _expand(h, e, b"\x00", n))[:n],
                "Ka does not start with SKEYID_e itself: it starts with K1 = prf(SKEYID_e, 0).",
            ),
            Mistake(
                "prf_swapped",
                _prf_swapped_expansion(h, e, n),
                "prf key and data are swapped: K1 = prf(SKEYID_e, 0) is HMAC keyed with "
                "SKEYID_e over the single byte 0.",
            ),
            Mistake(
                "not_truncated",
                full[: 2 * h.digest_size],
                f"Right blocks, but keep only the first {n} bytes: the key length of {p.cipher}.",
            ),
        ]


def _prf_swapped_expansion(h: HashAlgorithm, key: bytes, size: int) -> bytes:
    blocks = [h.prf(b"\x00", key)]
    while sum(map(len, blocks)) < size:
        blocks.append(h.prf(blocks[-1], key))
    return b"".join(blocks)[:size]


# --------------------------------------------------------------------------- IVs

_IV_SUITES = (("md5", "3des"), ("sha1", "3des"), ("sha1", "aes128"))


@dataclass(frozen=True)
class Iv1Params:
    h: HashAlgorithm
    cipher: str
    block_size: int
    g_xi: bytes
    g_xr: bytes


class Phase1Iv(HexExercise[Iv1Params]):
    """The IV of Main Mode message 5 (RFC 2409 Appendix B)."""

    id = "phase1_iv"
    title = "The IV of the first encrypted Main Mode message"
    kind = "compute"
    answer_name = "the phase-1 IV"
    answer_format = "hex, one cipher block"
    hint_ladder = (
        "Nothing secret goes into the first IV: it is a hash of the two public DH values.",
        "IV = hash(g^xi | g^xr) with the negotiated hash (not the prf), RFC 2409 Appendix B.",
        "The initiator's value g^xi comes first, whoever computes.",
        "Keep only the first block-size bytes of the hash (8 for 3DES, 16 for AES).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> Iv1Params:
        hash_name, cipher_name = pick(rng, _IV_SUITES)
        h, cipher = get_hash(hash_name), get_cipher(cipher_name)
        return Iv1Params(
            h, cipher.name, cipher.block_size, rng.random_bytes(96), rng.random_bytes(96)
        )

    def _givens(self, p: Iv1Params) -> list[tuple[str, Any]]:
        return [("hash", p.h.name), ("cipher", p.cipher), ("g^xi", p.g_xi), ("g^xr", p.g_xr)]

    def _question(self, p: Iv1Params) -> str:
        return (
            f"The ISAKMP SA uses {p.cipher} in CBC mode ({p.block_size}-byte blocks) and hash "
            f"{p.h.name}. Which IV encrypts Main Mode message 5?"
        )

    def _solve(self, p: Iv1Params) -> bytes:
        return phase1_iv(p.h, p.g_xi, p.g_xr, p.block_size)

    def _mistakes(self, p: Iv1Params) -> list[Mistake[bytes]]:
        swapped = p.h.hash(p.g_xr + p.g_xi)
        order = "g^xi comes first (the initiator's value), then g^xr, whoever computes. "
        cut = f"A CBC IV is one block: keep the first {p.block_size} bytes of the hash."
        return [
            Mistake("order_swapped", swapped[: p.block_size], order.strip()),
            Mistake("not_truncated", p.h.hash(p.g_xi + p.g_xr), cut),
            Mistake("order_swapped", swapped, order + "And " + cut),
            Mistake(
                "prf_instead_of_hash",
                p.h.prf(p.g_xi, p.g_xr)[: p.block_size],
                "The IV uses the plain hash, hash(g^xi | g^xr), not the keyed prf.",
            ),
        ]


@dataclass(frozen=True)
class Iv2Params:
    h: HashAlgorithm
    cipher: str
    block_size: int
    last_block: bytes
    m_id: int


class Phase2Iv(HexExercise[Iv2Params]):
    """The IV of the first Quick Mode message (RFC 2409 Appendix B)."""

    id = "phase2_iv"
    title = "The IV of Quick Mode message 1"
    kind = "compute"
    answer_name = "the Quick Mode IV"
    answer_format = "hex, one cipher block"
    hint_ladder = (
        "Every exchange after Main Mode gets its own IV, derived from where phase 1 ended.",
        "IV = hash(last phase-1 CBC output block | M-ID), RFC 2409 Appendix B.",
        "The M-ID is the 4-byte Message ID of the ISAKMP header, in network byte order.",
        "Keep only the first block-size bytes of the hash.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> Iv2Params:
        hash_name, cipher_name = pick(rng, _IV_SUITES)
        h, cipher = get_hash(hash_name), get_cipher(cipher_name)
        m_id = 1 + random_int_below(rng, 0xFFFFFFFE)
        return Iv2Params(
            h, cipher.name, cipher.block_size, rng.random_bytes(cipher.block_size), m_id
        )

    def _givens(self, p: Iv2Params) -> list[tuple[str, Any]]:
        return [
            ("hash", p.h.name),
            ("cipher", p.cipher),
            ("last phase-1 CBC block", p.last_block),
            ("M-ID", f"0x{p.m_id:08x}"),
        ]

    def _question(self, p: Iv2Params) -> str:
        return (
            f"Main Mode is over; its last encrypted message ended with the ciphertext block "
            f"below. The initiator starts Quick Mode with Message ID 0x{p.m_id:08x}. Which IV "
            f"encrypts Quick Mode message 1 ({p.cipher}, hash {p.h.name})?"
        )

    def _solve(self, p: Iv2Params) -> bytes:
        return phase2_iv(p.h, p.last_block, p.m_id, p.block_size)

    def _mistakes(self, p: Iv2Params) -> list[Mistake[bytes]]:
        h, last, n = p.h, p.last_block, p.block_size
        mid = p.m_id.to_bytes(4, "big")
        return [
            Mistake(
                "no_m_id",
                h.hash(last)[:n],
                "The M-ID is missing: hash(last block | M-ID) gives each exchange its own IV.",
            ),
            Mistake(
                "m_id_byte_order",
                h.hash(last + mid[::-1])[:n],
                "The M-ID bytes are reversed: it goes in as the 4 bytes of the header, big-endian.",
            ),
            Mistake(
                "m_id_first",
                h.hash(mid + last)[:n],
                "Wrong order: the last phase-1 block comes first, then the M-ID.",
            ),
            Mistake(
                "not_truncated",
                h.hash(last + mid),
                f"Keep the first {n} bytes of the hash: a CBC IV is one block.",
            ),
            Mistake(
                "reused_last_block",
                last,
                "The last phase-1 block is the IV of the next "
                "*phase-1* message only; a new exchange hashes it with its M-ID.",
            ),
        ]
