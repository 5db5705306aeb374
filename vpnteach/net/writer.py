"""Writes done by a second thread, so the kernel's work for one packet overlaps ours for the next.

Writing a decrypted packet to a TUN device is not a copy into a buffer: the kernel runs its
whole receive path for the packet inside that ``write`` (IP, then TCP, which may send an ACK
back into the TUN), and a profile of the router under a TCP stream finds a third of its time
there. Python releases the GIL for the system call, so a thread that does the writes lets the
event loop decrypt the next packets on the other core meanwhile, as strongSwan's
kernel-libipsec does with its own threads.

The loop hands packets over with :meth:`BackgroundWriter.put` and wakes the thread once per
batch with :meth:`BackgroundWriter.flush`; one thread keeps them in order. Waking a thread
costs tens of microseconds, which a lone packet (a ping) would feel as latency: when the batch
is one packet and the thread has nothing left to write, :meth:`~BackgroundWriter.flush`
writes it at once itself, which keeps the order too. The queue is
bounded like a device's transmit queue: beyond ``limit`` packets waiting, a new one is dropped
and counted (``dropped``), never kept. Failed writes are counted (``errors``), not raised: a
packet on its way to the LAN is best effort, like one on the wire.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["BackgroundWriter"]

T = TypeVar("T")

DEFAULT_LIMIT = 1000  # packets, the default txqueuelen of a Linux network device


class BackgroundWriter(Generic[T]):
    """A thread that calls ``write(packet)`` for every packet put, in order.

    Args:
        write: the blocking write (``os.write`` bound to a descriptor, or a ``sendto`` of a
            ``(payload, address)`` pair).
        name: the thread's name (shown by ``ps -T``, py-spy).
        limit: how many packets may wait before new ones are dropped.
    """

    def __init__(self, write: Callable[[T], object], name: str, limit: int = DEFAULT_LIMIT) -> None:
        self._write = write
        self._pending: deque[T] = deque()
        self._wake = threading.Event()
        self._closed = self._busy = False
        self.limit = limit
        self.written = self.dropped = self.errors = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return (
            f"BackgroundWriter({self._thread.name!r}, {len(self._pending)} waiting, "
            f"{self.written} written, {self.dropped} dropped, {self.errors} errors)"
        )

    def put(self, packet: T) -> None:
        """Queue ``packet`` (dropped and counted if ``limit`` packets are already waiting)."""
        if len(self._pending) >= self.limit:
            self.dropped += 1
            return
        self._pending.append(packet)

    def flush(self) -> None:
        """Write a lone packet now, or wake the thread for a batch (once per batch of puts)."""
        pending = self._pending
        if not pending:
            return
        if len(pending) == 1 and not self._busy:  # all before it written: order kept
            try:
                packet = pending.popleft()
            except IndexError:  # the thread, woken earlier, took it
                return
            self._write_one(packet)
            return
        self._wake.set()

    def close(self, timeout: float = 2.0) -> None:
        """Write what waits, then stop the thread. Idempotent."""
        self._closed = True
        self._wake.set()
        self._thread.join(timeout)

    def _write_one(self, packet: T) -> None:
        try:
            self._write(packet)
            self.written += 1
        except OSError:
            self.errors += 1

    def _run(self) -> None:
        pending, wake = self._pending, self._wake
        while True:
            wake.wait()
            wake.clear()  # a flush from now on wakes the next round: nothing is left behind
            self._busy = True
            while pending:
                try:
                    packet = pending.popleft()
                except IndexError:  # flush took the last one
                    break
                self._write_one(packet)
            self._busy = False
            if self._closed:
                return
