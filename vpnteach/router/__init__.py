"""A vpnteach router on a real network: the lab's IPsec gateway on a TUN device and UDP.

``vpnteach router run --config branch1.cfg --pki DIR --control /run/vpnteach/b1.ctl`` loads the
same IOS configuration the lab uses and runs the same sans-IO engines
(:class:`vpnteach.gateway.Gateway`) inside a Linux network namespace: IP packets of the
protected LAN are read from and written to a TUN device (:mod:`vpnteach.net.tun`), IKE travels
on UDP 500/4500 and ESP in UDP 4500 (RFC 3948) or as IP protocol 50. ``show`` / ``clear`` /
``debug`` commands are answered on a control socket (:mod:`vpnteach.router.control`) while it
runs; SIGTERM sends Delete notifications, removes the SAs and the TUN device. See
``docs/real-network.md``.

Modules: :mod:`~vpnteach.router.process` (the asyncio driver, the only place with a clock and
I/O), :mod:`~vpnteach.router.framing` (outer packets <-> socket payloads),
:mod:`~vpnteach.router.commands` (the exec commands), :mod:`~vpnteach.router.pki`
(certificates as PEM files), :mod:`~vpnteach.router.privileges` (root only to start),
:mod:`~vpnteach.router.safefiles` (key files, directories and the control socket nobody else
can redirect), :mod:`~vpnteach.router.cli` (``main_router``).
"""

from __future__ import annotations

__all__ = ["main_router"]


def main_router(argv: list[str] | None = None) -> int:
    """``vpnteach router ...`` (see :mod:`vpnteach.router.cli`)."""
    from vpnteach.router.cli import main_router as main

    return main(argv)
