"""The Encrypted and Authenticated payload, SK (RFC 7296 §3.14; AES-GCM: RFC 5282).

Sealing a message: the inner payloads are encoded, padded so that ``inner | Padding |
Pad Length`` fills whole cipher blocks (the padding may be anything; we send zeros), and
encrypted under a fresh IV with SK_ei (initiator) or SK_er (responder).

* CBC + HMAC: the Integrity Checksum Data is the truncated HMAC with SK_ai/SK_ar "computed
  over the encrypted message" — from the first byte of the IKE header to the end of the
  ciphertext, IV included (§3.14) — so the header's final Length must be known first.
* AES-GCM (RFC 5282 §5.1): the nonce is the 4-byte salt (the last bytes of SK_e) followed by
  the 8-byte IV; the additional authenticated data is the IKE header and the SK payload's
  generic header; the 16-byte tag is the ICV. There is no separate integrity key.

Opening checks the ICV first (nothing is decrypted before it passes) and then the padding,
and raises :class:`SkError` naming what was wrong; the engine counts and drops such a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from vpnteach.crypto.rng import Rng
from vpnteach.ikev2.transforms import Encr, Integ
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ikev2.message import (
    HEADER_LENGTH,
    Ikev2Header,
    Ikev2Message,
    Payload,
    decode_payload_chain,
    encode_message,
    encode_payload_chain,
)
from vpnteach.wire.ikev2.payloads import SkfPayload, SkPayload

SK_HEADER_LENGTH = 4


class SkError(ValueError):
    """An SK payload that fails its integrity check, is cut short or badly padded."""


@dataclass(frozen=True)
class SkKeys:
    """The keys one direction of an IKE SA seals with: SK_e and SK_a of that direction."""

    encr: Encr
    integ: Integ | None
    sk_e: bytes
    sk_a: bytes

    @property
    def icv_size(self) -> int:
        """Bytes of Integrity Checksum Data at the end of the SK payload."""
        if self.encr.aead:
            return self.encr.icv_size
        return self.integ.icv_size if self.integ is not None else 0


def pad(plaintext: bytes, block_size: int) -> bytes:
    """``plaintext | Padding | Pad Length`` filling whole blocks (§3.14); zero padding."""
    pad_length = -(len(plaintext) + 1) % block_size
    return plaintext + bytes(pad_length) + bytes([pad_length])


def seal(header: Ikev2Header, inner: Sequence[Payload], keys: SkKeys, rng: Rng) -> bytes:
    """The whole message: ``header`` and one SK payload carrying ``inner``, encrypted and
    integrity-protected with ``keys``."""
    first = inner[0].payload_type if inner else 0
    padded = pad(encode_payload_chain(inner), keys.encr.block_size)
    iv = rng.random_bytes(keys.encr.iv_size)
    size = keys.encr.iv_size + len(padded) + keys.icv_size
    skeleton = encode_message(Ikev2Message(header, (SkPayload(first, bytes(size)),)))
    prefix = skeleton[: HEADER_LENGTH + SK_HEADER_LENGTH]  # header with its final Length
    return _encrypt(prefix, iv, padded, keys)


SKF_HEADER_LENGTH = 8  # generic header + Fragment Number + Total Fragments (RFC 7383 §2.5)


def seal_fragments(
    header: Ikev2Header, inner: Sequence[Payload], keys: SkKeys, rng: Rng, max_size: int
) -> list[bytes]:
    """The message as IKE fragments of at most ``max_size`` bytes each (RFC 7383 §2.5):
    the inner payloads' bytes are cut in order, each piece padded, encrypted and
    authenticated on its own under the same header (Message ID, exchange)."""
    plain = encode_payload_chain(inner)
    encr = keys.encr
    room = max_size - HEADER_LENGTH - SKF_HEADER_LENGTH - encr.iv_size - keys.icv_size
    chunk = room // encr.block_size * encr.block_size - 1  # whole blocks after Pad Length
    if chunk < 1:
        raise SkError(f"fragment size {max_size} leaves no room for data")
    pieces = [plain[i : i + chunk] for i in range(0, len(plain), chunk)] or [b""]
    first = inner[0].payload_type if inner else 0
    out = []
    for number, piece in enumerate(pieces, 1):
        padded = pad(piece, encr.block_size)
        iv = rng.random_bytes(encr.iv_size)
        size = encr.iv_size + len(padded) + keys.icv_size
        skf = SkfPayload(first if number == 1 else 0, number, len(pieces), bytes(size))
        skeleton = encode_message(Ikev2Message(header, (skf,)))
        prefix = skeleton[: HEADER_LENGTH + SKF_HEADER_LENGTH]
        out.append(_encrypt(prefix, iv, padded, keys))
    return out


def _encrypt(prefix: bytes, iv: bytes, padded: bytes, keys: SkKeys) -> bytes:
    """``prefix`` (header through the SK/SKF header) | IV | ciphertext | ICV."""
    if keys.encr.aead:
        return prefix + iv + keys.encr.gcm_seal(keys.sk_e, iv, padded, prefix)
    if keys.integ is None:
        raise SkError(f"{keys.encr.name} needs an integrity algorithm (RFC 7296 §3.3.3)")
    signed = prefix + iv + keys.encr.cbc_encrypt(keys.sk_e, iv, padded)
    return signed + keys.integ.icv(keys.sk_a, signed)


def open_sk(data: bytes, msg: Ikev2Message, keys: SkKeys) -> tuple[Payload, ...]:
    """The inner payloads of ``msg`` (decoded from ``data``), after checking its ICV."""
    sk = msg.sk
    if sk is None:
        raise SkError("the message has no SK payload")
    inner = unseal(data, sk.content, keys)
    try:
        return decode_payload_chain(
            sk.first_payload, inner, len(data) - len(sk.content) + keys.encr.iv_size
        )
    except DecodeError as exc:
        raise SkError(f"decrypted payloads do not parse: {exc}") from None


def open_skf(data: bytes, msg: Ikev2Message, keys: SkKeys) -> bytes:
    """The decrypted inside of one IKE fragment (RFC 7383 §2.5), padding removed: the
    fragments' insides, in order, are the inside of the whole SK payload."""
    skf = msg.skf
    if skf is None:
        raise SkError("the message has no SKF payload")
    return unseal(data, skf.content, keys)


def reassemble(first_payload: int, insides: Sequence[bytes]) -> tuple[Payload, ...]:
    """The payloads of a fragmented message from its fragments' insides, in order."""
    try:
        return decode_payload_chain(first_payload, b"".join(insides))
    except DecodeError as exc:
        raise SkError(f"reassembled payloads do not parse: {exc}") from None


def unseal(data: bytes, content: bytes, keys: SkKeys) -> bytes:
    """Check the ICV of the message ``data`` ending in ``content`` (IV | ciphertext | ICV),
    decrypt, and strip ``Padding | Pad Length`` (§3.14)."""
    start = len(data) - len(content)  # first byte of the IV
    encr, icv_size = keys.encr, keys.icv_size
    if len(content) < encr.iv_size + icv_size + 1:
        raise SkError(f"encrypted payload of {len(content)} bytes is too short for IV and ICV")
    iv, body = content[: encr.iv_size], content[encr.iv_size : len(content) - icv_size]
    if encr.aead:
        try:
            padded = encr.gcm_open(keys.sk_e, iv, content[encr.iv_size :], data[:start])
        except InvalidTag:
            raise SkError("AES-GCM tag does not verify (wrong SK_e, or altered)") from None
    else:
        icv = content[len(content) - icv_size :]
        if keys.integ is None or not keys.integ.verify(
            keys.sk_a, data[: len(data) - icv_size], icv
        ):
            raise SkError("Integrity Checksum Data does not verify (wrong SK_a, or altered)")
        if not body or len(body) % encr.block_size:
            raise SkError(
                f"ciphertext of {len(body)} bytes is not whole {encr.block_size}-byte blocks"
            )
        padded = encr.cbc_decrypt(keys.sk_e, iv, body)
    pad_length = padded[-1]
    if pad_length + 1 > len(padded):
        raise SkError(f"Pad Length {pad_length} exceeds the {len(padded)} decrypted bytes")
    return padded[: len(padded) - pad_length - 1]
