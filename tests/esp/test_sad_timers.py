"""The SAD's lifetime timer: the earliest soft/hard limit of the installed SAs, kept in a heap.

The oracle is the definition, a scan over ``Sad.sas()`` of ``IpsecSa.get_timer()``, checked
after every change: install, soft expiry (the SA's timer moves to its hard limit), removal.
"""

from __future__ import annotations

from tests.esp._helpers import sa_pair
from tests.esp.test_spd_sad import branch1
from vpnteach.esp.sa import HardLifetimeExpired, Lifetime, SoftLifetimeExpired
from vpnteach.esp.sad import Sad


def scan(sad: Sad) -> float | None:
    return min((t for sa in sad.sas() if (t := sa.get_timer()) is not None), default=None)


def test_the_timer_follows_installs_soft_and_hard_expiry_and_removal() -> None:
    spd, sad = branch1()
    flow = spd.flows[0]
    short, _ = sa_pair(seed="short", spi=0x100, lifetime=Lifetime(600, 4608000))
    long_, _ = sa_pair(seed="long", spi=0x200, lifetime=Lifetime(1200, 4608000))
    sad.install(long_, flow)
    sad.install(short, flow)
    assert sad.get_timer() == scan(sad) == 570  # short's soft limit (600 - 30)
    sad.handle_timer(100)  # nothing due: no event
    assert sad.next_event() is None
    sad.handle_timer(570)
    assert isinstance(sad.next_event(), SoftLifetimeExpired)
    assert sad.get_timer() == scan(sad) == 600  # now short's hard limit
    sad.remove(short)
    assert sad.get_timer() == scan(sad) == long_.get_timer()
    sad.handle_timer(1200)
    events = [sad.next_event(), sad.next_event()]
    assert [type(e) for e in events] == [SoftLifetimeExpired, HardLifetimeExpired]
    assert sad.sas() == [] and sad.get_timer() is None
