"""IKE fragment reassembly is bounded (RFC 7383 §2.6; :mod:`vpnteach.ikev2.reassembly`).

Whoever completed IKE_SA_INIT with the responder holds the keys of a half-open SA and can send
authentic fragments, so the fragments kept must not be the sender's to size: a message
bigger than :data:`MAX_REASSEMBLED` is dropped with its buffer, a message that never
completes is forgotten after :data:`FRAGMENT_SECONDS` or when a newer Message ID starts, and
only then. The fragments here are sealed with the initiator's real keys
(:func:`~vpnteach.ikev2.sk.seal_fragments`), so each one passes its ICV check.
"""

from __future__ import annotations

import dataclasses

from tests.ikev2.harness import B1, B2, Pair, pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.ikev2.reassembly import FRAGMENT_SECONDS, MAX_FRAGMENTS, MAX_REASSEMBLED
from vpnteach.ikev2.sa import IkeSa
from vpnteach.ikev2.sk import seal, seal_fragments
from vpnteach.ikev2.transitions import State
from vpnteach.wire.ikev2.constants import ExchangeType, Flags, NotifyType
from vpnteach.wire.ikev2.message import Ikev2Header
from vpnteach.wire.ikev2.payloads import NotifyPayload

INFO, AUTH = ExchangeType.INFORMATIONAL, ExchangeType.IKE_AUTH


def _half_open() -> tuple[Pair, IkeSa, IkeSa]:
    """Branch2 (``b``) holds a half-open SA that Branch1 (``a``) has the keys of; both
    announced fragmentation (RFC 7383 §2.3)."""
    p = pair(seed="reassembly")
    p.a.initiate(B2, p.now)
    (init,) = p.a.datagrams_to_send(p.now)
    p.b.receive_datagram(init.data, (B1, 500), p.now)
    (answer,) = p.b.datagrams_to_send(p.now)
    p.a.receive_datagram(answer.data, (B2, 500), p.now)
    p.a.datagrams_to_send(p.now)  # its real IKE_AUTH, never delivered
    (a_sa,), (b_sa,) = p.a.sas.values(), p.b.sas.values()
    assert b_sa.state == State.R_WAIT_AUTH and b_sa.fragmentation
    return p, a_sa, b_sa


def _fragments(sa: IkeSa, exchange: int, mid: int, data_size: int, size: int) -> list[bytes]:
    """A request of ``sa``'s initiator: one Notify of ``data_size`` bytes, in fragments of
    ``size`` bytes, each sealed with the initiator's keys."""
    header = Ikev2Header(sa.spi_i, sa.spi_r, exchange, int(Flags.INITIATOR), mid)
    notify = NotifyPayload(NotifyType.INITIAL_CONTACT, bytes(data_size))
    return seal_fragments(header, [notify], sa.sk_out(), SeededRng("frag"), size)


def test_a_message_larger_than_the_bound_is_dropped_and_never_kept_whole() -> None:
    p, a_sa, b_sa = _half_open()
    fragments = _fragments(a_sa, AUTH, 1, MAX_REASSEMBLED + 2000, 1200)
    assert len(fragments) <= MAX_FRAGMENTS  # the fragment count alone would let it in
    kept = []
    for data in fragments:
        p.b.receive_datagram(data, (B1, 500), p.now)
        kept.append(sum(b.size() for b in b_sa.fragments.values()))
    assert max(kept) <= MAX_REASSEMBLED, max(kept)
    assert p.b.stats["dropped bad_fragment"] >= 1
    assert b_sa.state == State.R_WAIT_AUTH  # the SA itself is untouched


def test_an_incomplete_message_is_forgotten_after_its_timeout() -> None:
    p, a_sa, b_sa = _half_open()
    first, *_ = _fragments(a_sa, AUTH, 1, 3000, 600)
    p.b.receive_datagram(first, (B1, 500), p.now)
    assert list(b_sa.fragments) == [(1, False)]
    p.b.handle_timer(p.now + FRAGMENT_SECONDS / 2)
    assert list(b_sa.fragments) == [(1, False)]
    p.b.handle_timer(p.now + FRAGMENT_SECONDS + 1)
    assert not b_sa.fragments and p.b.stats["fragments_expired"] == 1


def test_a_late_fragment_starts_a_new_buffer_instead_of_joining_a_stale_one() -> None:
    p, a_sa, b_sa = _half_open()
    first, second, *_ = _fragments(a_sa, AUTH, 1, 3000, 600)
    p.b.receive_datagram(first, (B1, 500), p.now)
    p.b.receive_datagram(second, (B1, 500), p.now + FRAGMENT_SECONDS + 1)
    (buffer,) = b_sa.fragments.values()
    assert list(buffer.parts) == [2] and buffer.started == p.now + FRAGMENT_SECONDS + 1


def _established() -> tuple[Pair, IkeSa, IkeSa]:
    p = pair(seed="reassembly")
    p.a.initiate(B2, p.now)
    p.run()
    (a_sa,), (b_sa,) = p.a.sas.values(), p.b.sas.values()
    assert b_sa.established and b_sa.fragmentation
    return p, a_sa, b_sa


def test_a_newer_message_id_replaces_the_buffer_of_one_that_never_completed() -> None:
    p, a_sa, b_sa = _established()
    mid = b_sa.expected_request_id
    first, *_ = _fragments(a_sa, INFO, mid, 3000, 600)
    p.b.receive_datagram(first, (B1, 500), p.now)
    # the same Message ID arrives whole (an authentic sender changed its mind): answered
    header = Ikev2Header(a_sa.spi_i, a_sa.spi_r, INFO, int(Flags.INITIATOR), mid)
    p.b.receive_datagram(seal(header, [], a_sa.sk_out(), SeededRng("w")), (B1, 500), p.now)
    assert b_sa.expected_request_id == mid + 1 and (mid, False) in b_sa.fragments
    nxt, *_ = _fragments(a_sa, INFO, mid + 1, 3000, 600)
    p.b.receive_datagram(nxt, (B1, 500), p.now)
    assert list(b_sa.fragments) == [(mid + 1, False)]  # one message per direction


def test_fragments_within_the_bounds_still_reassemble() -> None:
    p = pair(seed="reassembly", auth="cert")
    for ep in (p.a, p.b):
        peer = dataclasses.replace(ep.config.peers[0], fragment_size=300)
        ep.ctx.config = dataclasses.replace(ep.config, peers=(peer,))
    p.a.initiate(B2, p.now)
    p.run()
    assert p.kinds("a") == p.kinds("b") == ["IkeSaEstablished", "ChildSaEstablished"]
    assert p.b.stats["fragments_received"] >= 4
    assert not [s.fragments for s in (*p.a.sas.values(), *p.b.sas.values()) if s.fragments]


def test_a_message_announcing_more_fragments_than_the_bound_is_never_kept() -> None:
    p, a_sa, b_sa = _half_open()
    fragments = _fragments(a_sa, AUTH, 1, 150 * (MAX_FRAGMENTS + 1), 220)
    assert len(fragments) > MAX_FRAGMENTS
    for data in fragments[:3]:
        p.b.receive_datagram(data, (B1, 500), p.now)
    assert p.b.stats["dropped bad_fragment"] == 3 and not b_sa.fragments
