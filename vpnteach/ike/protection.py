"""Encrypting and decrypting ISAKMP message bodies under an ISAKMP SA (RFC 2409 §5.3, App. B).

From Main Mode message 5 on, everything after the ISAKMP header is encrypted with ``Ka`` in
CBC mode. The plaintext is the payload chain padded to the cipher's block size: all padding
bytes are zero except the last, which counts the others (RFC 2409 §5.3), so there is always
at least one byte of padding. The IVs come from the SA's
:class:`~vpnteach.ike.keymat.IvManager`: each message's IV is the previous message's last
ciphertext block within its exchange; a body is chained only once it decrypted and decoded.
"""

from __future__ import annotations

from dataclasses import replace

from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.ike.keymat import IvManager
from vpnteach.wire.chain import Payload, decode_payload_chain, encode_payload_chain
from vpnteach.wire.constants import Flags
from vpnteach.wire.message import IsakmpHeader, Message, encode_message


class ProtectionError(ValueError):
    """A message that cannot be decrypted or decoded under the SA's keys."""


def pad(body: bytes, block_size: int) -> bytes:
    """RFC 2409 §5.3 padding: zeros, then one byte counting them; at least one byte."""
    count = block_size - (len(body) + 1) % block_size
    if count == block_size:
        count = 0
    return body + bytes(count) + bytes([count])


def seal(
    header: IsakmpHeader,
    payloads: tuple[Payload, ...] | list[Payload],
    cipher: CipherAlgorithm,
    ka: bytes,
    ivs: IvManager,
) -> bytes:
    """The whole encrypted message: header with the E flag, then ``E(Ka, IV, chain | pad)``."""
    plaintext = pad(encode_payload_chain(tuple(payloads)), cipher.block_size)
    mid = header.message_id
    ciphertext = cipher.encrypt(ka, ivs.iv(mid), plaintext)
    ivs.update(mid, ciphertext)
    sealed = replace(
        header, flags=header.flags | Flags.ENCRYPTION, next_payload=payloads[0].payload_type
    )
    return encode_message(Message(sealed, (), ciphertext))


def open_body(
    msg: Message, cipher: CipherAlgorithm, ka: bytes, ivs: IvManager
) -> tuple[tuple[Payload, ...], bytes]:
    """Decrypt and decode ``msg``; return its payloads and the raw chain bytes (no padding).

    Raises:
        ProtectionError: not encrypted, not whole blocks, or garbage after decryption.
    """
    body = msg.encrypted_body
    if body is None:
        raise ProtectionError("message is not encrypted (E flag clear)")
    if not body or len(body) % cipher.block_size:
        raise ProtectionError(f"{len(body)} bytes of ciphertext: not whole cipher blocks")
    mid = msg.header.message_id
    try:
        iv = ivs.iv(mid)
    except ValueError as exc:  # a phase 2 M-ID before phase 1 has finished
        raise ProtectionError(str(exc)) from None
    plaintext = cipher.decrypt(ka, iv, body)
    try:
        chain = decode_payload_chain(msg.header.next_payload, plaintext)
    except ValueError as exc:
        raise ProtectionError(f"decrypted body does not decode (wrong key or IV?): {exc}") from None
    ivs.update(mid, body)
    return chain.payloads, plaintext[: len(plaintext) - len(chain.padding)]
