"""The control socket client: one exec line to a running router, its answer back.

The protocol is one line per connection over a Unix stream socket: the client sends the
command and a newline, the router (:meth:`vpnteach.router.process.RouterProcess`) answers with
the IOS text and closes. Anything that can open a Unix socket can talk to it
(``socat - UNIX-CONNECT:/run/vpnteach/b1.ctl``); this module is the Python side::

    print(ask("/run/vpnteach/b1.ctl", "show crypto ipsec sa"))
"""

from __future__ import annotations

import socket
from pathlib import Path

__all__ = ["ControlError", "ask"]


class ControlError(OSError):
    """No router answers on the control socket (path wrong, router not running)."""


def ask(path: str | Path, command: str, *, timeout: float = 10.0) -> str:
    """Send ``command`` to the router listening on ``path``; return its answer.

    Raises:
        ControlError: nothing listens there, or the router did not answer in ``timeout`` s.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
            sock.sendall(command.strip().encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError as exc:
            raise ControlError(f"no router answers on {path}: {exc}") from None
    return b"".join(chunks).decode(errors="replace")
