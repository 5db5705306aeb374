"""The router process's packet handlers (TUN reads, ESP in UDP 4500, ESP on the raw socket)
and the data-plane thread that runs them.

Theory of operation. The *data-plane thread* blocks in ``poll`` on the three descriptors; when
one is readable it runs its handler, holding the gateway's lock (``_lock``, which the asyncio
loop takes for UDP 500, the timer and control commands: the gateway is never used by two
threads at once). There is no event loop between the kernel and a packet; strongSwan's
kernel-libipsec too has a thread that blocks in ``poll`` on its TUN devices (and a pipe that
tells it to stop), which hands each packet to its ESP worker threads. A handler reads
up to ``BATCH`` packets (until the kernel says there are no more). A packet whose SA is up and
which is fine takes :class:`~vpnteach.gateway.fastpath.FastPath`: the outbound one becomes the
ESP part (SPI to ICV) that goes straight to the socket of the SA's kind (UDP 4500 or 500 with
``sa.udp``, RFC 3948; else the raw protocol-50 socket, whose kernel adds the IP header); the
inbound one becomes the inner packet for the TUN writer thread. Every other packet (no SA yet,
a lifetime event due, a bad ICV, IKE, anything odd) takes the gateway's general path
(:meth:`~vpnteach.gateway.Gateway.outbound`, :meth:`~vpnteach.gateway.Gateway.inbound_esp`,
:meth:`~vpnteach.gateway.Gateway.inbound`), which drops and counts it as before.

After a batch the gateway needs *servicing* (events, IKE datagrams, ``debug`` lines, the timer)
unless every packet took the fast path and the gateway says nothing is waiting
(:meth:`FastPath.settled`): then only the TUN writer is woken. Servicing is the event loop's
(it owns the timer): the data plane asks for it with ``call_soon_threadsafe``. A ping through
the tunnel costs one wake-up per direction and per router and a few dozen Python steps each,
not a walk through every layer; the time is read once per batch (lifetimes count in seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import select
import socket
import threading
from collections import Counter
from collections.abc import Callable

from vpnteach.esp.sa import IpsecSa
from vpnteach.gateway import Deliver, Discard, Gateway, Transmit
from vpnteach.gateway.fastpath import FastPath
from vpnteach.ike.nat_t import IKE_PORT
from vpnteach.net.tun import TunDevice
from vpnteach.net.writer import BackgroundWriter
from vpnteach.router.framing import WanDatagram, is_esp_in_udp, wan_datagram
from vpnteach.wire.esp import NAT_T_PORT, NON_ESP_MARKER
from vpnteach.wire.ip import pack_address

__all__ = ["BATCH", "DataPlane"]

BATCH = 64  # packets read per wake-up before other descriptors get a turn
_ESP = 50


class DataPlane:
    """Mixin of :class:`~vpnteach.router.process.RouterProcess`: its packet handlers and the
    thread that runs them."""

    gateway: Gateway
    stats: Counter[str]
    tun: TunDevice | None
    udp: dict[int, socket.socket]
    raw: socket.socket | None
    now: Callable[[], float]
    _loop: asyncio.AbstractEventLoop | None
    _lan_writer: BackgroundWriter[bytes] | None
    _fast: FastPath
    _lock: threading.RLock
    _in_plane: bool
    _service_asked: bool
    _plane: threading.Thread | None
    _plane_wake: tuple[int, int] | None

    def _init_data_plane(self) -> None:
        self._fast = FastPath(self.gateway)
        self._lock = threading.RLock()  # the gateway's: held by whichever thread uses it
        self._in_plane = self._service_asked = False
        self._plane, self._plane_wake = None, None

    # ------------------------------------------------------------------ the thread

    def _start_data_plane(self) -> None:
        """Start the thread that waits on the TUN device, UDP 4500 and the raw ESP socket
        (after the privilege drop: capabilities belong to each thread)."""
        assert self.tun is not None and self.raw is not None
        handlers: dict[int, Callable[[], None]] = {
            self.tun.fileno(): self._on_tun,
            self.udp[NAT_T_PORT].fileno(): functools.partial(self._on_udp, NAT_T_PORT),
            self.raw.fileno(): self._on_raw_esp,
        }
        self._plane_wake = os.pipe()
        self._plane = threading.Thread(
            target=self._run_plane, args=(handlers, self._plane_wake[0]), name="data-plane",
            daemon=True,
        )  # fmt: skip
        self._plane.start()

    def _stop_data_plane(self, timeout: float = 2.0) -> None:
        """Stop the thread (it finishes the batch in hand). Idempotent."""
        thread, wake, self._plane, self._plane_wake = self._plane, self._plane_wake, None, None
        if thread is None or wake is None:
            return
        os.write(wake[1], b"x")
        thread.join(timeout)
        for fd in wake:
            os.close(fd)

    def _run_plane(self, handlers: dict[int, Callable[[], None]], stop: int) -> None:
        """Block in ``poll`` until a descriptor is readable, then run its handler holding the
        gateway's lock: no event loop between the kernel and the packet."""
        poller = select.poll()
        for fd in (*handlers, stop):
            poller.register(fd, select.POLLIN)
        while True:
            ready = poller.poll()
            if any(fd == stop for fd, _ in ready):
                return
            with self._lock:
                self._in_plane = True
                try:
                    for fd, event in ready:
                        if event & select.POLLNVAL:  # closed under us: never again
                            poller.unregister(fd)
                            self.stats["data_plane_closed_descriptor"] += 1
                        else:
                            handlers[fd]()
                except Exception:  # a bug: logged and counted, the thread goes on
                    self._internal_error("data plane")
                finally:
                    self._in_plane = False

    def _locked(self, work: Callable[..., None], *args: object) -> None:
        """``work(*args)`` on the event loop's thread, holding the gateway's lock."""
        with self._lock:
            work(*args)

    def _service_later(self) -> None:
        """From the data-plane thread: have the event loop service the gateway (it owns the
        timer and the IKE sockets' sending), once however many batches ask."""
        if not self._service_asked and self._loop is not None:
            self._service_asked = True
            with contextlib.suppress(RuntimeError):  # the loop is closing: nothing to do
                self._loop.call_soon_threadsafe(self._service_now)

    def _service_now(self) -> None:
        with self._lock:
            self._service_asked = False
            self.service()

    def service(self) -> None:  # pragma: no cover - RouterProcess's
        raise NotImplementedError

    def _flush_writers(self) -> None:  # pragma: no cover - RouterProcess's
        raise NotImplementedError

    def _internal_error(self, what: str) -> None:  # pragma: no cover - RouterProcess's
        raise NotImplementedError

    def _after_batch(self, general: int) -> None:
        """Service the gateway, or only wake the TUN writer if nothing else is waiting."""
        if general:
            self.stats["general_path"] += general  # packets the fast path handed back
        if not general and self._fast.settled():
            self._flush_writers()
        elif self._in_plane:
            self._flush_writers()
            self._service_later()
        else:
            self.service()

    # ------------------------------------------------------------------ LAN -> WAN

    def _on_tun(self) -> None:
        tun = self.tun
        assert tun is not None
        fast, now = self._fast.outbound, self.now()
        read = general = 0
        for _ in range(BATCH):
            packet = tun.read()
            if packet is None:
                break
            read += 1
            found = fast(packet, now)
            if found is None:
                general += 1
                self._outbound(packet, now)
            else:
                self._send_esp(*found)
        self.stats["tun_in"] += read
        self._after_batch(general)

    def _send_esp(self, esp: bytes, sa: IpsecSa) -> None:
        """The ESP part to the peer: in UDP from our port of ``sa.udp`` (RFC 3948 §2.1), else
        on the raw socket (the kernel adds the IPv4 header, protocol 50)."""
        udp = sa.udp
        try:
            if udp is None:
                assert self.raw is not None
                self.raw.sendto(esp, (sa.peer, 0))
                self.stats["esp_out"] += 1
            else:
                sock = self.udp[NAT_T_PORT if udp.local_port == NAT_T_PORT else 500]
                sock.sendto(esp, (sa.peer, udp.peer_port))
                self.stats["esp_udp_out"] += 1
        except OSError as exc:  # a full socket buffer or an unreachable peer: best effort
            self.stats[f"wan_send_error: {exc.strerror}"] += 1

    def _outbound(self, packet: bytes, now: float | None = None) -> None:
        """The general path for a packet read from the TUN."""
        if len(packet) < 20 or packet[0] >> 4 != 4:
            self.stats["tun_not_ipv4"] += 1
            return
        now = self.now() if now is None else now
        verdict = self.gateway.outbound(packet, self.gateway.interface, now)
        if isinstance(verdict, Transmit) and verdict.protected:
            self._send_wan(verdict.packet)
        elif isinstance(verdict, Transmit):
            self.stats["lan_not_protected_dropped"] += 1  # no clear path to the WAN here
        else:
            self.stats[f"discard: {verdict.reason}"] += 1

    def _send_wan(self, packet: bytes) -> None:
        out = wan_datagram(packet)
        if out is None:
            self.stats["wan_unsendable"] += 1
            return
        try:
            self._sendto(out)
        except OSError as exc:  # a full socket buffer or an unreachable peer: ESP is best effort
            self.stats[f"wan_send_error: {exc.strerror}"] += 1

    def _sendto(self, out: WanDatagram) -> None:
        if out.src_port is None:
            assert self.raw is not None
            self.raw.sendto(out.payload, (out.dst, 0))
            self.stats["esp_out"] += 1
        else:
            sock = self.udp[4500 if out.src_port == 4500 else 500]
            sock.sendto(out.payload, (out.dst, out.dst_port))
            self.stats["esp_udp_out"] += 1

    # ------------------------------------------------------------------ WAN -> LAN

    def _on_udp(self, port: int) -> None:
        sock = self.udp.get(port)
        fast, now = self._fast.inbound_esp, self.now()
        delivered = general = 0
        for _ in range(BATCH):
            if sock is None:
                break
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:  # ICMP errors surface here; retransmission copes
                self.stats[f"udp_error: {exc.strerror}"] += 1
                break
            try:  # (the engines drop bad input themselves: an exception here is a bug)
                # RFC 3948 §2.2: on 4500, ESP unless the non-ESP marker (or a keepalive)
                esp = port == NAT_T_PORT and len(data) >= 8 and data[:4] != NON_ESP_MARKER
                inner = fast(data, now) if esp else None
                if inner is None:
                    general += 1 + (self._ike_first(now) if esp else 0)
                    self._on_datagram(data, addr, port, now)
                elif type(inner) is bytes and self._lan_writer is not None:
                    self._lan_writer.put(inner)  # written by its thread (net/writer.py)
                    delivered += 1
                else:
                    self.stats["esp_udp_in"] += 1
                    self._deliver(inner if isinstance(inner, Discard) else Deliver(inner, True))
            except Exception:
                self._internal_error(f"datagram from {addr[0]}:{addr[1]} on UDP {port}")
        if delivered:
            self.stats["esp_udp_in"] += delivered
            self.stats["tun_out"] += delivered
        self._after_batch(general)

    def _on_datagram(
        self, data: bytes, addr: tuple[str, int], port: int, now: float | None = None
    ) -> None:
        now = self.now() if now is None else now
        if is_esp_in_udp(data, port):  # RFC 3948 §2.2: the ESP part, headers never rebuilt
            self.stats["esp_udp_in"] += 1
            self._deliver(self.gateway.inbound_esp(data, addr, now))
        else:
            self.stats[f"ike_in_{port}"] += 1
            self.gateway.receive_datagram(data, (str(addr[0]), int(addr[1])), now, port)

    def _ike_first(self, now: float) -> int:
        """Before an ESP packet the fast path could not take (an SPI not known yet, among
        others): read what waits on UDP 500, the event loop's socket. Returns how many.

        Quick Mode's initiator sends QM3 and then ESP on the new SAs, which the responder
        installs on QM3 (RFC 2409 §5.5). QM3 reaches UDP 500 first, but the event loop may not
        have read it yet when this thread reads the ESP: without this, a rekey under traffic
        lost the first packets on the new SA as "unknown SPI" whenever the event loop's thread
        was slow to run (a loaded machine). Both threads read that socket holding the lock.
        """
        sock = self.udp.get(IKE_PORT)
        count = 0
        while sock is not None and count < BATCH:
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                self.stats[f"udp_error: {exc.strerror}"] += 1
                break
            count += 1
            self._on_datagram(data, addr, IKE_PORT, now)
        return count

    def _on_raw_esp(self) -> None:
        raw = self.raw
        assert raw is not None
        fast, now = self._fast.inbound_esp, self.now()
        address = pack_address(self.gateway.local_address)  # the packets come with IPv4 headers
        received = general = 0
        for _ in range(BATCH):
            try:
                packet = raw.recv(65535)
            except (BlockingIOError, InterruptedError):
                break
            received += 1
            hlen = (packet[0] & 0xF) * 4 if packet else 0
            ours = len(packet) >= 20 and packet[9] == _ESP and packet[16:20] == address
            inner = fast(packet[hlen:], now) if ours and hlen >= 20 else None
            if inner is None:
                general += 1 + self._ike_first(now)
                self._inbound(packet, now)
            elif type(inner) is bytes:
                self._deliver(Deliver(inner, True))
            else:
                assert isinstance(inner, Discard)
                self._deliver(inner)
        self.stats["esp_in"] += received
        self._after_batch(general)

    def _inbound(self, packet: bytes, now: float) -> None:
        """The general path for a packet from the raw socket (IPv4 header included)."""
        self._deliver(self.gateway.inbound(packet, self.gateway.interface, now))

    def _deliver(self, verdict: Deliver | Discard) -> None:
        if isinstance(verdict, Deliver) and verdict.decrypted and self._lan_writer is not None:
            self._lan_writer.put(verdict.packet)  # written by its thread (net/writer.py)
            self.stats["tun_out"] += 1
        elif isinstance(verdict, Deliver):
            self.stats["wan_clear_ignored"] += 1
        else:
            self.stats[f"discard: {verdict.reason}"] += 1
