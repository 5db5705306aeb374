"""Exercises on raw bytes: decode an ISAKMP message's fields, decrypt an ESP packet.

The message is encoded by :mod:`vpnteach.wire` and the right field values are read back from
its own decoder's field spans (:func:`vpnteach.wire.message_spans`); the ESP packet is built by
:func:`vpnteach.esp.esp.encapsulate` (RFC 4303 §3.3), the same code that carries the lab's
traffic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.esp.esp import encapsulate
from vpnteach.esp.integrity import get_integrity
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.base import Exercise, Feedback, HexExercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike import vendor
from vpnteach.ike.policy import IsakmpPolicy, ProxyIdentity
from vpnteach.ike.proposal import ike_transform_attributes
from vpnteach.wire import (
    ExchangeType,
    IkeTransformId,
    IsakmpHeader,
    KePayload,
    Message,
    NatDPayload,
    NoncePayload,
    Proposal,
    ProtocolId,
    SaPayload,
    Transform,
    VendorIdPayload,
    encode_message,
    id_ipv4_address,
    message_spans,
)
from vpnteach.wire.chain import Payload
from vpnteach.wire.ip import icmp_echo

HEADER = 28
"""The ISAKMP header's length (RFC 2408 §3.1)."""

# --------------------------------------------------------------------------- decode


@dataclass(frozen=True)
class DecodeParams:
    message: bytes


QUESTIONS = (
    "the Exchange Type (header)",
    "the payload type of the SECOND payload",
    "the Payload Length of the second payload",
    "the offset (from the first byte of the message) where the THIRD payload starts",
)


# Unencrypted ISAKMP messages as they really occur: Main Mode's third or fourth message
# (RFC 2409 §5: KE, Ni, then vendor IDs or the RFC 3947 §3.2 NAT-D pair) and Aggressive
# Mode's first (RFC 2409 §5.4: SA, KE, Ni, IDii). Everything later in Main Mode is encrypted.
SHAPES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (ExchangeType.IDENTITY_PROTECTION, ("KE", "NONCE", "VID", "VID")),
    (ExchangeType.IDENTITY_PROTECTION, ("KE", "NONCE", "NAT-D", "NAT-D")),
    (ExchangeType.IDENTITY_PROTECTION, ("KE", "NONCE", "VID", "NAT-D", "NAT-D")),
    (ExchangeType.AGGRESSIVE, ("SA", "KE", "NONCE", "ID")),
)
_VIDS = (vendor.NAT_T_RFC3947, vendor.NAT_T_V7, vendor.DPD, vendor.UNITY)


def _payload(kind: str, rng: SeededRng, group_bytes: int) -> Payload:
    draw = rng.random_bytes
    policy = IsakmpPolicy(10, "3des", "md5", "pre-share", 1 if group_bytes == 96 else 2)
    transform = Transform(1, IkeTransformId.KEY_IKE, ike_transform_attributes(policy))
    makers: dict[str, Any] = {
        "SA": lambda: SaPayload(
            proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (transform,)),)
        ),
        "KE": lambda: KePayload(draw(group_bytes)),
        "NONCE": lambda: NoncePayload(draw(16 + 4 * random_int_below(rng, 5))),
        "VID": lambda: VendorIdPayload(pick(rng, _VIDS).data),
        "NAT-D": lambda: NatDPayload(draw(16)),
        "ID": lambda: id_ipv4_address(f"10.{random_int_below(rng, 250)}.1.1", 17, 500),
    }
    payload: Payload = makers[kind]()
    return payload


class DecodeMessage(Exercise[DecodeParams, tuple[int, ...]]):
    """Read four fields of an ISAKMP message straight from its bytes."""

    id = "decode_message"
    title = "Decode an ISAKMP message by hand"
    kind = "decode"
    answer_format = "four numbers in order, separated by commas (decimal or 0x hex)"
    hint_ladder = (
        "The ISAKMP header is 28 bytes: CKY-I (8), CKY-R (8), Next Payload (1), Version (1), "
        "Exchange Type (1), Flags (1), Message ID (4), Length (4) (RFC 2408 §3.1).",
        "The header's Next Payload is the type of the FIRST payload; each payload's own Next "
        "Payload byte is the type of the payload AFTER it.",
        "Every payload starts with a 4-byte generic header: Next Payload (1), RESERVED (1), "
        "Payload Length (2, big-endian, header included) (RFC 2408 §3.2).",
        "Offsets count from 0: the first payload starts at 28, the next at 28 + its Payload "
        "Length.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> DecodeParams:
        exchange, kinds = pick(rng, SHAPES)
        group_bytes = pick(rng, (96, 128))  # DH group 1 or 2 (RFC 2409 §6.1, §6.2)
        cky_r = bytes(8) if exchange == ExchangeType.AGGRESSIVE else rng.random_bytes(8)
        header = IsakmpHeader(rng.random_bytes(8), cky_r, exchange)
        payloads = tuple(_payload(k, rng, group_bytes) for k in kinds)
        return DecodeParams(encode_message(Message(header, payloads)))

    def _givens(self, p: DecodeParams) -> list[tuple[str, Any]]:
        return [("message", p.message)]

    def _question(self, p: DecodeParams) -> str:
        asked = "; ".join(f"({n}) {q}" for n, q in enumerate(QUESTIONS, start=1))
        return (
            "Below is an unencrypted ISAKMP message of the kind a capture shows (Main Mode's "
            "third or fourth message, or Aggressive Mode's first), with at least four "
            f"payloads. Give {asked}."
        )

    def _read(self, answer: object) -> tuple[int, ...]:
        if isinstance(answer, (list, tuple)):
            items = [str(a) for a in answer]
        elif isinstance(answer, str):
            items = [t for t in re.split(r"[\s,;]+", answer.strip()) if t]
        else:
            raise AnswerFormatError("give four numbers, e.g. '2, 10, 20, 48'")
        if len(items) != len(QUESTIONS):
            raise AnswerFormatError(f"{len(QUESTIONS)} numbers expected, got {len(items)}")
        try:
            return tuple(int(t, 0) for t in items)
        except ValueError:
            raise AnswerFormatError("each answer is a number (decimal, or hex with 0x)") from None

    def _fields(self, p: DecodeParams) -> dict[str, int]:
        """Field values and offsets, read back through the wire decoder's spans."""
        spans = message_spans(p.message)
        groups = [s for s in spans if s.depth == 0 and not s.leaf and s.name != "header"]
        second, third = groups[1], groups[2]
        return {
            "exchange_type": p.message[18],
            "first_type": p.message[16],
            "second_type": p.message[groups[0].offset],
            "second_next": p.message[second.offset],
            "second_offset": second.offset,
            "second_length": second.length,
            "third_offset": third.offset,
        }

    def _solve(self, p: DecodeParams) -> tuple[int, ...]:
        f = self._fields(p)
        return (f["exchange_type"], f["second_type"], f["second_length"], f["third_offset"])

    def _field_mistakes(self, p: DecodeParams) -> list[tuple[int, str, int, str]]:
        """(question index, mistake id, wrong value, message) for single-field slips."""
        f, m = self._fields(p), p.message
        off = f["second_offset"]
        boundary = "Field boundaries are off by one byte: "
        return [
            (
                0,
                "off_by_one",
                m[17],
                boundary + "byte 17 is the Version (0x10); the Exchange Type is byte 18.",
            ),
            (
                0,
                "off_by_one",
                m[19],
                boundary + "byte 19 is the Flags; the Exchange Type is byte 18.",
            ),
            (
                1,
                "next_payload_confusion",
                f["first_type"],
                "That is the FIRST payload's type "
                "(the header's Next Payload). The type of the second is in the first payload's "
                "Next Payload byte.",
            ),
            (
                1,
                "next_payload_confusion",
                f["second_next"],
                "That is the second payload's own "
                "Next Payload byte, which names the payload AFTER it.",
            ),
            (
                2,
                "off_by_one",
                int.from_bytes(m[off + 1 : off + 3], "big"),
                boundary + "Payload Length is bytes 2-3 of the generic header, not 1-2.",
            ),
            (
                2,
                "off_by_one",
                int.from_bytes(m[off + 3 : off + 5], "big"),
                boundary + "Payload Length is bytes 2-3 of the generic header, not 3-4.",
            ),
            (
                2,
                "header_excluded",
                f["second_length"] - 4,
                "Payload Length counts the 4-byte generic header too.",
            ),
            (
                3,
                "header_forgotten",
                f["third_offset"] - HEADER,
                "Offsets count from the start of the message: add the 28-byte ISAKMP header.",
            ),
            (3, "off_by_one", f["third_offset"] + 1, boundary + "offsets count from 0."),
        ]

    def _mistakes(self, p: DecodeParams) -> list[Mistake[tuple[int, ...]]]:
        right = list(self._solve(p))
        mistakes = []
        for index, mistake_id, value, message in self._field_mistakes(p):
            wrong = right.copy()
            wrong[index] = value
            mistakes.append(Mistake(mistake_id, tuple(wrong), f"Answer {index + 1}: {message}"))
        return mistakes

    def _diagnose(self, p: DecodeParams, answer: tuple[int, ...]) -> Feedback | None:
        right = self._solve(p)
        notes: list[tuple[str, str]] = []
        for index, mistake_id, value, message in self._field_mistakes(p):
            if answer[index] != right[index] and answer[index] == value:
                notes.append((mistake_id, f"Answer {index + 1}: {message}"))
        if not notes:
            wrong = [str(n + 1) for n in range(4) if answer[n] != right[n]]
            return Feedback(
                False,
                f"Answer(s) {', '.join(wrong)} are not right yet; hint() lists the field layout.",
            )
        return Feedback(False, " ".join(text for _, text in notes), notes[0][0])

    def _show_answer(self, value: tuple[int, ...]) -> str:
        return ", ".join(str(v) for v in value)


# --------------------------------------------------------------------------- ESP


@dataclass(frozen=True)
class EspParams:
    cipher: str
    integrity: str
    encryption_key: bytes
    integrity_key: bytes
    esp: bytes


_ESP_SUITES = (("3des", "esp-md5-hmac"), ("3des", "esp-sha-hmac"), ("aes128", "esp-sha-hmac"))


class EspDecrypt(HexExercise[EspParams]):
    """Decrypt one ESP tunnel-mode packet and recover the inner IP packet (RFC 4303)."""

    id = "esp_decrypt"
    title = "Decrypt an ESP packet"
    kind = "decrypt"
    answer_name = "the inner IPv4 packet"
    answer_format = "hex, the inner IPv4 packet exactly (header and ICMP message)"
    hint_ladder = (
        "ESP = SPI (4) | Sequence Number (4) | IV (one block) | ciphertext | ICV (RFC 4303 §2).",
        "The ICV (12 bytes for HMAC-MD5-96 / HMAC-SHA1-96) is not encrypted: cut it off the end "
        "before decrypting.",
        "Decrypt the ciphertext in CBC mode with the key and the IV from the packet: "
        "vpnteach.crypto.cipher.get_cipher(name).decrypt(key, iv, ciphertext).",
        "The plaintext ends with padding 1, 2, 3, ..., the Pad Length byte and the Next Header "
        "byte (4 = IPv4): remove Pad Length + 2 bytes from the end.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> EspParams:
        cipher_name, integrity_name = pick(rng, _ESP_SUITES)
        cipher, integrity = get_cipher(cipher_name), get_integrity(integrity_name)
        enc_key, auth_key = rng.random_bytes(cipher.key_size), rng.random_bytes(integrity.key_size)
        spi = int.from_bytes(rng.random_bytes(4), "big") | 0x100
        sa = IpsecSa(
            Direction.OUTBOUND,
            spi,
            "10.1.1.1",
            "10.2.2.1",
            cipher,
            enc_key,
            integrity,
            auth_key,
            ProxyIdentity(IPv4Network("192.168.11.0/24")),
            ProxyIdentity(IPv4Network("192.168.22.0/24")),
        )
        sa.seq = random_int_below(rng, 40)
        data = bytes(0xAB + i & 0xFF for i in range(8 + 4 * random_int_below(rng, 6)))
        inner = icmp_echo(
            f"192.168.11.{2 + random_int_below(rng, 200)}",
            f"192.168.22.{2 + random_int_below(rng, 200)}",
            identifier=random_int_below(rng, 0x10000),
            sequence=sa.seq,
            data=data,
        )
        outer = encapsulate(sa, inner, rng.fork("iv"), 0.0)
        return EspParams(cipher.name, integrity_name, enc_key, auth_key, outer[20:])

    def _givens(self, p: EspParams) -> list[tuple[str, Any]]:
        return [
            ("cipher", p.cipher),
            ("integrity", p.integrity),
            ("encryption key", p.encryption_key),
            ("authentication key", p.integrity_key),
            ("ESP packet (after the outer IP header)", p.esp),
        ]

    def _question(self, p: EspParams) -> str:
        return (
            f"Branch1 sent this ESP packet to Branch2 (transform esp-{p.cipher} {p.integrity}, "
            "tunnel mode). You have the SA's keys, as Wireshark would. What inner packet does "
            "Branch2 forward to its LAN?"
        )

    def _plaintext(self, p: EspParams) -> bytes:
        """Inner packet | ESP trailer, decrypted with the package's cipher (RFC 4303 §3.4.4)."""
        _, iv, ciphertext, _ = self._pieces(p)
        return get_cipher(p.cipher).decrypt(p.encryption_key, iv, ciphertext)

    def _solve(self, p: EspParams) -> bytes:
        plain = self._plaintext(p)
        # RFC 4303 §2.4: ... | Padding | Pad Length | Next Header
        return plain[: -2 - plain[-2]]

    def _pieces(self, p: EspParams) -> tuple[int, bytes, bytes, bytes]:
        bs = get_cipher(p.cipher).block_size
        icv_len = get_integrity(p.integrity).icv_size
        return bs, p.esp[8 : 8 + bs], p.esp[8 + bs : len(p.esp) - icv_len], p.esp[-icv_len:]

    def _mistakes(self, p: EspParams) -> list[Mistake[bytes]]:
        cipher = get_cipher(p.cipher)
        bs, iv, ct, icv = self._pieces(p)
        plain = cipher.decrypt(p.encryption_key, iv, ct)
        pad = plain[-2]
        with_icv = (ct + icv)[: (len(ct) + len(icv)) // bs * bs]
        zero_iv = cipher.decrypt(p.encryption_key, bytes(bs), ct)
        iv_as_data = cipher.decrypt(p.encryption_key, bytes(bs), iv + ct)
        return [
            Mistake(
                "padding_kept",
                plain,
                "That still has the ESP trailer: the last byte is "
                "Next Header, the one before it Pad Length; remove them and the padding.",
            ),
            Mistake(
                "padding_kept",
                plain[:-2],
                f"Pad Length is {pad}: remove {pad} padding "
                "bytes as well as the Pad Length and Next Header bytes.",
            ),
            Mistake(
                "padding_kept",
                plain[: -2 - pad + 1] if pad else plain[:-1],
                "Off by one at the end: remove Pad Length + 2 bytes exactly.",
            ),
            Mistake(
                "icv_as_ciphertext",
                cipher.decrypt(p.encryption_key, iv, with_icv)
                if len(with_icv) > len(ct)
                else plain + icv,
                "The ICV at the end is not ciphertext: cut it off (it authenticates the "
                "packet) before decrypting.",
            ),
            Mistake(
                "wrong_iv",
                zero_iv[: len(self._solve(p))],
                "The first block is wrong: the IV is "
                "the block right after the sequence number, not zeros.",
            ),
            Mistake(
                "wrong_iv",
                iv_as_data[: bs + len(self._solve(p))],
                "The IV travels in the packet, right after "
                "the sequence number: use it as the IV, do not decrypt it.",
            ),
        ]

    def _diagnose(self, p: EspParams, answer: bytes) -> Feedback | None:
        bs = get_cipher(p.cipher).block_size
        right = self._solve(p)
        if len(answer) > len(right) and answer.startswith(right):
            return Feedback(
                False,
                "Your packet starts right but has extra bytes at the end: "
                "strip the ESP trailer and never decrypt the ICV.",
                "padding_kept",
            )
        if len(answer) == len(right) and answer[bs:] == right[bs:]:
            return Feedback(
                False,
                "Everything but the first block is right: the IV is wrong "
                "(CBC only uses it for the first block).",
                "wrong_iv",
            )
        return super()._diagnose(p, answer)
