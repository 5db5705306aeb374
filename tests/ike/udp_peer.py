"""vpnteach IKE endpoints on real UDP through the package's driver (``vpnteach.net.udp``).

Run inside a network namespace: ``ip netns exec NS python -m tests.ike.udp_peer PLAN OUT``.
``PLAN`` is a JSON file: ``{"pki_time": ..., "timeout": ..., "slots": [Slot, ...]}``; every
slot is one endpoint with its own local address (so one process, one charon and one topology
serve a whole test matrix), bound to UDP 500 and 4500 by a :class:`UdpDriver`. The process
prints ``ready`` once every socket is bound, then initiates the initiator slots one after the
other (``repeat`` times each, deleting the ISAKMP SA between runs), waits until every slot saw
``expect`` outcomes (Phase2Complete, NegotiationFailed or an error notification) or the
timeout, and writes ``OUT``: per slot the events (keys in hex), the stats, the negotiation
times, the ``debug crypto isakmp`` text and the byte-valued facts (``Ka`` ...).

The PKI is deterministic for ``pki_time`` and the CA seed, so the test process builds the
same certificates for strongSwan.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sys
import time
from dataclasses import dataclass, fields

from tests.interop.peer import jsonable, peer_main
from vpnteach.crypto.rng import OsRng, SeededRng
from vpnteach.ike.config import IkeConfig, Retransmission
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Event, NegotiationFailed, NotificationReceived, Phase2Complete
from vpnteach.ike.policy import (
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.ike.sa import Datagram
from vpnteach.net.udp import UdpDriver
from vpnteach.pki.ca import SEED_CA_DN, SEED_CA_NAME, SEED_CDP_URLS, CaServer
from vpnteach.pki.keys import fork
from vpnteach.pki.seed import enroll_router
from vpnteach.pki.trustpoint import RouterPki

#: profile -> (ISAKMP policy fields, transform set words)
PROFILES: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    "seed": ({"encryption": "3des", "hash": "md5", "group": 1}, ("esp-3des", "esp-md5-hmac")),
    "modern": (
        {"encryption": "aes 256", "hash": "sha256", "group": 14},
        ("esp-aes", "256", "esp-sha256-hmac"),
    ),
}
#: Notify types below 16384 are errors (RFC 2408 §3.14.1).
ERROR_NOTIFY_LIMIT = 16384


@dataclass
class Slot:
    """One endpoint of a plan: where it sits, what it is configured with, what it does."""

    name: str
    local: str
    peer: str
    local_lan: str
    peer_lan: str
    profile: str = "seed"
    transforms: str | None = None  # another profile's transform set (default: profile's)
    auth: str = "rsa-sig"
    pfs: int | None = None
    psk: str | None = None
    ca: str = "interop"
    router: str = "Branch1"
    initiate: bool = False
    repeat: int = 1
    expect: int = 1
    default_policy: bool = False
    retransmit: float = 5.0
    retransmit_limit: int = 5
    aggressive: bool = False  # initiate Aggressive Mode (RFC 2409 §5.4) with the peer
    record_wire: int = 0  # keep the first N datagrams received and sent (hex) in the result

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Slot:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4)
def interop_pki(
    when: float, ca_seed: str = "interop", names: tuple[str, ...] = ("Branch1", "Branch2")
) -> tuple[CaServer, dict[str, RouterPki]]:
    """A CA named like the seed's, valid around ``when`` (real time), and routers ``names``.

    A different ``ca_seed`` gives a CA with the same name and DN but another key: a
    certificate it issued must not be trusted by anyone who trusts the ``interop`` CA.
    """
    now = dt.datetime.fromtimestamp(when, tz=dt.timezone.utc)
    rng = SeededRng(ca_seed)
    ca = CaServer.create(SEED_CA_NAME, SEED_CA_DN, now, fork(rng, "ca"), cdp_urls=SEED_CDP_URLS)
    routers = {n: enroll_router(ca, n, now, fork(rng, n)) for n in names}
    return ca, routers


def config(slot: Slot, pki_time: float) -> IkeConfig:
    """The IkeConfig of one slot."""
    policy_fields, words = PROFILES[slot.profile]
    words = PROFILES[slot.transforms][1] if slot.transforms else words
    policy = IsakmpPolicy(priority=10, authentication=slot.auth, **policy_fields)  # type: ignore[arg-type]
    acl = AccessList(
        "ACL",
        (
            AclEntry(
                "permit", AddressMatch.network(slot.local_lan), AddressMatch.network(slot.peer_lan)
            ),
        ),
    )
    ts = TransformSet("TS", words)
    entry = CryptoMapEntry("CRYPTO", 10, acl, slot.peer, (ts,), pfs_group=slot.pfs)
    _, routers = interop_pki(pki_time, slot.ca)
    return IkeConfig(
        slot.local,
        policies=(policy,),
        crypto_map=(entry,),
        pki=routers[slot.router],
        pre_shared_keys=(PreSharedKey(slot.psk, slot.peer),) if slot.psk else (),
        default_policy=slot.default_policy,
        retransmission=Retransmission(slot.retransmit, 2.0, slot.retransmit_limit),
        aggressive_mode_peers=(slot.peer,) if slot.aggressive else (),
    )


def is_outcome(event: Event) -> bool:
    """An event that ends a negotiation: success, failure, or an error notification."""
    if isinstance(event, NotificationReceived):
        return event.notify_type < ERROR_NOTIFY_LIMIT
    return isinstance(event, (Phase2Complete, NegotiationFailed))


class WireEndpoint(IkeEndpoint):
    """An endpoint that keeps the first ``limit`` datagrams it receives and sends, as a
    capture on the wire would (``("in" | "out", hex)``)."""

    def __init__(self, *args: object, limit: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.limit = limit
        self.wire: list[tuple[str, str]] = []

    def receive_datagram(
        self, data: bytes, addr: tuple[str, int], now: float, local_port: int = 500
    ) -> None:
        if len(self.wire) < self.limit:
            self.wire.append(("in", data.hex()))
        super().receive_datagram(data, addr, now, local_port)

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        out = super().datagrams_to_send(now)
        for d in out:
            if len(self.wire) < self.limit:
                self.wire.append(("out", d.data.hex()))
        return out


class Runner:
    """One slot on a UdpDriver: records events and counts outcomes."""

    def __init__(self, slot: Slot, pki_time: float) -> None:
        self.slot = slot
        self.endpoint = (
            WireEndpoint(config(slot, pki_time), OsRng(), name=slot.name, limit=slot.record_wire)
            if slot.record_wire
            else IkeEndpoint(config(slot, pki_time), OsRng(), name=slot.name)
        )
        self.driver = UdpDriver(self.endpoint, slot.local, on_event=self._on_event)
        self.events: list[Event] = []
        self.outcomes = 0
        self.durations: list[float] = []
        self.done = asyncio.Event()

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        if is_outcome(event):
            self.outcomes += 1
            if self.outcomes >= self.slot.expect:
                self.done.set()

    async def initiate_all(self, timeout: float) -> None:
        """Initiate ``repeat`` times, timing each run until its outcome."""
        for run in range(self.slot.repeat):
            started = time.perf_counter()
            self.driver.initiate(self.slot.peer)
            try:
                await self.driver.wait_for(is_outcome, timeout)
            except TimeoutError:
                return
            self.durations.append(time.perf_counter() - started)
            if run + 1 < self.slot.repeat:
                self.driver.delete_isakmp_sa(self.slot.peer)
                await asyncio.sleep(0.02)  # let the peer process the Delete

    def result(self) -> dict[str, object]:
        trace = self.endpoint.trace
        return {
            "events": jsonable(self.events),
            "stats": dict(self.endpoint.stats),
            "driver": dict(self.driver.stats),
            "durations": self.durations,
            "debug": self.endpoint.debug_log(),
            "facts": {f.name: jsonable(f.value) for f in trace if isinstance(f.value, bytes)},
            "wire": getattr(self.endpoint, "wire", []),
        }


async def run_runners(plan: dict[str, object]) -> list[Runner]:
    """Bind every slot, say ``ready``, run the initiators, wait for the outcomes (then
    ``linger`` seconds, 0.2 unless the plan says otherwise); every socket closed."""
    pki_time = float(plan["pki_time"])  # type: ignore[arg-type]
    timeout = float(plan.get("timeout", 20.0))  # type: ignore[arg-type]
    slots = [Slot.from_json(s) for s in plan["slots"]]  # type: ignore[attr-defined]
    runners = [Runner(slot, pki_time) for slot in slots]
    for runner in runners:
        await runner.driver.start()
    print("ready", flush=True)
    try:
        for runner in runners:
            if runner.slot.initiate:
                await runner.initiate_all(float(plan.get("step_timeout", 5.0)))  # type: ignore[arg-type]
        waits = [asyncio.wait_for(r.done.wait(), timeout) for r in runners]
        await asyncio.gather(*waits, return_exceptions=True)
        await asyncio.sleep(float(plan.get("linger", 0.2)))  # type: ignore[arg-type]
    finally:
        for runner in runners:
            runner.driver.close()
    return runners


async def run_plan(plan: dict[str, object]) -> dict[str, object]:
    """:func:`run_runners`, then what each slot saw."""
    return {r.slot.name: r.result() for r in await run_runners(plan)}


def main(argv: list[str] | None = None) -> int:
    return peer_main(
        "tests.ike.udp_peer",
        (lambda plan: asyncio.run(run_plan(plan))),
        sys.argv[1:] if argv is None else argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
