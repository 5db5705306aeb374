"""A real UDP transport for the sans-IO IKE engine (asyncio): ports 500 and 4500 on one address.

Theory of operation. :class:`vpnteach.ike.IkeEndpoint` never touches a socket or a clock
(DESIGN.md principle 2); this module is where both happen. A :class:`UdpDriver` binds two
datagram sockets on the endpoint's address, UDP 500 for IKE (RFC 2408 §2.5.2 / RFC 2409) and
UDP 4500 for IKE and ESP after a NAT-T port float (RFC 3947 §4, RFC 3948 §2), and repeats one
loop body after every input:

1. feed the input (``receive_datagram(data, addr, now, local_port)`` or ``handle_timer(now)``);
2. send what the endpoint queued (``datagrams_to_send(now)``), each from the socket bound to
   the datagram's ``local_port`` (the endpoint itself adds the 4-byte non-ESP marker on 4500);
3. hand every new event (``next_event()``) to the ``on_event`` callback, or queue it;
4. re-arm a single timer at ``get_timer()`` (retransmission, SA lifetime).

The driver is the only place that reads the clock. ``now`` is the wall-clock time at start
plus the *monotonic* time elapsed since, so it never jumps backwards (timers stay right when
the system clock is set) while the ``debug crypto isakmp`` timestamps still read as real
dates. ESP datagrams that arrive on 4500 (RFC 3948 §2.2: a non-zero SPI where the marker
would be) go to ``on_esp`` if given; NAT keepalives (a single ``0xFF`` byte) are dropped by
the endpoint.

::

    async with UdpDriver(endpoint, "10.1.1.1", on_event=print) as driver:
        driver.initiate("10.2.2.1")
        await driver.wait_for(lambda e: isinstance(e, Phase2Complete), timeout=5)
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType

from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Event
from vpnteach.ike.policy import AclEntry, CryptoMapEntry

__all__ = ["Clock", "UdpDriver", "serve", "wall_monotonic_clock"]

IKE_PORT = 500
NAT_T_PORT = 4500
Address = tuple[str, int]
Clock = Callable[[], float]
EventHandler = Callable[[Event], None]
EspHandler = Callable[[bytes, Address], None]


def wall_monotonic_clock() -> Clock:
    """A clock that starts at the wall-clock time and then advances monotonically."""
    wall0, mono0 = time.time(), time.monotonic()
    return lambda: wall0 + (time.monotonic() - mono0)


def _is_esp(data: bytes, local_port: int) -> bool:
    """RFC 3948 §2.2: on 4500 a non-zero first word is an ESP SPI, not the non-ESP marker."""
    return local_port == NAT_T_PORT and len(data) >= 4 and data[:4] != bytes(4)


class _Port(asyncio.DatagramProtocol):
    """One bound socket: passes what it receives to the driver, tagged with its port."""

    def __init__(self, driver: UdpDriver, port: int) -> None:
        self.driver = driver
        self.port = port

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.driver.datagram_received(data, (str(addr[0]), int(addr[1])), self.port)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: UDP is best effort, retransmission copes.
        self.driver.stats[f"socket_error_{type(exc).__name__}"] += 1


class UdpDriver:
    """Runs one :class:`IkeEndpoint` on real UDP sockets bound to ``address``.

    Args:
        endpoint: the sans-IO engine to drive.
        address: the local IPv4 address to bind (the endpoint's ``local_address``).
        ports: the IKE port and the NAT-T port, in that order (normally 500 and 4500).
        on_event: called with each event the endpoint reports; if ``None``, events are queued
            for :meth:`next_event` / :meth:`wait_for`.
        on_esp: called with ESP-in-UDP datagrams that arrive on the NAT-T port.
        clock: where ``now`` comes from (default :func:`wall_monotonic_clock`).
    """

    def __init__(
        self,
        endpoint: IkeEndpoint,
        address: str,
        *,
        ports: tuple[int, int] = (IKE_PORT, NAT_T_PORT),
        on_event: EventHandler | None = None,
        on_esp: EspHandler | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.address = address
        self.ports = ports
        self.on_event = on_event
        self.on_esp = on_esp
        self.now: Clock = clock or wall_monotonic_clock()
        self.stats: Counter[str] = Counter()
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self._transports: dict[int, asyncio.DatagramTransport] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._waiters: list[tuple[Callable[[Event], bool], asyncio.Future[Event]]] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the two sockets (the engine's 500 and 4500 map to ``ports``)."""
        loop = asyncio.get_running_loop()
        for logical, real in zip((IKE_PORT, NAT_T_PORT), self.ports, strict=True):
            factory = functools.partial(_Port, self, logical)
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    factory, local_addr=(self.address, real)
                )
            except OSError as exc:
                self.close()  # no half-bound driver
                raise OSError(
                    exc.errno, f"cannot bind UDP {self.address}:{real} (IKE port {logical}): {exc}"
                ) from exc
            self._transports[logical] = transport
        self.pump()

    def close(self) -> None:
        """Close both sockets and cancel the timer (idempotent)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()
        for _, future in self._waiters:
            future.cancel()
        self._waiters.clear()

    async def __aenter__(self) -> UdpDriver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def bound(self) -> dict[int, Address]:
        """The socket address each engine port (500, 4500) is bound to (after :meth:`start`)."""
        found = {}
        for logical, transport in self._transports.items():
            host, port = transport.get_extra_info("sockname")[:2]
            found[logical] = (str(host), int(port))
        return found

    # ------------------------------------------------------------------ commands

    def initiate(
        self, peer: str, entry: CryptoMapEntry | None = None, acl_entry: AclEntry | None = None
    ) -> None:
        """Negotiate with ``peer`` (``IkeEndpoint.initiate``: default its first crypto map
        entry and that entry's first permit line)."""
        self.endpoint.initiate(peer, self.now(), entry, acl_entry)
        self.pump()

    def acquire(self, src: str, dst: str) -> bool:
        """Traffic ``src -> dst`` needs protection (``IkeEndpoint.acquire``)."""
        started = self.endpoint.acquire(src, dst, self.now())
        self.pump()
        return started

    def send_dpd(self, peer: str, sequence: int) -> None:
        """Send an R-U-THERE (RFC 3706) to ``peer``."""
        self.endpoint.send_dpd(peer, self.now(), sequence)
        self.pump()

    def delete_isakmp_sa(self, peer: str) -> None:
        """``clear crypto isakmp`` for ``peer``: a Delete payload, then forget the SA."""
        self.endpoint.delete_isakmp_sa(peer, self.now())
        self.pump()

    # ------------------------------------------------------------------ the loop body

    def datagram_received(self, data: bytes, addr: Address, local_port: int) -> None:
        """Feed one received datagram to the endpoint (or ESP to ``on_esp``), then pump."""
        self.stats[f"received_{local_port}"] += 1
        if self.on_esp is not None and _is_esp(data, local_port):
            self.on_esp(data, addr)
            return
        self.endpoint.receive_datagram(data, addr, self.now(), local_port)
        self.pump()

    def pump(self) -> None:
        """Send what the endpoint queued, deliver its events, re-arm the timer."""
        for datagram in self.endpoint.datagrams_to_send(self.now()):
            transport = self._transports.get(datagram.local_port)
            if transport is None:
                self.stats["unsendable"] += 1
                continue
            transport.sendto(datagram.data, datagram.addr)
            self.stats[f"sent_{datagram.local_port}"] += 1
        while (event := self.endpoint.next_event()) is not None:
            self._deliver(event)
        self._arm_timer()

    def _deliver(self, event: Event) -> None:
        for entry in [w for w in self._waiters if w[0](event)]:
            self._waiters.remove(entry)
            if not entry[1].done():
                entry[1].set_result(event)
        if self.on_event is not None:
            self.on_event(event)
        else:
            self.events.put_nowait(event)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.endpoint.get_timer()
        if due is None or not self._transports:
            return
        delay = max(0.0, due - self.now())
        self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.endpoint.handle_timer(self.now())
        self.pump()

    # ------------------------------------------------------------------ waiting

    async def next_event(self) -> Event:
        """The next queued event (only when no ``on_event`` callback was given)."""
        return await self.events.get()

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float) -> Event:
        """The first event from now on for which ``predicate`` holds.

        Raises:
            TimeoutError: none came within ``timeout`` seconds.
        """
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters = [w for w in self._waiters if w[1] is not future]


async def serve(
    endpoint: IkeEndpoint,
    address: str,
    *,
    stop: asyncio.Event,
    ports: tuple[int, int] = (IKE_PORT, NAT_T_PORT),
    on_event: EventHandler | None = None,
    on_ready: Callable[[UdpDriver], None] | None = None,
) -> UdpDriver:
    """Run ``endpoint`` on ``address`` (UDP ``ports``) until ``stop`` is set; return the driver
    (closed) so its statistics can be read. ``on_ready`` is called once the sockets are bound."""
    driver = UdpDriver(endpoint, address, ports=ports, on_event=on_event or (lambda e: None))
    async with driver:
        if on_ready is not None:
            on_ready(driver)
        await stop.wait()
    return driver
