"""Forgetting an ISAKMP SA's secrets when it is deleted (RFC 2409 §5, Appendix B values).

An ISAKMP SA holds, once keyed, the Diffie-Hellman private value and ``g^xy``
(:class:`~vpnteach.crypto.dh.DhComputation`), SKEYID, SKEYID_d/a/e and Ka
(:class:`~vpnteach.ike.keymat.Phase1Keys`), and each Quick Mode node its own DH computation
and the two SAs' KEYMAT (:class:`~vpnteach.ike.events.IpsecSaSpec`). The endpoint calls
:func:`forget_secrets` when it drops a deleted SA from its table, so that nothing in the engine
keeps them for the life of the process.

What Python cannot do, said plainly: these values are ``bytes`` and ``int`` objects, which are
immutable; they cannot be overwritten in place. Dropping the last reference returns their
memory to the allocator, which does not clear it: the bytes stay in the process's memory
until that memory is reused. Copies made elsewhere are out of reach here too: a
:class:`~vpnteach.trace.Trace` that records facts keeps ``g^xy`` and the keys (the lab keeps
them on purpose; the router process records no facts), an installed IPsec SA keeps its own
KEYMAT until the SAD removes it, and the ``cryptography`` library keeps its own copy of a key
inside OpenSSL's cipher context (which OpenSSL clears when the context is freed). Only a
``bytearray`` could be zeroed in place, and no key here is one: every layer from
:mod:`vpnteach.crypto` up passes keys as ``bytes``.
"""

from __future__ import annotations

from vpnteach.ike.sa import IsakmpSa


def forget_secrets(sa: IsakmpSa) -> None:
    """Drop every reference ``sa`` holds to key material: its keying (``g^xy``, SKEYID*,
    Ka, the IV chains), its own DH value and nonce, and its Quick Mode nodes (their DH
    computations and KEYMAT). The SA must be dead: nothing can be sent or read on it after."""
    if not sa.dead:
        raise ValueError("only a deleted ISAKMP SA may forget its keys")
    sa.keying = None
    sa.exchange = None
    for node in sa.nodes.values():
        node.dh = None
        node.specs = None
    sa.nodes.clear()
