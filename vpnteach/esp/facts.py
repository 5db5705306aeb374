"""The facts ESP records for a learner, one per value an RFC names (only with tracing on).

CBC + HMAC (RFC 4303 §3.3, RFC 3602 §3): sequence number, IV, plaintext, ciphertext, ICV.
AES-GCM (RFC 4106): sequence number, the salt from KEYMAT (§8.1), the explicit IV (§3.1), the
nonce salt | IV (§4), the AAD SPI | Seq (§5), plaintext, ciphertext and the ICV, GCM's tag (§6).
Each is a :meth:`~vpnteach.trace.Trace.derived` call with its formula and inputs, so the stepper
and the widgets show where every byte came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.esp.results import Dropped
from vpnteach.trace import FactKind, Trace

if TYPE_CHECKING:
    from vpnteach.esp.gcm import GcmContext
    from vpnteach.esp.sa import IpsecSa

_RFC_SEQ = "RFC 4303 §3.3.3"


def cbc_outbound(
    trace: Trace, sa: IpsecSa, seq: int, blocks: tuple[bytes, bytes, bytes, bytes],
    icv: bytes, inner: bytes,
) -> None:  # fmt: skip
    """The values of one CBC + HMAC packet, in the order they are computed."""
    random_block, iv, plaintext, ciphertext = blocks
    cipher, integrity = sa.cbc_suite()
    trace.derived("ESP sequence number", "previous + 1", seq, rfc=_RFC_SEQ, spi=sa.spi)
    trace.derived(
        "ESP IV", "E_K(R xor previous ciphertext block), R random", iv,
        rfc="RFC 3602 §3, NIST SP 800-38A App. C", random_block=random_block,
    )  # fmt: skip
    trace.derived(
        "ESP plaintext", "inner packet | padding 1,2,3.. | pad length | next header 4",
        plaintext, rfc="RFC 4303 §2.4", inner=inner,
    )  # fmt: skip
    trace.derived(
        "ESP ciphertext", f"{cipher.name}-CBC(K_e, IV, plaintext)", ciphertext,
        rfc="RFC 4303 §3.3", iv=iv, plaintext=plaintext,
    )  # fmt: skip
    trace.derived(
        "ESP ICV", f"first {integrity.icv_size} bytes of HMAC(K_a, SPI | Seq | IV | ciphertext)",
        icv, rfc=f"RFC 4303 §3.3.4, {integrity.rfc}", spi=sa.spi, seq=seq,
    )  # fmt: skip


def gcm_outbound(
    trace: Trace, sa: IpsecSa, gcm: GcmContext, seq: int, iv: bytes, plaintext: bytes,
    sealed: bytes, inner: bytes,
) -> None:  # fmt: skip
    """The values of one AES-GCM packet (RFC 4106), in the order they are computed."""
    name = gcm.algorithm.name
    ciphertext, icv = sealed[: -gcm.algorithm.icv_size], sealed[-gcm.algorithm.icv_size :]
    nonce, aad = gcm.nonce(iv), gcm.aad(sa.spi, seq)
    trace.derived("ESP sequence number", "previous + 1", seq, rfc=_RFC_SEQ, spi=sa.spi)
    trace.derived(
        "ESP salt", "last 4 bytes of the SA's KEYMAT (fixed for the SA)", gcm.salt,
        rfc="RFC 4106 §8.1", keymat_length=len(sa.encryption_key),
    )  # fmt: skip
    trace.derived(
        "ESP IV", "the sequence number as 8 bytes (a counter never repeats)", iv,
        rfc="RFC 4106 §3.1", seq=seq,
    )  # fmt: skip
    trace.derived("ESP nonce", "salt | IV", nonce, rfc="RFC 4106 §4", salt=gcm.salt, iv=iv)
    trace.derived("ESP AAD", "SPI | sequence number", aad, rfc="RFC 4106 §5", spi=sa.spi, seq=seq)
    trace.derived(
        "ESP plaintext", "inner packet | padding 1,2,3.. | pad length | next header 4",
        plaintext, rfc="RFC 4303 §2.4, RFC 4106 §3.2", inner=inner,
    )  # fmt: skip
    trace.derived(
        "ESP ciphertext", f"{name}: AES-CTR(K, nonce, plaintext)", ciphertext,
        rfc="RFC 4106 §3, NIST SP 800-38D", nonce=nonce, plaintext=plaintext,
    )  # fmt: skip
    trace.derived(
        "ESP ICV", "GCM tag: GHASH(H, AAD, ciphertext) xor E_K(nonce | 1), 16 bytes", icv,
        rfc="RFC 4106 §6", aad=aad, ciphertext=ciphertext,
    )  # fmt: skip


def dropped(trace: Trace, result: Dropped) -> None:
    """An ``ESP packet dropped`` fact: the reason's text is the formula."""
    trace.derived(
        "ESP packet dropped", result.reason.value, result, FactKind.ESP_PACKET, rfc="RFC 4303 §3.4"
    )
