"""A byte buffer with ``pull_*``/``push_*`` and optional field spans (aioquic-style).

Decoding reads fields in wire order with ``pull_uint8/16/32`` and ``pull_bytes``. When the
buffer is created with a ``spans`` list, every pulled field is also recorded as a leaf
:class:`Span` (name, absolute offset, length, meaning), and every :meth:`Buffer.scope` (a
payload, a proposal, a transform, an attribute) as a group span. Leaf spans of a decoded
message tile it: every byte is covered by exactly one leaf span, in order. Names nest by
dotted path (``"SA[1].proposal[1].transform[1].attr[Encryption Algorithm].value"``) and each
span carries its ``depth`` (number of enclosing scopes), which is all a hex-dump renderer
needs.

Reads are bounded by a *window* (the current payload's declared length), so a payload body can
never read into the next payload; running past it raises :class:`DecodeError` naming the
payload and the absolute offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from vpnteach.wire.errors import DecodeError, EncodeError

IntDescriber = Callable[[int], str]
BytesDescriber = Callable[[bytes], str]


@dataclass(frozen=True)
class Span:
    """One annotated byte range of a message.

    Attributes:
        name: dotted path, e.g. ``"header.exchange_type"`` or ``"NONCE[1].nonce_data"``.
        offset: absolute offset from the start of the message.
        length: number of bytes.
        meaning: human text, e.g. ``"2 = Identity Protection (Main Mode)"``.
        depth: number of enclosing scopes (0 for the header fields' scope itself).
        leaf: ``True`` for a field, ``False`` for a group (payload, proposal, ...).
    """

    name: str
    offset: int
    length: int
    meaning: str
    depth: int = 0
    leaf: bool = True


class Buffer:
    """Read or write wire fields; optionally record spans while reading.

    Args:
        data: bytes to decode (empty to encode).
        base: absolute offset of ``data[0]`` in the message (28 for a decrypted body).
        spans: a list to append :class:`Span` records to, or ``None`` to record nothing.
    """

    def __init__(self, data: bytes = b"", *, base: int = 0, spans: list[Span] | None = None):
        self._data = bytearray(data)
        self._pos = 0
        self._end = len(data)
        self._base = base
        self._spans = spans
        self._scopes: list[str] = []

    # -- position -------------------------------------------------------------------------
    @property
    def position(self) -> int:
        """Offset of the next byte to read, relative to ``data[0]``."""
        return self._pos

    @property
    def absolute(self) -> int:
        """Offset of the next byte, counted from the start of the message."""
        return self._base + self._pos

    @property
    def remaining(self) -> int:
        """Bytes left before the end of the current window."""
        return self._end - self._pos

    def eof(self) -> bool:
        """True when the current window is fully read."""
        return self._pos >= self._end

    def data(self) -> bytes:
        """Everything written (or the whole input)."""
        return bytes(self._data)

    @property
    def context(self) -> str:
        """The current scope path, used in error messages."""
        return ".".join(self._scopes) or "ISAKMP header"

    def error(self, expected: str, offset: int | None = None) -> DecodeError:
        """A :class:`DecodeError` for the current scope at ``offset`` (default: here)."""
        return DecodeError(self.context, self.absolute if offset is None else offset, expected)

    # -- scopes and windows ---------------------------------------------------------------
    @contextmanager
    def scope(self, name: str, meaning: str = "") -> Iterator[None]:
        """Name a nested structure: fields pulled inside get ``name.`` as prefix."""
        start = self.absolute
        self._scopes.append(name)
        try:
            yield
        finally:
            path = self.context
            self._scopes.pop()
        if self._spans is not None:
            self._spans.append(
                Span(path, start, self.absolute - start, meaning, len(self._scopes), False)
            )

    @contextmanager
    def window(self, length: int, what: str = "declared length") -> Iterator[None]:
        """Limit reads to the next ``length`` bytes; on exit all of them must be consumed."""
        if length > self.remaining:
            raise self.error(f"{what} {length} exceeds the {self.remaining} bytes left")
        saved, self._end = self._end, self._pos + length
        yield
        if self._pos != self._end:
            raise self.error(
                f"{self._end - self._pos} unexpected bytes before the end of its {what}"
            )
        self._end = saved

    # -- reading --------------------------------------------------------------------------
    def _take(self, n: int, name: str) -> bytes:
        if n < 0 or n > self.remaining:
            raise self.error(f"field {name or 'data'} needs {n} bytes, only {self.remaining} left")
        chunk = bytes(self._data[self._pos : self._pos + n])
        self._pos += n
        return chunk

    def _record(self, name: str, length: int, meaning: str) -> None:
        if self._spans is not None:
            path = ".".join([*self._scopes, name]) if name else self.context
            start = self.absolute - length
            self._spans.append(Span(path, start, length, meaning, len(self._scopes)))

    def _pull_int(self, size: int, name: str, describe: IntDescriber | None) -> int:
        value = int.from_bytes(self._take(size, name), "big")
        self._record(name, size, describe(value) if describe else str(value))
        return value

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes without consuming them."""
        if n > self.remaining:
            raise self.error(f"needs {n} bytes, only {self.remaining} left")
        return bytes(self._data[self._pos : self._pos + n])

    def pull_uint8(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read one byte as an unsigned integer."""
        return self._pull_int(1, name, describe)

    def pull_uint16(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 16-bit unsigned integer."""
        return self._pull_int(2, name, describe)

    def pull_uint32(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 32-bit unsigned integer."""
        return self._pull_int(4, name, describe)

    def pull_bytes(self, n: int, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read ``n`` bytes (a zero-length read records no span)."""
        value = self._take(n, name)
        if n:
            self._record(name, n, describe(value) if describe else f"{n} bytes")
        return value

    def pull_rest(self, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read everything left in the current window."""
        return self.pull_bytes(self.remaining, name, describe)

    # -- writing --------------------------------------------------------------------------
    def _push_int(self, value: int, size: int) -> None:
        if not 0 <= value < 1 << (8 * size):
            raise EncodeError(f"{value} does not fit in a {8 * size}-bit field")
        self._data += value.to_bytes(size, "big")

    def push_uint8(self, value: int) -> None:
        """Append one byte."""
        self._push_int(value, 1)

    def push_uint16(self, value: int) -> None:
        """Append a big-endian 16-bit integer."""
        self._push_int(value, 2)

    def push_uint32(self, value: int) -> None:
        """Append a big-endian 32-bit integer."""
        self._push_int(value, 4)

    def push_bytes(self, value: bytes) -> None:
        """Append raw bytes."""
        self._data += value
