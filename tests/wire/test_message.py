"""The ISAKMP header, whole messages, spans, errors and the UDP 4500 framing."""

from __future__ import annotations

import pytest

from vpnteach.wire import (
    DecodeError,
    EncodeError,
    ExchangeType,
    Flags,
    HashPayload,
    IsakmpHeader,
    KePayload,
    Message,
    NoncePayload,
    PayloadType,
    Span,
    annotated_hexdump,
    decode_message,
    decode_payload_chain,
    encode_message,
    message_spans,
    strip_non_esp_marker,
    with_encrypted_body,
)
from vpnteach.wire.natt import add_non_esp_marker

CKY_I = bytes.fromhex("bd75fba226eee4e5")
CKY_R = bytes.fromhex("0102030405060708")

# RFC 2408 §3.1: header of a Main Mode message with a KE (4) first, version 1.0, no flags,
# message ID 0, total length 28 + 8 + 12 = 48; then KE (next: NONCE) and NONCE (next: none).
MM3 = (
    CKY_I
    + CKY_R
    + bytes.fromhex("04 10 02 00 00000000 00000030".replace(" ", ""))
    + bytes.fromhex("0a000008 01020304")
    + bytes.fromhex("0000000c")
    + bytes(range(8))
)


def leaf_spans(spans: list[Span] | tuple[Span, ...]) -> list[Span]:
    return sorted((s for s in spans if s.leaf), key=lambda s: s.offset)


def test_main_mode_message_encodes_exactly_as_rfc_2408_header_layout() -> None:
    header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.IDENTITY_PROTECTION)
    msg = Message(header, (KePayload(bytes.fromhex("01020304")), NoncePayload(bytes(range(8)))))
    assert encode_message(msg) == MM3


def test_decoded_header_carries_computed_next_payload_and_length() -> None:
    msg = decode_message(MM3)
    assert msg.header.next_payload == PayloadType.KE
    assert msg.header.length == 48
    assert (msg.header.major_version, msg.header.minor_version) == (1, 0)
    assert msg.payloads == (KePayload(bytes.fromhex("01020304")), NoncePayload(bytes(range(8))))
    assert not msg.header.encrypted


def test_encrypted_message_body_stays_opaque_and_round_trips() -> None:
    plain = Message(IsakmpHeader(CKY_I, CKY_R, ExchangeType.QUICK_MODE, message_id=0xA90E8C17))
    msg = with_encrypted_body(plain, PayloadType.HASH, bytes(range(24)))
    wire = encode_message(msg)
    decoded = decode_message(wire)
    assert decoded.header.encrypted and decoded.header.flags == Flags.ENCRYPTION
    assert decoded.header.next_payload == PayloadType.HASH
    assert decoded.encrypted_body == bytes(range(24))
    assert decoded.payloads == ()
    assert encode_message(decoded) == wire


def test_encoding_both_payloads_and_encrypted_body_is_refused() -> None:
    header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.QUICK_MODE, flags=1)
    with pytest.raises(EncodeError):
        encode_message(Message(header, (HashPayload(b"x"),), b"\x00" * 8))


def test_bad_cookie_length_is_an_encode_error() -> None:
    with pytest.raises(EncodeError, match="CKY-I"):
        encode_message(Message(IsakmpHeader(b"short", CKY_R, 2)))


def test_declared_length_larger_than_datagram_names_the_payload_and_offset() -> None:
    # The NONCE payload at offset 36 claims 300 bytes.
    bad = bytearray(MM3)
    bad[38:40] = (300).to_bytes(2, "big")
    with pytest.raises(DecodeError) as info:
        decode_message(bytes(bad))
    err = info.value
    assert err.payload == "NONCE[1]"
    assert err.offset == 36
    assert (
        str(err) == "NONCE[1] payload at offset 36: declared length 300 exceeds the 12 bytes left"
    )


def test_message_length_field_must_match_the_datagram() -> None:
    with pytest.raises(DecodeError, match="declared message length 48, datagram has 49"):
        decode_message(MM3 + b"\x00")


def test_bytes_after_the_last_payload_of_a_plaintext_message_are_rejected() -> None:
    wire = bytearray(MM3 + b"\x00\x00")
    wire[24:28] = (50).to_bytes(4, "big")
    with pytest.raises(DecodeError, match="2 bytes after the last payload"):
        decode_message(bytes(wire))


def test_payload_length_below_header_size_is_rejected() -> None:
    bad = bytearray(MM3)
    bad[30:32] = (3).to_bytes(2, "big")
    with pytest.raises(DecodeError, match="shorter than its 4-byte header"):
        decode_message(bytes(bad))


def test_leaf_spans_tile_the_message_exactly_once() -> None:
    leaves = leaf_spans(message_spans(MM3))
    position = 0
    for span in leaves:
        assert span.offset == position, span
        position += span.length
    assert position == len(MM3)


def test_spans_name_fields_and_explain_values() -> None:
    by_name = {s.name: s for s in message_spans(MM3)}
    assert by_name["header.exchange_type"].meaning == "2 = Identity Protection (Main Mode)"
    assert by_name["header.next_payload"].meaning == "4 = Key Exchange"
    assert by_name["NONCE[1]"].leaf is False
    assert (by_name["NONCE[1]"].offset, by_name["NONCE[1]"].length) == (36, 12)
    assert by_name["NONCE[1].nonce_data"].depth == 1


def test_decrypted_body_spans_use_absolute_offsets_after_the_header() -> None:
    spans: list[Span] = []
    body = bytes.fromhex("00000008 aabbccdd") + b"\x00\x00\x03"
    chain = decode_payload_chain(PayloadType.HASH, body, spans=spans)
    assert chain.padding == b"\x00\x00\x03"
    leaves = leaf_spans(spans)
    assert leaves[0].offset == 28
    assert leaves[-1].name == "padding" and leaves[-1].offset == 28 + 8


def test_non_esp_marker_is_stripped_from_ike_on_port_4500() -> None:
    assert strip_non_esp_marker(add_non_esp_marker(MM3)) == ("ike", MM3)


def test_esp_and_keepalive_are_told_apart_from_ike() -> None:
    esp = bytes.fromhex("8b4c7102 00000001") + bytes(16)
    assert strip_non_esp_marker(esp) == ("esp", esp)
    assert strip_non_esp_marker(b"\xff") == ("keepalive", b"")


def test_too_short_port_4500_datagram_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        strip_non_esp_marker(b"\x00\x00")


def test_annotated_hexdump_shows_every_field_with_its_meaning() -> None:
    text = annotated_hexdump(MM3, message_spans(MM3))
    assert "exchange_type: 2 = Identity Protection (Main Mode)" in text
    assert "0024  NONCE[1] (12 bytes)" in text
    leaf_lines = [line for line in text.splitlines() if ": " in line]
    assert len(leaf_lines) == len(leaf_spans(message_spans(MM3)))


@pytest.mark.parametrize(
    ("flags", "encrypted", "commit", "authentication_only"),
    # RFC 2408 §3.1: E is bit 0 (0x01), C bit 1 (0x02), A bit 2 (0x04).
    [(0x00, False, False, False), (0x01, True, False, False), (0x06, False, True, True)],
)
def test_header_flag_properties_read_the_rfc_2408_bits(
    flags: int, encrypted: bool, commit: bool, authentication_only: bool
) -> None:
    for value in (flags, Flags(flags)):
        header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.IDENTITY_PROTECTION, value)
        assert (header.encrypted, header.commit, header.authentication_only) == (
            encrypted,
            commit,
            authentication_only,
        )
