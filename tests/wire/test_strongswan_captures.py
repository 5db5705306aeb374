"""Real strongSwan 5.9.8 traffic (tests/fixtures/strongswan/<profile>/capture.pcap).

1. Every ISAKMP datagram (port 500, and port 4500 after its non-ESP marker) decodes and
   re-encodes byte for byte.
2. The encrypted messages, decrypted here with the key Ka charon logged (RFC 2409 Appendix B
   IVs), decode with ``decode_payload_chain``, and the Next Payload sequence we read (header,
   payloads, proposals, transforms, in wire order) equals what tshark dissected
   (``decrypted-summary.tsv``, command in the fixture's README), as do the ID_FQDN identities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import require
from vpnteach.net.pcap import udp_datagrams
from vpnteach.wire import (
    DecodeError,
    IdPayload,
    IkeAttribute,
    KePayload,
    Message,
    PayloadType,
    SaPayload,
    Span,
    decode_message,
    decode_payload_chain,
    encode_message,
    encode_payload_chain,
    strip_non_esp_marker,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan"
PROFILES = sorted(p.parent.name for p in FIXTURES.glob("*/capture.pcap"))


def ike_datagrams(profile: str) -> list[bytes]:
    """The ISAKMP messages of a capture, in order, without non-ESP markers."""
    result = []
    for datagram in udp_datagrams((FIXTURES / profile / "capture.pcap").read_bytes()):
        ports = {datagram.sport, datagram.dport}
        if 4500 in ports:
            kind, body = strip_non_esp_marker(datagram.payload)
            if kind == "ike":
                result.append(body)
        elif 500 in ports:
            result.append(datagram.payload)
    return result


def test_captures_are_present() -> None:
    require(bool(PROFILES), "no strongSwan capture under tests/fixtures/strongswan/*/")


@pytest.mark.parametrize("profile", PROFILES)
def test_every_isakmp_datagram_round_trips_byte_for_byte(profile: str) -> None:
    messages = ike_datagrams(profile)
    assert len(messages) >= 9  # MM1-6, QM1-3 at least
    for wire in messages:
        assert encode_message(decode_message(wire)) == wire


def _decryptor(encryption: int, key: bytes) -> tuple[int, Callable[[bytes, bytes], bytes]]:
    from Crypto.Cipher import AES, DES3

    if encryption == 5:  # 3DES-CBC
        return 8, lambda iv, data: DES3.new(key, DES3.MODE_CBC, iv).decrypt(data)
    if encryption == 7:  # AES-CBC
        return 16, lambda iv, data: AES.new(key, AES.MODE_CBC, iv).decrypt(data)
    raise AssertionError(f"no decryptor for IKE encryption algorithm {encryption}")


HASHES = {1: hashlib.md5, 2: hashlib.sha1, 4: hashlib.sha256, 5: hashlib.sha384}


def decrypted_bodies(profile: str) -> list[tuple[Message, bytes]]:
    """(message, plaintext body) for every message, decrypting per RFC 2409 Appendix B."""
    messages = [decode_message(w) for w in ike_datagrams(profile)]
    ka = bytes.fromhex(
        (FIXTURES / profile / "wireshark" / "ikev1_decryption_table")
        .read_text()
        .strip()
        .split(",")[1]
    )
    (sa,) = [p for p in messages[1].payloads if isinstance(p, SaPayload)]
    transform = sa.proposals[0].transforms[0]
    encryption = transform.int_attribute(IkeAttribute.ENCRYPTION_ALGORITHM)
    hash_id = transform.int_attribute(IkeAttribute.HASH_ALGORITHM)
    assert encryption is not None and hash_id is not None
    block, decrypt = _decryptor(encryption, ka)
    digest = HASHES[hash_id]
    g_x = [
        p.key_exchange_data for m in messages[2:4] for p in m.payloads if isinstance(p, KePayload)
    ]
    # RFC 2409 App. B: phase 1 IV = HASH(g^xi | g^xr); phase 2 IV = HASH(last p1 block | M-ID).
    last_block: dict[int, bytes] = {0: digest(g_x[0] + g_x[1]).digest()[:block]}
    phase1_last = b""
    result = []
    for msg in messages:
        body = msg.encrypted_body
        if body is None:
            result.append((msg, b""))
            continue
        mid = msg.header.message_id
        if mid not in last_block:
            last_block[mid] = digest(phase1_last + mid.to_bytes(4, "big")).digest()[:block]
        result.append((msg, decrypt(last_block[mid], body)))
        last_block[mid] = body[-block:]
        if mid == 0:
            phase1_last = body[-block:]
    return result


def tshark_rows(profile: str) -> list[list[str]]:
    """decrypted-summary.tsv rows of ISAKMP frames (those with an exchange type)."""
    lines = (FIXTURES / profile / "decrypted-summary.tsv").read_text().splitlines()
    rows = [line.split("\t") for line in lines]
    return [row for row in rows if len(row) > 6 and row[5]]


def next_payload_sequence(msg: Message, wire_body: bytes, spans: list[Span]) -> list[int]:
    offsets = sorted(s.offset for s in spans if s.leaf and s.name.endswith(".next_payload"))
    return [msg.header.next_payload] + [wire_body[o - 28] for o in offsets]


@pytest.mark.parametrize("profile", PROFILES)
def test_decrypted_bodies_decode_like_tshark_dissects_them(profile: str) -> None:
    require((FIXTURES / profile / "decrypted-summary.tsv").exists(), "no tshark summary")
    rows = tshark_rows(profile)
    bodies = decrypted_bodies(profile)
    assert len(rows) == len(bodies)
    for (msg, plaintext), row in zip(bodies, rows, strict=True):
        spans: list[Span] = []
        if msg.encrypted_body is None:
            body = encode_message(msg)[28:]
            decode_payload_chain(msg.header.next_payload, body, spans=spans)
            payloads = msg.payloads
        else:
            body = plaintext
            chain = decode_payload_chain(msg.header.next_payload, body, spans=spans)
            assert encode_payload_chain(chain.payloads) + chain.padding == body
            payloads = chain.payloads
        expected = [int(v) for v in row[6].split(",")]
        assert next_payload_sequence(msg, body, spans) == expected
        fqdns = [p.value for p in payloads if isinstance(p, IdPayload) and p.id_type == 2]
        if row[8]:
            assert fqdns == row[8].split(",")
        assert all(p.payload_type != PayloadType.NONE for p in payloads)


@pytest.mark.parametrize("profile", PROFILES)
def test_damaged_real_messages_raise_only_decode_error(profile: str) -> None:
    for wire in ike_datagrams(profile):
        for index in range(len(wire)):
            for value in (0x00, 0xFF, wire[index] ^ 0x01):
                damaged = wire[:index] + bytes([value]) + wire[index + 1 :]
                try:
                    decoded = decode_message(damaged)
                except DecodeError:
                    continue
                assert decode_message(encode_message(decoded)) == decoded


@pytest.mark.parametrize("profile", PROFILES)
def test_truncated_real_plaintext_messages_raise_decode_error(profile: str) -> None:
    for wire in ike_datagrams(profile):
        if decode_message(wire).encrypted_body is not None:
            continue
        for cut in range(len(wire)):
            prefix = wire[:cut]
            if cut >= 28:  # make the header agree, so the payload chain itself is cut
                prefix = prefix[:24] + cut.to_bytes(4, "big") + prefix[28:]
            with pytest.raises(DecodeError):
                decode_message(prefix)
