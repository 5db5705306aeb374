"""Bad bytes never raise and never reach a host: Hypothesis over random and mutated packets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.esp._helpers import lookup_for, ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, Dropped, DropReason, decapsulate, encapsulate
from vpnteach.wire.ip import ipv4_packet

OUT, INB = sa_pair()
UDP_OUT, UDP_INB = sa_pair(udp=True)
WIRE = encapsulate(OUT, ping(), SeededRng("robust"), now=0)
UDP_WIRE = encapsulate(UDP_OUT, ping(), SeededRng("robust"), now=0)
LOOKUP = lookup_for(INB, UDP_INB)


@given(st.binary(max_size=200))
def test_random_bytes_are_dropped_without_an_exception(data: bytes) -> None:
    assert isinstance(decapsulate(LOOKUP, data, now=0), Dropped)


@given(st.binary(max_size=200), st.sampled_from([50, 17]))
def test_random_esp_bodies_in_a_valid_outer_header_are_dropped(body: bytes, proto: int) -> None:
    if proto == 17:
        body = (4500).to_bytes(2, "big") * 2 + (8 + len(body)).to_bytes(2, "big") + b"\0\0" + body
    packet = ipv4_packet("10.1.1.1", "10.2.2.1", proto, WIRE[20:28] + body)
    assert isinstance(decapsulate(LOOKUP, packet, now=0), Dropped)


@settings(max_examples=300)
@given(st.data())
def test_mutated_packets_never_raise_and_never_deliver_changed_bytes(data: st.DataObject) -> None:
    wire = bytearray(data.draw(st.sampled_from([WIRE, UDP_WIRE])))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(wire) - 1))
        wire[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(wire)))
    result = decapsulate(LOOKUP, bytes(wire[:cut]), now=0)
    if isinstance(result, Decapsulated):  # only possible if nothing that matters changed
        assert result.inner == ping()
        result.sa.replay.top = 0  # forget it, so the next example may deliver again
        result.sa.replay.bitmap = 0


def test_every_single_bit_flip_is_rejected() -> None:
    """One's-complement checksum covers the outer header, the SPI picks the SA, the ICV the rest."""
    _, inb = sa_pair()
    for bit in range(len(WIRE) * 8):
        flipped = bytearray(WIRE)
        flipped[bit // 8] ^= 1 << (bit % 8)
        result = decapsulate(lookup_for(inb), bytes(flipped), now=0)
        assert isinstance(result, Dropped), bit
        byte = bit // 8
        if byte < 20:
            expected = {DropReason.MALFORMED, DropReason.NOT_ESP, DropReason.NO_SA}
        elif byte < 24:
            expected = {DropReason.NO_SA}
        elif byte < 28:  # sequence 1 -> 0 is refused by the replay check first
            expected = {DropReason.ICV_FAILURE, DropReason.REPLAY}
        else:
            expected = {DropReason.ICV_FAILURE}
        assert result.reason in expected, (bit, result)
    assert inb.counters.pkts_verify_failed == (len(WIRE) - 24) * 8 - 1
    assert inb.counters.pkts_replay_failed_rcv == 1
    assert inb.counters.pkts_decaps == 0
