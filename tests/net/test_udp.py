"""The asyncio UDP driver (``vpnteach.net.udp``) runs the sans-IO IKE engine on real sockets.

The socket tests run ``tests/ike/udp_peer.py`` (one process, several drivers) inside a fresh
network namespace, on its loopback, so binding ports 500/4500 disturbs nothing outside. The
strongSwan interop matrix (tests/ike/test_interop_strongswan.py) uses the same driver.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sys
import time
from collections.abc import Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.ike.harness import B2, T0, branch_config
from tests.ike.udp_peer import Slot
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.states import IkeState
from vpnteach.net import netns
from vpnteach.net.udp import UdpDriver, serve, wall_monotonic_clock

ROOT = Path(__file__).resolve().parents[2]


T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: Playwright's sync API (the browser tests) keeps
    an event loop running in the main thread for the whole session."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_clock_starts_at_wall_time_and_never_goes_back() -> None:
    clock = wall_monotonic_clock()
    first = clock()
    assert abs(first - time.time()) < 1.0
    readings = [clock() for _ in range(1000)]
    assert all(b >= a for a, b in zip([first, *readings], readings, strict=False))


def test_esp_on_4500_goes_to_on_esp_and_not_to_the_endpoint() -> None:
    endpoint = IkeEndpoint(branch_config("Branch2"), SeededRng(1))
    got: list[bytes] = []

    async def scenario() -> None:
        driver = UdpDriver(endpoint, "127.0.0.1", on_esp=lambda data, addr: got.append(data))
        # No start(): nothing is bound, the loop body still runs on a fed datagram.
        driver.datagram_received(b"\x11\x22\x33\x44" + bytes(20), ("10.1.1.1", 4500), 4500)
        driver.datagram_received(b"\xff", ("10.1.1.1", 4500), 4500)  # NAT keepalive
        driver.close()

    run_async(scenario())
    assert got == [b"\x11\x22\x33\x44" + bytes(20)]
    assert endpoint.stats["ignored_keepalive"] == 1
    assert sum(endpoint.stats.values()) == 1  # the ESP datagram never reached the engine


def test_serve_answers_an_mm1_on_a_real_loopback_socket() -> None:
    # Unprivileged: the engine's ports 500/4500 are bound to ephemeral loopback ports.
    initiator = IkeEndpoint(branch_config("Branch1"), SeededRng(1))
    initiator.initiate(B2, T0)
    (mm1,) = initiator.datagrams_to_send(T0)
    responder = IkeEndpoint(branch_config("Branch2"), SeededRng(2))

    async def scenario() -> tuple[bytes, dict[int, tuple[str, int]]]:
        stop, ready = asyncio.Event(), asyncio.Event()
        bound: dict[int, tuple[str, int]] = {}

        def on_ready(driver: UdpDriver) -> None:
            bound.update(driver.bound())
            ready.set()

        server = asyncio.create_task(
            serve(responder, "127.0.0.1", ports=(0, 0), stop=stop, on_ready=on_ready)
        )
        await ready.wait()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bytes] = loop.create_future()

        class Client(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
                answer.set_result(data)

        transport, _ = await loop.create_datagram_endpoint(Client, remote_addr=bound[500])
        transport.sendto(mm1.data)
        mm2 = await asyncio.wait_for(answer, 5)
        transport.close()
        stop.set()
        driver = await server
        assert driver.stats == {"received_500": 1, "sent_500": 1}
        return mm2, bound

    mm2, bound = run_async(scenario())
    assert bound[500] != bound[4500] and bound[500][0] == "127.0.0.1"
    initiator.receive_datagram(mm2, (B2, 500), T0 + 0.01)
    sa = initiator.isakmp_sa(B2)
    assert sa is not None and sa.state == IkeState.IKE_I_MM3  # MM2 accepted, MM3 queued


def test_a_port_already_taken_is_reported_with_the_address_and_nothing_stays_bound() -> None:
    endpoint = IkeEndpoint(branch_config("Branch2"), SeededRng(1))

    async def scenario() -> str:
        first = UdpDriver(endpoint, "127.0.0.1", ports=(0, 0))
        await first.start()
        taken = first.bound()[500][1]
        second = UdpDriver(endpoint, "127.0.0.1", ports=(0, taken))
        try:
            await second.start()
        except OSError as exc:
            assert second.bound() == {}
            return str(exc)
        finally:
            first.close()
        return ""

    message = run_async(scenario())
    assert "cannot bind UDP 127.0.0.1:" in message and "(IKE port 4500)" in message


def _run_in_netns(tmp_path: Path, slots: list[Slot]) -> dict[str, dict[str, object]]:
    plan = {"pki_time": time.time(), "timeout": 10.0, "slots": [asdict(s) for s in slots]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    ns = netns.unique_name("udp")
    netns.create_namespace(ns)
    try:
        argv = ["env", f"PYTHONPATH={ROOT}", sys.executable, "-m", "tests.ike.udp_peer"]
        argv += [str(tmp_path / "plan.json"), str(tmp_path / "out.json")]
        proc = netns.run(ns, argv, timeout=60, check=False)
    finally:
        netns.delete_namespace(ns)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, dict[str, object]] = json.loads((tmp_path / "out.json").read_text())
    return result


def _types(result: dict[str, object]) -> list[str]:
    events = result["events"]
    assert isinstance(events, list)
    return [e["type"] for e in events]


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_two_endpoints_negotiate_over_real_udp_through_the_driver(
    root_netns: None, tmp_path: Path, profile: str
) -> None:
    lans = ("192.168.11.0/24", "192.168.22.0/24")
    a = Slot("a", "127.0.0.1", "127.0.0.2", *lans, profile=profile, initiate=True, repeat=3)
    b = Slot("b", "127.0.0.2", "127.0.0.1", *lans[::-1], profile=profile, router="Branch2")
    b.expect = 3
    out = _run_in_netns(tmp_path, [a, b])
    assert _types(out["a"]) == ["Phase1Complete", "Phase2Complete"] * 3, out["a"]["debug"]
    assert _types(out["b"])[:2] == ["Phase1Complete", "Phase2Complete"]
    # No NAT on loopback: Main Mode and Quick Mode stay on port 500.
    # Per run MM1, MM3, MM5, QM1, QM3 out and MM2, MM4, MM6, QM2 in; a Delete between runs.
    assert out["a"]["driver"] == {"sent_500": 3 * 5 + 2, "received_500": 3 * 4}
    durations = out["a"]["durations"]
    assert isinstance(durations, list) and len(durations) == 3
    assert all(0 < d < 2 for d in durations)


def test_the_driver_timer_retransmits_then_gives_up(root_netns: None, tmp_path: Path) -> None:
    lans = ("192.168.11.0/24", "192.168.22.0/24")
    lonely = Slot(
        "a", "127.0.0.1", "127.0.0.9", *lans, initiate=True, retransmit=0.05, retransmit_limit=2
    )
    out = _run_in_netns(tmp_path, [lonely])["a"]
    events = out["events"]
    assert isinstance(events, list)
    assert [e["type"] for e in events] == ["NegotiationFailed"]
    assert "no answer" in events[0]["reason"]
    assert out["driver"] == {"sent_500": 3}  # MM1 and two retransmissions, by the timer
    stats = out["stats"]
    assert isinstance(stats, dict) and stats["retransmissions"] == 2
