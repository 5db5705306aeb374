"""Compute-a-value exercises on IKEv2 key material: SKEYSEED and one SK_* key out of prf+.

RFC 7296 §2.14 derives every key of an IKE SA in two steps::

    SKEYSEED = prf(Ni | Nr, g^ir)
    {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
                   = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)

with ``prf+`` the expansion of §2.13 (``T1 = prf(K, S | 0x01)``, ``Tn = prf(K, Tn-1 | S |
n)``). Expected values come from :mod:`vpnteach.ikev2.keymat` (checked against strongSwan's
``ike = 4`` log in the tests); the typical mistakes are the same formulas with one thing done
wrong: nonces or SPIs swapped, SPIs left out of the seed, the counter octet forgotten, the
keys laid out in another order or all of one size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ikev2.keymat import derive_ike_sa_keys, prf_plus
from vpnteach.ikev2.transforms import Encr, Integ, Prf, get_encr, get_integ, get_prf
from vpnteach.wire.ikev2.constants import EncrId, IntegId, PrfId

SK_NAMES = ("SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr")
"""The seven keys in the order prf+ produces them (RFC 7296 §2.14)."""

_AES128 = get_encr(EncrId.ENCR_AES_CBC, 128)  # SKEYSEED does not depend on the cipher
PRFS = (PrfId.PRF_HMAC_SHA1, PrfId.PRF_HMAC_SHA2_256, PrfId.PRF_HMAC_SHA2_384)
"""The PRFs an exercise draws from (RFC 7296 §3.3.2, transform type 2)."""


def _nonce(rng: SeededRng, prf: Prf) -> bytes:
    """A nonce as RFC 7296 §2.10 allows it: at least 16 bytes and at least half the PRF's key
    size (24 bytes for HMAC-SHA-384), plus 0 to 32 bytes in steps of 8."""
    shortest = max(16, (prf.key_size + 1) // 2)
    return rng.random_bytes(shortest + 8 * random_int_below(rng, 5))


# --------------------------------------------------------------------------- SKEYSEED


@dataclass(frozen=True)
class SkeyseedParams:
    prf: Prf
    ni: bytes
    nr: bytes
    g_ir: bytes
    spi_i: bytes
    spi_r: bytes


class Skeyseed(HexExercise[SkeyseedParams]):
    """SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)."""

    id = "skeyseed"
    title = "IKEv2: SKEYSEED from the IKE_SA_INIT exchange"
    kind = "compute"
    answer_name = "SKEYSEED"
    answer_format = "hex, as many bytes as the PRF's output"
    hint_ladder = (
        "SKEYSEED is one prf call: which values are the key and which the data? (RFC 7296 §2.14)",
        "SKEYSEED = prf(Ni | Nr, g^ir): the two nonces, concatenated, are the HMAC key; the "
        "Diffie-Hellman secret is the data.",
        "The initiator's nonce comes first, whoever computes. The SPIs are not in SKEYSEED: "
        "they enter only the prf+ seed of the SK_* keys.",
        "hmac.new(ni + nr, g_ir, 'sha256').digest() (with the PRF's hash).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> SkeyseedParams:
        prf = get_prf(pick(rng, PRFS))
        ni, nr = _nonce(rng, prf), _nonce(rng, prf)
        return SkeyseedParams(prf, ni, nr, rng.random_bytes(256), *ike_spis(rng))

    def _givens(self, p: SkeyseedParams) -> list[tuple[str, Any]]:
        return [
            ("PRF", p.prf.name),
            ("Ni", p.ni),
            ("Nr", p.nr),
            ("g^ir", p.g_ir),
            ("SPIi", p.spi_i),
            ("SPIr", p.spi_r),
        ]

    def _question(self, p: SkeyseedParams) -> str:
        return (
            f"Branch1 and Branch2 have just exchanged IKE_SA_INIT (DH group 14, {p.prf.name}). "
            "Below: both nonces, the shared Diffie-Hellman secret g^ir and the two IKE SPIs. "
            "What SKEYSEED do both routers compute?"
        )

    def _solve(self, p: SkeyseedParams) -> bytes:
        keys = derive_ike_sa_keys(p.prf, None, _AES128, p.g_ir, p.ni, p.nr, p.spi_i, p.spi_r)
        return keys.skeyseed

    def _mistakes(self, p: SkeyseedParams) -> list[Mistake[bytes]]:
        prf, nonces, spis = p.prf, p.ni + p.nr, p.spi_i + p.spi_r
        sha1 = prf.prf_id == PrfId.PRF_HMAC_SHA1
        other = get_prf(PrfId.PRF_HMAC_SHA2_256 if sha1 else PrfId.PRF_HMAC_SHA1)
        no_spis = "The SPIs are not part of SKEYSEED = prf(Ni | Nr, g^ir); they come in later, "
        return [
            Mistake(
                "nonces_swapped",
                prf(p.nr + p.ni, p.g_ir),
                "Ni and Nr are swapped: the initiator's nonce comes first (Ni | Nr), whoever "
                "computes.",
            ),
            Mistake(
                "prf_swapped",
                prf(p.g_ir, nonces),
                "prf key and data are swapped: the nonces are the key, g^ir the data "
                "(prf(Ni | Nr, g^ir)): the public random nonces act as the salt and the secret "
                "g^ir is what gets extracted into a uniform key.",
            ),
            Mistake(
                "spis_in_key",
                prf(nonces + spis, p.g_ir),
                no_spis + "in the seed of prf+ for the SK_* keys.",
            ),
            Mistake(
                "spis_in_data",
                prf(nonces, p.g_ir + spis),
                no_spis + "in the seed of prf+ (Ni | Nr | SPIi | SPIr).",
            ),
            Mistake(
                "only_ni",
                prf(p.ni, p.g_ir),
                "The key is both nonces, Ni | Nr: each side's randomness enters SKEYSEED.",
            ),
            Mistake(
                "hash_not_prf",
                hashlib.new(prf.hashlib_name, nonces + p.g_ir).digest(),
                "That is a plain hash of the concatenation; prf is HMAC keyed with Ni | Nr.",
            ),
            Mistake(
                "wrong_prf",
                other(nonces, p.g_ir),
                f"Right formula, wrong PRF: the IKE SA negotiated {prf.name}, use its hash.",
            ),
        ]


def ike_spis(rng: SeededRng) -> tuple[bytes, bytes]:
    """SPIi and SPIr of an IKE SA: 8 random bytes each (RFC 7296 §3.1)."""
    return rng.random_bytes(8), rng.random_bytes(8)


# --------------------------------------------------------------------------- one SK_* key

_SUITES: tuple[tuple[int, int | None, int, int], ...] = (
    (PrfId.PRF_HMAC_SHA2_256, IntegId.AUTH_HMAC_SHA1_96, EncrId.ENCR_AES_CBC, 128),
    (PrfId.PRF_HMAC_SHA1, IntegId.AUTH_HMAC_SHA2_256_128, EncrId.ENCR_AES_CBC, 256),
    (PrfId.PRF_HMAC_SHA2_384, IntegId.AUTH_HMAC_SHA2_256_128, EncrId.ENCR_AES_CBC, 128),
    (PrfId.PRF_HMAC_SHA2_256, None, EncrId.ENCR_AES_GCM_16, 128),
)
"""IKE SA suites whose three key sizes are not all the same (so a wrong offset shows)."""


@dataclass(frozen=True)
class SkKeyParams:
    prf: Prf
    integ: Integ | None
    encr: Encr
    skeyseed: bytes
    ni: bytes
    nr: bytes
    spi_i: bytes
    spi_r: bytes
    asked: str

    def sizes(self) -> dict[str, int]:
        """Each SK_* key's length (RFC 7296 §2.14): SK_d and SK_p* the PRF's key size,
        SK_a* the integrity key size (none with AES-GCM), SK_e* the cipher key (plus the
        4-byte salt for AES-GCM, RFC 5282 §7.1)."""
        a = self.integ.key_size if self.integ is not None else 0
        e, d = self.encr.key_size, self.prf.key_size
        return dict(zip(SK_NAMES, (d, a, a, e, e, d, d), strict=True))

    def suite(self) -> str:
        integ = self.integ.name if self.integ is not None else "none (AES-GCM)"
        return f"encryption {self.encr.name}, PRF {self.prf.name}, integrity {integ}"


def _layout(
    p: SkKeyParams,
    stream: bytes,
    order: tuple[str, ...] = SK_NAMES,
    *,
    size: int = 0,
    salt: bool = True,
) -> dict[str, bytes]:
    """Cut ``stream`` into the keys in ``order`` (each ``size`` bytes when given; SK_e*
    without the AES-GCM salt when not ``salt``)."""
    sizes, keys, offset = p.sizes(), {}, 0
    for name in order:
        n = size or sizes[name]
        if not salt and name.startswith("SK_e"):
            n -= p.encr.salt_size
        keys[name] = stream[offset : offset + n]
        offset += n
    return keys


def _expand(p: SkKeyParams, seed: bytes, *, counter: int | None = 1, chain: bool = True) -> bytes:
    """prf+ with a deliberate deviation: a counter from ``counter`` (None: no counter octet),
    ``chain=False``: Tn without Tn-1."""
    out, t, n = b"", b"", counter
    while len(out) < 7 * 64:
        octet = b"" if n is None else bytes([n % 256])
        t = p.prf(p.skeyseed, (t if chain else b"") + seed + octet)
        out += t
        n = None if n is None else n + 1
    return out


class SkKey(HexExercise[SkKeyParams]):
    """One of the seven SK_* keys, cut from prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (§2.14)."""

    id = "sk_key"
    title = "IKEv2: one SK_* key out of prf+"
    kind = "compute"
    answer_name = "the key"
    answer_format = "hex, exactly the key's length"
    hint_ladder = (
        "prf+ produces one long stream; the seven keys are consecutive slices of it, in the "
        "order SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr (RFC 7296 §2.14).",
        "The seed S is Ni | Nr | SPIi | SPIr. T1 = prf(SKEYSEED, S | 0x01), "
        "T2 = prf(SKEYSEED, T1 | S | 0x02), ... (§2.13); the stream is T1 | T2 | ...",
        "Sizes: SK_d, SK_pi, SK_pr have the PRF's key size; SK_ai, SK_ar the integrity "
        "algorithm's key size (none with AES-GCM); SK_ei, SK_er the cipher's key size (AES-GCM: "
        "plus a 4-byte salt, RFC 5282 §7.1).",
        "Add up the sizes of the keys before yours: that is your offset. 'i' is the initiator's "
        "key (what Branch1 sends or proves with), 'r' the responder's.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> SkKeyParams:
        prf_id, integ_id, encr_id, bits = pick(rng, _SUITES)
        prf, encr = get_prf(prf_id), get_encr(encr_id, bits)
        integ = get_integ(integ_id) if integ_id is not None else None
        names = [n for n in SK_NAMES[1:] if integ is not None or not n.startswith("SK_a")]
        asked = pick(rng, names)
        ni, nr = _nonce(rng, prf), _nonce(rng, prf)
        skeyseed = rng.random_bytes(prf.output_size)
        return SkKeyParams(prf, integ, encr, skeyseed, ni, nr, *ike_spis(rng), asked)

    def _givens(self, p: SkKeyParams) -> list[tuple[str, Any]]:
        return [
            ("IKE SA suite", p.suite()),
            ("SKEYSEED", p.skeyseed),
            ("Ni", p.ni),
            ("Nr", p.nr),
            ("SPIi", p.spi_i),
            ("SPIr", p.spi_r),
            ("asked", p.asked),
        ]

    def _question(self, p: SkKeyParams) -> str:
        return (
            f"Branch1 (initiator) and Branch2 negotiated an IKE SA with {p.suite()}. From "
            f"SKEYSEED, the nonces and the IKE SPIs below, compute {p.asked} "
            f"({_purpose(p.asked)})."
        )

    def _solve(self, p: SkKeyParams) -> bytes:
        return self._stream_keys(p)[p.asked]

    def _stream_keys(self, p: SkKeyParams) -> dict[str, bytes]:
        # {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
        #                = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
        total = sum(p.sizes().values())
        stream = prf_plus(p.prf, p.skeyseed, p.ni + p.nr + p.spi_i + p.spi_r, total)
        return _layout(p, stream)

    def _mistakes(self, p: SkKeyParams) -> list[Mistake[bytes]]:
        asked, seed = p.asked, p.ni + p.nr + p.spi_i + p.spi_r
        right = self._stream_keys(p)
        mistakes = [
            Mistake(
                "spis_missing",
                _layout(p, _expand(p, p.ni + p.nr))[asked],
                "The SPIs are missing from the seed: prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). "
                "(KEYMAT of a Child SA is prf+(SK_d, Ni | Nr), without SPIs: not this one.)",
            ),
            Mistake(
                "spis_swapped",
                _layout(p, _expand(p, p.ni + p.nr + p.spi_r + p.spi_i))[asked],
                "SPIi and SPIr are swapped: the initiator's SPI comes first, whoever computes.",
            ),
            Mistake(
                "nonces_swapped",
                _layout(p, _expand(p, p.nr + p.ni + p.spi_i + p.spi_r))[asked],
                "Ni and Nr are swapped: the seed is Ni | Nr | SPIi | SPIr.",
            ),
            Mistake(
                "counter_missing",
                _layout(p, _expand(p, seed, counter=None))[asked],
                "Each prf+ block ends with a counter octet: T1 = prf(K, S | 0x01), "
                "T2 = prf(K, T1 | S | 0x02) (RFC 7296 §2.13).",
            ),
            Mistake(
                "counter_from_zero",
                _layout(p, _expand(p, seed, counter=0))[asked],
                "The prf+ counter starts at 0x01, not 0x00 (RFC 7296 §2.13).",
            ),
            Mistake(
                "no_chaining",
                _layout(p, _expand(p, seed, chain=False))[asked],
                "Each prf+ block starts with the previous one: Tn = prf(K, Tn-1 | S | n).",
            ),
            Mistake(
                "all_same_size",
                _layout(p, _expand(p, seed), size=p.prf.output_size)[asked],
                "Your offset assumes every key is as long as the PRF output. SK_a* have the "
                "integrity key size and SK_e* the cipher key size: add the real sizes.",
            ),
            Mistake(
                "encryption_first",
                _layout(p, _expand(p, seed), _ENCRYPTION_FIRST)[asked],
                "The SK_a* keys come before the SK_e* keys: SK_d | SK_ai | SK_ar | SK_ei | "
                "SK_er | SK_pi | SK_pr (unlike a Child SA's KEYMAT, cut encryption key first).",
            ),
        ]
        if p.encr.salt_size:
            no_salt = _layout(p, _expand(p, seed), salt=False)
            mistakes.append(
                Mistake(
                    "gcm_salt_forgotten",
                    no_salt[asked],
                    "With AES-GCM each SK_e* is the AES key plus a 4-byte salt "
                    "(RFC 5282 §7.1): your offsets forget the salt.",
                )
            )
        for name, value in right.items():
            if name != asked and value:
                mistakes.append(Mistake(_gave(name, asked), value, _gave_message(name, asked)))
        return mistakes


_ENCRYPTION_FIRST = ("SK_d", "SK_ei", "SK_er", "SK_ai", "SK_ar", "SK_pi", "SK_pr")


def _purpose(name: str) -> str:
    who = "the initiator's" if name.endswith("i") else "the responder's"
    if name == "SK_d":
        return "the key from which every Child SA's KEYMAT is derived"
    kind = {
        "SK_a": "integrity key of the SK payload of the messages it sends",
        "SK_e": "encryption key of the SK payload of the messages it sends",
        "SK_p": "key of MACedIDFor" + name[-1].upper() + " in the octets its AUTH covers",
    }[name[:4]]
    return f"{who} {kind}"


def _gave(name: str, asked: str) -> str:
    if name[:4] == asked[:4]:
        return "initiator_responder_swapped"
    return "wrong_key"


def _gave_message(name: str, asked: str) -> str:
    if name[:4] == asked[:4]:
        return (
            f"That is {name}, the other direction: 'i' keys are the initiator's (Branch1's), "
            f"'r' keys the responder's. You were asked for {asked}."
        )
    return (
        f"That is {name}, a right slice of the right stream but not {asked}: the order is "
        "SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr."
    )
