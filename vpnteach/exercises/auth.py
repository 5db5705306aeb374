"""Compute-a-value exercises on what the peers sign and on phase 2 keys: HASH_I and KEYMAT.

Expected values come from :func:`vpnteach.ike.keymat.hash_i` and
:func:`vpnteach.ike.keymat.keymat` (RFC 2409 §5 and §5.5); the payload bytes the learner gets
are encoded by :mod:`vpnteach.wire`, generic headers included, as they travel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike.keymat import hash_i, hash_r, keymat
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import ike_transform_attributes
from vpnteach.wire import Proposal, SaPayload, Transform, encode_payload_chain, id_fqdn
from vpnteach.wire import id_ipv4_address as id_ipv4
from vpnteach.wire.chain import Payload

GENERIC_HEADER = 4
"""Bytes of the generic payload header (RFC 2408 §3.2): next payload, reserved, length."""


def _payload_bytes(payload: Payload) -> bytes:
    return encode_payload_chain((payload,))


def main_mode_sa(hash_name: str, ciphers: tuple[str, ...]) -> bytes:
    """A Main Mode SA payload as it travels, offering one transform (KEY_IKE) per cipher,
    rsa-sig and group 1 (RFC 2409 §5, RFC 2407 §4.4.2)."""
    transforms = tuple(
        Transform(n, 1, ike_transform_attributes(IsakmpPolicy(n, encryption=c, hash=hash_name)))
        for n, c in enumerate(ciphers, start=1)
    )
    return _payload_bytes(SaPayload(proposals=(Proposal(1, 1, b"", transforms),)))


def phase1_values(rng: SeededRng, h: HashAlgorithm) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """SKEYID, g^xi, g^xr (96 bytes: group 1), CKY-I and CKY-R, drawn in this order: what
    HASH_I and HASH_R take besides the payloads (RFC 2409 §5)."""
    draw = rng.random_bytes
    return draw(h.digest_size), draw(96), draw(96), draw(8), draw(8)


# --------------------------------------------------------------------------- HASH_I


@dataclass(frozen=True)
class HashIParams:
    h: HashAlgorithm
    skeyid: bytes
    g_xi: bytes
    g_xr: bytes
    cky_i: bytes
    cky_r: bytes
    sa_payload: bytes
    id_payload: bytes


class HashI(HexExercise[HashIParams]):
    """HASH_I, what the initiator signs in Main Mode message 5 (RFC 2409 §5)."""

    id = "hash_i"
    title = "HASH_I: what Branch1 signs"
    kind = "compute"
    answer_name = "HASH_I"
    answer_format = "hex, as many bytes as the hash's output"
    hint_ladder = (
        "HASH_I is a prf keyed with SKEYID over public values of the exchange.",
        "HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 §5).",
        "The '_b' means body: the payload without its 4-byte generic header "
        "(next payload, reserved, payload length).",
        "Strip the first 4 bytes of the SA payload and of the ID payload before concatenating.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> HashIParams:
        hash_name = pick(rng, ("md5", "sha"))
        h = get_hash(hash_name)
        sa = main_mode_sa(hash_name, (pick(rng, ("3des", "des", "aes")),))
        ident = pick(rng, (id_fqdn("Branch1.amit.com"), id_ipv4("10.1.1.1", 17, 500)))
        return HashIParams(h, *phase1_values(rng, h), sa, _payload_bytes(ident))

    def _givens(self, p: HashIParams) -> list[tuple[str, Any]]:
        return [
            ("hash", p.h.name),
            ("SKEYID", p.skeyid),
            ("g^xi", p.g_xi),
            ("g^xr", p.g_xr),
            ("CKY-I", p.cky_i),
            ("CKY-R", p.cky_r),
            ("SA payload (MM1)", p.sa_payload),
            ("IDii payload (MM5)", p.id_payload),
        ]

    def _question(self, p: HashIParams) -> str:
        return (
            f"Branch1 (the initiator, hash {p.h.name}) is about to sign HASH_I in Main Mode "
            "message 5. The SA and ID payloads are given as they travel, generic header "
            "included. Compute HASH_I."
        )

    def _solve(self, p: HashIParams) -> bytes:
        sai_b, idii_b = p.sa_payload[GENERIC_HEADER:], p.id_payload[GENERIC_HEADER:]
        return hash_i(p.h, p.skeyid, p.g_xi, p.g_xr, p.cky_i, p.cky_r, sai_b, idii_b)

    def _variant(
        self,
        p: HashIParams,
        *,
        gx: bool = False,
        ck: bool = False,
        sa: int = GENERIC_HEADER,
        ident: int = GENERIC_HEADER,
    ) -> bytes:
        g = p.g_xr + p.g_xi if gx else p.g_xi + p.g_xr
        c = p.cky_r + p.cky_i if ck else p.cky_i + p.cky_r
        return p.h.prf(p.skeyid, g + c + p.sa_payload[sa:] + p.id_payload[ident:])

    def _mistakes(self, p: HashIParams) -> list[Mistake[bytes]]:
        body = "SAi_b and IDii_b are payload *bodies*: drop the 4-byte generic header "
        sai_b, idii_b = p.sa_payload[GENERIC_HEADER:], p.id_payload[GENERIC_HEADER:]
        responder = hash_r(p.h, p.skeyid, p.g_xi, p.g_xr, p.cky_i, p.cky_r, sai_b, idii_b)
        return [
            Mistake(
                "dh_swapped",
                self._variant(p, gx=True),
                "g^xi and g^xr are swapped: "
                "HASH_I starts with the initiator's g^xi (HASH_R starts with g^xr).",
            ),
            Mistake(
                "cookies_swapped",
                self._variant(p, ck=True),
                "CKY-I and CKY-R are swapped: HASH_I has CKY-I | CKY-R.",
            ),
            Mistake(
                "hash_r_formula",
                responder,
                "That is HASH_R's order (g^xr | g^xi | CKY-R "
                "| CKY-I): the initiator's hash keeps the initiator's values first.",
            ),
            Mistake(
                "idii_with_header", self._variant(p, ident=0), body + "(yours kept it on IDii)."
            ),
            Mistake("sai_with_header", self._variant(p, sa=0), body + "(yours kept it on SAi)."),
            Mistake("both_headers", self._variant(p, sa=0, ident=0), body + "(yours kept both)."),
            Mistake(
                "id_header_too_long",
                self._variant(p, ident=GENERIC_HEADER + 4),
                "You stripped 8 bytes from the ID payload: the ID type, protocol and port "
                "belong to IDii_b; only the 4-byte generic header goes.",
            ),
        ]


# --------------------------------------------------------------------------- KEYMAT

_ESP_SUITES = (("3des", 24, "md5", 16), ("aes128", 16, "sha", 20), ("3des", 24, "sha", 20))
ESP_PROTOCOL_ID = 3
"""PROTO_IPSEC_ESP in the IPsec DOI (RFC 2407 §4.4.1): the protocol octet of KEYMAT."""


@dataclass(frozen=True)
class KeymatParams:
    h: HashAlgorithm
    cipher: str
    enc_size: int
    integrity: str
    auth_size: int
    skeyid_d: bytes
    spi_i: bytes
    spi_r: bytes
    ni_b: bytes
    nr_b: bytes
    g_qm_xy: bytes

    @property
    def length(self) -> int:
        return self.enc_size + self.auth_size


class Keymat(HexExercise[KeymatParams]):
    """KEYMAT of one IPsec SA, with PFS (RFC 2409 §5.5)."""

    id = "keymat"
    title = "KEYMAT of the Branch1 → Branch2 ESP SA"
    kind = "compute"
    answer_name = "KEYMAT"
    answer_format = "hex, encryption key then authentication key (their total length)"
    hint_ladder = (
        "Each direction has its own SA and its own SPI; the SPI of an SA is chosen by the peer "
        "that *receives* on it.",
        "With PFS: KEYMAT = prf(SKEYID_d, g(qm)^xy | protocol | SPI | Ni_b | Nr_b) "
        "(RFC 2409 §5.5); protocol is one octet, 3 for ESP.",
        "One prf output is too short: K1 = prf(SKEYID_d, seed), K2 = prf(SKEYID_d, K1 | seed), "
        "where seed is everything after SKEYID_d above.",
        "Concatenate K1 | K2 | ... and keep encryption-key + authentication-key bytes.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> KeymatParams:
        cipher, enc_size, hash_name, auth_size = pick(rng, _ESP_SUITES)
        h = get_hash(pick(rng, ("md5", "sha")))
        draw = rng.random_bytes
        spi_i, spi_r = draw(4), draw(4)
        nonce_len = 16 + 4 * random_int_below(rng, 2)
        return KeymatParams(
            h,
            cipher,
            enc_size,
            f"{hash_name}-hmac",
            auth_size,
            draw(h.digest_size),
            spi_i,
            spi_r,
            draw(nonce_len),
            draw(nonce_len),
            draw(96),
        )

    def _givens(self, p: KeymatParams) -> list[tuple[str, Any]]:
        return [
            ("hash", p.h.name),
            ("SKEYID_d", p.skeyid_d),
            ("SPI chosen by Branch1 (its inbound SA)", p.spi_i),
            ("SPI chosen by Branch2 (its inbound SA)", p.spi_r),
            ("Ni_b", p.ni_b),
            ("Nr_b", p.nr_b),
            ("g(qm)^xy", p.g_qm_xy),
        ]

    def _question(self, p: KeymatParams) -> str:
        return (
            f"Quick Mode between Branch1 (initiator) and Branch2 negotiated ESP with "
            f"esp-{p.cipher} ({p.enc_size}-byte key) and esp-{p.integrity} ({p.auth_size}-byte "
            f"key), with PFS group 1; the phase-1 hash is {p.h.name}. Compute the {p.length} "
            "bytes of KEYMAT of the SA that carries traffic from Branch1 to Branch2."
        )

    def _solve(self, p: KeymatParams) -> bytes:
        return keymat(
            p.h, p.skeyid_d, ESP_PROTOCOL_ID, p.spi_r, p.ni_b, p.nr_b, p.length, p.g_qm_xy
        )

    def _with(self, p: KeymatParams, seed: bytes, *, reseed: bool = True) -> bytes:
        blocks = [p.h.prf(p.skeyid_d, seed)]
        while sum(map(len, blocks)) < p.length:
            blocks.append(p.h.prf(p.skeyid_d, blocks[-1] + (seed if reseed else b"")))
        return b"".join(blocks)[: p.length]

    def _mistakes(self, p: KeymatParams) -> list[Mistake[bytes]]:
        proto = bytes([ESP_PROTOCOL_ID])
        seed = p.g_qm_xy + proto + p.spi_r + p.ni_b + p.nr_b
        return [
            Mistake(
                "spi_direction",
                self._with(p, p.g_qm_xy + proto + p.spi_i + p.ni_b + p.nr_b),
                "That is the KEYMAT of the other direction: Branch1 → Branch2 traffic "
                "uses the SPI Branch2 chose (the receiver picks the SPI of its inbound SA).",
            ),
            Mistake(
                "missing_protocol",
                self._with(p, p.g_qm_xy + p.spi_r + p.ni_b + p.nr_b),
                "The protocol octet is missing: | protocol | before the SPI, 3 for ESP.",
            ),
            Mistake(
                "no_pfs",
                self._with(p, proto + p.spi_r + p.ni_b + p.nr_b),
                "With PFS the Quick Mode secret g(qm)^xy goes first in the prf data.",
            ),
            Mistake(
                "nonces_swapped",
                self._with(p, p.g_qm_xy + proto + p.spi_r + p.nr_b + p.ni_b),
                "Ni_b and Nr_b are swapped: the initiator's nonce comes first.",
            ),
            Mistake(
                "expansion_without_seed",
                self._with(p, seed, reseed=False),
                "The first "
                "block is right; each next block is prf(SKEYID_d, Kn-1 | seed), with the seed "
                "again.",
            ),
            Mistake(
                "not_expanded",
                p.h.prf(p.skeyid_d, seed),
                f"That is only K1: {p.length} "
                "bytes are needed, so expand with K2 = prf(SKEYID_d, K1 | seed), ...",
            ),
        ]
