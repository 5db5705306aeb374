"""The CBC IVs of an ISAKMP SA (RFC 2409 Appendix B), one chain per exchange.

Phase 1 starts from ``IV = hash(g^xi | g^xr)`` truncated to the cipher's block size; after
that the IV of each message is the last ciphertext block of the message before it, in either
direction. Each Quick Mode or informational exchange (a non-zero message ID) starts its own
chain from ``hash(last phase-1 CBC output block | M-ID)``. :class:`IvManager` keeps the chains
of one SA (strongSwan keeps its IKEv1 IV manager apart from the key material too); the two
formulas are pure functions that record a fact in the trace they are given. It also keeps
the SA's :class:`~vpnteach.crypto.keyed_cbc.KeyedCbc`, the OpenSSL contexts that run those
chains under ``Ka`` (no cipher set-up per message).
"""

from __future__ import annotations

from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.crypto.keyed_cbc import KeyedCbc
from vpnteach.crypto.prf import HashAlgorithm
from vpnteach.trace import NULL_TRACE, Trace

RFC_APPENDIX_B = "RFC 2409 Appendix B"


def m_id_octets(m_id: int | bytes) -> bytes:
    """A message ID as the 4 octets it has on the wire (RFC 2408 §3.1)."""
    if isinstance(m_id, bytes):
        if len(m_id) != 4:
            raise ValueError(f"a message ID is 4 bytes, got {len(m_id)}")
        return m_id
    if not 0 <= m_id <= 0xFFFFFFFF:
        raise ValueError(f"a message ID is an unsigned 32-bit number, got {m_id}")
    return m_id.to_bytes(4, "big")


def phase1_iv(
    h: HashAlgorithm, g_xi: bytes, g_xr: bytes, block_size: int, trace: Trace = NULL_TRACE
) -> bytes:
    """The IV of the first encrypted phase-1 message (MM5), RFC 2409 Appendix B."""
    # IV = hash(g^xi | g^xr), truncated to the cipher's block size
    return trace.derived(
        "IV (phase 1)",
        "hash(g^xi | g^xr)",
        h.hash(g_xi + g_xr)[:block_size],
        rfc=RFC_APPENDIX_B,
        g_xi=g_xi,
        g_xr=g_xr,
    )


def phase2_iv(
    h: HashAlgorithm,
    last_phase1_block: bytes,
    m_id: int | bytes,
    block_size: int,
    trace: Trace = NULL_TRACE,
) -> bytes:
    """The IV of the first message of a Quick Mode or informational exchange, App. B."""
    # IV = hash(last phase-1 CBC output block | M-ID), truncated to the block size
    mid = m_id_octets(m_id)
    return trace.derived(
        f"IV (M-ID {mid.hex()})",
        "hash(last phase 1 CBC output block | M-ID)",
        h.hash(last_phase1_block + mid)[:block_size],
        rfc=RFC_APPENDIX_B,
        last_phase1_block=last_phase1_block,
        m_id=mid,
    )


class IvManager:
    """The CBC IV chains of one ISAKMP SA (RFC 2409 Appendix B).

    Phase 1 (message ID 0) starts from ``hash(g^xi | g^xr)``; every exchange with a non-zero
    message ID starts from ``hash(last phase-1 block | M-ID)``. Within an exchange, the IV of
    the next message is the last ciphertext block of the previous one, whichever side sent it.
    Call :meth:`update` with each encrypted message body sent or accepted.
    """

    def __init__(
        self,
        h: HashAlgorithm,
        block_size: int,
        g_xi: bytes,
        g_xr: bytes,
        trace: Trace = NULL_TRACE,
    ) -> None:
        self._h = h
        self._block_size = block_size
        self._trace = trace
        self._ivs: dict[int, bytes] = {0: phase1_iv(h, g_xi, g_xr, block_size, trace)}
        self._last_phase1_block: bytes | None = None
        self._cbc: KeyedCbc | None = None

    def cbc(self, cipher: CipherAlgorithm, key: bytes) -> KeyedCbc:
        """The CBC contexts of ``cipher`` under ``key`` (``Ka``), made on first use."""
        cbc = self._cbc
        if cbc is None or not cbc.uses(cipher, key):
            cbc = self._cbc = KeyedCbc(cipher, key)
        return cbc

    @property
    def trace(self) -> Trace:
        """Where this SA's facts are recorded (the IVs, and the plaintexts of
        :mod:`vpnteach.ike.protection`)."""
        return self._trace

    def iv(self, m_id: int) -> bytes:
        """The IV for the next message of exchange ``m_id``."""
        if m_id not in self._ivs:
            if self._last_phase1_block is None:
                raise ValueError(
                    f"no IV for M-ID {m_id:#010x}: phase 1 has not produced its last block yet"
                )
            self._ivs[m_id] = phase2_iv(
                self._h, self._last_phase1_block, m_id, self._block_size, self._trace
            )
        return self._ivs[m_id]

    def update(self, m_id: int, ciphertext: bytes) -> None:
        """Chain: the last block of ``ciphertext`` becomes the next IV of exchange ``m_id``."""
        if len(ciphertext) < self._block_size or len(ciphertext) % self._block_size:
            raise ValueError(
                f"encrypted body of {len(ciphertext)} bytes is not a whole number of "
                f"{self._block_size}-byte blocks"
            )
        last = ciphertext[-self._block_size :]
        self._ivs[m_id] = last
        if m_id == 0:
            self._last_phase1_block = last

    def checkpoint(self) -> tuple[dict[int, bytes], bytes | None]:
        """The chains as they are now, to undo the update of a message refused later."""
        return dict(self._ivs), self._last_phase1_block

    def rollback(self, saved: tuple[dict[int, bytes], bytes | None]) -> None:
        """Return to a :meth:`checkpoint` (a forged message must not move the chains)."""
        self._ivs, self._last_phase1_block = dict(saved[0]), saved[1]

    def forget(self, m_id: int) -> None:
        """Drop the chain of a finished exchange (a later reuse of the M-ID starts afresh)."""
        if m_id:
            self._ivs.pop(m_id, None)
