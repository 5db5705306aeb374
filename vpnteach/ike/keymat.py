"""IKEv1 key material: RFC 2409 §5 (phase 1), §5.5 (phase 2), Appendix B (expansion, IVs).

Theory of operation. After Main Mode message 4 both peers hold the Diffie-Hellman secret
``g^xy``, both nonces and both cookies. From them each derives, independently and identically:

* ``SKEYID``: the root secret; its formula depends on the authentication method (§5);
* ``SKEYID_d`` (derives phase-2 keys), ``SKEYID_a`` (authenticates phase-2 and informational
  messages), ``SKEYID_e`` (encrypts ISAKMP messages);
* ``Ka``: ``SKEYID_e`` stretched or cut to the cipher's key length (Appendix B);
* the IVs (:mod:`vpnteach.ike.ivs`, re-exported here): ``hash(g^xi | g^xr)`` for phase 1,
  then the last ciphertext block of each message; ``hash(last phase-1 block | M-ID)`` to start
  each phase-2 or informational exchange;
* ``HASH_I`` / ``HASH_R``: what each side signs (rsa-sig) or sends (pre-share) in MM5/MM6;
* Quick Mode ``HASH(1)``, ``HASH(2)``, ``HASH(3)`` and the ``KEYMAT`` of each IPsec SA.

Every function is pure over bytes; each takes an optional :class:`~vpnteach.trace.Trace` and
records what it computed as a fact (name, the RFC's formula, inputs, output). ``|`` in the
formulas is concatenation; ``0``, ``1``, ``2`` are single octets.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.ike.ivs import IvManager as IvManager  # the IVs live in ivs.py (Appendix B)
from vpnteach.ike.ivs import m_id_octets as _m_id
from vpnteach.ike.ivs import phase1_iv as phase1_iv
from vpnteach.ike.ivs import phase2_iv as phase2_iv
from vpnteach.trace import NULL_TRACE, Trace

RFC_PHASE1 = "RFC 2409 §5"
RFC_APPENDIX_B = "RFC 2409 Appendix B"
RFC_PHASE2 = "RFC 2409 §5.5"
RFC_INFORMATIONAL = "RFC 2409 §5.7"


def _check_cookie(name: str, cookie: bytes) -> None:
    if len(cookie) != 8:
        raise ValueError(f"{name} must be 8 bytes (RFC 2408 §3.1), got {len(cookie)}")


# --- SKEYID (RFC 2409 §5) -------------------------------------------------------------------


def skeyid_sig(
    h: HashAlgorithm, ni_b: bytes, nr_b: bytes, g_xy: bytes, trace: Trace = NULL_TRACE
) -> bytes:
    """SKEYID for signature authentication (rsa-sig, dss), RFC 2409 §5."""
    # For signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
    return trace.derived(
        "SKEYID",
        "prf(Ni_b | Nr_b, g^xy)",
        h.prf(ni_b + nr_b, g_xy),
        rfc=RFC_PHASE1,
        ni_b=ni_b,
        nr_b=nr_b,
        g_xy=g_xy,
    )


def skeyid_psk(
    h: HashAlgorithm, psk: bytes, ni_b: bytes, nr_b: bytes, trace: Trace = NULL_TRACE
) -> bytes:
    """SKEYID for pre-shared key authentication, RFC 2409 §5."""
    if not psk:
        raise ValueError("the pre-shared key is empty")
    # For pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
    return trace.derived(
        "SKEYID",
        "prf(pre-shared-key, Ni_b | Nr_b)",
        h.prf(psk, ni_b + nr_b),
        rfc=RFC_PHASE1,
        pre_shared_key=psk,
        ni_b=ni_b,
        nr_b=nr_b,
    )


def skeyid_pke(
    h: HashAlgorithm,
    ni_b: bytes,
    nr_b: bytes,
    cky_i: bytes,
    cky_r: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """SKEYID for public key encryption authentication (rsa-encr), RFC 2409 §5."""
    _check_cookie("CKY-I", cky_i)
    _check_cookie("CKY-R", cky_r)
    nonces_hash = trace.derived(
        "hash(Ni_b | Nr_b)",
        "hash(Ni_b | Nr_b)",
        h.hash(ni_b + nr_b),
        rfc=RFC_PHASE1,
        ni_b=ni_b,
        nr_b=nr_b,
    )
    # For public key encryption: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)
    return trace.derived(
        "SKEYID",
        "prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)",
        h.prf(nonces_hash, cky_i + cky_r),
        rfc=RFC_PHASE1,
        hash_ni_b_nr_b=nonces_hash,
        ni_b=ni_b,
        nr_b=nr_b,
        cky_i=cky_i,
        cky_r=cky_r,
    )


# --- SKEYID_d / SKEYID_a / SKEYID_e and Ka ---------------------------------------------------


@dataclass(frozen=True)
class Phase1Keys(HtmlRepr):
    """The SKEYID family and the encryption key of one ISAKMP SA (RFC 2409 §5, App. B)."""

    skeyid: bytes
    skeyid_d: bytes
    skeyid_a: bytes
    skeyid_e: bytes
    ka: bytes


def derive_skeyids(
    h: HashAlgorithm,
    skeyid: bytes,
    g_xy: bytes,
    cky_i: bytes,
    cky_r: bytes,
    trace: Trace = NULL_TRACE,
) -> tuple[bytes, bytes, bytes]:
    """``(SKEYID_d, SKEYID_a, SKEYID_e)`` from SKEYID (RFC 2409 §5)."""
    _check_cookie("CKY-I", cky_i)
    _check_cookie("CKY-R", cky_r)
    tail = g_xy + cky_i + cky_r
    inputs = {"skeyid": skeyid, "g_xy": g_xy, "cky_i": cky_i, "cky_r": cky_r}
    # SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
    skeyid_d = trace.derived(
        "SKEYID_d",
        "prf(SKEYID, g^xy | CKY-I | CKY-R | 0)",
        h.prf(skeyid, tail + b"\x00"),
        rfc=RFC_PHASE1,
        **inputs,
    )
    # SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
    skeyid_a = trace.derived(
        "SKEYID_a",
        "prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)",
        h.prf(skeyid, skeyid_d + tail + b"\x01"),
        rfc=RFC_PHASE1,
        skeyid_d=skeyid_d,
        **inputs,
    )
    # SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
    skeyid_e = trace.derived(
        "SKEYID_e",
        "prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)",
        h.prf(skeyid, skeyid_a + tail + b"\x02"),
        rfc=RFC_PHASE1,
        skeyid_a=skeyid_a,
        **inputs,
    )
    return skeyid_d, skeyid_a, skeyid_e


def encryption_key(
    h: HashAlgorithm, skeyid_e: bytes, key_size: int, trace: Trace = NULL_TRACE
) -> bytes:
    """``Ka``: SKEYID_e cut or expanded to ``key_size`` bytes (RFC 2409 Appendix B).

    When SKEYID_e is long enough its leading bytes are the key; otherwise it is expanded with
    ``Ka = K1 | K2 | K3 ...`` where ``K1 = prf(SKEYID_e, 0)`` and ``Kn = prf(SKEYID_e, Kn-1)``
    (so a 16-byte MD5 SKEYID_e yields a 24-byte 3DES key).
    """
    if key_size <= 0:
        raise ValueError(f"the cipher key size must be positive, got {key_size}")
    if len(skeyid_e) >= key_size:
        formula = f"first {key_size} bytes of SKEYID_e"
        ka = skeyid_e[:key_size]
    else:
        # Ka = K1 | K2 | K3 ...; K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1), ...
        formula = "K1 | K2 | ... where K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1)"
        blocks = [h.prf(skeyid_e, b"\x00")]
        while sum(map(len, blocks)) < key_size:
            blocks.append(h.prf(skeyid_e, blocks[-1]))
        ka = b"".join(blocks)[:key_size]
    return trace.derived(
        "Ka", formula, ka, rfc=RFC_APPENDIX_B, skeyid_e=skeyid_e, key_size=key_size
    )


def derive_phase1_keys(
    h: HashAlgorithm,
    skeyid: bytes,
    g_xy: bytes,
    cky_i: bytes,
    cky_r: bytes,
    key_size: int,
    trace: Trace = NULL_TRACE,
) -> Phase1Keys:
    """The whole phase-1 key family from SKEYID (RFC 2409 §5 and Appendix B)."""
    skeyid_d, skeyid_a, skeyid_e = derive_skeyids(h, skeyid, g_xy, cky_i, cky_r, trace)
    ka = encryption_key(h, skeyid_e, key_size, trace)
    return Phase1Keys(skeyid, skeyid_d, skeyid_a, skeyid_e, ka)


# --- HASH_I / HASH_R (RFC 2409 §5) ------------------------------------------------------------


def hash_i(
    h: HashAlgorithm,
    skeyid: bytes,
    g_xi: bytes,
    g_xr: bytes,
    cky_i: bytes,
    cky_r: bytes,
    sai_b: bytes,
    idii_b: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """HASH_I, what the initiator signs (or sends) in MM5, RFC 2409 §5.

    ``sai_b`` is the entire body of the initiator's SA payload minus the generic header;
    ``idii_b`` the initiator's ID payload body, likewise.
    """
    # HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b )
    return trace.derived(
        "HASH_I",
        "prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)",
        h.prf(skeyid, g_xi + g_xr + cky_i + cky_r + sai_b + idii_b),
        rfc=RFC_PHASE1,
        skeyid=skeyid,
        g_xi=g_xi,
        g_xr=g_xr,
        cky_i=cky_i,
        cky_r=cky_r,
        sai_b=sai_b,
        idii_b=idii_b,
    )


def hash_r(
    h: HashAlgorithm,
    skeyid: bytes,
    g_xi: bytes,
    g_xr: bytes,
    cky_i: bytes,
    cky_r: bytes,
    sai_b: bytes,
    idir_b: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """HASH_R, what the responder signs (or sends) in MM6, RFC 2409 §5."""
    # HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b )
    return trace.derived(
        "HASH_R",
        "prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)",
        h.prf(skeyid, g_xr + g_xi + cky_r + cky_i + sai_b + idir_b),
        rfc=RFC_PHASE1,
        skeyid=skeyid,
        g_xi=g_xi,
        g_xr=g_xr,
        cky_i=cky_i,
        cky_r=cky_r,
        sai_b=sai_b,
        idir_b=idir_b,
    )


# --- Quick Mode and informational hashes (RFC 2409 §5.5, §5.7) ------------------------------


def qm_hash1(
    h: HashAlgorithm,
    skeyid_a: bytes,
    m_id: int | bytes,
    payloads_after_hash: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """Quick Mode HASH(1), RFC 2409 §5.5.

    ``payloads_after_hash`` is every payload following the HASH payload, generic headers
    included (SA | Ni [| KE] [| IDci | IDcr]), exactly as sent.
    """
    mid = _m_id(m_id)
    # HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ] )
    return trace.derived(
        "HASH(1)",
        "prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])",
        h.prf(skeyid_a, mid + payloads_after_hash),
        rfc=RFC_PHASE2,
        skeyid_a=skeyid_a,
        m_id=mid,
        payloads=payloads_after_hash,
    )


def qm_hash2(
    h: HashAlgorithm,
    skeyid_a: bytes,
    m_id: int | bytes,
    ni_b: bytes,
    payloads_after_hash: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """Quick Mode HASH(2), RFC 2409 §5.5; ``ni_b`` is the initiator's QM nonce body."""
    mid = _m_id(m_id)
    # HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ] )
    return trace.derived(
        "HASH(2)",
        "prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])",
        h.prf(skeyid_a, mid + ni_b + payloads_after_hash),
        rfc=RFC_PHASE2,
        skeyid_a=skeyid_a,
        m_id=mid,
        ni_b=ni_b,
        payloads=payloads_after_hash,
    )


def qm_hash3(
    h: HashAlgorithm,
    skeyid_a: bytes,
    m_id: int | bytes,
    ni_b: bytes,
    nr_b: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """Quick Mode HASH(3), RFC 2409 §5.5."""
    mid = _m_id(m_id)
    # HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
    return trace.derived(
        "HASH(3)",
        "prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)",
        h.prf(skeyid_a, b"\x00" + mid + ni_b + nr_b),
        rfc=RFC_PHASE2,
        skeyid_a=skeyid_a,
        m_id=mid,
        ni_b=ni_b,
        nr_b=nr_b,
    )


def informational_hash(
    h: HashAlgorithm,
    skeyid_a: bytes,
    m_id: int | bytes,
    payloads_after_hash: bytes,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """HASH(1) of an informational exchange protected by the ISAKMP SA, RFC 2409 §5.7."""
    mid = _m_id(m_id)
    # HASH(1) = prf(SKEYID_a, M-ID | N/D)
    return trace.derived(
        "HASH(1) (informational)",
        "prf(SKEYID_a, M-ID | N/D)",
        h.prf(skeyid_a, mid + payloads_after_hash),
        rfc=RFC_INFORMATIONAL,
        skeyid_a=skeyid_a,
        m_id=mid,
        payloads=payloads_after_hash,
    )


# --- KEYMAT (RFC 2409 §5.5) --------------------------------------------------------------------


def keymat(
    h: HashAlgorithm,
    skeyid_d: bytes,
    protocol: int,
    spi: bytes,
    ni_b: bytes,
    nr_b: bytes,
    length: int,
    g_qm_xy: bytes | None = None,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """KEYMAT for one IPsec SA, expanded to ``length`` bytes (RFC 2409 §5.5).

    ``spi`` is the SPI of the SA *as chosen by its receiver* (the inbound SA of a peer uses
    that peer's own SPI); ``ni_b``/``nr_b`` are the Quick Mode nonces; ``g_qm_xy`` is the
    Quick Mode Diffie-Hellman secret when PFS is used. For ESP the encryption key comes first,
    the authentication key next (RFC 2409 §5.5, RFC 2401 §... key order).
    """
    if length <= 0:
        raise ValueError(f"KEYMAT length must be positive, got {length}")
    if not 0 <= protocol <= 255:
        raise ValueError(f"protocol must be one octet, got {protocol}")
    if len(spi) != 4:
        raise ValueError(f"an ESP/AH SPI is 4 bytes (RFC 2407 §4.5), got {len(spi)}")
    # KEYMAT = prf(SKEYID_d, [ g(qm)^xy | ] protocol | SPI | Ni_b | Nr_b)
    # expanded: K1 = prf(SKEYID_d, seed), K2 = prf(SKEYID_d, K1 | seed), ...
    seed = (g_qm_xy or b"") + bytes([protocol]) + spi + ni_b + nr_b
    blocks = [h.prf(skeyid_d, seed)]
    while sum(map(len, blocks)) < length:
        blocks.append(h.prf(skeyid_d, blocks[-1] + seed))
    formula = (
        "prf(SKEYID_d, g(qm)^xy | protocol | SPI | Ni_b | Nr_b)"
        if g_qm_xy
        else "prf(SKEYID_d, protocol | SPI | Ni_b | Nr_b)"
    )
    if len(blocks) > 1:
        formula += " expanded as K1 | K2 | ..., Kn = prf(SKEYID_d, Kn-1 | seed)"
    inputs: dict[str, object] = {
        "skeyid_d": skeyid_d,
        "protocol": protocol,
        "spi": spi,
        "ni_b": ni_b,
        "nr_b": nr_b,
    }
    if g_qm_xy:
        inputs["g_qm_xy"] = g_qm_xy
    return trace.derived(
        f"KEYMAT (SPI {spi.hex()})",
        formula,
        b"".join(blocks)[:length],
        rfc=RFC_PHASE2,
        **inputs,
    )


def split_keymat(material: bytes, enc_key_size: int, auth_key_size: int) -> tuple[bytes, bytes]:
    """Split ESP KEYMAT into (encryption key, authentication key), in that order."""
    need = enc_key_size + auth_key_size
    if len(material) < need:
        raise ValueError(f"KEYMAT has {len(material)} bytes, {need} needed")
    return material[:enc_key_size], material[enc_key_size:need]
