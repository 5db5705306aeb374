"""The one error a wire decoder raises: :class:`DecodeError`, and the base of every error the
package raises for bad input from outside: :class:`InputError`.

Every malformed, truncated or garbage input ends in a ``DecodeError`` that says which
structure was being read, at which absolute offset (counted from the start of the ISAKMP
message, RFC 2408 §3.1) and what was expected there. Decoders never let an ``IndexError``,
``struct.error`` or enum ``ValueError`` escape.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input from outside (bytes, a peer's message) that the package refuses.

    The base of the errors an engine turns into a counted drop of the datagram: a decode
    error here, and the IKE engine's protection, payload-rule, state and protocol errors.
    Any other exception is a bug and propagates.
    """


class DecodeError(InputError):
    """Bytes that are not a valid ISAKMP structure.

    Attributes:
        payload: the structure being decoded, e.g. ``"NONCE"`` or ``"SA[1].proposal[1]"``.
        offset: absolute offset of the problem, from the start of the message.
        expected: what the decoder expected, in words.
    """

    def __init__(self, payload: str, offset: int, expected: str) -> None:
        self.payload = payload
        self.offset = offset
        self.expected = expected
        what = payload if payload.endswith(("header", "body")) else f"{payload} payload"
        super().__init__(f"{what} at offset {offset}: {expected}")


class EncodeError(ValueError):
    """A value that cannot be written in its wire field (e.g. a length over 65535)."""
