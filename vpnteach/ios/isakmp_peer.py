"""Aggressive Mode, configured as IOS has it: a peer block to initiate it, a switch to refuse it.

IOS starts Main Mode with every peer unless a ``crypto isakmp peer`` block asks for Aggressive
Mode (RFC 2409 §5.4) with that peer; both ``set aggressive-mode`` lines are needed::

    crypto isakmp peer address 10.2.2.1          ! -> config-isakmp-peer
     set aggressive-mode password cisco123       ! the pre-shared key used with this peer
     set aggressive-mode client-endpoint ipv4-address 10.1.1.1
    !
    crypto isakmp aggressive-mode disable        ! as responder, refuse every AM1

IOS accepts a block with only one of the two lines (it just keeps using Main Mode): so do we,
and :attr:`~vpnteach.ios.model.RouterConfig.warnings` says which line is missing. With
``crypto isakmp aggressive-mode disable`` IOS blocks Aggressive Mode "to and from" the router
(Cisco IOS Security Command Reference): the peer blocks are kept but Main Mode is initiated.

The ``client-endpoint`` (``ipv4-address A.B.C.D``, ``fqdn NAME`` or ``user-fqdn USER@NAME``) is
the identity IOS sends in AM1 (IDii, in clear): ``IkeConfig.aggressive_mode_ids``.

A complete block's password (the Tunnel-Password) becomes the pre-shared key for that peer,
ahead of any ``crypto isakmp key ... address`` for the same address: IOS authenticates
Aggressive Mode with it. The engine keeps one key per peer address, so the password is then
also the key a Main Mode started by that peer is checked with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from vpnteach.ios.draft import Draft
from vpnteach.ios.grammar import Args
from vpnteach.ios.model import IsakmpPeerConfig, RouterConfig

ISAKMP_PEER = "config-isakmp-peer"

Handler = Callable[[Draft, Args], None]
Row = tuple[str, Handler] | tuple[str, Handler, str]

_AM = "set aggressive-mode"
_ENDPOINT = f"{_AM} client-endpoint"


def _nothing(d: Draft, a: Args) -> None:
    """Leaving the mode: only the mode changes."""


def _disable(value: bool) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        d.aggressive_mode_disable = value

    return handler


def _peer(d: Draft, a: Args) -> None:
    d.isakmp_peers.setdefault(a["address"], IsakmpPeerConfig(a["address"]))
    d.context = a["address"]


def _no_peer(d: Draft, a: Args) -> None:
    d.isakmp_peers.pop(a["address"], None)


def _password(d: Draft, a: Args) -> None:
    d.isakmp_peers[d.context] = replace(d.isakmp_peers[d.context], password=a["password"])


def _endpoint(kind: str | None) -> Handler:
    def handler(d: Draft, a: Args) -> None:
        value = (kind, a["value"]) if kind else None
        d.isakmp_peers[d.context] = replace(d.isakmp_peers[d.context], client_endpoint=value)

    return handler


def _no_password(d: Draft, a: Args) -> None:
    d.isakmp_peers[d.context] = replace(d.isakmp_peers[d.context], password=None)


GLOBAL_ROWS: tuple[Row, ...] = (
    ("crypto isakmp aggressive-mode disable", _disable(True)),
    ("no crypto isakmp aggressive-mode disable", _disable(False)),
    ("crypto isakmp peer address <address:ip>", _peer, ISAKMP_PEER),
    ("no crypto isakmp peer address <address:ip>", _no_peer),
)

PEER_ROWS: tuple[Row, ...] = (
    (f"{_AM} password <password:word>", _password),
    (f"no {_AM} password [<password:word>]", _no_password),
    (f"{_ENDPOINT} ipv4-address <value:ip>", _endpoint("ipv4-address")),
    (f"{_ENDPOINT} fqdn <value:id_name>", _endpoint("fqdn")),
    (f"{_ENDPOINT} user-fqdn <value:id_name>", _endpoint("user-fqdn")),
    (f"no {_ENDPOINT}", _endpoint(None)),
    ("exit", _nothing),
)


def running_config_lines(config: RouterConfig) -> list[str]:
    """The ``crypto isakmp peer`` blocks of ``show running-config``, ``!`` between blocks."""
    lines: list[str] = []
    for peer in config.isakmp_peers.values():
        lines += ["!"] if lines else []
        lines.append(f"crypto isakmp peer address {peer.address}")
        lines += [f" {_AM} password {peer.password}"] if peer.password else []
        if peer.client_endpoint is not None:
            lines.append(f" {_ENDPOINT} {' '.join(peer.client_endpoint)}")
    return lines
