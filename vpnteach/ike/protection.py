"""Encrypting and decrypting ISAKMP message bodies under an ISAKMP SA (RFC 2409 §5.3, App. B).

From Main Mode message 5 on, everything after the ISAKMP header is encrypted with ``Ka`` in
CBC mode. The plaintext is the payload chain padded to the cipher's block size: all padding
bytes are zero except the last, which counts the others (RFC 2409 §5.3), so there is always
at least one byte of padding. The IVs come from the SA's
:class:`~vpnteach.ike.ivs.IvManager`: each message's IV is the previous message's last
ciphertext block within its exchange; a body is chained only once it decrypted and decoded.

Both directions record a fact in the SA's trace (the :class:`IvManager`'s): the payload chain
as the sender built it (:data:`SEALED`) or as the receiver recovered it (:data:`OPENED`), with
the IV, the padding and the ciphertext as inputs, so the stepper can show what an encrypted
message says from either side without decrypting anything again.
"""

from __future__ import annotations

from vpnteach.crypto.cipher import CipherAlgorithm
from vpnteach.ike.ivs import IvManager
from vpnteach.trace import FactKind
from vpnteach.wire.chain import Payload, decode_payload_chain, encode_payload_chain
from vpnteach.wire.constants import ExchangeType
from vpnteach.wire.errors import InputError
from vpnteach.wire.message import IsakmpHeader, Message, encode_message

RFC = "RFC 2409 §5.3, App. B"
SEALED = "plaintext before encryption"
"""Fact name: a message's payload chain before :func:`seal` encrypted it."""
OPENED = "plaintext after decryption"
"""Fact name: a message's payload chain as :func:`open_body` recovered it."""


class ProtectionError(InputError):
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
    *,
    label: str = "",
) -> bytes:
    """The whole encrypted message: header with the E flag, then ``E(Ka, IV, chain | pad)``.

    ``label`` names the message in the recorded fact (``"MM5"``, ``"QM1"``, ``"INFO"``).
    """
    chain = encode_payload_chain(tuple(payloads))
    return seal_chain(header, payloads[0].payload_type, chain, cipher, ka, ivs, label=label)


def seal_chain(
    header: IsakmpHeader,
    first_payload: int,
    chain: bytes,
    cipher: CipherAlgorithm,
    ka: bytes,
    ivs: IvManager,
    *,
    label: str = "",
) -> bytes:
    """:func:`seal` for a payload chain already encoded (Quick Mode hashes the payloads after
    HASH before it builds the message: the same bytes, encoded once)."""
    plaintext = pad(chain, cipher.block_size)
    mid = header.message_id
    iv = ivs.iv(mid)
    ciphertext = ivs.cbc(cipher, ka).encrypt(iv, plaintext)
    ivs.update(mid, ciphertext)
    # E(Ka, IV, payloads | pad): RFC 2409 §5.3 (padding), Appendix B (IV chaining)
    ivs.trace.derived(
        SEALED,
        "payload chain; then pad and encrypt: E(Ka, IV, chain | pad) in CBC mode",
        chain,
        FactKind.PLAINTEXT,
        rfc=RFC,
        message=label,
        exchange=_exchange_name(header.exchange_type),
        m_id=mid,
        iv=iv,
        padding=plaintext[len(chain) :],
        ciphertext=ciphertext,
    )
    return encode_message(Message(header.sealed(first_payload), (), ciphertext))


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
    plaintext = ivs.cbc(cipher, ka).decrypt(iv, body)
    try:
        chain = decode_payload_chain(msg.header.next_payload, plaintext)
    except ValueError as exc:
        raise ProtectionError(f"decrypted body does not decode (wrong key or IV?): {exc}") from None
    ivs.update(mid, body)
    raw = plaintext[: len(plaintext) - len(chain.padding)]
    # chain | pad = D(Ka, IV, ciphertext): RFC 2409 §5.3, Appendix B
    ivs.trace.derived(
        OPENED,
        "D(Ka, IV, ciphertext) in CBC mode, padding removed",
        raw,
        FactKind.PLAINTEXT,
        rfc=RFC,
        exchange=_exchange_name(msg.header.exchange_type),
        m_id=mid,
        iv=iv,
        padding=plaintext[len(raw) :],
        ciphertext=body,
    )
    return chain.payloads, raw


_EXCHANGE_NAMES = {int(e): e.name for e in ExchangeType}


def _exchange_name(exchange_type: int) -> str:
    return _EXCHANGE_NAMES.get(exchange_type) or str(exchange_type)
