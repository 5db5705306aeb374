"""ESP encapsulation/decapsulation behaviour: sizes, replay, ICV, padding, policy, counters."""

from __future__ import annotations

import itertools
import struct

import pytest

from tests.esp._helpers import BRANCH1, BRANCH2, HOST2, lookup_for, ping, sa_pair
from vpnteach._html import plain_html
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import (
    Decapsulated,
    Dropped,
    DropReason,
    EspPacket,
    EspSendError,
    decapsulate,
    encapsulate,
    esp_trailer,
    inspect_esp,
)
from vpnteach.esp.sa import IpsecSa
from vpnteach.trace import Trace
from vpnteach.wire.ip import ipv4_packet

RNG = SeededRng("test-esp")


def forge(sa: IpsecSa, plaintext: bytes, seq: int) -> bytes:
    """An ESP packet with an arbitrary (block-aligned) plaintext and a *valid* ICV."""
    iv = bytes(sa.cipher.block_size)
    body = (
        struct.pack("!II", sa.spi, seq) + iv + sa.cipher.encrypt(sa.encryption_key, iv, plaintext)
    )
    return ipv4_packet(BRANCH1, BRANCH2, 50, body + sa.integrity.icv(sa.integrity_key, body))


def test_a_100_byte_ping_becomes_a_152_byte_3des_md5_esp_packet() -> None:
    # 20 outer + 8 ESP + 8 IV + (100 + 2 padding + 2) + 12 ICV
    out, _ = sa_pair()
    assert len(encapsulate(out, ping(), RNG, now=0)) == 152


def test_udp_encapsulation_adds_8_bytes_to_port_4500_with_zero_checksum() -> None:
    out, _ = sa_pair(udp=True)
    wire = encapsulate(out, ping(), RNG, now=0)
    assert len(wire) == 160 and wire[9] == 17
    assert struct.unpack("!HHHH", wire[20:28]) == (4500, 4500, 140, 0)


@pytest.mark.parametrize(("length", "block", "pad"), [(100, 8, 2), (102, 8, 0), (100, 16, 10)])
def test_padding_is_1_2_3_up_to_the_block_boundary(length: int, block: int, pad: int) -> None:
    trailer = esp_trailer(length, block)
    assert trailer == bytes(range(1, pad + 1)) + bytes((pad, 4))
    assert (length + len(trailer)) % block == 0


def test_sequence_numbers_count_from_one_and_ivs_differ() -> None:
    out, _inb = sa_pair()
    wires = [encapsulate(out, ping(i), RNG, now=0) for i in range(3)]
    assert [struct.unpack("!I", w[24:28])[0] for w in wires] == [1, 2, 3]
    assert len({w[28:36] for w in wires}) == 3
    assert out.counters.pkts_encaps == out.counters.pkts_encrypt == out.counters.pkts_digest == 3


def test_round_trip_delivers_the_inner_packet_and_counts_it() -> None:
    out, inb = sa_pair("aes256", "esp-sha256-hmac")
    result = decapsulate(lookup_for(inb), encapsulate(out, ping(), RNG, now=0), now=0)
    assert isinstance(result, Decapsulated) and result.inner == ping()
    c = inb.counters
    assert (c.pkts_decaps, c.pkts_decrypt, c.pkts_verify, c.recv_errors) == (1, 1, 1, 0)
    assert inb.bytes_protected == 100


def test_a_replayed_packet_is_rejected_and_counted() -> None:
    out, inb = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    assert isinstance(decapsulate(lookup_for(inb), wire, now=0), Decapsulated)
    again = decapsulate(lookup_for(inb), wire, now=0)
    assert isinstance(again, Dropped) and again.reason is DropReason.REPLAY
    assert (inb.counters.pkts_replay_failed_rcv, inb.counters.recv_errors) == (1, 1)
    assert inb.counters.pkts_decaps == 1


def test_a_packet_left_of_the_window_is_rejected_but_a_late_one_inside_is_accepted() -> None:
    out, inb = sa_pair()
    wires = [encapsulate(out, ping(i), RNG, now=0) for i in range(70)]
    assert isinstance(decapsulate(lookup_for(inb), wires[69], now=0), Decapsulated)  # seq 70
    old = decapsulate(lookup_for(inb), wires[5], now=0)  # seq 6 = 70 - 64: out of window
    assert isinstance(old, Dropped) and old.reason is DropReason.REPLAY
    assert isinstance(decapsulate(lookup_for(inb), wires[6], now=0), Decapsulated)  # seq 7


def test_a_tampered_packet_fails_the_icv_is_counted_and_does_not_move_the_window() -> None:
    out, inb = sa_pair()
    wire = bytearray(encapsulate(out, ping(), RNG, now=0))
    wire[60] ^= 0x80
    result = decapsulate(lookup_for(inb), bytes(wire), now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.ICV_FAILURE
    assert (inb.counters.pkts_verify_failed, inb.counters.recv_errors) == (1, 1)
    assert inb.counters.pkts_decrypt == 0  # the ICV is checked before decrypting
    assert inb.replay.top == 0


def test_unknown_spi_or_destination_is_no_sa() -> None:
    out, _inb = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    result = decapsulate(lambda *_: None, wire, now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.NO_SA
    assert result.spi == out.spi


def test_an_outbound_sa_does_not_decrypt() -> None:
    out, _ = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    result = decapsulate(lambda *_: out, wire, now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.NO_SA


def test_bad_padding_with_a_valid_icv_is_dropped() -> None:
    _, inb = sa_pair()
    result = decapsulate(lookup_for(inb), forge(inb, ping() + b"\x09\x09\x02\x04", 1), now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.BAD_PADDING


def test_a_dummy_packet_is_discarded_without_a_recv_error() -> None:
    _, inb = sa_pair()
    result = decapsulate(lookup_for(inb), forge(inb, bytes(6) + b"\x00\x3b", 1), now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.DUMMY_PACKET
    assert inb.counters.recv_errors == 0


def test_inner_addresses_outside_the_proxy_identities_are_dropped() -> None:
    out, inb = sa_pair()
    stray = ping(src="172.16.0.1", dst=HOST2)
    result = decapsulate(lookup_for(inb), encapsulate(out, stray, RNG, now=0), now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.POLICY_MISMATCH
    assert inb.counters.pkts_invalid_identity_rcv == 1


def test_ciphertext_that_is_not_whole_blocks_is_a_length_error() -> None:
    out, inb = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    shorter = ipv4_packet(BRANCH1, BRANCH2, 50, wire[20:-13] + wire[-12:])
    result = decapsulate(lookup_for(inb), shorter, now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.BAD_LENGTH


def test_ike_and_keepalives_on_port_4500_are_not_esp() -> None:
    _, inb = sa_pair(udp=True)
    for payload in (b"\xff", b"\0\0\0\0" + bytes(28)):
        udp = struct.pack("!HHHH", 4500, 4500, 8 + len(payload), 0) + payload
        result = decapsulate(lookup_for(inb), ipv4_packet(BRANCH1, BRANCH2, 17, udp), now=0)
        assert isinstance(result, Dropped) and result.reason is DropReason.NOT_ESP


def test_sequence_numbers_never_cycle() -> None:
    out, _ = sa_pair()
    out.seq = 0xFFFFFFFF
    with pytest.raises(EspSendError, match="cycle"):
        encapsulate(out, ping(), RNG, now=0)
    assert (out.counters.send_errors, out.counters.pkts_replay_rollover_send) == (1, 1)


def test_encapsulate_records_iv_icv_and_the_whole_packet_as_facts() -> None:
    out, _ = sa_pair()
    trace = Trace("Branch1")
    wire = encapsulate(out, ping(), RNG, now=0, trace=trace)
    packet = trace.find("ESP packet").value
    assert isinstance(packet, EspPacket)
    assert packet.iv == trace.find("ESP IV").value == wire[28:36]
    assert packet.icv == trace.find("ESP ICV").value == wire[-12:]
    assert packet.inner == ping() and packet.icv_valid and packet.next_header == 4
    assert "HMAC" in trace.find("ESP ICV").formula


def test_inspect_without_keys_shows_only_the_cleartext_parts() -> None:
    out, _ = sa_pair()
    packet = inspect_esp(None, encapsulate(out, ping(), RNG, now=0))
    assert isinstance(packet, EspPacket)
    assert (packet.spi, packet.seq, packet.inner, packet.outer_src) == (out.spi, 1, None, BRANCH1)
    assert "EspPacket" in plain_html(packet)


def test_sa_with_a_wrong_key_length_is_refused_with_the_sizes() -> None:
    out, _ = sa_pair()
    with pytest.raises(ValueError, match="24"):
        IpsecSa(out.direction, 1, BRANCH1, BRANCH2, out.cipher, b"short", out.integrity,
                out.integrity_key, out.local_ident, out.remote_ident)  # fmt: skip


def test_repr_names_direction_spi_and_transform() -> None:
    out, _ = sa_pair("aes256", "esp-sha-hmac")
    assert "outbound spi=0x34F84D56" in repr(out) and "esp-256-aes esp-sha-hmac" in repr(out)


def test_esp_packet_spans_tile_the_outer_packet() -> None:
    out, inb = sa_pair(udp=True)
    wire = encapsulate(out, ping(), RNG, now=0)
    packet = inspect_esp(inb, wire)
    assert isinstance(packet, EspPacket) and packet.icv_valid
    spans = packet.spans()
    assert [s.name for s in spans][:3] == ["outer IPv4 header", "UDP header", "ESP.spi"]
    assert sum(s.length for s in spans) == len(wire)
    assert all(a.offset + a.length == b.offset for a, b in itertools.pairwise(spans))


def test_a_drop_is_recorded_as_a_fact_when_tracing() -> None:
    out, inb = sa_pair()
    wire = encapsulate(out, ping(), RNG, now=0)
    trace = Trace("Branch2")
    assert isinstance(decapsulate(lookup_for(inb), wire, now=0, trace=trace), Decapsulated)
    decapsulate(lookup_for(inb), wire, now=0, trace=trace)
    dropped = trace.find("ESP packet dropped").value
    assert isinstance(dropped, Dropped) and dropped.reason is DropReason.REPLAY
    assert trace.find("ESP packet").value.inner == ping()  # type: ignore[attr-defined]
