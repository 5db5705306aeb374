"""IKEv2 key material: prf+, SKEYSEED and the seven SK_* keys, Child SA KEYMAT.

RFC 7296 §2.13 defines the expansion function::

    prf+ (K,S) = T1 | T2 | T3 | T4 | ...
    T1 = prf (K, S | 0x01)
    T2 = prf (K, T1 | S | 0x02)          ...up to 255 blocks

§2.14 derives the IKE SA's keys from the Diffie-Hellman secret g^ir and both nonces::

    SKEYSEED = prf(Ni | Nr, g^ir)
    {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
                   = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)

SK_d keys Child SAs, SK_a*/SK_e* protect the SK payload one per direction, SK_p* enter the
AUTH payloads. §2.17 derives a Child SA's keys from SK_d: ``KEYMAT = prf+(SK_d, Ni | Nr)``,
or ``prf+(SK_d, g^ir (new) | Ni | Nr)`` with PFS in CREATE_CHILD_SA; the initiator-to-
responder keys come first (encryption, then integrity), then the other direction.

Every value is recorded with :meth:`vpnteach.trace.Trace.derived` as it is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.ikev2.transforms import Encr, Integ, Prf
from vpnteach.trace import NULL_TRACE, Trace

MAX_PRF_PLUS_BLOCKS = 255
_RFC_2_14 = "RFC 7296 §2.14"


class KeyDerivationError(ValueError):
    """An input of the key derivation has the wrong size (e.g. an SPI that is not 8 bytes)."""


def prf_plus(prf: Prf, key: bytes, seed: bytes, length: int) -> bytes:
    """``prf+(K, S)`` truncated to ``length`` bytes (RFC 7296 §2.13)."""
    if length > MAX_PRF_PLUS_BLOCKS * prf.output_size:
        raise KeyDerivationError(
            f"prf+ with {prf.name} yields at most {MAX_PRF_PLUS_BLOCKS * prf.output_size} bytes,"
            f" {length} asked"
        )
    out = b""
    t = b""
    counter = 1
    while len(out) < length:
        # Tn = prf (K, Tn-1 | S | n)
        t = prf(key, t + seed + bytes([counter]))
        out += t
        counter += 1
    return out[:length]


def skeyseed_key(prf: Prf, ni: bytes, nr: bytes) -> bytes:
    """The key of ``prf(Ni | Nr, g^ir)``: ``Ni | Nr``, or for a fixed-key PRF (AES-XCBC) the
    first half of its key size from each nonce (RFC 7296 §2.14)."""
    if prf.hashlib_name:
        return ni + nr
    half = prf.key_size // 2
    return ni[:half] + nr[:half]


@dataclass(frozen=True)
class IkeSaKeys(HtmlRepr):
    """The keys of one IKE SA (RFC 7296 §2.14)."""

    skeyseed: bytes
    sk_d: bytes
    sk_ai: bytes
    sk_ar: bytes
    sk_ei: bytes
    sk_er: bytes
    sk_pi: bytes
    sk_pr: bytes


_SK_NAMES = ("SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr")


def derive_ike_sa_keys(
    prf: Prf,
    integ: Integ | None,
    encr: Encr,
    g_ir: bytes,
    ni: bytes,
    nr: bytes,
    spi_i: bytes,
    spi_r: bytes,
    *,
    trace: Trace = NULL_TRACE,
) -> IkeSaKeys:
    """SKEYSEED and SK_d/ai/ar/ei/er/pi/pr of a new IKE SA (RFC 7296 §2.14)."""
    if len(spi_i) != 8 or len(spi_r) != 8:
        raise KeyDerivationError("SPIi and SPIr are 8 bytes each (RFC 7296 §3.1)")
    # SKEYSEED = prf(Ni | Nr, g^ir)
    skeyseed = trace.derived(
        "SKEYSEED",
        "prf(Ni | Nr, g^ir)",
        prf(skeyseed_key(prf, ni, nr), g_ir),
        rfc=_RFC_2_14,
        ni=ni,
        nr=nr,
        g_ir=g_ir,
    )
    return _split_sk(prf, integ, encr, skeyseed, ni + nr + spi_i + spi_r, trace)


def derive_rekeyed_ike_sa_keys(
    old_prf: Prf,
    prf: Prf,
    integ: Integ | None,
    encr: Encr,
    old_sk_d: bytes,
    g_ir: bytes,
    ni: bytes,
    nr: bytes,
    spi_i: bytes,
    spi_r: bytes,
    *,
    trace: Trace = NULL_TRACE,
) -> IkeSaKeys:
    """The keys of an IKE SA rekeyed by CREATE_CHILD_SA (RFC 7296 §2.18): the old SK_d seeds
    the new SKEYSEED, computed with the old SA's PRF (``old_prf``; the new one then runs
    prf+); ``spi_i``/``spi_r`` are the new SA's SPIs."""
    # SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
    skeyseed = trace.derived(
        "SKEYSEED",
        "prf(SK_d (old), g^ir (new) | Ni | Nr)",
        old_prf(old_sk_d, g_ir + ni + nr),
        rfc="RFC 7296 §2.18",
        sk_d_old=old_sk_d,
        g_ir=g_ir,
        ni=ni,
        nr=nr,
    )
    return _split_sk(prf, integ, encr, skeyseed, ni + nr + spi_i + spi_r, trace)


def _split_sk(
    prf: Prf, integ: Integ | None, encr: Encr, skeyseed: bytes, seed: bytes, trace: Trace
) -> IkeSaKeys:
    integ_size = integ.key_size if integ is not None else 0
    sizes = [prf.key_size, integ_size, integ_size, encr.key_size, encr.key_size]
    sizes += [prf.key_size, prf.key_size]
    # {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
    #                = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
    stream = prf_plus(prf, skeyseed, seed, sum(sizes))
    keys: list[bytes] = []
    offset = 0
    for name, size in zip(_SK_NAMES, sizes, strict=True):
        value = stream[offset : offset + size]
        formula = f"prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)[{offset}:{offset + size}]"
        keys.append(trace.derived(name, formula, value, rfc=_RFC_2_14, skeyseed=skeyseed))
        offset += size
    return IkeSaKeys(skeyseed, *keys)


@dataclass(frozen=True)
class ChildSaKeys(HtmlRepr):
    """The keys of one Child SA pair (RFC 7296 §2.17): the initiator-to-responder SA's
    encryption and integrity keys, then the responder-to-initiator SA's."""

    keymat: bytes
    encr_i: bytes
    integ_i: bytes
    encr_r: bytes
    integ_r: bytes


def derive_child_sa_keys(
    prf: Prf,
    sk_d: bytes,
    ni: bytes,
    nr: bytes,
    encr: Encr,
    integ: Integ | None,
    g_ir_new: bytes | None = None,
    *,
    trace: Trace = NULL_TRACE,
) -> ChildSaKeys:
    """KEYMAT for a Child SA (RFC 7296 §2.17), with PFS when ``g_ir_new`` is given."""
    integ_size = integ.key_size if integ is not None else 0
    length = 2 * (encr.key_size + integ_size)
    if g_ir_new is None:
        # KEYMAT = prf+(SK_d, Ni | Nr)
        formula, seed = "prf+(SK_d, Ni | Nr)", ni + nr
    else:
        # KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)
        formula, seed = "prf+(SK_d, g^ir (new) | Ni | Nr)", g_ir_new + ni + nr
    keymat = trace.derived(
        "KEYMAT",
        formula,
        prf_plus(prf, sk_d, seed, length),
        rfc="RFC 7296 §2.17",
        sk_d=sk_d,
        ni=ni,
        nr=nr,
        **({"g_ir_new": g_ir_new} if g_ir_new is not None else {}),
    )
    e, a = encr.key_size, integ_size
    parts = (keymat[:e], keymat[e : e + a], keymat[e + a : 2 * e + a], keymat[2 * e + a :])
    names = [
        "ESP encryption key i->r",
        "ESP integrity key i->r",
        "ESP encryption key r->i",
        "ESP integrity key r->i",
    ]
    offset = 0
    for name, part in zip(names, parts, strict=True):
        trace.derived(name, f"KEYMAT[{offset}:{offset + len(part)}]", part, rfc="RFC 7296 §2.17")
        offset += len(part)
    return ChildSaKeys(keymat, *parts)
