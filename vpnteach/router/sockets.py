"""The router process's WAN sockets: bound to the crypto interface's address, non-blocking.

UDP 500 and 4500 carry IKE and ESP-in-UDP (RFC 3948); a raw socket carries ESP (protocol 50).
Each gets a large receive buffer (4 MiB): a burst of ESP must wait while the event loop is
busy, not be dropped (a lost packet costs a TCP stream in the tunnel far more than a queued
one; measured: 9% of ESP lost under one TCP stream with Linux's default 208 KiB). The kernel
caps the size at ``net.core.rmem_max``.
"""

from __future__ import annotations

import socket

WAN_BUFFER = 4 << 20  # bytes queued on a WAN socket before the kernel drops


class RouterSetupError(ValueError):
    """The configuration cannot run as a real router (no LAN interface, say)."""


def bound_socket(kind: int, proto: int, where: tuple[str, int]) -> socket.socket:
    """A non-blocking IPv4 socket bound to ``where``, or a :class:`RouterSetupError` that says
    what to check (the crypto interface's address must exist in this namespace)."""
    sock = socket.socket(socket.AF_INET, kind, proto)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, WAN_BUFFER)
        sock.bind(where)
    except OSError as exc:
        sock.close()
        what = "UDP port" if kind == socket.SOCK_DGRAM else "raw ESP socket on"
        raise RouterSetupError(
            f"cannot bind {what} {where[0]}:{where[1]}: {exc.strerror}; the crypto interface "
            "address must be configured in this network namespace, and the router run as root"
        ) from None
    return sock
