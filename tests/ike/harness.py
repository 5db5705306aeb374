"""A two-peer in-process harness: two IKE endpoints, datagrams delivered by hand.

Nothing is simulated except the wire: each datagram the one endpoint queues is handed to the
other as the UDP payload it would receive, with the sender's address and ports. An optional
``nat`` rewrites Branch1's source address and port, like a NAT box in front of it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto.rng import SeededRng
from vpnteach.ike.config import IkeConfig, PeerPublicKey
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import Event
from vpnteach.ike.policy import (
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    IsakmpPolicy,
    PreSharedKey,
    TransformSet,
)
from vpnteach.ike.sa import Datagram
from vpnteach.pki.ca import AEST
from vpnteach.pki.seed import SEED_CLOCK, SeedPki, build_seed_pki

B1, B2 = "10.1.1.1", "10.2.2.1"
LAN1, LAN2 = "192.168.11.0/24", "192.168.22.0/24"
SEED_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="rsa-sig", hash="md5")
MODERN_POLICY = IsakmpPolicy(
    priority=10, encryption="aes 256", authentication="rsa-sig", hash="sha256", group=14
)
SEED_TS = TransformSet("TS", ("esp-3des", "esp-md5-hmac"))
MODERN_TS = TransformSet("TS", ("esp-aes", "256", "esp-sha256-hmac"))
T0 = SEED_CLOCK.timestamp()


@functools.lru_cache(maxsize=2)
def seed_pki(seed: int = 0) -> SeedPki:
    """The seed's CA and enrolled routers (cached: RSA key generation is the slow part)."""
    return build_seed_pki(seed)


def acl(src: str, dst: str) -> AccessList:
    return AccessList(
        "ACL", (AclEntry("permit", AddressMatch.network(src), AddressMatch.network(dst)),)
    )


def branch_config(
    name: str,
    *,
    policy: IsakmpPolicy = SEED_POLICY,
    ts: TransformSet = SEED_TS,
    pfs: int | None = None,
    psk: str | None = None,
    pki: bool = True,
    lans: tuple[str, str] | None = None,
    default_policy: bool = False,
) -> IkeConfig:
    """Branch1 or Branch2 of the seed, with the given policy, transform set, PFS, key."""
    local, peer = (B1, B2) if name == "Branch1" else (B2, B1)
    mine, theirs = (LAN1, LAN2) if name == "Branch1" else (LAN2, LAN1)
    if lans is not None:
        mine, theirs = lans
    entry = CryptoMapEntry("CRYPTO", 10, acl(mine, theirs), peer, (ts,), pfs_group=pfs)
    return IkeConfig(
        local,
        policies=(policy,),
        crypto_map=(entry,),
        pre_shared_keys=(PreSharedKey(psk, peer),) if psk else (),
        pki=seed_pki().routers[name] if pki else None,
        default_policy=default_policy,
        timezone=AEST,
    )


@dataclass
class Pair:
    """Two endpoints and the datagrams in flight between them."""

    b1: IkeEndpoint
    b2: IkeEndpoint
    now: float = T0
    nat: tuple[str, int] | None = None
    log: list[tuple[str, Datagram]] = field(default_factory=list)

    @classmethod
    def make(cls, c1: IkeConfig, c2: IkeConfig, seed: int = 1) -> Pair:
        rng = SeededRng(seed)
        return cls(
            IkeEndpoint(c1, rng.fork("Branch1"), name="Branch1"),
            IkeEndpoint(c2, rng.fork("Branch2"), name="Branch2"),
        )

    def step(self, dt: float = 0.01) -> int:
        """Deliver every queued datagram once, in both directions; return how many."""
        self.now += dt
        count = 0
        for sender, receiver in ((self.b1, self.b2), (self.b2, self.b1)):
            for d in sender.datagrams_to_send(self.now):
                self.log.append(("b1" if sender is self.b1 else "b2", d))
                port = self._destination_port(receiver, d)
                receiver.receive_datagram(d.data, self._source(sender, d), self.now, port)
                count += 1
        return count

    def _destination_port(self, receiver: IkeEndpoint, d: Datagram) -> int:
        if receiver is self.b1 and self.nat is not None:
            return 4500 if d.addr[1] == self.nat[1] + 1 else 500  # the NAT maps back
        return d.addr[1]

    def _source(self, sender: IkeEndpoint, d: Datagram) -> tuple[str, int]:
        if sender is self.b1 and self.nat is not None:
            return (self.nat[0], self.nat[1] + (d.local_port == 4500))
        return (sender.config.local_address, d.local_port)

    def run(self, limit: int = 20) -> None:
        """Step until nothing is in flight."""
        for _ in range(limit):
            if not self.step():
                return

    def events(self, endpoint: IkeEndpoint) -> list[Event]:
        out = []
        while (e := endpoint.next_event()) is not None:
            out.append(e)
        return out


Deliver = Callable[[], int]


RSA_ENCR_POLICY = IsakmpPolicy(
    priority=10, encryption="3des", authentication="rsa-encr", hash="md5"
)


def router_key(name: str) -> rsa.RSAPrivateKey:
    return seed_pki().routers[name].keys["BRANCH_KEY"].private_key


def encr_config(name: str, peer_key: rsa.RSAPublicKey | None = None) -> IkeConfig:
    """Branch1/2 with only an rsa-encr policy and (by default) the peer's real public key."""
    peer, other = (B2, "Branch2") if name == "Branch1" else (B1, "Branch1")
    key = peer_key if peer_key is not None else router_key(other).public_key()
    config = branch_config(name, policy=RSA_ENCR_POLICY)
    return dataclasses.replace(config, peer_public_keys=(PeerPublicKey.from_key(peer, key),))
