"""Fault injection on a link: loss, delay and jitter, duplicate, reorder, corrupt, rewrite.

A :class:`FaultPolicy` is plain data; :func:`apply_faults` draws from a seeded
:class:`~vpnteach.crypto.rng.Rng` in a fixed order (loss, rewrite, corrupt, jitter, reorder,
duplicate) and returns the copies of the packet to deliver, each with its extra delay, plus one
:class:`Fault` per fault that struck. The same seed and the same traffic give the same faults.

- loss: the packet disappears (probability ``loss``);
- rewrite: a user function ``rewrite(packet) -> bytes | None`` sees every packet; ``None``
  drops it, other bytes replace it (recorded only when the bytes changed);
- corrupt: one random bit is inverted (probability ``corrupt``);
- delay: ``delay`` extra seconds on every packet plus a uniform ``[0, jitter)``;
- reorder: the packet is held back ``reorder_delay`` seconds so later ones overtake it;
- duplicate: a second copy arrives ``duplicate_gap`` seconds after the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng, random_int_below
from vpnteach.net.sim.packets import flip_bit

Rewrite = Callable[[bytes], "bytes | None"]
_UNIT = 1 << 53


class FaultPolicyError(ValueError):
    """A probability outside [0, 1] or a negative delay in a :class:`FaultPolicy`."""


@dataclass(frozen=True)
class FaultPolicy(HtmlRepr):
    """What can go wrong on a link (the default: nothing).

    Attributes:
        loss, duplicate, reorder, corrupt: probabilities in [0, 1], drawn per packet.
        delay: extra seconds on every packet; jitter: plus uniform [0, jitter) seconds.
        reorder_delay: how long a reordered packet is held back (seconds).
        duplicate_gap: seconds between a packet and its duplicate.
        rewrite: ``f(packet) -> bytes | None`` applied to every packet (None drops it).
        only_from: if set, faults hit only packets sent by the node of this name.
    """

    loss: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    corrupt: float = 0.0
    reorder_delay: float = 0.05
    duplicate_gap: float = 0.0
    rewrite: Rewrite | None = None
    only_from: str | None = None

    def __post_init__(self) -> None:
        for name in ("loss", "duplicate", "reorder", "corrupt"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise FaultPolicyError(f"{name} is a probability in [0, 1], got {value}")
        for name in ("delay", "jitter", "reorder_delay", "duplicate_gap"):
            if getattr(self, name) < 0:
                raise FaultPolicyError(f"{name} must not be negative, got {getattr(self, name)}")


NO_FAULTS = FaultPolicy()


@dataclass(frozen=True)
class Fault:
    """A fault that struck one packet: its kind and a detail for the log."""

    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Copy:
    """A copy of the packet to deliver ``extra_delay`` seconds after the normal arrival."""

    packet: bytes
    extra_delay: float


def uniform(rng: Rng) -> float:
    """A float in [0, 1) with 53 random bits."""
    return random_int_below(rng, _UNIT) / _UNIT


def _chance(rng: Rng, probability: float) -> bool:
    # No draw for a probability of 0 or 1: enabling one fault does not shift the others' draws.
    if probability <= 0.0 or probability >= 1.0:
        return probability >= 1.0
    return uniform(rng) < probability


def apply_faults(policy: FaultPolicy, packet: bytes, rng: Rng) -> tuple[list[Copy], list[Fault]]:
    """The copies of ``packet`` to deliver under ``policy`` and the faults that struck it."""
    faults: list[Fault] = []
    if _chance(rng, policy.loss):
        return [], [Fault("loss")]
    if policy.rewrite is not None:
        rewritten = policy.rewrite(packet)
        if rewritten is None:
            return [], [Fault("rewrite", "dropped by the rewrite function")]
        if rewritten != packet:
            faults.append(Fault("rewrite", f"{len(packet)} -> {len(rewritten)} bytes"))
        packet = rewritten
    if packet and _chance(rng, policy.corrupt):
        bit = random_int_below(rng, len(packet) * 8)
        packet = flip_bit(packet, bit)
        faults.append(Fault("corrupt", f"bit {bit % 8} of byte {bit // 8} flipped"))
    extra = policy.delay + (uniform(rng) * policy.jitter if policy.jitter > 0 else 0.0)
    if policy.delay or policy.jitter:
        faults.append(Fault("delay", f"+{extra * 1000:.3f} ms"))
    if _chance(rng, policy.reorder):
        extra += policy.reorder_delay
        faults.append(Fault("reorder", f"held back {policy.reorder_delay * 1000:.3f} ms"))
    copies = [Copy(packet, extra)]
    if _chance(rng, policy.duplicate):
        copies.append(Copy(packet, extra + policy.duplicate_gap))
        faults.append(Fault("duplicate", "a second copy follows"))
    return copies, faults
