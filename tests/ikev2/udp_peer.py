"""vpnteach IKEv2 endpoints on real UDP sockets, one per slot, for the strongSwan interop tests.

Run inside a network namespace: ``ip netns exec NS python -m tests.ikev2.udp_peer PLAN OUT``.
``PLAN`` is JSON ``{"pki_time": ..., "timeout": ..., "slots": [Slot, ...]}``. Each slot is one
:class:`~vpnteach.ikev2.endpoint.Ikev2Endpoint` bound to UDP 500 and 4500 on its own
address. The process prints ``ready`` once every socket is bound, initiates the initiator
slots, runs a ``selectors`` loop (the only clock and the only sockets) until every slot saw an
outcome (Child SA established, or a failure) and a short linger passed, and writes ``OUT``:
per slot the events, statistics, byte-valued facts, the datagrams as sent and received, and
the ``ikev2_decryption_table`` line of its IKE SA.
"""

from __future__ import annotations

import ipaddress
import math
import selectors
import socket
import sys
import time
from dataclasses import dataclass, fields

from tests.ike.udp_peer import interop_pki
from tests.ikev2.esp_tunnel import EspTunnel, lan_address
from tests.interop.peer import jsonable, peer_main
from vpnteach.crypto.rng import OsRng
from vpnteach.ikev2.config import (
    CertCredential,
    EspProposal,
    Identity,
    IkeProposal,
    Ikev2Config,
    PeerConfig,
    PskCredential,
)
from vpnteach.ikev2.endpoint import Ikev2Endpoint
from vpnteach.ikev2.events import (
    ChildSaDeleted,
    ChildSaEstablished,
    ChildSaFailed,
    Event,
    IkeSaDeleted,
    IkeSaRekeyed,
    LivenessChecked,
    NegotiationFailed,
)
from vpnteach.ikev2.wireshark import decryption_table_line


@dataclass
class Slot:
    """One endpoint: its addresses, what it proposes and authenticates with, and its role."""

    name: str
    local: str
    peer: str
    local_lan: str
    peer_lan: str
    auth: str = "psk"  # or "cert"
    psk: str = "cisco123"
    method: int = 1
    ike: str = "aes256-sha256-modp2048"
    esp: str = "aes256-sha256"
    initiate: bool = False
    expect: int = 1
    rekey: bool = False  # rekey the Child SA once it is up (CREATE_CHILD_SA)
    rekey_pfs: int | None = None
    rekey_ike: bool = False  # rekey the IKE SA once the Child SA is up
    # rekey the IKE SA the moment the peer's CREATE_CHILD_SA request arrives, before that
    # request is processed: the two rekeys cross (RFC 7296 §2.8.2)
    rekey_ike_on_request: bool = False
    rekey_delay: float = 0.0  # seconds between the first Child SA and the rekey
    rekey_after_packets: int = 0  # or: rekey once the tunnel has sent this many LAN packets
    liveness: bool = False  # send a liveness check once the Child SA is up
    tunnel: str = ""  # a TUN device name: carry the LAN's packets in ESP (tests/ikev2/esp_tunnel)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Slot:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def config(slot: Slot, pki_time: float) -> Ikev2Config:
    """The Ikev2Config of one slot (vpnteach is Branch1, strongSwan Branch2)."""
    if slot.auth == "psk":
        credential: PskCredential | CertCredential = PskCredential(slot.psk.encode())
        local_id, remote_id = Identity.ipv4(slot.local), Identity.ipv4(slot.peer)
    else:
        _, routers = interop_pki(pki_time)
        credential = CertCredential.from_router_pki(routers["Branch1"], method=slot.method)
        local_id, remote_id = Identity.fqdn("Branch1.amit.com"), Identity.fqdn("Branch2.amit.com")
    peer = PeerConfig(
        slot.peer,
        local_id,
        remote_id,
        credential,
        ipaddress.IPv4Network(slot.local_lan),
        ipaddress.IPv4Network(slot.peer_lan),
        (IkeProposal.parse(slot.ike),),
        (EspProposal.parse(slot.esp),),
    )
    return Ikev2Config(slot.local, (peer,))


def is_outcome(event: Event) -> bool:
    """An event that ends a negotiation."""
    kinds = (ChildSaEstablished, ChildSaFailed, NegotiationFailed, IkeSaRekeyed, IkeSaDeleted)
    return isinstance(event, kinds)


class Runner:
    """One slot: its endpoint, its two sockets and what happened."""

    def __init__(self, slot: Slot, pki_time: float, sel: selectors.BaseSelector) -> None:
        self.slot = slot
        self.endpoint = Ikev2Endpoint(config(slot, pki_time), OsRng(), name=slot.name)
        self.events: list[Event] = []
        self.wire: list[tuple[str, int, str, int, str]] = []
        self.table_lines: dict[bytes, str] = {}  # one per IKE SA (a rekey makes another)
        self.sockets: dict[int, socket.socket] = {}
        self.rekey_at: float | None = None
        self.tunnel: EspTunnel | None = None
        if slot.tunnel:
            lan = lan_address(slot.local_lan)
            self.tunnel = EspTunnel(slot.tunnel, lan, [slot.peer_lan], slot.local, slot.peer)
            sel.register(self.tunnel.tun, selectors.EVENT_READ, (self, 0))
        for port in (500, 4500):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((slot.local, port))
            s.setblocking(False)
            self.sockets[port] = s
            sel.register(s, selectors.EVENT_READ, (self, port))

    @property
    def outcomes(self) -> int:
        return sum(1 for e in self.events if is_outcome(e))

    def receive(self, port: int, now: float) -> None:
        if port == 0 and self.tunnel is not None:  # a LAN packet: encapsulate and send
            while (esp := self.tunnel.from_lan(now)) is not None:
                self.sockets[4500].sendto(esp, (self.slot.peer, 4500))
                self.wire.append(("out", 4500, self.slot.peer, 4500, esp.hex()))
            if self.rekey_at == math.inf and (
                self.tunnel.counts["sent"] >= self.slot.rekey_after_packets
            ):  # under traffic: half of the pings went through the first Child SA
                self.rekey_at = now
            return
        data, addr = self.sockets[port].recvfrom(65535)
        if self.tunnel is not None and port == 4500 and len(data) > 8 and data[:4] != bytes(4):
            self.wire.append(("in", port, addr[0], addr[1], data.hex()))
            self.tunnel.from_wan(data, addr[0], now)  # ESP in UDP (RFC 3948 §2.2)
            return
        self.wire.append(("in", port, addr[0], addr[1], data.hex()))
        if self.slot.rekey_ike_on_request and _create_child_request(data, port):
            self.slot.rekey_ike_on_request = False  # once
            self.endpoint.rekey_ike_sa(self.slot.peer, now)
            self.pump(now)  # ours leaves before theirs is answered
        self.endpoint.receive_datagram(data, (addr[0], addr[1]), now, port)
        self.pump(now)

    def pump(self, now: float) -> None:
        for d in self.endpoint.datagrams_to_send(now):
            self.sockets[d.local_port].sendto(d.data, d.addr)
            self.wire.append(("out", d.local_port, d.addr[0], d.addr[1], d.data.hex()))
        while (event := self.endpoint.next_event()) is not None:
            self.events.append(event)
            if self.tunnel is not None and isinstance(event, ChildSaEstablished):
                self.tunnel.install(event, now, peer_rekeyed=not self.slot.rekey)
            if self.tunnel is not None and isinstance(event, ChildSaDeleted):
                self.tunnel.remove(event)
            if isinstance(event, LivenessChecked):
                self.endpoint.stats["liveness_answered"] += 1
            if isinstance(event, ChildSaEstablished) and self.outcomes == 1:
                self.rekey_at = now + self.slot.rekey_delay
                if self.slot.rekey_after_packets:
                    self.rekey_at = math.inf  # armed: receive() sets it from the packet count
                if self.slot.liveness:
                    self.endpoint.check_liveness(self.slot.peer, now)
        if self.rekey_at is not None and now >= self.rekey_at:
            self.rekey_at = None
            if self.slot.rekey:
                self.endpoint.rekey_child_sa(self.slot.peer, now, self.slot.rekey_pfs)
            elif self.slot.rekey_ike:
                self.endpoint.rekey_ike_sa(self.slot.peer, now)
            self.pump(now)
        for sa in self.endpoint.sas.values():
            if sa.init is not None and sa.spi_r != bytes(8):
                line = decryption_table_line(sa.spi_i, sa.spi_r, sa.init.keys, sa.init.suite)
                self.table_lines[sa.spi_i] = line

    def result(self) -> dict[str, object]:
        facts = {f.name: f.value.hex() for f in self.endpoint.trace if isinstance(f.value, bytes)}
        return {
            "events": jsonable(self.events),
            "stats": dict(self.endpoint.stats),
            "facts": facts,
            "wire": self.wire,
            "table_lines": list(self.table_lines.values()),
            "tunnel": self.tunnel.counts if self.tunnel is not None else {},
            "moves": [[str(m.state), str(m.input), str(m.next_state)] for m in self.endpoint.moves],
        }


def _create_child_request(data: bytes, port: int) -> bool:
    """A CREATE_CHILD_SA request, by its clear header (RFC 7296 §3.1: exchange type at
    offset 18, flags at 19); on 4500 after the non-ESP marker."""
    header = data[4:] if port == 4500 and data[:4] == bytes(4) else data
    return len(header) >= 28 and header[18] == 36 and not header[19] & 0x20


def run_plan(plan: dict[str, object]) -> dict[str, object]:
    """Bind every slot, say ``ready``, initiate, loop until the outcomes (or the timeout)."""
    pki_time = float(plan["pki_time"])  # type: ignore[arg-type]
    timeout = float(plan.get("timeout", 20.0))  # type: ignore[arg-type]
    sel = selectors.DefaultSelector()
    runners = [Runner(Slot.from_json(s), pki_time, sel) for s in plan["slots"]]  # type: ignore[attr-defined]
    print("ready", flush=True)
    start = time.time()
    for r in runners:
        if r.slot.initiate:
            r.endpoint.initiate(r.slot.peer, time.time())
            r.pump(time.time())
    done_at: float | None = None
    while time.time() - start < timeout:
        if done_at is None and all(r.outcomes >= r.slot.expect for r in runners):
            done_at = time.time()
        if done_at is not None and time.time() - done_at > float(plan.get("linger", 0.5)):  # type: ignore[arg-type]
            break
        timers = [t for r in runners if (t := r.endpoint.get_timer()) is not None]
        wait = max(0.0, min([*timers, time.time() + 0.05]) - time.time())
        for key, _ in sel.select(wait):
            runner, port = key.data
            runner.receive(port, time.time())
        for r in runners:
            t = r.endpoint.get_timer()
            if t is not None and t <= time.time():
                r.endpoint.handle_timer(time.time())
                r.pump(time.time())
            elif r.rekey_at is not None:
                r.pump(time.time())
    for r in runners:
        for s in r.sockets.values():
            s.close()
        if r.tunnel is not None:
            r.tunnel.close()
    return {r.slot.name: r.result() for r in runners}


def main(argv: list[str] | None = None) -> int:
    return peer_main("tests.ikev2.udp_peer", run_plan, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
