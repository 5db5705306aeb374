"""Two IKEv2 endpoints on a perfect in-process network: the seed's Branch1 and Branch2."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from tests.ike.harness import T0, seed_pki
from vpnteach.crypto.rng import SeededRng
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
from vpnteach.ikev2.events import ChildSaEstablished, Event
from vpnteach.ikev2.sa import Datagram
from vpnteach.net.pcap import ipv4_udp_packet

B1, B2 = "10.1.1.1", "10.2.2.1"
LAN1, LAN2 = "192.168.11.0/24", "192.168.22.0/24"
PSK = b"cisco123"


def peer_config(
    name: str,
    auth: str = "psk",
    ike: tuple[str, ...] = ("aes256-sha256-modp2048",),
    esp: tuple[str, ...] = ("aes256-sha256",),
    psk: bytes = PSK,
    method: int = 1,
    remote_id: bool = True,
) -> Ikev2Config:
    """Branch1 or Branch2 of the seed, IKEv2 flavour."""
    local, peer = (B1, B2) if name == "Branch1" else (B2, B1)
    mine, theirs = (LAN1, LAN2) if name == "Branch1" else (LAN2, LAN1)
    other = "Branch2" if name == "Branch1" else "Branch1"
    if auth == "psk":
        credential: PskCredential | CertCredential = PskCredential(psk)
        local_id, peer_id = Identity.ipv4(local), Identity.ipv4(peer)
    else:
        credential = CertCredential.from_router_pki(seed_pki().routers[name], method=method)
        local_id, peer_id = Identity.fqdn(f"{name}.amit.com"), Identity.fqdn(f"{other}.amit.com")
    pc = PeerConfig(
        peer,
        local_id,
        peer_id if remote_id else None,
        credential,
        ipaddress.IPv4Network(mine),
        ipaddress.IPv4Network(theirs),
        tuple(IkeProposal.parse(p) for p in ike),
        tuple(EspProposal.parse(p) for p in esp),
    )
    return Ikev2Config(local, (pc,))


@dataclass
class Pair:
    """Branch1 (``a``) and Branch2 (``b``) and what each reported."""

    a: Ikev2Endpoint
    b: Ikev2Endpoint
    now: float = T0
    events: dict[str, list[Event]] = field(default_factory=lambda: {"a": [], "b": []})
    wire: list[tuple[str, bytes]] = field(default_factory=list)
    sent: list[tuple[str, Datagram]] = field(default_factory=list)

    def run(self, limit: int = 50) -> int:
        """Deliver datagrams both ways until none is left; return how many went."""
        sent = 0
        for _ in range(limit):
            moved = False
            for src, dst, name, dst_ip in ((self.a, self.b, "a", B2), (self.b, self.a, "b", B1)):
                for d in src.datagrams_to_send(self.now):
                    assert d.addr[0] == dst_ip
                    self.wire.append((name, d.data))
                    self.sent.append((name, d))
                    src_ip = B1 if name == "a" else B2
                    dst.receive_datagram(d.data, (src_ip, d.local_port), self.now, d.addr[1])
                    sent += 1
                    moved = True
            self._collect()
            if not moved:
                return sent
        raise AssertionError("the endpoints never went quiet")

    def _collect(self) -> None:
        for name, ep in (("a", self.a), ("b", self.b)):
            while (e := ep.next_event()) is not None:
                self.events[name].append(e)

    def packets(self) -> list[tuple[int, bytes]]:
        """Every datagram sent, as ``(time_ns, IPv4 packet)`` for a pcap."""
        out = []
        for i, (name, d) in enumerate(self.sent):
            src = B1 if name == "a" else B2
            packet = ipv4_udp_packet(src, d.local_port, d.addr[0], d.addr[1], d.data, ident=i)
            out.append((int(self.now * 1e9) + i * 10_000_000, packet))
        return out

    def establish(self) -> ChildSaEstablished:
        """Branch1 initiates; both exchanges run; the first Child SA Branch1 reported."""
        self.a.initiate(B2, self.now)
        self.run()
        child = self.events["a"][1]
        assert isinstance(child, ChildSaEstablished)
        return child

    def kinds(self, name: str) -> list[str]:
        return [type(e).__name__ for e in self.events[name]]


def pair(seed: str = "pair", **kwargs: object) -> Pair:
    """Branch1 and Branch2 with the same options (see :func:`peer_config`)."""
    a_kwargs = {k.removeprefix("a_"): v for k, v in kwargs.items() if not k.startswith("b_")}
    b_kwargs = {k.removeprefix("b_"): v for k, v in kwargs.items() if not k.startswith("a_")}
    a = Ikev2Endpoint(peer_config("Branch1", **a_kwargs), SeededRng(seed, "a"), name="Branch1")  # type: ignore[arg-type]
    b = Ikev2Endpoint(peer_config("Branch2", **b_kwargs), SeededRng(seed, "b"), name="Branch2")  # type: ignore[arg-type]
    return Pair(a, b)
