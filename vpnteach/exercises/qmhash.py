"""Compute exercises on the hashes that authenticate Main Mode and Quick Mode: HASH_R,
HASH(1), HASH(2), HASH(3) (RFC 2409 §5 and §5.5).

Expected values come from :mod:`vpnteach.ike.keymat` (``hash_r``, ``qm_hash1..3``); the
payloads the learner gets are encoded by :mod:`vpnteach.wire`, generic headers included, as
they travel inside the decrypted message. Each exercise asks for something the HASH_I
exercise did not: the responder's view, which payloads a Quick Mode hash covers and which it
only takes the body of, and the extra octet of HASH(3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.auth import GENERIC_HEADER, _payload_bytes, main_mode_sa, phase1_values
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike.keymat import hash_i, hash_r, qm_hash1, qm_hash2, qm_hash3
from vpnteach.wire import (
    NoncePayload,
    Proposal,
    SaPayload,
    Transform,
    encode_payload_chain,
    id_fqdn,
    id_ipv4_subnet,
)
from vpnteach.wire import id_ipv4_address as id_ipv4
from vpnteach.wire.attributes import DataAttribute
from vpnteach.wire.constants import IpsecAttribute

ESP = 3
"""PROTO_IPSEC_ESP (RFC 2407 §4.4.1)."""


def _esp_sa(spi: bytes, transform_id: int, auth: int, lifetime: int) -> SaPayload:
    """An ESP SA payload as Quick Mode carries it (tunnel mode, seconds lifetime)."""
    attrs = (
        DataAttribute.basic(IpsecAttribute.ENCAPSULATION_MODE, 1),
        DataAttribute.basic(IpsecAttribute.SA_LIFE_TYPE, 1),
        DataAttribute.integer(IpsecAttribute.SA_LIFE_DURATION, lifetime),
        DataAttribute.basic(IpsecAttribute.AUTHENTICATION_ALGORITHM, auth),
    )
    return SaPayload(proposals=(Proposal(1, ESP, spi, (Transform(1, transform_id, attrs),)),))


def _lan(rng: SeededRng) -> tuple[str, str]:
    a, b = 10 + random_int_below(rng, 40), 50 + random_int_below(rng, 40)
    return f"192.168.{a}.0/24", f"192.168.{b}.0/24"


# --------------------------------------------------------------------------- HASH_R


@dataclass(frozen=True)
class HashRParams:
    h: HashAlgorithm
    skeyid: bytes
    g_xi: bytes
    g_xr: bytes
    cky_i: bytes
    cky_r: bytes
    sa_mm1: bytes
    sa_mm2: bytes
    id_ir: bytes


class HashR(HexExercise[HashRParams]):
    """HASH_R, what the responder signs in Main Mode message 6 (RFC 2409 §5)."""

    id = "hash_r"
    title = "HASH_R: what Branch2 signs in MM6"
    kind = "compute"
    answer_name = "HASH_R"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b) (RFC 2409 §5).",
        "The responder puts its own values first: g^xr before g^xi, CKY-R before CKY-I.",
        "SAi_b is the *initiator's* SA payload (MM1): both hashes cover the offer, not the "
        "answer, so the responder cannot hide a changed offer.",
        "'_b' means the body: drop each payload's 4-byte generic header.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> HashRParams:
        hash_name = pick(rng, ("md5", "sha"))
        h = get_hash(hash_name)
        first, second = pick(rng, (("3des", "des"), ("aes", "3des"), ("des", "aes")))
        sa_mm1 = main_mode_sa(hash_name, (first, second))
        sa_mm2 = main_mode_sa(hash_name, (pick(rng, (first, second)),))
        ident = pick(rng, (id_fqdn("Branch2.amit.com"), id_ipv4("10.2.2.1", 17, 500)))
        return HashRParams(h, *phase1_values(rng, h), sa_mm1, sa_mm2, _payload_bytes(ident))

    def _givens(self, p: HashRParams) -> list[tuple[str, Any]]:
        return [
            ("hash", p.h.name),
            ("SKEYID", p.skeyid),
            ("g^xi (Branch1's KE, MM3)", p.g_xi),
            ("g^xr (Branch2's KE, MM4)", p.g_xr),
            ("CKY-I", p.cky_i),
            ("CKY-R", p.cky_r),
            ("SA payload of MM1", p.sa_mm1),
            ("SA payload of MM2", p.sa_mm2),
            ("IDir payload (MM6)", p.id_ir),
        ]

    def _question(self, p: HashRParams) -> str:
        return (
            f"Branch2 (the responder, hash {p.h.name}) signs HASH_R in Main Mode message 6. "
            "Payloads are given as they travel, generic header included. Compute HASH_R."
        )

    def _solve(self, p: HashRParams) -> bytes:
        sai_b, idir_b = p.sa_mm1[GENERIC_HEADER:], p.id_ir[GENERIC_HEADER:]
        return hash_r(p.h, p.skeyid, p.g_xi, p.g_xr, p.cky_i, p.cky_r, sai_b, idir_b)

    def _mistakes(self, p: HashRParams) -> list[Mistake[bytes]]:
        sai_b, idir_b = p.sa_mm1[GENERIC_HEADER:], p.id_ir[GENERIC_HEADER:]
        keys = (p.h, p.skeyid)
        return [
            Mistake(
                "hash_i_formula",
                hash_i(*keys, p.g_xi, p.g_xr, p.cky_i, p.cky_r, sai_b, idir_b),
                "That is HASH_I's order (g^xi | g^xr | CKY-I | CKY-R): the responder's hash "
                "starts with its own g^xr and CKY-R.",
            ),
            Mistake(
                "sa_of_mm2",
                hash_r(*keys, p.g_xi, p.g_xr, p.cky_i, p.cky_r, p.sa_mm2[4:], idir_b),
                "You used the SA payload of MM2 (Branch2's answer). Both HASH_I and HASH_R "
                "cover SAi_b, the initiator's offer from MM1.",
            ),
            Mistake(
                "idir_with_header",
                hash_r(*keys, p.g_xi, p.g_xr, p.cky_i, p.cky_r, sai_b, p.id_ir),
                "IDir_b is the ID payload's body: drop its 4-byte generic header.",
            ),
            Mistake(
                "sai_with_header",
                hash_r(*keys, p.g_xi, p.g_xr, p.cky_i, p.cky_r, p.sa_mm1, idir_b),
                "SAi_b is the SA payload's body: drop its 4-byte generic header.",
            ),
            Mistake(
                "cookies_not_swapped",
                p.h.prf(p.skeyid, p.g_xr + p.g_xi + p.cky_i + p.cky_r + sai_b + idir_b),
                "g^xr comes first, right; the cookies turn round too: CKY-R | CKY-I.",
            ),
        ]


# --------------------------------------------------------------------------- Quick Mode


@dataclass(frozen=True)
class QmParams:
    h: HashAlgorithm
    skeyid_a: bytes
    skeyid_e: bytes
    m_id: bytes
    sa: bytes
    nonce_i: bytes
    nonce_r: bytes
    ids: bytes

    @property
    def ni_b(self) -> bytes:
        return self.nonce_i[GENERIC_HEADER:]

    @property
    def nr_b(self) -> bytes:
        return self.nonce_r[GENERIC_HEADER:]


def _qm_params(rng: SeededRng) -> QmParams:
    h = get_hash(pick(rng, ("md5", "sha")))
    draw = rng.random_bytes
    local, remote = _lan(rng)
    spi = draw(4)
    sa = _payload_bytes(_esp_sa(spi, pick(rng, (2, 3, 12)), pick(rng, (1, 2)), 3600))
    size = pick(rng, (16, 20, 24))
    ni, nr = _payload_bytes(NoncePayload(draw(size))), _payload_bytes(NoncePayload(draw(size)))
    ids = encode_payload_chain((id_ipv4_subnet(local), id_ipv4_subnet(remote)))
    m_id = draw(4)
    return QmParams(h, draw(h.digest_size), draw(h.digest_size), m_id, sa, ni, nr, ids)


def _qm_givens(p: QmParams, *rows: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("hash", p.h.name),
        ("SKEYID_a", p.skeyid_a),
        ("SKEYID_e", p.skeyid_e),
        ("M-ID (ISAKMP header)", p.m_id),
        *rows,
    ]


class QmHash1(HexExercise[QmParams]):
    """HASH(1) of Quick Mode message 1 (RFC 2409 §5.5)."""

    id = "qm_hash1"
    title = "HASH(1): the first payload of QM1"
    kind = "compute"
    answer_name = "HASH(1)"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "Quick Mode messages are authenticated with SKEYID_a (SKEYID_e only encrypts them).",
        "HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [| KE] [| IDci | IDcr]) (RFC 2409 §5.5).",
        "Here SA, Ni, IDci, IDcr are whole payloads: everything in the message after the HASH "
        "payload, generic headers included (unlike the '_b' bodies of HASH_I).",
        "M-ID is the 4-byte message ID from the ISAKMP header, as it is on the wire.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> QmParams:
        return _qm_params(rng)

    def _givens(self, p: QmParams) -> list[tuple[str, Any]]:
        return _qm_givens(
            p, ("QM1 after the HASH payload: SA | Ni | IDci | IDcr", p.sa + p.nonce_i + p.ids)
        )

    def _question(self, p: QmParams) -> str:
        return (
            "Branch1 builds Quick Mode message 1 (no PFS). Its HASH payload comes first and "
            "its value is still to be computed; the payloads that follow it are given, as they "
            "will travel (before encryption). Compute HASH(1)."
        )

    def _after(self, p: QmParams) -> bytes:
        return p.sa + p.nonce_i + p.ids

    def _solve(self, p: QmParams) -> bytes:
        return qm_hash1(p.h, p.skeyid_a, p.m_id, self._after(p))

    def _mistakes(self, p: QmParams) -> list[Mistake[bytes]]:
        after = self._after(p)
        bodies = p.sa[4:] + p.ni_b + b"".join(_bodies(p.ids))
        return [
            Mistake("skeyid_e_key", p.h.prf(p.skeyid_e, p.m_id + after),
                    "Keyed with SKEYID_e: Quick Mode hashes use SKEYID_a, the "
                    "authentication key (SKEYID_e is for encryption)."),
            Mistake("no_m_id", p.h.prf(p.skeyid_a, after),
                    "The message ID is missing: HASH(1) starts with M-ID, which ties the "
                    "hash to this exchange."),
            Mistake("bodies_only", p.h.prf(p.skeyid_a, p.m_id + bodies),
                    "You stripped the generic headers: HASH(1) covers the payloads after the "
                    "HASH payload whole, headers included."),
            Mistake("m_id_reversed", p.h.prf(p.skeyid_a, p.m_id[::-1] + after),
                    "M-ID is taken as it is on the wire (network byte order)."),
        ]  # fmt: skip


def _bodies(chain: bytes) -> list[bytes]:
    """Each payload body of an encoded chain (generic headers dropped)."""
    out, i = [], 0
    while i < len(chain):
        length = int.from_bytes(chain[i + 2 : i + 4], "big")
        out.append(chain[i + 4 : i + length])
        i += length
    return out


class QmHash2(HexExercise[QmParams]):
    """HASH(2) of Quick Mode message 2 (RFC 2409 §5.5)."""

    id = "qm_hash2"
    title = "HASH(2): Branch2 answers QM1"
    kind = "compute"
    answer_name = "HASH(2)"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [| KE] [| IDci | IDcr]) (RFC 2409 §5.5).",
        "Ni_b is the body of Branch1's nonce from QM1: it proves Branch2 saw this QM1.",
        "After Ni_b come QM2's own payloads after its HASH payload, whole (headers kept).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> QmParams:
        return _qm_params(rng)

    def _givens(self, p: QmParams) -> list[tuple[str, Any]]:
        return _qm_givens(
            p,
            ("Ni payload (from QM1)", p.nonce_i),
            ("QM2 after the HASH payload: SA | Nr | IDci | IDcr", p.sa + p.nonce_r + p.ids),
        )

    def _question(self, p: QmParams) -> str:
        return (
            "Branch2 answers with Quick Mode message 2 (no PFS). Compute the HASH(2) it puts "
            "in the first payload."
        )

    def _after(self, p: QmParams) -> bytes:
        return p.sa + p.nonce_r + p.ids

    def _solve(self, p: QmParams) -> bytes:
        return qm_hash2(p.h, p.skeyid_a, p.m_id, p.ni_b, self._after(p))

    def _mistakes(self, p: QmParams) -> list[Mistake[bytes]]:
        after, a = self._after(p), p.skeyid_a
        return [
            Mistake("hash1_formula", p.h.prf(a, p.m_id + after),
                    "That is HASH(1)'s formula applied to QM2: HASH(2) also covers Ni_b, "
                    "the initiator's nonce, right after M-ID."),
            Mistake("ni_with_header", p.h.prf(a, p.m_id + p.nonce_i + after),
                    "Ni_b is the nonce's body: drop the Ni payload's 4-byte generic header "
                    "(only the payloads after HASH are taken whole)."),
            Mistake("nr_instead_of_ni", p.h.prf(a, p.m_id + p.nr_b + after),
                    "You used Nr_b: the value inserted after M-ID is the *initiator's* "
                    "nonce, Ni_b."),
            Mistake("ni_after_payloads", p.h.prf(a, p.m_id + after + p.ni_b),
                    "Ni_b goes right after M-ID, before QM2's payloads."),
        ]  # fmt: skip


class QmHash3(HexExercise[QmParams]):
    """HASH(3) of Quick Mode message 3 (RFC 2409 §5.5)."""

    id = "qm_hash3"
    title = "HASH(3): the last Quick Mode message"
    kind = "compute"
    answer_name = "HASH(3)"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "QM3 carries only a HASH payload: it proves Branch1 is alive and saw QM2.",
        "HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) (RFC 2409 §5.5).",
        "The 0 is one octet of value zero, before M-ID; Ni_b and Nr_b are nonce bodies.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> QmParams:
        return _qm_params(rng)

    def _givens(self, p: QmParams) -> list[tuple[str, Any]]:
        return _qm_givens(
            p, ("Nr payload (from QM2)", p.nonce_r), ("Ni payload (from QM1)", p.nonce_i)
        )

    def _question(self, p: QmParams) -> str:
        return "Branch1 sends Quick Mode message 3. Compute the HASH(3) it carries."

    def _solve(self, p: QmParams) -> bytes:
        return qm_hash3(p.h, p.skeyid_a, p.m_id, p.ni_b, p.nr_b)

    def _mistakes(self, p: QmParams) -> list[Mistake[bytes]]:
        a, mid = p.skeyid_a, p.m_id
        return [
            Mistake("no_zero_octet", p.h.prf(a, mid + p.ni_b + p.nr_b),
                    "The leading 0 octet is missing: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b "
                    "| Nr_b); the 0 keeps it different from any HASH(1)."),
            Mistake("nonces_swapped", p.h.prf(a, b"\0" + mid + p.nr_b + p.ni_b),
                    "Ni_b and Nr_b are swapped: the initiator's nonce first, whatever order "
                    "the givens list them in."),
            Mistake("nonces_with_headers", p.h.prf(a, b"\0" + mid + p.nonce_i + p.nonce_r),
                    "Ni_b and Nr_b are nonce bodies: drop each payload's 4-byte header."),
            Mistake("zero_at_the_end", p.h.prf(a, mid + p.ni_b + p.nr_b + b"\0"),
                    "The 0 octet comes first, before M-ID, not at the end."),
        ]  # fmt: skip
