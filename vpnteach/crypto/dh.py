"""Diffie-Hellman over a MODP group, as IKEv1 Main Mode messages 3 and 4 carry it.

Each peer draws a private value ``x``, sends the public value ``g^x mod p`` in its Key Exchange
payload (RFC 2409 §5: "the Diffie-Hellman public value ... g^xi and g^xr"; RFC 2408 §3.7: the
KE payload data), and computes the shared secret ``g^xy = (g^y)^x mod p`` from the peer's.
Both values travel and enter SKEYID derivation as big-endian bytes **left-padded to the length
of p** (RFC 2409 §5; strongSwan and IOS pad the same way, so a value with a leading zero byte
still has ``len(p)`` bytes).

Private value length: for the RFC 2409 groups (1 and 2, the tutorial's) we draw ``x`` uniformly
from ``[2, p-2]``, a full-length exponent, the simplest rule to explain and strongSwan's default
(``dh_exponent_ansi_x9_42 = yes``). For the RFC 3526 groups (5, 14, 15, 16) we draw ``x`` with
twice the bits of the group's estimated strength, the upper figure of RFC 3526 §8's table
(240, 320, 420 and 480 bits): "an exponent ... of twice the strength is sufficient". It keeps a
2048-bit exchange in milliseconds in Python; the security level is the group's either way.

The peer's public value is checked before use: it must have exactly ``len(p)`` bytes and
satisfy ``1 < y < p-1`` (RFC 2631 §2.1.5, NIST SP 800-56A §5.6.2.3.1). The values 0, 1 and
p-1 would force the shared secret into {0, 1, p-1}, an attacker's dream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vpnteach._html import HtmlRepr
from vpnteach.crypto.modexp import powmod
from vpnteach.crypto.modp import ModpGroup
from vpnteach.crypto.rng import Rng, random_int_below
from vpnteach.trace import NULL_TRACE, FactKind, Trace

_RANGE_RULE = "must satisfy 1 < y < p-1, RFC 2631 §2.1.5 / NIST SP 800-56A"


class DhPublicValueError(ValueError):
    """A peer's Diffie-Hellman public value is malformed or outside ``1 < y < p-1``."""


def int_to_padded(value: int, group: ModpGroup) -> bytes:
    """``value`` as big-endian bytes left-padded to ``len(p)`` (RFC 2409 §5)."""
    return value.to_bytes(group.byte_length, "big")


# RFC 3526 §8: exponent size = twice the upper strength estimate of each group, in bits.
SHORT_EXPONENT_BITS = {5: 240, 14: 320, 15: 420, 16: 480}


def generate_private_value(group: ModpGroup, rng: Rng) -> int:
    """A private value ``x``: uniform in ``[2, p-2]`` for groups 1 and 2, with twice the
    group's strength in bits for the RFC 3526 groups (RFC 3526 §8; see the module docstring)."""
    bits = SHORT_EXPONENT_BITS.get(group.number)
    bound = group.p - 3 if bits is None else min(group.p - 3, 1 << bits)
    return 2 + random_int_below(rng, bound)


def compute_public_value(group: ModpGroup, x: int) -> bytes:
    """``g^x mod p`` as ``len(p)`` big-endian bytes: the KE payload data (RFC 2409 §5)."""
    if not 1 < x < group.p - 1:
        raise ValueError(f"DH private value must satisfy 1 < x < p-1 for {group.name}")
    return int_to_padded(powmod(group.g, x, group.p), group)


def validate_peer_public(group: ModpGroup, peer_public: bytes) -> int:
    """Check a received public value (length ``len(p)``, ``1 < y < p-1``); return it as int.

    Raises:
        DhPublicValueError: wrong length, or a value outside ``1 < y < p-1``.
    """
    if len(peer_public) != group.byte_length:
        raise DhPublicValueError(
            f"peer DH public value has {len(peer_public)} bytes: rejected "
            f"({group.name} public values have exactly {group.byte_length} bytes, RFC 2409 §5)"
        )
    y = int.from_bytes(peer_public, "big")
    if not 1 < y < group.p - 1:
        shown = {0: "0", 1: "1", group.p - 1: "p-1", group.p: "p"}.get(y, "greater than p")
        raise DhPublicValueError(f"peer DH public value is {shown}: rejected ({_RANGE_RULE})")
    return y


def compute_shared_secret(group: ModpGroup, x: int, peer_public: bytes) -> bytes:
    """``g^xy = (g^y)^x mod p`` as ``len(p)`` bytes, after validating the peer value."""
    y = validate_peer_public(group, peer_public)
    return int_to_padded(powmod(y, x, group.p), group)


@dataclass(frozen=True)
class DhComputation(HtmlRepr):
    """One side of a Diffie-Hellman exchange, every value inspectable.

    Build it with :meth:`start` (draws ``x``, computes ``g^x``), then :meth:`complete` with the
    peer's public value to get a copy that also holds ``g^xy``.
    """

    group: ModpGroup
    private_value: int = field(repr=False)
    public_value: bytes
    peer_public_value: bytes | None = None
    shared_secret: bytes | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        group: ModpGroup,
        rng: Rng,
        *,
        name: str = "g^x",
        trace: Trace = NULL_TRACE,
        private_value: int | None = None,
    ) -> DhComputation:
        """Draw ``x`` from ``rng`` (or use ``private_value``) and compute ``g^x mod p``.

        ``name`` is the fact name recorded in ``trace`` (``"g^xi"`` for the initiator, ``"g^xr"``
        for the responder, as RFC 2409 §5 writes them).
        """
        x = generate_private_value(group, rng) if private_value is None else private_value
        g_x = trace.derived(
            name,
            "g^x mod p",
            compute_public_value(group, x),
            FactKind.DH,
            rfc="RFC 2409 §5",
            group=group.name,
        )
        return cls(group, x, g_x)

    def complete(self, peer_public_value: bytes, *, trace: Trace = NULL_TRACE) -> DhComputation:
        """A copy with the peer's value and ``g^xy`` (validated: :class:`DhPublicValueError`)."""
        g_xy = trace.derived(
            "g^xy",
            "(g^y)^x mod p",
            compute_shared_secret(self.group, self.private_value, peer_public_value),
            FactKind.DH,
            rfc="RFC 2409 §5",
            group=self.group.name,
            g_y=peer_public_value,
        )
        return replace(self, peer_public_value=peer_public_value, shared_secret=g_xy)
