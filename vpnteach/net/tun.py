"""A Linux TUN device: the router's LAN side, where IP packets are read and written whole.

Theory of operation. A TUN device is a network interface whose other end is a file
descriptor: every IPv4 packet the kernel routes into the interface can be read from the
descriptor, and every packet written to it enters the kernel's IP stack as if it had arrived on
that interface. The router process reads the LAN's packets here, encrypts them (ESP tunnel
mode, RFC 4303 §3.1.2) and sends them on the WAN; it writes the decrypted inner packets back.

Linux ABI facts used (``linux/if_tun.h``, ``Documentation/networking/tuntap.rst``): open
``/dev/net/tun``, then ``ioctl(fd, TUNSETIFF, struct ifreq)`` with the interface name (16
bytes) and the flags ``IFF_TUN`` (layer 3, no Ethernet header) and ``IFF_NO_PI`` (no 4-byte
packet-information prefix). A device that is not made persistent disappears when its last
descriptor is closed, so closing the :class:`TunDevice` removes the interface.

Addresses, MTU and routes are set with iproute2 (:func:`configure`): the process runs inside
the router's network namespace, so ``ip`` acts on that namespace.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
from collections.abc import Sequence
from types import TracebackType

__all__ = ["TunDevice", "TunError", "configure"]

TUN_CLONE_DEVICE = "/dev/net/tun"
# linux/if_tun.h: _IOW('T', 202, int)
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFNAMSIZ = 16
MAX_PACKET = 65535


class TunError(OSError):
    """The TUN device could not be created or configured; the message says which step failed."""


class TunDevice:
    """An open TUN interface (``IFF_TUN | IFF_NO_PI``): one read or write = one IP packet.

    Args:
        name: the interface name to ask for (at most 15 characters); ``""`` lets the kernel
            choose (``tun0`` ...). :attr:`name` is the name the kernel gave.
        blocking: leave the descriptor blocking (default: non-blocking, for an event loop).
    """

    def __init__(self, name: str = "", *, blocking: bool = False) -> None:
        if len(name.encode()) >= IFNAMSIZ:
            raise TunError(f"TUN name {name!r} is longer than {IFNAMSIZ - 1} characters")
        try:
            self.fd = os.open(TUN_CLONE_DEVICE, os.O_RDWR)
        except OSError as exc:
            raise TunError(f"cannot open {TUN_CLONE_DEVICE}: {exc.strerror}") from exc
        ifreq = struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI)
        try:
            answer = fcntl.ioctl(self.fd, TUNSETIFF, ifreq)
        except OSError as exc:
            os.close(self.fd)
            raise TunError(f"TUNSETIFF {name or '(any)'} failed: {exc.strerror}") from exc
        self.name = answer[:IFNAMSIZ].rstrip(b"\0").decode()
        os.set_blocking(self.fd, blocking)
        self.closed = False

    def __repr__(self) -> str:
        return f"TunDevice({self.name!r}, fd={self.fd}{', closed' if self.closed else ''})"

    def fileno(self) -> int:
        """The descriptor (for ``loop.add_reader``)."""
        return self.fd

    def read(self) -> bytes | None:
        """One packet, or ``None`` if none is waiting (non-blocking descriptor)."""
        try:
            return os.read(self.fd, MAX_PACKET)
        except BlockingIOError:
            return None

    def write(self, packet: bytes) -> None:
        """Hand one IP packet to the kernel, as received on this interface."""
        os.write(self.fd, packet)

    def close(self) -> None:
        """Close the descriptor: the (non-persistent) interface disappears. Idempotent."""
        if not self.closed:
            self.closed = True
            os.close(self.fd)

    def __enter__(self) -> TunDevice:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TunError(f"`ip {' '.join(args)}` failed: {proc.stderr.strip()}")


def configure(name: str, address: str, *, mtu: int = 1400, routes: Sequence[str] = ()) -> None:
    """Give TUN ``name`` its LAN ``address`` (``192.168.11.1/24``), ``mtu``, bring it up, and
    route each prefix of ``routes`` (the remote LANs) into it.

    The MTU leaves room for the outer IPv4 + UDP + ESP headers, IV, padding and ICV (about
    90 bytes with AES and SHA-256) inside a 1500-byte WAN frame, so nothing is fragmented.
    """
    _ip("addr", "add", address, "dev", name)
    _ip("link", "set", name, "mtu", str(mtu), "up")
    for prefix in routes:
        _ip("route", "replace", prefix, "dev", name)
