"""``vpnteach router``: run a router process, ask it ``show`` commands, make its certificates.

::

    vpnteach router enroll --pki pki/ Branch1 Branch2
    ip netns exec b1 vpnteach router run --config branch1.cfg --pki pki/ \
        --control /run/vpnteach/b1.ctl
    vpnteach router show --control /run/vpnteach/b1.ctl show crypto ipsec sa
    vpnteach router topology up|down     # namespaces branch1/branch2 as in the seed

``run`` needs root (TUN device, UDP 500, a raw ESP socket) and is meant to run inside a
network namespace whose WAN interface carries the config's crypto interface address (see
``docs/real-network.md`` and :class:`vpnteach.net.netns.Topology`). Once these are open it
becomes ``--user`` (``nobody`` by default) with no capability left. Several ``--config``
files: the first is the configuration, each next one is applied on top of it like
``configure terminal`` (the lab's variants: ``modern`` profile, PFS, pre-share).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vpnteach.ike.admission import (
    DEFAULT_HALF_OPEN_TIMEOUT,
    DEFAULT_IN_NEGOTIATION,
    DEFAULT_PER_SOURCE,
    IN_NEGOTIATION_RANGE,
    HalfOpenLimits,
)
from vpnteach.ios import RouterConfig, apply_commands, parse_config

if TYPE_CHECKING:
    from vpnteach.pki.trustpoint import RouterPki


def build_parser() -> argparse.ArgumentParser:
    """The ``vpnteach router`` sub-commands."""
    parser = argparse.ArgumentParser(prog="vpnteach router", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run the router (root, inside its network namespace)")
    run.add_argument("--config", action="append", required=True, metavar="FILE",
                     help="IOS config; repeat to apply more commands on top")  # fmt: skip
    run.add_argument("--pki", metavar="DIR",
                     help="folder with the certificates for rsa-sig: ca.cert.pem, "
                          "<host>.cert.pem, <host>.key.pem (from `router enroll`)")  # fmt: skip
    run.add_argument("--tun", default="vt0", help="TUN interface name (default vt0)")
    run.add_argument("--control", metavar="PATH",
                     help="Unix socket for show/clear/debug, in a root-only directory "
                          "(e.g. /run/vpnteach/branch1.ctl)")  # fmt: skip
    run.add_argument("--keys", metavar="DIR",
                     help="keep Wireshark key tables (0600) up to date in DIR "
                          "(not a symlink)")  # fmt: skip
    run.add_argument("--user", default="nobody",
                     help="account to run as once TUN and sockets are open "
                          "(default nobody)")  # fmt: skip
    run.add_argument("--allow-weak", action="store_true",
                     help="run even with DES/3DES/MD5/group 1-2/RSA<2048/rsa-encr configured "
                          "(each is named in a warning)")  # fmt: skip
    run.add_argument("--initiate", action="store_true", help="negotiate at start, not on traffic")
    run.add_argument("--force-udp-encap", action="store_true",
                     help="ESP in UDP 4500 even with no NAT (our NAT-D hash is faked)")  # fmt: skip
    run.add_argument("--in-negotiation-sa", type=int, metavar="N",
                     help="at most N responder ISAKMP SAs negotiating at once (as 'crypto call "
                          "admission limit ike in-negotiation-sa N'; default 1000)")  # fmt: skip
    run.add_argument("--half-open-per-source", type=int, default=DEFAULT_PER_SOURCE, metavar="N",
                     help="at most N half-open SAs from one address (default 5)")  # fmt: skip
    run.add_argument("--half-open-timeout", type=float, metavar="S",
                     help="delete a half-open SA S seconds after the peer's last message "
                          "(IKEv1 and IKEv2; default 90 for IKEv1, 30 for IKEv2)")  # fmt: skip
    run.add_argument("--debug", action="append", default=[], choices=["isakmp", "ipsec", "ikev2"],
                     help="debug crypto isakmp/ipsec/ikev2 on from the start (stderr)")  # fmt: skip
    show = sub.add_parser("show", help="send one exec command to a running router")
    show.add_argument("--control", required=True, metavar="PATH")
    show.add_argument("words", nargs="+", help='e.g. show crypto ipsec sa (or "clear crypto sa")')
    enroll = sub.add_parser("enroll", help="create a CA and enroll routers (PEM files)")
    enroll.add_argument("--pki", required=True, metavar="DIR",
                        help="folder to write ca.cert.pem, <host>.cert.pem and <host>.key.pem "
                             "(what `router run --pki DIR` reads)")  # fmt: skip
    enroll.add_argument("--modulus", type=int, default=1024, help="router RSA key bits")
    enroll.add_argument("--seed", help="reproducible keys and certificates")
    enroll.add_argument("hostnames", nargs="*", help="router hostnames (Branch1 Branch2)")
    enroll.add_argument("--scep", metavar="URL", help="enroll over HTTP with this SCEP server")
    enroll.add_argument("--config", metavar="FILE", help="with --scep: the router's IOS config")
    enroll.add_argument("--password", default="", help="with --scep: the challenge password")
    enroll.add_argument("--fingerprint", help="with --scep: the CA's SHA1, read out of band")
    topo = sub.add_parser("topology", help="namespaces branch1/branch2 as in the seed (root)")
    topo.add_argument("state", choices=["up", "down"])
    return parser


def topology(state: str) -> int:
    """``topology up``: namespaces ``branch1`` / ``branch2`` joined by a veth WAN with the seed's
    addresses (left in place); ``topology down``: delete them."""
    from vpnteach.net import netns

    if state == "down":
        print("deleted:", " ".join(netns.remove_learner_topology()) or "nothing")
        return 0
    topo = netns.learner_topology()
    topo.build()
    for site in (topo.left, topo.right):
        print(f"{site.ns}: {site.wan_dev} {site.wan_cidr}")
    return 0


def load_config(paths: Sequence[str]) -> RouterConfig:
    """The first file parsed, the others applied on top (``configure terminal``)."""
    config = parse_config(Path(paths[0]).read_text(), paths[0])
    for path in paths[1:]:
        config = apply_commands(config, Path(path).read_text(), path)
    return config


class WeakCryptoError(ValueError):
    """The configuration uses weak cryptography and ``--allow-weak`` was not given."""


def check_weak_crypto(config: RouterConfig, pki: RouterPki | None, *, allow: bool) -> None:
    """Refuse a configuration with weak algorithms, groups or keys unless ``allow``; with
    ``allow``, warn on stderr naming each one (:mod:`vpnteach.gateway.weak`).

    Raises:
        WeakCryptoError: weaknesses found and not allowed; the message lists them.
    """
    from vpnteach.gateway.weak import weaknesses

    found = weaknesses(config, pki)
    if found and not allow:
        listed = "".join(f"\n  {w}" for w in found)
        raise WeakCryptoError(f"weak cryptography configured (run with --allow-weak to accept "
                              f"it):{listed}")  # fmt: skip
    for weakness in found:
        print(f"vpnteach router: WARNING: weak cryptography allowed: {weakness}", file=sys.stderr)


def half_open_limits(config: RouterConfig, args: argparse.Namespace) -> HalfOpenLimits:
    """The half-open bounds: ``--in-negotiation-sa`` over the config's ``crypto call
    admission limit ike in-negotiation-sa`` over IOS's default; the per-source limit and the
    timeout from their options (:mod:`vpnteach.ike.admission`); ``--half-open-timeout`` sets
    both IKE versions' (without it each keeps its default).

    Raises:
        ValueError: a value out of range (said with the option's name).
    """
    low, high = IN_NEGOTIATION_RANGE
    limit = args.in_negotiation_sa or config.in_negotiation_sa or DEFAULT_IN_NEGOTIATION
    if not low <= limit <= high:
        raise ValueError(f"--in-negotiation-sa {limit}: IOS accepts {low} to {high}")
    try:
        timeout = args.half_open_timeout
        if timeout is None:
            return HalfOpenLimits(limit, args.half_open_per_source, DEFAULT_HALF_OPEN_TIMEOUT)
        return HalfOpenLimits(limit, args.half_open_per_source, timeout, timeout)
    except ValueError as exc:
        raise ValueError(f"--half-open-per-source/--half-open-timeout: {exc}") from None


async def _serve(args: argparse.Namespace) -> int:
    from vpnteach.router.pki import load_pki
    from vpnteach.router.privileges import lookup_account
    from vpnteach.router.process import RouterProcess, config_timezone

    account = lookup_account(args.user)
    config = load_config(args.config)
    pki = load_pki(config, args.pki, config_timezone(config)) if args.pki else None
    check_weak_crypto(config, pki, allow=args.allow_weak)
    router = RouterProcess(config, pki, tun_name=args.tun, control=args.control,
                           keys_dir=args.keys, initiate=args.initiate,
                           force_udp_encap=args.force_udp_encap, user=account,
                           half_open=half_open_limits(config, args))  # fmt: skip
    for kind in args.debug:
        router.set_debug(kind, True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await router.run(stop, on_ready=lambda: print("ready", flush=True))
    return 0


def _enroll_scep(args: argparse.Namespace) -> int:
    """``enroll --scep URL --config FILE --pki DIR``: RFC 8894 over HTTP (router/scep.py)."""
    from vpnteach.router.scep import enroll

    if not args.config:
        print("vpnteach router enroll --scep: --config FILE is needed", file=sys.stderr)
        return 2
    try:
        config = load_config([args.config])
        paths = enroll(config, Path(args.pki), args.password, url=args.scep,
                       fingerprint=args.fingerprint, modulus=args.modulus)  # fmt: skip
    except (ValueError, OSError) as exc:  # ScepEnrollError is a ValueError: no traceback
        print(f"vpnteach router enroll: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path}")
    return 0


def main_router(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vpnteach router ...``; returns the exit status."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.action == "run":
        try:
            return asyncio.run(_serve(args))
        except (ValueError, OSError) as exc:  # config, PKI, TUN, bind: say what, no traceback
            print(f"vpnteach router: {exc}", file=sys.stderr)
            return 1
    if args.action == "show":
        from vpnteach.router.control import ask

        print(ask(args.control, " ".join(args.words)), end="")
        return 0
    if args.action == "topology":
        return topology(args.state)
    if args.scep or args.config:
        return _enroll_scep(args)
    if not args.hostnames:
        print(
            "vpnteach router enroll: give hostnames, or --scep URL --config FILE", file=sys.stderr
        )
        return 2
    from vpnteach.router.pki import enroll_files

    for path in enroll_files(args.pki, args.hostnames, modulus=args.modulus, seed=args.seed):
        print(f"wrote {path}")
    return 0
