"""Predict what ``show crypto ipsec sa`` will show: the packet counters after some pings (the
``.!!!!`` story), and which SPI sits where (RFC 2401 §4.1, RFC 4303 §2.1).

The counters follow the engine's rules: a packet is encapsulated when Branch1's crypto ACL
permits it (:meth:`vpnteach.ike.policy.AccessList.protects`, the seed's ACL), and the packet
that finds no SA starts IKE and is dropped (IOS), so a first ping prints ``.!!!!``. The SPI
of an SA is chosen by the router that receives on it (RFC 4301 §4.1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.base import Exercise, Mistake
from vpnteach.exercises.stepping import parse_numbers, parse_tokens
from vpnteach.ios import parse_config
from vpnteach.labs.seed_configs import SEED_CONFIGS

DESTINATION = "192.168.22.1"


@functools.cache
def protected(source: str) -> bool:
    """Does Branch1's seed crypto ACL send ``source`` -> 192.168.22.1 into the tunnel?"""
    config = parse_config(SEED_CONFIGS["Branch1"], "branch1.cfg")
    return config.access_lists["ACL"].protects(source, DESTINATION)


@dataclass(frozen=True)
class PingParams:
    pings: tuple[tuple[str, int], ...]


class PingCounters(Exercise[PingParams, tuple[int, ...]]):
    """Predict ``#pkts encaps`` / ``#pkts decaps`` and the first ping's successes."""

    id = "ping_counters"
    title = "Predict the counters: the .!!!! story"
    kind = "predict"
    answer_format = (
        "three numbers: Branch1's #pkts encaps, Branch2's #pkts decaps, the '!' of ping 1"
    )
    hint_ladder = (
        "The first echo finds no IPsec SA: IOS drops it and starts IKE. By the next echo "
        "(2 s later) the SAs are up: '.!!!!'.",
        "The counters belong to the SA and add up over every ping until it is replaced.",
        "Only packets the crypto ACL permits are encapsulated; a ping from another source "
        "leaves in clear (or not at all) and counts nothing.",
        "Branch1's encaps are its echo requests into the tunnel; Branch2 decapsulates the "
        "same packets.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> PingParams:
        pings = [("192.168.11.1", 3 + random_int_below(rng, 15))]
        pings.append(("192.168.11.1", 2 + random_int_below(rng, 20)))
        if random_int_below(rng, 2):
            pings.insert(1 + random_int_below(rng, 2), ("10.1.1.1", 2 + random_int_below(rng, 5)))
        return PingParams(tuple(pings))

    def _givens(self, p: PingParams) -> list[tuple[str, Any]]:
        return [
            (f"Branch1# (ping {n})", f"ping {DESTINATION} source {source} repeat {count}")
            for n, (source, count) in enumerate(p.pings, start=1)
        ] + [("Branch1's crypto ACL", "permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255")]

    def _question(self, p: PingParams) -> str:
        return (
            "The lab has just started: no ISAKMP or IPsec SA yet. Branch1 runs these pings, in "
            "order. Then: what does Branch1's show crypto ipsec sa print for #pkts encaps, "
            "what does Branch2's print for #pkts decaps, and how many '!' did the first ping "
            "print?"
        )

    def _read(self, answer: object) -> tuple[int, ...]:
        return parse_numbers(answer, 3, "encaps, decaps, successes")

    def _count(self, p: PingParams, *, drop_first: bool = True, every: bool = False,
               last_only: bool = False) -> tuple[int, ...]:  # fmt: skip
        total, started, first = 0, False, 0
        pings = [q for q in p.pings if protected(q[0])][-1:] if last_only else p.pings
        for n, (source, count) in enumerate(pings):
            if not (protected(source) or every):
                continue
            lost = 1 if drop_first and not started else 0
            started = True
            total += count - lost
            if n == 0:
                first = count - lost
        if last_only:
            first = self._count(p)[2]
        return total, total, first

    def _solve(self, p: PingParams) -> tuple[int, ...]:
        return self._count(p)

    def _mistakes(self, p: PingParams) -> list[Mistake[tuple[int, ...]]]:
        right = self._solve(p)
        return [
            Mistake("first_not_dropped", self._count(p, drop_first=False),
                    "The first echo finds no SA: IOS drops it while IKE runs (the '.' of "
                    "'.!!!!'), so one packet fewer is encapsulated."),
            Mistake("unprotected_counted", self._count(p, every=True),
                    "A ping from 10.1.1.1 does not match the crypto ACL: it is not "
                    "encapsulated and counts nothing."),
            Mistake("not_cumulative", self._count(p, last_only=True),
                    "The counters add up over all pings on the same SA: they are not reset "
                    "between pings."),
            Mistake("both_directions", (2 * right[0], 2 * right[1], right[2]),
                    "Encaps counts what Branch1 sends into the tunnel (the requests), decaps "
                    "on Branch2 what it receives: the replies go into the other SA."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- SPIs


@dataclass(frozen=True)
class SpiParams:
    spi_b1: int
    spi_b2: int


def _spi(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise AnswerFormatError(f"{text!r} is not an SPI in hex (such as 0x51B23B37)") from None


class SpiPlaces(Exercise[SpiParams, tuple[int, ...]]):
    """Which SPI is inbound, which outbound, and which one an echo reply carries."""

    id = "spi_places"
    title = "Predict where each SPI shows up"
    kind = "predict"
    answer_format = "three SPIs in hex: Branch1's inbound, Branch1's outbound, the echo reply's"
    hint_ladder = (
        "In Quick Mode each router puts in its SA payload the SPI it wants *to receive* with.",
        "A sender puts in the ESP header the SPI the receiver chose, so that the receiver can "
        "find its SA (RFC 4303 §2.1).",
        "So a router's inbound SPI is the one it chose itself; its outbound SPI is the peer's.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> SpiParams:
        spi_b1 = 0x1000_0000 + random_int_below(rng, 0xE000_0000)
        spi_b2 = 0x1000_0000 + random_int_below(rng, 0xE000_0000)
        return SpiParams(spi_b1, spi_b2 if spi_b2 != spi_b1 else spi_b2 + 1)

    def _givens(self, p: SpiParams) -> list[tuple[str, Any]]:
        return [
            ("QM1 (Branch1 -> Branch2), SA payload", f"ESP proposal, SPI 0x{p.spi_b1:08X}"),
            ("QM2 (Branch2 -> Branch1), SA payload", f"ESP proposal, SPI 0x{p.spi_b2:08X}"),
        ]

    def _question(self, p: SpiParams) -> str:
        return (
            "Quick Mode completes. Before looking: which SPI will Branch1's show crypto ipsec "
            "sa list under 'inbound esp sas', which under 'outbound esp sas', and which SPI is "
            "in the ESP header of Branch2's echo replies to Branch1?"
        )

    def _read(self, answer: object) -> tuple[int, ...]:
        if isinstance(answer, (list, tuple)) and all(type(v) is int for v in answer):
            return tuple(answer) if len(answer) == 3 else tuple(parse_numbers(answer, 3, "SPIs"))
        return tuple(_spi(t) for t in parse_tokens(answer, 3, "three SPIs"))

    def _solve(self, p: SpiParams) -> tuple[int, ...]:
        return p.spi_b1, p.spi_b2, p.spi_b1

    def _mistakes(self, p: SpiParams) -> list[Mistake[tuple[int, ...]]]:
        a, b = p.spi_b1, p.spi_b2
        return [
            Mistake("swapped", (b, a, b),
                    "Turned round: the SPI a router proposes is the one it receives with, so "
                    "Branch1's own QM1 SPI is its inbound one."),
            Mistake("reply_sender_spi", (a, b, b),
                    "Inbound and outbound are right; but the reply carries the SPI the "
                    "*receiver* (Branch1) chose, so Branch1 can find its SA."),
            Mistake("reply_other_way", (b, a, a),
                    "The reply's SPI is right (Branch1's own), which is why Branch1 lists it "
                    "as inbound."),
        ]  # fmt: skip

    def _show_answer(self, value: tuple[int, ...]) -> str:
        return " ".join(f"0x{v:08X}" for v in value)
