"""The IKEv2 gateway facing forged and replayed IKE messages (issue 19's promises, IKEv2 side).

Two :class:`~vpnteach.gateway.Ikev2Gateway` s (the seed's Branch1 and Branch2 with FlexVPN and
a pre-shared key) with datagrams carried by hand, as :mod:`tests.gateway.test_gateway` does.

* An IKE_SA_INIT forged from Branch2's address leaves a half-open responder SA (RFC 7296
  §2.6) that never completes; Branch1 still starts its own IKE SA for its traffic.
* On an established IKE SA, the peer's last request (an INFORMATIONAL) replayed from another
  address and port draws our answer again, sent to the peer (§2.1), and moves nothing; an
  older CREATE_CHILD_SA replayed (its Message ID is spent, §2.2), a request with a broken
  ICV, and an IKE_SA_INIT forged with the SA's own SPIi, are dropped. None of them
  changes the SA (address, port, Message IDs, Child SAs) or counts as a sign of life for
  dead peer detection (§2.4: only an authenticated answer does).
* A flood of IKE_SA_INITs forged from the peer's address: half-open SAs up to the COOKIE
  threshold, then cookies and no state; the ``debug`` records stay a ring in a router
  gateway; the half-open SAs are forgotten after their timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.gateway.test_gateway import T0, WAN, Pair, config, echo, pki
from tests.ikev2.harness import peer_config
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Discard, Ikev2Gateway, Transmit, make_gateway
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.ikev2.endpoint import HALF_OPEN_SECONDS
from vpnteach.ikev2.sa import IkeSa
from vpnteach.labs.seed import variant_commands
from vpnteach.trace import Ring
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType
from vpnteach.wire.natt import add_non_esp_marker

B1, B2 = "10.1.1.1", "10.2.2.1"
DPD = "crypto ikev2 profile PROF\n dpd 10 2 on-demand\n"


class V2Pair(Pair):
    """:class:`~tests.gateway.test_gateway.Pair` with IKEv2 gateways (router retention)."""

    def __init__(self, extra: str = "") -> None:
        rng = SeededRng("ikev2-hostile")
        for attr, name in (("b1", "Branch1"), ("b2", "Branch2")):
            lines = variant_commands(name, "seed", None, "pre-share", ike=2) + extra
            gw = make_gateway(config(name, lines), pki().routers[name], rng.fork(attr),
                              retain=2000)  # fmt: skip
            assert isinstance(gw, Ikev2Gateway)
            setattr(self, attr, gw)
        self.now = T0

    def v2(self, name: str) -> Ikev2Gateway:
        gw = getattr(self, name)
        assert isinstance(gw, Ikev2Gateway)
        return gw


def test_a_forged_sa_init_from_the_peers_address_does_not_hold_back_our_own() -> None:
    p = V2Pair()
    forger = Ikev2Endpoint(peer_config("Branch2"), SeededRng("forger"))
    forger.initiate(B1, p.now)
    (forged,) = forger.datagrams_to_send(p.now)
    p.b1.receive_datagram(forged.data, (B2, 500), p.now)
    (answer,) = p.b1.datagrams_to_send(p.now)  # to the real Branch2, which knows no such SA
    assert answer.addr == (B2, 500)
    assert [sa.state.name for sa in p.v2("b1").v2.sas.values()] == ["R_WAIT_AUTH"]
    first = p.b1.outbound(echo(), WAN, p.now)
    assert isinstance(first, Discard)
    (ours,) = p.b1.datagrams_to_send(p.now)  # before the fix: none, the forged SA was waited for
    header = decode_message(ours.data).header
    assert header.exchange_type == ExchangeType.IKE_SA_INIT and header.initiator
    assert header.spi_i != decode_message(forged.data).header.spi_i
    p.b2.receive_datagram(ours.data, (B1, 500), p.now)
    p.carry()
    after = p.b1.outbound(echo(1), WAN, p.now + 1)
    assert isinstance(after, Transmit) and after.packet[9] == 50  # ESP: the tunnel is up


@dataclass(frozen=True)
class _Seen:
    peer: tuple[str, int]
    local_port: int
    ids: tuple[int, int]
    children: tuple[bytes, ...]
    heard: float


def _seen(gw: Ikev2Gateway) -> _Seen:
    sa = gw.v2.ike_sa(B2)
    assert sa is not None and gw.dpd is not None
    ids = (sa.expected_request_id, sa.next_request_id)
    kids = tuple(c.spi_in for c in sa.children)
    return _Seen(sa.peer, sa.local_port, ids, kids, gw.dpd.peers[B2].last_received)


def _request(p: V2Pair) -> bytes:
    """Branch2's liveness check, answered by Branch1; the request as it travelled."""
    assert p.v2("b2").v2.check_liveness(B1, p.now)
    (request,) = p.b2.datagrams_to_send(p.now)
    p.b1.receive_datagram(request.data, (B2, request.local_port), p.now, request.addr[1])
    p.carry()
    return request.data


def test_replayed_and_forged_requests_change_nothing_and_prove_no_life() -> None:
    p = V2Pair(DPD)
    p.b2.outbound(echo(src="192.168.22.1", dst="192.168.11.1"), WAN, p.now)  # Branch2 starts
    p.carry()
    b1 = p.v2("b1")
    sa: IkeSa | None = b1.v2.ike_sa(B2)
    assert sa is not None and sa.role == "responder" and b1.dpd is not None
    assert p.v2("b2").v2.create_child_sa(B1, p.now)  # a second Child SA (RFC 7296 §1.3.1)
    (create,) = p.b2.datagrams_to_send(p.now)
    p.b1.receive_datagram(create.data, (B2, 500), p.now)
    p.carry()
    assert len(sa.children) == 2
    request = _request(p)
    dropped = b1.v2.stats["dropped"]
    before, later = _seen(b1), p.now + 30
    # the last request again, from elsewhere, on UDP 4500 (an address change would follow)
    p.b1.receive_datagram(add_non_esp_marker(request), ("10.66.0.9", 4500), later, 4500)
    assert [d.addr for d in p.b1.datagrams_to_send(later)] == [sa.peer]  # answered to the peer
    # the CREATE_CHILD_SA before it, replayed: an old Message ID
    p.b1.receive_datagram(create.data, (B2, 500), later)
    # a new request with a broken ICV
    assert p.v2("b2").v2.check_liveness(B1, later)
    (fresh,) = p.b2.datagrams_to_send(later)
    broken = fresh.data[:-1] + bytes([fresh.data[-1] ^ 1])
    p.b1.receive_datagram(add_non_esp_marker(broken), ("10.66.0.9", 4500), later, 4500)
    p.b1.receive_datagram(broken, (B2, fresh.local_port), later, fresh.addr[1])
    # an IKE_SA_INIT forged from the peer's address with this SA's SPIi
    forger = Ikev2Endpoint(peer_config("Branch2"), SeededRng("forger"))
    forger.initiate(B1, later)
    (init,) = forger.datagrams_to_send(later)
    p.b1.receive_datagram(sa.spi_i + init.data[8:], (B2, 500), later)
    assert p.b1.datagrams_to_send(later) == []
    assert b1.v2.stats["dropped"] == dropped + 4, b1.v2.stats
    assert _seen(b1) == before  # same address, port, Message IDs, Child SAs; no life proven


def test_a_flood_of_forged_sa_inits_leaves_bounded_records_and_expires() -> None:
    rng = SeededRng("ikev2-flood")
    name = "Branch1"
    lines = variant_commands(name, "seed", None, "pre-share", ike=2)
    lines += "crypto ikev2 cookie-challenge 10\n"
    gw = make_gateway(config(name, lines), pki().routers[name], rng, retain=20)
    assert isinstance(gw, Ikev2Gateway)
    template = Ikev2Endpoint(peer_config("Branch2"), SeededRng("forger"))
    template.initiate(B1, T0)
    (init,) = template.datagrams_to_send(T0)
    forged = 100
    for i in range(forged):  # fresh SPIi each (RFC 7296 §3.1: the header's first 8 bytes)
        gw.receive_datagram(i.to_bytes(8, "big") + init.data[8:], (B2, 500), T0)
        gw.datagrams_to_send(T0)
    half_open = [s for s in gw.v2.sas.values() if s.state.name == "R_WAIT_AUTH"]
    assert len(half_open) == gw.v2.config.max_half_open  # then COOKIEs, no state (§2.6)
    assert gw.v2.stats["cookie_sent"] == forged - len(half_open)
    assert isinstance(gw.v2.moves, Ring) and gw.v2.moves.total >= forged
    assert len(gw.v2.moves) <= 2 * 20  # the router's ring, not every move
    timer = gw.get_timer()
    assert timer is not None and timer <= T0 + HALF_OPEN_SECONDS
    gw.handle_timer(T0 + HALF_OPEN_SECONDS + 1)
    assert not gw.v2.sas and gw.v2.stats["half_open_expired"] == len(half_open)
    assert len(gw.v2.moves) <= 2 * 20
