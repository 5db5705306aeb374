"""IKE fragmentation (RFC 7383): IKE_AUTH with certificates split into SKF fragments, each
sealed on its own, reassembled only from authentic fragments, retransmitted as a whole."""

from __future__ import annotations

import dataclasses

from tests.ikev2.harness import B1, B2, Pair, pair
from vpnteach.ikev2.sa import Datagram
from vpnteach.wire.ikev2 import decode_message
from vpnteach.wire.ikev2.constants import ExchangeType, NotifyType


def _with_size(p: Pair, size: int) -> None:
    for ep in (p.a, p.b):
        peer = dataclasses.replace(ep.config.peers[0], fragment_size=size)
        ep.ctx.config = dataclasses.replace(ep.config, peers=(peer,))


def test_ike_auth_with_certificates_travels_in_fragments_both_ways() -> None:
    p = pair(auth="cert")
    _with_size(p, 600)
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == p.kinds("b") == ["IkeSaEstablished", "ChildSaEstablished"]
    auth = [(who, decode_message(d), d) for who, d in p.wire if d[18] == ExchangeType.IKE_AUTH]
    for who in ("a", "b"):
        fragments = [m.skf for w, m, _ in auth if w == who]
        assert all(f is not None for f in fragments)
        numbers = [f.fragment_number for f in fragments if f is not None]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
    assert all(len(d) <= 600 for _, _, d in auth)
    init = [decode_message(d) for _, d in p.wire if d[18] == ExchangeType.IKE_SA_INIT]
    assert all(
        any(
            getattr(x, "notify_message_type", 0) == NotifyType.IKEV2_FRAGMENTATION_SUPPORTED
            for x in m.payloads
        )
        for m in init
    )
    assert p.b.stats["fragments_received"] >= 2 and p.a.stats["fragmented_messages"] == 1


def test_no_fragments_unless_both_ends_announce_them() -> None:
    p = pair(auth="cert")
    _with_size(p, 600)
    p.b.ctx.config = dataclasses.replace(
        p.b.config, peers=(dataclasses.replace(p.b.config.peers[0], fragmentation=False),)
    )
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaEstablished"]
    assert not any(decode_message(d).skf for _, d in p.wire)


def _fragmented_ike_auth() -> tuple[Pair, list[Datagram]]:
    """A certificate pair with a 600-byte fragment size, through IKE_SA_INIT by hand: the
    pair and the fragments of the initiator's IKE_AUTH request, not yet delivered."""
    p = pair(auth="cert")
    _with_size(p, 600)
    p.a.initiate(B2, p.now)
    (init,) = p.a.datagrams_to_send(p.now)
    p.b.receive_datagram(init.data, (B1, 500), p.now)
    (answer,) = p.b.datagrams_to_send(p.now)
    p.a.receive_datagram(answer.data, (B2, 500), p.now)
    fragments = p.a.datagrams_to_send(p.now)
    return p, fragments


def test_a_lost_fragment_is_recovered_by_retransmitting_every_fragment() -> None:
    p, fragments = _fragmented_ike_auth()
    assert len(fragments) >= 2
    for d in fragments[1:]:  # the first fragment is lost
        p.b.receive_datagram(d.data, (B1, d.local_port), p.now, d.addr[1])
    assert (
        p.b.datagrams_to_send(p.now) == [] and p.b.stats["fragments_received"] == len(fragments) - 1
    )
    due = p.a.get_timer()
    assert due is not None
    p.now = due
    p.a.handle_timer(p.now)
    p.run()
    assert p.kinds("b") == ["IkeSaEstablished", "ChildSaEstablished"]
    assert p.kinds("a") == ["IkeSaEstablished", "ChildSaEstablished"]


def test_a_forged_fragment_is_dropped_and_never_kept() -> None:
    p, fragments = _fragmented_ike_auth()
    forged = bytearray(fragments[0].data)
    forged[-1] ^= 1  # the ICV
    p.b.receive_datagram(bytes(forged), (B1, 500), p.now, 500)
    sa = next(iter(p.b.sas.values()))
    assert p.b.stats["dropped SkError"] == 1 and not sa.fragments
