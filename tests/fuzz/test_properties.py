"""Hypothesis over the decoders that ``tests/wire``, ``tests/esp`` and ``tests/ios`` do not cover
yet, and over ``receive_datagram`` in every state of a run (``fuzz/_endpoints.py``).

Already covered elsewhere (not repeated here): ISAKMP messages and chains
(``tests/wire/test_properties.py``), ESP decapsulation (``tests/esp/test_esp_robustness.py``),
the IOS parser (``tests/ios/test_fuzz.py``), a fresh endpoint and a corrupted MM3
(``tests/ike/test_properties.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools

from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import fuzz_endpoint
from fuzz._seeds import pcap_files
from tests.ike.harness import seed_pki
from vpnteach.net.pcap import PcapError, read_pcap, udp_datagrams
from vpnteach.pki.der import load_crl, load_csr
from vpnteach.pki.errors import MalformedInputError
from vpnteach.pki.validation import CertificateCheck, validate_certificate
from vpnteach.wire.attributes import DataAttribute, pull_attribute, push_attribute
from vpnteach.wire.buffer import Buffer
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.esp import classify_port_4500, decode_esp_header
from vpnteach.wire.ident import IdentificationError, describe_identification, identification_value
from vpnteach.wire.ip import (
    IcmpEcho,
    UdpDatagram,
    decode_icmp_echo,
    decode_ipv4,
    decode_udp,
    icmp_echo,
)
from vpnteach.wire.natt import strip_non_esp_marker

NOW = dt.datetime(2010, 6, 6, 10, 21, 50, tzinfo=dt.timezone.utc)
SLOW = [HealthCheck.too_slow]
octets = st.integers(0, 255)
addresses = st.tuples(octets, octets, octets, octets).map(lambda t: ".".join(map(str, t)))


def flips(data: bytes, draw: st.DataObject) -> bytes:
    """``data`` with one to three bytes XORed with a non-zero value, or cut short."""
    out = bytearray(data)
    if out and draw.draw(st.booleans()):
        return bytes(out[: draw.draw(st.integers(0, len(out) - 1))])
    for _ in range(draw.draw(st.integers(1, 3))):
        if out:
            out[draw.draw(st.integers(0, len(out) - 1))] ^= draw.draw(st.integers(1, 255))
    return bytes(out)


# --- IPv4 / ICMP / UDP / ESP header / port 4500 ---------------------------------------------


@given(st.binary(max_size=80))
def test_random_bytes_raise_only_decode_error_from_the_ip_decoders(data: bytes) -> None:
    for decode in (decode_ipv4, decode_icmp_echo, decode_udp, decode_esp_header):
        with contextlib.suppress(DecodeError):
            decode(data)
    for classify in (classify_port_4500, strip_non_esp_marker):
        with contextlib.suppress(DecodeError):
            classify(data)


@given(addresses, addresses, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.binary(max_size=64))
def test_an_icmp_echo_packet_decodes_to_what_was_encoded(
    src: str, dst: str, ident: int, seq: int, payload: bytes
) -> None:
    packet = decode_ipv4(icmp_echo(src, dst, identifier=ident, sequence=seq, data=payload))
    assert (packet.header.src, packet.header.dst) == (src, dst)
    echo = decode_icmp_echo(packet.payload)
    assert echo == IcmpEcho(8, ident, seq, payload, 0, echo.checksum)


@given(addresses, addresses, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.binary(max_size=64))
def test_a_udp_datagram_with_its_checksum_decodes_to_what_was_encoded(
    src: str, dst: str, sport: int, dport: int, payload: bytes
) -> None:
    raw = UdpDatagram(sport, dport, payload).encode(src, dst)
    decoded = decode_udp(raw, src, dst)
    assert (decoded.src_port, decoded.dst_port, decoded.payload) == (sport, dport, payload)


@given(st.data())
def test_every_truncated_or_corrupted_ipv4_header_raises_decode_error(data: st.DataObject) -> None:
    packet = icmp_echo("192.168.11.1", "192.168.22.1", data=bytes(72))
    cut = data.draw(st.integers(0, 19))
    try:
        decode_ipv4(packet[:cut])
        raise AssertionError("a truncated header decoded")
    except DecodeError:
        pass
    index, flip = data.draw(st.integers(0, 19)), data.draw(st.integers(1, 255))
    corrupted = bytearray(packet)
    corrupted[index] ^= flip
    try:
        decode_ipv4(bytes(corrupted))
        raise AssertionError("a corrupted header passed the checksum")
    except DecodeError:
        pass


# --- data attributes and identification data -------------------------------------------------

attributes = st.one_of(
    st.builds(DataAttribute.basic, st.integers(0, 0x7FFF), st.integers(0, 0xFFFF)),
    st.builds(DataAttribute.variable, st.integers(0, 0x7FFF), st.binary(max_size=40)),
)


@given(st.lists(attributes, max_size=6), st.booleans())
def test_attributes_decode_to_what_was_encoded(attrs: list[DataAttribute], ike: bool) -> None:
    out = Buffer()
    for attr in attrs:
        push_attribute(out, attr)
    buf = Buffer(out.data())
    decoded = []
    while not buf.eof():
        decoded.append(pull_attribute(buf, ike))
    assert decoded == attrs


@given(st.binary(max_size=60), st.booleans())
def test_random_attribute_bytes_raise_only_decode_error(data: bytes, ike: bool) -> None:
    buf = Buffer(data, spans=[])
    try:
        while not buf.eof():
            pull_attribute(buf, ike)
    except DecodeError:
        pass


@given(st.integers(0, 255), st.binary(max_size=40))
def test_identification_data_decodes_or_raises_identification_error(
    id_type: int, data: bytes
) -> None:
    with contextlib.suppress(IdentificationError):
        identification_value(id_type, data)
    assert isinstance(describe_identification(id_type, data), str)  # never raises


# --- pcap -----------------------------------------------------------------------------------


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_pcap_error(data: bytes) -> None:
    with contextlib.suppress(PcapError):
        udp_datagrams(data)


@settings(max_examples=50)
@given(st.data())
def test_a_corrupted_capture_raises_only_pcap_error(data: st.DataObject) -> None:
    capture = data.draw(st.sampled_from(pcap_files()))
    try:
        read_pcap(flips(capture, data))
        udp_datagrams(flips(capture, data))
    except PcapError:
        pass


# --- PKI: what arrives from the network ---------------------------------------------------------


@functools.cache
def real_der() -> list[bytes]:
    pki = seed_pki()
    certs = [pki.ca.certificate]
    for router in pki.routers.values():
        certs += [c for t in router.trustpoints.values() if (c := t.certificate) is not None]
    return [c.public_bytes(Encoding.DER) for c in certs]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_validating_a_corrupted_certificate_never_raises(data: st.DataObject) -> None:
    der = flips(data.draw(st.sampled_from(real_der())), data)
    identity = data.draw(st.sampled_from(["Branch2.amit.com", b"\x30\x00", None]))
    check = validate_certificate(der, seed_pki().ca.certificate, NOW, identity=identity)
    assert isinstance(check, CertificateCheck)


@given(st.binary(max_size=120))
def test_random_csr_and_crl_bytes_raise_only_malformed_input_error(data: bytes) -> None:
    for load in (load_csr, load_crl):
        with contextlib.suppress(MalformedInputError):
            load(data)


# --- receive_datagram in every state --------------------------------------------------------


@functools.cache
def endpoint_seeds() -> list[bytes]:
    return fuzz_endpoint.seeds()


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(st.data())
def test_receive_datagram_in_every_state_survives_mutated_genuine_messages(
    data: st.DataObject,
) -> None:
    # The fuzz target's own check: no internal error, an established SA untouched by
    # anything that is not a genuine message (raw, re-encrypted or with a recomputed HASH).
    seed = data.draw(st.sampled_from(endpoint_seeds()))
    head = bytes([data.draw(st.integers(0, 255)), data.draw(st.integers(0, 3))])
    fuzz_endpoint.test_one_input(head + flips(seed[2:], data))


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(st.integers(0, 255), st.integers(0, 3), st.binary(max_size=300))
def test_receive_datagram_in_every_state_survives_random_bytes(
    state: int, mode: int, body: bytes
) -> None:
    fuzz_endpoint.test_one_input(bytes([state, mode]) + body)
