"""A vpnteach IKE endpoint on real UDP sockets (500 and 4500), for the strongSwan interop test.

Run inside a network namespace (``ip netns exec NS python -m tests.ike.udp_peer ...``). It
builds the same PKI as the test process (deterministic for ``--pki-time``), negotiates with
the peer, and prints one JSON object: the events (with the IPsec keys in hex), the statistics
and the ``debug crypto isakmp`` text. A small blocking ``select`` loop is enough here; the
project's real transport lives in ``vpnteach/net``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import select
import socket
import sys
import time
from dataclasses import asdict, is_dataclass

from vpnteach.crypto.rng import OsRng, SeededRng
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Phase2Complete
from vpnteach.ike.policy import (
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.pki.ca import SEED_CA_DN, SEED_CA_NAME, SEED_CDP_URLS, CaServer
from vpnteach.pki.keys import fork
from vpnteach.pki.seed import enroll_router
from vpnteach.pki.trustpoint import RouterPki

PROFILES = {
    "seed": (
        IsakmpPolicy(priority=10, encryption="3des", authentication="rsa-sig", hash="md5"),
        TransformSet("TS", ("esp-3des", "esp-md5-hmac")),
    ),
    "psk": (
        IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5"),
        TransformSet("TS", ("esp-3des", "esp-md5-hmac")),
    ),
    "modern": (
        IsakmpPolicy(
            priority=10, encryption="aes 256", authentication="rsa-sig", hash="sha256", group=14
        ),
        TransformSet("TS", ("esp-aes", "256", "esp-sha256-hmac")),
    ),
}


def interop_pki(when: float) -> tuple[CaServer, dict[str, RouterPki]]:
    """A CA named like the seed's, valid around ``when`` (real time), and both routers."""
    now = dt.datetime.fromtimestamp(when, tz=dt.timezone.utc)
    rng = SeededRng("interop")
    # cdp_urls given: CaServer.create() without any fails in vpnteach.pki (reported).
    ca = CaServer.create(SEED_CA_NAME, SEED_CA_DN, now, fork(rng, "ca"), cdp_urls=SEED_CDP_URLS)
    routers = {n: enroll_router(ca, n, now, fork(rng, n)) for n in ("Branch1", "Branch2")}
    return ca, routers


def config(args: argparse.Namespace) -> IkeConfig:
    policy, ts = PROFILES[args.profile]
    acl = AccessList(
        "ACL",
        (
            AclEntry(
                "permit", AddressMatch.network(args.local_lan), AddressMatch.network(args.peer_lan)
            ),
        ),
    )
    entry = CryptoMapEntry("CRYPTO", 10, acl, args.peer, (ts,), pfs_group=args.pfs)
    _, routers = interop_pki(args.pki_time)
    keys = (PreSharedKey(args.psk, args.peer),) if args.psk else ()
    return IkeConfig(
        args.local,
        policies=(policy,),
        crypto_map=(entry,),
        pki=routers[args.name],
        pre_shared_keys=keys,
    )


def _jsonable(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **{k: _jsonable(v) for k, v in asdict(value).items()}}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


def run(args: argparse.Namespace) -> dict[str, object]:
    ep = IkeEndpoint(config(args), OsRng(), name=args.name)
    socks = {}
    for port in (500, 4500):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((args.local, port))
        socks[port] = s
    events: list[object] = []
    if args.initiate:
        ep.initiate(args.peer, time.time())
    deadline, done_at = time.time() + args.timeout, None
    while time.time() < deadline and (done_at is None or time.time() < done_at):
        now = time.time()
        for d in ep.datagrams_to_send(now):
            socks[d.local_port].sendto(d.data, d.addr)
        timer = ep.get_timer()
        wait = 0.05 if timer is None else max(0.0, min(0.05, timer - now))
        ready, _, _ = select.select(list(socks.values()), [], [], wait)
        for s in ready:
            data, addr = s.recvfrom(65535)
            ep.receive_datagram(data, addr, time.time(), local_port=s.getsockname()[1])
        if timer is not None and time.time() >= timer:
            ep.handle_timer(time.time())
        while (e := ep.next_event()) is not None:
            events.append(e)
            if isinstance(e, Phase2Complete) and done_at is None:
                done_at = time.time() + args.linger
    for d in ep.datagrams_to_send(time.time()):
        socks[d.local_port].sendto(d.data, d.addr)
    return {
        "events": _jsonable(events),
        "stats": dict(ep.stats),
        "debug": ep.debug_log(),
        "show": ep.show_crypto_isakmp_sa(),
        "facts": {f.name: _jsonable(f.value) for f in ep.trace if isinstance(f.value, bytes)},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--name", default="Branch1")
    p.add_argument("--local", default="10.1.1.1")
    p.add_argument("--peer", default="10.2.2.1")
    p.add_argument("--local-lan", default="192.168.11.0/24")
    p.add_argument("--peer-lan", default="192.168.22.0/24")
    p.add_argument("--profile", default="seed", choices=sorted(PROFILES))
    p.add_argument("--pfs", type=int, default=None)
    p.add_argument("--psk", default=None)
    p.add_argument("--pki-time", type=float, required=True)
    p.add_argument("--initiate", action="store_true")
    p.add_argument("--timeout", type=float, default=15.0)
    p.add_argument("--linger", type=float, default=0.5)
    args = p.parse_args(argv)
    json.dump(run(args), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
