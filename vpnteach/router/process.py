"""The router process: one :class:`~vpnteach.gateway.Gateway` on a TUN device and WAN sockets.

Theory of operation. The gateway is sans-IO (DESIGN.md principle 2); this asyncio driver is the
only place that reads the clock and does I/O. It owns four kinds of descriptors:

* the TUN device (:mod:`vpnteach.net.tun`) carrying the protected LAN, addressed like the
  config's LAN interface (``FastEthernet0/0 192.168.11.1/24``), with a route into it for every
  remote network of the crypto ACLs. A packet read there is the router's *outbound* traffic:
  ``gateway.outbound(packet, "Serial1/0", now)`` protects it (RFC 4301 §5.1) and the ESP packet
  goes out on the WAN; with no SA yet, the gateway drops it and starts IKE, as IOS does;
* UDP 500 and 4500 on the crypto interface's address (``Serial1/0 10.1.1.1``): IKE
  (RFC 2409) and, after a NAT-T float, IKE with the non-ESP marker and ESP-in-UDP (RFC 3947,
  RFC 3948 §2.2 tells them apart by the first four bytes). The ESP part goes to the gateway as
  it is (``gateway.inbound_esp``), which decrypts it, and the inner packet is written to the TUN;
* a raw IP socket for protocol 50, for ESP without NAT traversal (two routers that see no NAT
  between them, as two IOS routers do);
* the control socket (``AF_UNIX``, one command per connection) answering ``show`` / ``clear``
  / ``debug`` lines with the lab's IOS texts (:mod:`vpnteach.router.commands`).

Threads. The TUN device, UDP 4500 and the raw socket are the *data-plane thread*'s
(:mod:`vpnteach.router.dataplane`): it blocks in ``poll`` on them and runs the packet handlers
itself, with the common case on :mod:`vpnteach.gateway.fastpath`, so a packet meets no event
loop on its way. UDP 500, the timer and the control socket are the asyncio loop's. Both use the
gateway holding one lock (``_lock``); the data plane asks the loop to service the gateway when
a packet left work (an acquire, IKE on 4500, an SA event). A writer thread
(:mod:`vpnteach.net.writer`) writes the decrypted packets into the TUN device, the system call
whose kernel work is heaviest (the kernel's TCP receive runs inside that write). Both threads
start after the privilege drop. (Sending ESP from yet another thread was tried: a little more
TCP throughput, about 150 us more ping round trip; not kept.)

After every input the driver *services* the gateway: drains its events (logged; on a new SA
the Wireshark key tables are rewritten), sends its IKE datagrams, prints ``debug`` lines, and
re-arms one timer at ``gateway.get_timer()`` (retransmission, SA lifetimes, rekeys).

Clean shutdown (SIGTERM): ``clear crypto sa`` and ``clear crypto isakmp`` (Delete
notifications to every peer, RFC 2408 §3.15, the SAs removed), the sockets closed, the control
socket file removed, and the TUN descriptor closed, which deletes the interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import os
import socket
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

from vpnteach.crypto.rng import OsRng, Rng
from vpnteach.gateway import (
    Ikev2Gateway,
    SasInstalled,
    SasRemoved,
    make_gateway,
)
from vpnteach.gateway.clear import clear_all
from vpnteach.gateway.retention import DAEMON_RETAIN
from vpnteach.ike.admission import HalfOpenLimits
from vpnteach.ike.debuglog import ios_time, render_record
from vpnteach.ike.events import Phase1Complete
from vpnteach.ikev2.events import IkeSaEstablished, IkeSaRekeyCollision, IkeSaRekeyed
from vpnteach.ikev2.show import render_move
from vpnteach.ios.errors import ExecError
from vpnteach.ios.model import RouterConfig
from vpnteach.net.tun import TunDevice, configure
from vpnteach.net.udp import wall_monotonic_clock
from vpnteach.net.writer import BackgroundWriter
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.router.counters import BoundedCounter
from vpnteach.router.dataplane import DataPlane
from vpnteach.router.keys import KEY_FILES, key_tables
from vpnteach.router.privileges import Account, drop_privileges
from vpnteach.router.safefiles import listen_unix, open_directory, peer_uid, write_file_at
from vpnteach.router.setup import brief, config_timezone, lan_interface, remote_networks
from vpnteach.router.sockets import RouterSetupError, bound_socket
from vpnteach.trace import Ring
from vpnteach.wire.printable import printable, printable_lines

__all__ = [
    "RouterProcess",
    "RouterSetupError",
    "config_timezone",
    "lan_interface",
    "remote_networks",
]

IKE_PORTS = (500, 4500)
ESP_PROTOCOL = 50
T = TypeVar("T")


_IKEV2_SAS = IkeSaEstablished | IkeSaRekeyed  # new SK_* keys for Wireshark (RFC 7296 §2.14)
_SAID = SasInstalled | SasRemoved | Phase1Complete | _IKEV2_SAS | IkeSaRekeyCollision  # logged
_LOADED_LATER = ("vpnteach.router.commands",)  # imported lazily, after the drop


class RouterProcess(DataPlane):
    """A running router (see the module docstring; the packet handlers are
    :mod:`vpnteach.router.dataplane`'s).

    Args:
        config: the parsed IOS configuration.
        pki: the router's keys and certificates (``None``: pre-shared keys only).
        tun_name: the TUN interface to create (``vt0``).
        control: the control socket path (``None``: no control socket).
        keys_dir: where to keep the Wireshark key tables up to date (``None``: nowhere).
        log: where events and ``debug`` lines are written.
        rng: the random source (default: the OS's).
        clock: the time source (default: wall clock at start, then monotonic).
        initiate: negotiate with every peer at start, without waiting for traffic.
        force_udp_encap: make both sides see a NAT, so ESP travels in UDP 4500 even without
            one (``IkeConfig.force_udp_encapsulation``, strongSwan's ``encap = yes``).
        user: the account to become once the TUN device and the sockets are open, with no
            capability left (:mod:`vpnteach.router.privileges`); ``None``: stay as started.
        half_open: the bounds on responder SAs negotiating (default: the config's
            ``crypto call admission limit``, strongSwan's per-address limit and timeout).

    What it keeps is bounded whatever arrives: a ring of ``debug`` records, no facts, the
    keys of live SAs only unless ``keys_dir`` asks for every key on disk
    (:mod:`vpnteach.gateway.retention`), a bounded counter table.
    """

    def __init__(
        self,
        config: RouterConfig,
        pki: RouterPki | None = None,
        *,
        tun_name: str = "vt0",
        control: str | Path | None = None,
        keys_dir: str | Path | None = None,
        log: TextIO = sys.stderr,
        rng: Rng | None = None,
        clock: Callable[[], float] | None = None,
        initiate: bool = False,
        force_udp_encap: bool = False,
        user: Account | None = None,
        half_open: HalfOpenLimits | None = None,
    ) -> None:
        self.config, self.pki = config, pki
        self.timezone = tz = config_timezone(config)
        self.gateway = make_gateway(  # IKEv2 when the crypto map says set ikev2-profile
            config, pki, rng or OsRng(), timezone=tz, force_udp_encapsulation=force_udp_encap,
            half_open=half_open, retain=DAEMON_RETAIN,
        )  # fmt: skip
        self.lan = lan_interface(config)
        self.tun_name = tun_name
        self.control = Path(control) if control is not None else None
        self.keys_dir = Path(keys_dir) if keys_dir is not None else None
        self.gateway.keep_keys = keys_dir is not None  # asked for: they go to disk anyway
        self.log, self.initiate_at_start = log, initiate
        self.force_udp_encap = force_udp_encap
        self.user = user
        self._keys_fd: int | None = None
        self.now = clock or wall_monotonic_clock()
        self.stats: Counter[str] = BoundedCounter()
        self.debugging: set[str] = set()
        self._cursors = {"isakmp": 0, "ipsec": 0, "ikev2": 0}
        self.tun: TunDevice | None = None
        self._lan_writer: BackgroundWriter[bytes] | None = None
        self.udp: dict[int, socket.socket] = {}
        self.raw: socket.socket | None = None
        self._server: asyncio.AbstractServer | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._init_data_plane()

    def __repr__(self) -> str:
        return f"RouterProcess({self.config.hostname!r}, {self.gateway.local_address}, {self.lan})"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Create the TUN device, bind the WAN sockets and the control socket."""
        self._loop = loop = asyncio.get_running_loop()
        if self.keys_dir is not None:  # first: a refused directory leaves nothing behind
            self._keys_fd = open_directory(
                self.keys_dir, owner=self.user, mode=0o700, contents=KEY_FILES
            )
        self.tun = TunDevice(self.tun_name)
        configure(self.tun.name, str(self.lan), routes=remote_networks(self.gateway))
        local = self.gateway.local_address
        for port in IKE_PORTS:
            self.udp[port] = bound_socket(socket.SOCK_DGRAM, 0, (local, port))
        self.raw = bound_socket(socket.SOCK_RAW, ESP_PROTOCOL, (local, 0))
        udp500 = self.udp[IKE_PORTS[0]]  # TUN, 4500 and ESP: the data-plane thread's
        loop.add_reader(udp500.fileno(), self._locked, self._on_udp, IKE_PORTS[0])
        if self.control is not None:
            listening = listen_unix(self.control, self.user)
            self._server = await asyncio.start_unix_server(self._on_control, sock=listening)
        self._say(f"up: TUN {self.tun.name} {self.lan}, WAN {local} (UDP 500/4500, ESP)")
        if self.user is not None:
            for module in _LOADED_LATER:  # the interpreter's own files may be unreadable later
                importlib.import_module(module)
            status = drop_privileges(self.user)
            self._say(f"running as {self.user.name} (UID {status['Uid'].split()[0]}), "
                      f"CapEff {status['CapEff']}, NoNewPrivs {status['NoNewPrivs']}")  # fmt: skip
        # After the drop: capabilities belong to each thread, the writer must have none.
        self._lan_writer = BackgroundWriter(self.tun.write, f"{self.tun.name}-write")
        if self.initiate_at_start:
            for peer in sorted({e.peer for e in self.gateway.crypto.entries}):
                self.gateway.initiate(peer, self.now())
        self.service()
        self._start_data_plane()  # from now on the gateway is used under self._lock

    async def run(self, stop: asyncio.Event, on_ready: Callable[[], None] | None = None) -> None:
        """Start, call ``on_ready``, serve until ``stop`` is set, then shut down cleanly."""
        try:
            await self.start()
            if on_ready is not None:
                on_ready()
            await stop.wait()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Delete notifications to the peers, SAs removed, sockets and TUN closed."""
        self._stop_data_plane()  # the gateway is this thread's alone again
        if self.udp:
            now = self.now()
            removed, peers = clear_all(self.gateway, now)
            self.service()
            self._say(f"shutdown: {removed} IPsec SAs and {peers} ISAKMP SAs deleted")
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self.control is not None:  # unprivileged, the root-owned runtime directory is not
            with contextlib.suppress(PermissionError):  # ours to write: the next start will
                self.control.unlink(missing_ok=True)  # replace the stale socket
        if self._keys_fd is not None:
            os.close(self._keys_fd)
            self._keys_fd = None
        if self._lan_writer is not None:  # what waits is written first
            self._lan_writer.close()
        for sock in [*self.udp.values(), *([self.raw] if self.raw else [])]:
            self._forget(sock.fileno())
            sock.close()
        self.udp.clear()
        self.raw = None
        if self.tun is not None:
            self._forget(self.tun.fileno())
            self.tun.close()

    def _forget(self, fd: int) -> None:
        if self._loop is not None and fd >= 0:
            self._loop.remove_reader(fd)

    # ------------------------------------------------------------------ servicing

    def service(self) -> None:
        """After any input: events, IKE datagrams, ``debug`` lines, the timer."""
        gw = self.gateway
        self._flush_writers()
        while (event := gw.next_event()) is not None:
            self.stats[f"event {type(event).__name__}"] += 1
            if isinstance(event, _SAID):
                self._say(f"{type(event).__name__}: {brief(event)}")
                self.export_keys()
        for d in gw.datagrams_to_send(self.now()):
            sock = self.udp.get(d.local_port)
            if sock is None:
                continue
            try:
                sock.sendto(d.data, d.addr)
                self.stats[f"ike_out_{d.local_port}"] += 1
            except OSError as exc:
                self.stats[f"ike_send_error: {exc.strerror}"] += 1
        for line in self.debug_lines():
            self._say(line, stamp=False)
        self._arm(gw.get_timer())

    def _flush_writers(self) -> None:
        """Hand the batch to the TUN writer thread; its drops and errors join the counters."""
        writer = self._lan_writer
        if writer is not None:
            writer.flush()
            if writer.dropped or writer.errors:
                self.stats["tun_out_dropped"] = writer.dropped
                self.stats["tun_out_error"] = writer.errors

    def _arm(self, due: float | None) -> None:
        if self._loop is None or (due == self._timer_at and self._timer is not None):
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, due
        if due is not None:
            self._timer = self._loop.call_later(max(0.0, due - self.now()), self._on_timer)

    def _on_timer(self) -> None:
        with self._lock:
            self._timer, self._timer_at = None, None
            self._guarded("timer", functools.partial(self.gateway.handle_timer, self.now()))
            self.service()

    def _guarded(self, what: str, work: Callable[[], None]) -> None:
        """Do one input's ``work``. The engines drop bad input themselves, so an exception
        here is a bug: it is logged with its traceback and counted, and the router goes on
        with the next input (one bad datagram must not take the tunnel down)."""
        try:
            work()
        except Exception:
            self._internal_error(what)

    def _internal_error(self, what: str) -> None:
        """Log the exception being handled, with its traceback, and count it: one log line per
        traceback line, each sanitised on its own and indented, so that a newline inside the
        exception's text (peer data) cannot start a line of its own."""
        self.stats["internal_error"] += 1
        self._say(f"%VPNTEACH-3-INTERNAL_ERROR: {what}: a bug, ignored:")
        for line in traceback.format_exc().rstrip().splitlines():
            self._say("    " + line, stamp=False)

    def export_keys(self) -> None:
        """Rewrite the Wireshark key tables in ``keys_dir`` (every SA so far), mode 0600,
        through the directory descriptor opened at start (never by path: no symlink followed)."""
        if self._keys_fd is None:
            return
        for name, text in key_tables(self.gateway).items():
            write_file_at(self._keys_fd, name, text.encode())

    # ------------------------------------------------------------------ console

    def set_debug(self, kind: str, on: bool) -> None:
        """``debug crypto isakmp|ipsec|ikev2`` on or off: only lines from now on are printed."""
        self.debug_lines()
        (self.debugging.add if on else self.debugging.discard)(kind)

    def debug_lines(self) -> list[str]:
        """The ``debug`` lines produced since the last call, for the kinds being debugged."""
        gw, tz = self.gateway, self.timezone
        if isinstance(gw, Ikev2Gateway):
            lines = self._unread("ikev2", gw.v2.moves, lambda m: render_move(m, tz))
        else:
            lines = self._unread("isakmp", gw.ike.recorder.records, lambda r: render_record(r, tz))
        return lines + self._unread(
            "ipsec", gw.ipsec_log, lambda e: f"{ios_time(e.time, tz)}: {e.text}".split("\n")
        )

    def _unread(self, kind: str, items: Sequence[T], render: Callable[[T], list[str]]) -> list[str]:
        """The lines of ``items`` past the ``kind`` cursor (none unless ``kind`` is debugged).
        The cursors are absolute positions: a :class:`~vpnteach.trace.Ring` forgets its oldest."""
        total = items.total if isinstance(items, Ring) else len(items)
        start, self._cursors[kind] = self._cursors[kind], total
        if kind not in self.debugging:
            return []
        new = items.since(start) if isinstance(items, Ring) else items[start:]
        return [line for item in new for line in render(item)]

    def _say(self, text: str, *, stamp: bool = True) -> None:
        prefix = f"{ios_time(self.now(), self.timezone)}: {self.config.hostname}: " if stamp else ""
        print(prefix + printable(text), file=self.log, flush=True)  # no control code on a console

    async def _on_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from vpnteach.router.commands import run_command

        try:
            sock = writer.get_extra_info("socket")
            if sock is None or peer_uid(sock) not in (0, os.getuid()):
                self.stats["control_refused"] += 1  # SO_PEERCRED: only root and our own user
                return
            line = (await reader.readline()).decode(errors="replace").strip()
            try:
                with self._lock:  # the data-plane thread uses the gateway too
                    answer = run_command(self, line) if line else ""
            except ExecError as exc:
                answer = f"{exc}\n"
            writer.write(printable_lines(answer).encode())
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
