"""SA lifetimes: soft expiry asks for a rekey before the hard expiry ends the SA."""

from __future__ import annotations

import pytest

from tests.esp._helpers import ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Dropped, DropReason, EspSendError, decapsulate, encapsulate
from vpnteach.esp.sa import (
    HardLifetimeExpired,
    IpsecSa,
    Lifetime,
    SaState,
    SoftLifetimeExpired,
)

RNG = SeededRng("lifetime")


def test_seconds_soft_limit_is_30_s_before_the_hard_limit_as_on_ios() -> None:
    out, _ = sa_pair()
    assert out.get_timer() == 3570
    out.handle_timer(3569.9)
    assert out.next_event() is None
    out.handle_timer(3570)
    assert out.next_event() == SoftLifetimeExpired(
        out.spi, out.direction, "3570 of 3600 seconds elapsed"
    )
    assert out.state is SaState.REKEYING and out.get_timer() == 3600
    out.handle_timer(3600)
    event = out.next_event()
    assert isinstance(event, HardLifetimeExpired) and not out.alive
    assert out.get_timer() is None


def test_a_late_timer_gives_both_events_in_order() -> None:
    out, _ = sa_pair()
    out.handle_timer(10_000)
    assert [type(out.next_event()), type(out.next_event())] == [
        SoftLifetimeExpired,
        HardLifetimeExpired,
    ]


def test_kilobyte_soft_limit_at_90_percent_and_hard_limit_at_100() -> None:
    out, _ = sa_pair(lifetime=Lifetime(seconds=3600, kilobytes=10))
    sent = 0
    while out.next_event() is None:
        encapsulate(out, ping(size=1000), RNG, now=0)
        sent += 1000
    assert sent >= 9216 and sent - 1000 < 9216  # 90 % of 10 KB
    with pytest.raises(EspSendError):
        for _ in range(3):
            encapsulate(out, ping(size=1000), RNG, now=0)
    assert isinstance(out.next_event(), HardLifetimeExpired)
    assert out.counters.send_errors == 1


def test_an_expired_inbound_sa_drops_and_counts() -> None:
    out, inb = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    result = decapsulate(lambda *_: inb, wire, now=3600)
    assert isinstance(result, Dropped) and result.reason is DropReason.SA_EXPIRED
    assert inb.counters.recv_errors == 1


def test_remaining_key_lifetime_as_show_prints_it() -> None:
    out, _ = sa_pair()
    encapsulate(out, ping(size=1500), RNG, now=0)
    assert out.remaining(now=61) == (4608000 - 2, 3539)


def test_jitter_from_a_seeded_rng_moves_the_soft_limit_reproducibly() -> None:
    out, _ = sa_pair()

    def soft(seed: str) -> float:
        sa = IpsecSa(out.direction, 1, out.local, out.peer, out.cipher, out.encryption_key,
                     out.integrity, out.integrity_key, out.local_ident, out.remote_ident,
                     rng=SeededRng(seed), jitter_seconds=300)  # fmt: skip
        return sa.soft_seconds

    assert soft("a") == soft("a")
    assert {soft(s) for s in "abcdef"} != {3570}
    assert all(3270 <= soft(s) <= 3570 for s in "abcdef")
