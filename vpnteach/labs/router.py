"""A lab router: a simulated IOS router built from its configuration text, running a Gateway.

:class:`LabRouter` joins the pieces one router is made of:

* a :class:`~vpnteach.net.sim.router.Router` node whose interfaces, addresses and static
  routes come from the parsed configuration (``interface Serial1/0`` / ``ip address`` /
  ``ip route``);
* the router's PKI (:class:`~vpnteach.pki.trustpoint.RouterPki`): ``crypto key generate rsa``
  lines generate the key pairs when the configuration is loaded, ``crypto pki trustpoint``
  blocks become trustpoints; ``crypto pki authenticate`` / ``enroll`` are exec commands that
  talk to the CA over the network (:mod:`vpnteach.labs.scep_udp`);
* the :class:`~vpnteach.gateway.Gateway`, plugged into the node's hooks (the crypto map on the
  egress interface, ESP on the ingress one) and UDP ports 500 / 4500, with its timers on the
  simulated clock;
* a console: ``exec`` output, and the ``debug`` lines while debugging is on.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from vpnteach._html import HtmlRepr
from vpnteach.crypto.rng import Rng, SeededRng
from vpnteach.gateway import (
    Deliver,
    Discard,
    Gateway,
    GatewayConfigError,
    GatewayEvent,
    Ikev2Gateway,
    check_ikev2_config,
    make_gateway,
    tunnels_up,
    uses_ikev2,
)
from vpnteach.gateway.adapt import crypto_interface, ike_config_from
from vpnteach.gateway.clear import clear_all
from vpnteach.ike.debuglog import ios_time, render_record
from vpnteach.ike.sa import Datagram
from vpnteach.ikev2.show import render_move
from vpnteach.ios import RouterConfig, apply_commands
from vpnteach.labs.syslog import SYSLOG_RECORDS, discard_message, isakmp_on_off
from vpnteach.net.sim.hooks import FORWARD, Drop, Replace, Verdict
from vpnteach.net.sim.node import Interface, Node, UdpMessage
from vpnteach.net.sim.ping import Ping
from vpnteach.net.sim.router import Router
from vpnteach.net.sim.routes import parse_prefix
from vpnteach.net.sim.scheduler import Scheduled
from vpnteach.pki import scep
from vpnteach.pki.errors import EnrollmentError
from vpnteach.pki.trustpoint import RouterPki, Trustpoint

if TYPE_CHECKING:
    from vpnteach.ios.console import Console
    from vpnteach.lab import Lab

IKE_PORTS = (500, 4500)
SCEP_CLIENT_PORT = 49152
SCEP_TIMEOUT = 10.0

ConsoleLine = tuple[float, str]
"""A console line and the epoch time it was printed at."""


class ClockError(ValueError):
    """``clock set`` was given a time without a zone."""


class LabRouter(HtmlRepr):
    """One router of a :class:`~vpnteach.lab.Lab`; ``exec`` and ``configure`` like a console.

    Attributes:
        node: the simulated router; config: its current ``RouterConfig``; pki: its PKI;
        gateway: its IPsec gateway (``None`` without a crypto map); events: every gateway
        event so far; transcript: the console session (commands and their output).
    """

    def __init__(self, lab: Lab, config: RouterConfig, rng: Rng, timezone: dt.tzinfo) -> None:
        self.lab = lab
        self.config = config
        self.rng = rng
        self.timezone = timezone
        self.node: Router = lab.network.add_router(config.hostname)
        self.pki = RouterPki(config.hostname, config.domain_name or "", timezone=timezone)
        self.gateway: Gateway | None = None
        self.gateway_problem = ""  # why the configuration runs no gateway (GatewayConfigError)
        self.events: list[GatewayEvent] = []
        self.transcript: list[str] = []
        self.debugging: set[str] = set()
        self.console_buffer: list[str] = []
        self.syslog: list[tuple[float, str]] = []
        self._cursors = {"isakmp": 0, "ipsec": 0, "ikev2": 0, "syslog": 0}
        self._timer: Scheduled | None = None
        self._timer_at: float | None = None
        self._scep_answer: scep.ScepResponse | None = None
        self.clock_offset = 0.0
        self._apply_interfaces()
        self._apply_pki()
        self._start_gateway()

    @property
    def name(self) -> str:
        """The hostname (``Branch1``)."""
        return self.config.hostname

    def __repr__(self) -> str:
        return f"LabRouter({self.name!r})"

    # ------------------------------------------------------------------ configuration

    def _apply_interfaces(self) -> None:
        for iface in self.config.interfaces.values():
            if iface.name not in self.node.interfaces:
                self.node.add_interface(iface.name)
            if iface.address is not None and iface.mask is not None:
                current = self.node.interfaces[iface.name].address
                if current is None or str(current) != str(iface.ip_interface):
                    self.node.set_address(iface.name, iface.address, iface.mask)
            self.node.interfaces[iface.name].up = not iface.shutdown
        wanted = {parse_prefix(r.prefix, r.mask) for r in self.config.static_routes}
        for gone in [r for r in self.node.routes.routes if r.kind == "static"]:
            if gone.prefix not in wanted:  # ``no ip route``: a VTI's route decides what is sealed
                self.node.routes.remove(gone.prefix)
        for route in self.config.static_routes:
            self.node.add_route(
                f"{route.prefix}/{route.mask}", interface=route.interface, next_hop=route.next_hop
            )

    def _apply_pki(self) -> list[str]:
        """Keys for new ``crypto key generate rsa`` lines, trustpoints in step with the config;
        what IOS prints generating the keys."""
        self.pki.hostname, self.pki.domain = self.config.hostname, self.config.domain_name or ""
        printed: list[str] = []
        for command in self.config.rsa_key_commands:
            label = command.label or self.config.fqdn
            existing = self.pki.keys.get(label)
            if existing is None or existing.modulus != command.modulus:
                key_rng = _fork(self.rng, f"key/{label}")
                pair = self.pki.generate_key(label, command.modulus, command.exportable, key_rng)
                words = f"general-keys modulus {command.modulus} label {label}"
                words += " exportable" if command.exportable else ""
                said = [f"The name for the keys will be: {label}", pair.ios_message()]
                self.transcript += [f"{self.name}(config)# crypto key generate rsa {words}", *said]
                printed += said
        for name, tp in self.config.trustpoints.items():
            if name not in self.pki.trustpoints:
                self.pki.add_trustpoint(tp.to_trustpoint())
            _sync_trustpoint(self.pki.trustpoints[name], tp.to_trustpoint())
        return printed

    def _start_gateway(self) -> None:
        try:
            gw_rng = _fork(self.rng, "gateway")
            self.gateway = make_gateway(self.config, self.pki, gw_rng, timezone=self.timezone,
                                        trace=self.lab.ike_trace(self.name))  # fmt: skip
        except GatewayConfigError as exc:
            self.gateway, self.gateway_problem = None, str(exc)
            return
        self.gateway_problem = ""
        self.node.outbound_hook = self._outbound_hook
        self.node.inbound_hook = self._inbound_hook
        for port in IKE_PORTS:
            self.node.unbind_udp(port)
            self.node.bind_udp(port, self._on_ike_datagram)
        self.service()  # its first timer: a static VTI starts IKE then, with no traffic

    def configure(self, text: str) -> RouterConfig:
        """``configure terminal`` + ``text`` + ``end``: all lines or none.

        The whole block is parsed first (IosConfigError names the refused line; nothing
        changes), then run (:meth:`set_config`).
        """
        config = apply_commands(self.config, text, f"{self.name}(config)")
        self.transcript += [f"{self.name}# configure terminal", *text.splitlines(), "end"]
        self.set_config(config)
        return self.config

    def set_config(self, config: RouterConfig) -> list[str]:
        """Run ``config`` from now on (interfaces, keys, trustpoints, the gateway); the lines
        IOS prints meanwhile (key generation).

        Whether the result still runs a gateway is decided before the gateway is touched: a
        configuration left with no crypto map on an up, addressed interface stops IPsec
        altogether (:meth:`_stop_gateway`), as removing the crypto map does on IOS, instead of
        changing the configuration under a gateway that still runs the old one.
        """
        self.config = config
        self._apply_interfaces()
        printed = self._apply_pki()
        running = self.gateway is not None
        if self.gateway is None:
            self._start_gateway()
        elif not self._runs_gateway(config):
            self._stop_gateway()
        elif uses_ikev2(config) != isinstance(self.gateway, Ikev2Gateway):
            self._stop_gateway()  # the other IKE version: a new gateway, IOS-like
            self._start_gateway()
        else:
            self.gateway.reconfigure(self.config, self._epoch())
            self.service()
            self.lab.run_for(0.1)  # the Deletes reach the peers
        if running != (self.gateway is not None):
            self.log_message(isakmp_on_off(not running))
        return printed

    def _runs_gateway(self, config: RouterConfig) -> bool:
        """``config`` has a crypto map an IPsec gateway can run (an up, addressed interface)."""
        try:
            crypto_interface(config)
            if uses_ikev2(config):
                check_ikev2_config(config, self.pki)
            else:
                ike_config_from(config, self.pki, timezone=self.timezone)
        except GatewayConfigError as exc:
            self.gateway_problem = str(exc)
            return False
        return True

    def tunnels_up(self) -> frozenset[str]:
        """The tunnel interfaces whose line protocol is up (a static VTI with its SAs)."""
        return tunnels_up(self.gateway)

    def pki_changed(self) -> None:
        """A certificate arrived (``crypto pki enroll``): a configuration that could not run
        without it (IKEv2 with rsa-sig reads the certificate when it starts) starts now."""
        if self.gateway is None:
            self._start_gateway()

    def _stop_gateway(self) -> None:
        """No crypto map left: the SAs are deleted (the peers told, RFC 2408 §3.15), then IKE
        and the crypto map's hooks stop; traffic leaves in clear."""
        assert self.gateway is not None
        now = self._epoch()
        clear_all(self.gateway, now)
        self.events += iter(self.gateway.next_event, None)
        self._send(self.gateway.datagrams_to_send(now))
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_at = None
        self.gateway = None
        self.node.outbound_hook = self.node.inbound_hook = None
        for port in IKE_PORTS:
            self.node.unbind_udp(port)

    # ------------------------------------------------------------------ the gateway's I/O

    def _epoch(self, now: float | None = None) -> float:
        """This router's clock (Unix time) at network time ``now``: the lab's plus the offset
        ``clock set`` introduced. The gateway sees only this clock, as IOS does."""
        return self.lab.epoch(self.lab.network.now if now is None else now) + self.clock_offset

    def clock(self) -> dt.datetime:
        """The router's wall clock (what ``show clock`` prints, what certificates are checked
        against)."""
        return dt.datetime.fromtimestamp(self._epoch(), tz=self.timezone)

    def set_clock(self, when: dt.datetime) -> None:
        """``clock set``: from now on this router's clock reads ``when`` (aware) and runs on.

        A router whose clock is off rejects valid certificates ("not yet valid", "expired"):
        that is why the seed configures ``ntp server 192.168.1.9``. Every time the gateway
        sees (IKE, certificate checks, ESP lifetimes, ``debug`` stamps) follows it.

        Raises:
            ClockError: ``when`` is naive (it would be read in this machine's local zone).
        """
        if when.tzinfo is None or when.utcoffset() is None:
            raise ClockError(f"{self.name}: clock set needs an aware datetime, got naive {when!r}")
        self.clock_offset = when.timestamp() - self.lab.epoch(self.lab.network.now)
        if self.gateway is not None:
            self._arm(self.gateway.get_timer())

    def start_ping(
        self, dst: str, count: int = 5, size: int = 100, timeout: float = 2.0,
        source: str | None = None,
    ) -> Ping:  # fmt: skip
        """Start a ping without running the network (the stepper runs it event by event)."""
        return self.node.ping(dst, count, size, timeout, source)

    def _outbound_hook(self, node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
        assert self.gateway is not None
        verdict = self.gateway.outbound(packet, iface.name, self._epoch(now))
        self.service()
        if isinstance(verdict, Discard):
            return Drop(verdict.reason)
        return FORWARD if verdict.packet is packet else Replace((verdict.packet,))

    def _inbound_hook(self, node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
        assert self.gateway is not None
        verdict = self.gateway.inbound(packet, iface.name, self._epoch(now))
        self.service()
        if isinstance(verdict, Deliver):
            return FORWARD if verdict.packet is packet else Replace((verdict.packet,))
        message = discard_message(packet, verdict.reason)
        if message is not None:
            self.log_message(message, now)
        return Drop(verdict.reason)

    def _on_ike_datagram(self, message: UdpMessage, now: float) -> None:
        assert self.gateway is not None
        addr = (message.src, message.sport)
        self.gateway.receive_datagram(message.payload, addr, self._epoch(now), message.dport)
        self.service()

    def service(self) -> None:
        """After any gateway input: send its datagrams (as a step of their own), re-arm timer."""
        gw = self.gateway
        if gw is None:
            return
        while (event := gw.next_event()) is not None:
            self.events.append(event)
        out = gw.datagrams_to_send(self._epoch())
        if out:
            self.node.set_timer("IKE send", self.lab.network.now, lambda now: self._send(out))
        self._arm(gw.get_timer())

    def _send(self, datagrams: list[Datagram]) -> None:
        for d in datagrams:
            src = self.gateway.local_address if self.gateway else self.node.addresses[0]
            self.node.send_udp(src, d.local_port, d.addr[0], d.addr[1], d.data)

    def _arm(self, due: float | None) -> None:
        if due == self._timer_at and self._timer is not None:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, due
        if due is not None:
            at = max(self.lab.network.now, due - self.clock_offset - self.lab.epoch(0.0))
            self._timer = self.node.set_timer("crypto timers", at, self._on_timer)

    def _on_timer(self, now: float) -> None:
        self._timer, self._timer_at = None, None
        if self.gateway is not None:
            self.gateway.handle_timer(self._epoch(now))
            self.service()

    # ------------------------------------------------------------------ enrollment (SCEP)

    def scep_exchange(self, request: scep.ScepRequest) -> scep.ScepResponse:
        """Send ``request`` to the CA of its URL over the network; wait for the answer."""
        from vpnteach.labs.scep_udp import SCEP_PORT, decode, encode

        host = request.url.split("//", 1)[-1].split("/", 1)[0]
        self._scep_answer = None

        def on_answer(message: UdpMessage, now: float) -> None:
            answer = decode(message.payload)
            if not isinstance(answer, (scep.GetCACert, scep.PKCSReq, scep.GetCRL)):
                self._scep_answer = answer

        self.node.unbind_udp(SCEP_CLIENT_PORT)
        self.node.bind_udp(SCEP_CLIENT_PORT, on_answer)
        src = self.node.source_for(host)
        try:
            if src is None:
                raise EnrollmentError(f"% {self.name}: no route to the CA at {host}")
            self.node.send_udp(src, SCEP_CLIENT_PORT, host, SCEP_PORT, encode(request))
            self.lab.run_while(lambda: self._scep_answer is None, SCEP_TIMEOUT)
        finally:
            self.node.unbind_udp(SCEP_CLIENT_PORT)
        if self._scep_answer is None:
            raise EnrollmentError(f"% {self.name}: no answer from the CA at {host} (timeout)")
        return self._scep_answer

    # ------------------------------------------------------------------ console

    def log_message(self, text: str, now: float | None = None) -> None:
        """A system message (:mod:`vpnteach.labs.syslog`), stamped with this router's clock
        at network time ``now``; the console prints it with the ``debug`` lines."""
        self.syslog.append((self._epoch(now), text))

    def debug_lines(self) -> list[ConsoleLine]:
        """The console lines printed since the last call: ``debug`` lines of the kinds being
        debugged, and system messages (always), in time order."""
        start = self._cursors["syslog"]
        keyed = [(t, i, 2, f"{ios_time(t, self.timezone)}: {text}")
                 for i, (t, text) in enumerate(self.syslog[start:], start)]  # fmt: skip
        self._cursors["syslog"] = len(self.syslog)
        gw = self.gateway
        if gw is None:
            return [(t, text) for t, _, _, text in keyed]
        if isinstance(gw, Ikev2Gateway):
            keyed += self._ikev2_lines(gw)
        else:
            keyed += self._isakmp_lines(gw)
        if "ipsec" in self.debugging:
            for line in gw.ipsec_log[self._cursors["ipsec"] :]:
                stamped = f"{ios_time(line.time, self.timezone)}: {line.text}"
                keyed += [(line.time, line.ike_position, 0, t) for t in stamped.split("\n")]
        self._cursors["ipsec"] = len(gw.ipsec_log)
        # sorted() is stable: the lines of one record keep their order
        return [(t, text) for t, _, _, text in sorted(keyed, key=lambda k: k[:3])]

    def _isakmp_lines(self, gw: Gateway) -> list[tuple[float, int, int, str]]:
        """``debug crypto isakmp`` lines of the IKEv1 records not printed yet, and the system
        messages among them (printed without debugging, :mod:`vpnteach.labs.syslog`)."""
        records, start = gw.ike.recorder.records, self._cursors["isakmp"]
        self._cursors["isakmp"] = len(records)
        return [
            (record.time, i, 1, t)
            for i, record in enumerate(records[start:], start)
            if "isakmp" in self.debugging or isinstance(record, SYSLOG_RECORDS)
            for t in render_record(record, self.timezone)
        ]

    def _ikev2_lines(self, gw: Ikev2Gateway) -> list[tuple[float, int, int, str]]:
        """``debug crypto ikev2`` lines of the IKEv2 moves not printed yet."""
        moves, start = gw.v2.moves, self._cursors["ikev2"]
        self._cursors["ikev2"] = len(moves)
        if "ikev2" not in self.debugging:
            return []
        return [
            (move.time, i, 1, t)
            for i, move in enumerate(moves[start:], start)
            for t in render_move(move, self.timezone)
        ]

    def set_debug(self, kind: str, on: bool) -> None:
        """Turn ``debug crypto <kind>`` on or off (only later lines are printed)."""
        self.debug_lines()  # whatever came before goes where it belongs first
        if on:
            self.debugging.add(kind)
        else:
            self.debugging.discard(kind)

    def read_console(self) -> str:
        """Console lines printed while other routers' commands ran (and clear them)."""
        self.console_buffer += [text for _, text in self.debug_lines()]
        out, self.console_buffer = self.console_buffer, []
        return "\n".join(out) + ("\n" if out else "")

    def console(self, *, enabled: bool = False) -> Console:
        """An IOS console on this router (:mod:`vpnteach.ios.console`); in a notebook it shows
        as a widget once :mod:`vpnteach.ui` is imported."""
        from vpnteach.labs.console import console_for

        return console_for(self, enabled=enabled)

    @property
    def serial_number(self) -> str:
        """The chassis serial number (``show version``'s Processor board ID) IOS puts in a
        certificate's subject when asked: 8 hex digits of the router's own random stream."""
        return _fork(self.rng, "serial-number").random_bytes(4).hex().upper()

    def exec(self, command: str) -> str:
        """Run an exec-mode command and return what the console prints (IOS text).

        Raises:
            ExecError: a command this router does not know, with IOS's ``^`` marker.
        """
        from vpnteach.labs.exec import run_exec, transcript_prompt

        self.lab.flush_consoles()
        output = run_exec(self, command.strip())
        self.lab.flush_consoles(except_for=self)
        prompt = transcript_prompt(self.name, command.strip())
        self.transcript += [f"{prompt} {command.strip()}", *output.splitlines()]
        return output


def _sync_trustpoint(current: Trustpoint, configured: Trustpoint) -> None:
    """Settings typed in ``ca-trustpoint`` mode, onto the trustpoint (certificates kept)."""
    current.enrollment_url = configured.enrollment_url
    current.enrollment_mode_ra = configured.enrollment_mode_ra
    current.rsakeypair = configured.rsakeypair
    current.revocation_check = configured.revocation_check
    current.ip_address = configured.ip_address


def _fork(rng: Rng, label: str) -> Rng:
    return rng.fork(label) if isinstance(rng, SeededRng) else rng
