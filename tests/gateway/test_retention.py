"""Bounded memory whatever arrives (issue 19): what a gateway keeps is a policy, everything in
the lab, a ring in the router process; counters and tables stay bounded; deleted SAs' keys go.

Each test is one finding of the issue: debug records kept with debug off (~400 B per garbage
datagram), the per-SPI counter map (20k bogus SPIs made ``show router counters`` 955 KB), the
INVALID-SPI table, key material kept for the life of the process, half-open SAs unbounded.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

from tests.gateway.test_gateway import T0, WAN, Pair, config, pki
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Gateway
from vpnteach.gateway.invalid_spi import INVALID_SPI_BURST
from vpnteach.ike.admission import HalfOpenLimits
from vpnteach.router.commands import run_command
from vpnteach.router.counters import COUNTER_LIMIT, OTHER, BoundedCounter
from vpnteach.router.process import RouterProcess
from vpnteach.wire.ip import IpProtocol, ipv4_packet

GARBAGE = 5000


def _bounded_pair(retain: int | None) -> Pair:
    pair = Pair()
    rng = SeededRng("retention")
    for name in ("b1", "b2"):
        host = "Branch1" if name == "b1" else "Branch2"
        gw = Gateway(config(host), pki().routers[host], rng.fork(name), retain=retain)
        setattr(pair, name, gw)
    return pair


def _garbage(gw: Gateway, count: int) -> None:
    for _ in range(count):
        gw.receive_datagram(os.urandom(60), ("10.9.9.9", 500), T0)


def test_debug_records_are_a_ring_in_the_router_and_all_kept_in_the_lab() -> None:
    router, lab = _bounded_pair(100).b1, _bounded_pair(None).b1
    for gw in (router, lab):
        _garbage(gw, GARBAGE)
    assert router.ike.recorder.records.total == lab.ike.recorder.records.total >= GARBAGE
    assert len(router.ike.recorder.records) <= 200  # twice the ring at most
    assert len(lab.ike.recorder.records) == lab.ike.recorder.records.total


def test_the_router_records_no_facts_the_lab_records_them_all() -> None:
    for retain, facts in ((2000, False), (None, True)):
        pair = _bounded_pair(retain)
        pair.up()
        assert (len(pair.b1.ike.trace) > 0) is facts


def _reachable(root: object, limit: int = 200_000) -> Iterator[object]:
    """Objects reachable from ``root`` through containers and instances (not classes,
    modules or functions, which lead to the whole interpreter)."""
    seen: set[int] = set()
    todo = [root]
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (type, type(os), type(_garbage))):
            continue
        seen.add(id(obj))
        yield obj
        todo.extend(gc.get_referents(obj))


def test_keys_of_deleted_sas_are_not_kept_by_the_router_gateway() -> None:
    pair = _bounded_pair(2000)
    pair.up()
    gw = pair.b1
    ((cky_i, ka),) = gw.ike_keys
    sa = gw.ike.sas[cky_i]
    assert sa.keying is not None
    secrets = {ka, sa.keying.keys.skeyid, sa.keying.keys.skeyid_e, sa.keying.dh.shared_secret}
    secrets |= {s.encryption_key for s in gw.installed} | {s.integrity_key for s in gw.installed}
    del sa
    assert any(o in secrets for o in _reachable(gw) if isinstance(o, bytes))
    gw.clear_crypto_sa(pair.now)
    gw.clear_crypto_isakmp(pair.now)
    pair.events(gw)  # read, as the router process reads them (Phase2Complete carries KEYMAT)
    assert gw.ike_keys == [] and gw.installed == [] and gw.ike.sas == {}
    assert not any(o in secrets for o in _reachable(gw) if isinstance(o, bytes))


def test_the_lab_gateway_keeps_every_key_for_wireshark() -> None:
    pair = _bounded_pair(None)
    pair.up()
    pair.b1.clear_crypto_sa(pair.now)
    pair.b1.clear_crypto_isakmp(pair.now)
    assert len(pair.b1.ike_keys) == 1 and len(pair.b1.installed) == 2


def test_the_counter_table_is_capped_with_an_other_bucket() -> None:
    counter = BoundedCounter(limit=10)
    for i in range(20_000):
        counter[f"discard: SPI {i}"] += 1
    counter["discard: SPI 3"] += 2  # an existing name still counts on its own
    assert len(counter) == 11 and counter[OTHER] == 19_990 and counter["discard: SPI 3"] == 3
    assert sum(counter.values()) == 20_002


def _spoofed_esp(rng: SeededRng) -> bytes:
    spi = int.from_bytes(rng.random_bytes(4), "big") | 1
    return ipv4_packet("10.2.2.1", "10.1.1.1", IpProtocol.ESP, spi.to_bytes(4, "big") + bytes(28))


def test_20k_bogus_spis_leave_show_router_counters_small() -> None:
    router = RouterProcess(config("Branch1"))
    rng = SeededRng("spis")
    for _ in range(20_000):
        router._inbound(_spoofed_esp(rng), T0)
    shown = run_command(router, "show router counters")
    assert len(shown.splitlines()) <= COUNTER_LIMIT + 10  # was 955 KB: one line per SPI
    assert len(shown) < 64_000
    assert f"{OTHER}: " in shown


def test_the_invalid_spi_table_stays_bounded_as_time_passes() -> None:
    pair = _bounded_pair(2000)
    pair.up()
    rng = SeededRng("spoof")
    for i in range(20_000):  # 20k random SPIs over 200 s
        pair.b1.inbound(_spoofed_esp(rng), WAN, pair.now + i / 100)
        assert len(pair.b1.invalid_spi) <= INVALID_SPI_BURST


def test_half_open_sas_stay_at_the_limit_in_the_router_counters() -> None:
    limits = HalfOpenLimits(50, 5, 30.0)
    router = RouterProcess(config("Branch1"), pki().routers["Branch1"], half_open=limits)
    b2 = Gateway(config("Branch2"), pki().routers["Branch2"], SeededRng("mm1"))
    b2.initiate("10.1.1.1", T0)
    mm1 = b2.datagrams_to_send(T0)[0].data
    for i in range(2000):
        source = f"10.{9 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}"
        router.gateway.receive_datagram(os.urandom(8) + mm1[8:], (source, 500), T0)
    counters = run_command(router, "show router counters")
    assert "half-open SAs: 50\n" in counters
    assert "MM1 refused (in-negotiation limit): 1950\n" in counters
    assert len(router.gateway.ike.sas) == 50


def test_the_router_keeps_deleted_sas_keys_only_when_asked_to_write_them(tmp_path: Path) -> None:
    assert not RouterProcess(config("Branch1")).gateway.keep_keys
    assert RouterProcess(config("Branch1"), keys_dir=tmp_path / "keys").gateway.keep_keys
