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

from collections.abc import Callable
from contextlib import AbstractContextManager
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

    Without ``spans`` nothing is described: a ``describe`` callable is called only when its
    span is recorded, so decoding in the engine costs no text formatting.
    """

    __slots__ = ("_base", "_data", "_end", "_pos", "_scopes", "_spans")

    def __init__(self, data: bytes = b"", *, base: int = 0, spans: list[Span] | None = None):
        # Reads slice immutable bytes (one copy per field); writes append to a bytearray.
        self._data: bytes | bytearray = bytes(data) if data else bytearray()
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

    @property
    def recording(self) -> bool:
        """True when spans are being recorded (a caller may skip building span text if not)."""
        return self._spans is not None

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
    def scope(self, name: str, meaning: str = "") -> AbstractContextManager[None]:
        """Name a nested structure: fields pulled inside get ``name.`` as prefix."""
        return _Scope(self, name, meaning)

    def window(self, length: int, what: str = "declared length") -> AbstractContextManager[None]:
        """Limit reads to the next ``length`` bytes; on exit all of them must be consumed."""
        return _Window(self, length, what)

    # -- reading --------------------------------------------------------------------------
    def _short(self, n: int, name: str) -> DecodeError:
        return self.error(f"field {name or 'data'} needs {n} bytes, only {self.remaining} left")

    def _take(self, n: int, name: str) -> bytes:
        pos = self._pos
        end = pos + n
        if n < 0 or end > self._end:
            raise self._short(n, name)
        self._pos = end
        return bytes(self._data[pos:end])

    def _record(self, name: str, length: int, meaning: str) -> None:
        if self._spans is not None:
            path = ".".join([*self._scopes, name]) if name else self.context
            start = self.absolute - length
            self._spans.append(Span(path, start, length, meaning, len(self._scopes)))

    def _pull_int(self, size: int, name: str, describe: IntDescriber | None) -> int:
        pos = self._pos
        end = pos + size
        if end > self._end:
            raise self._short(size, name)
        self._pos = end
        value = int.from_bytes(self._data[pos:end], "big")
        if self._spans is not None:
            self._record(name, size, describe(value) if describe else str(value))
        return value

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes without consuming them."""
        if n > self.remaining:
            raise self.error(f"needs {n} bytes, only {self.remaining} left")
        return bytes(self._data[self._pos : self._pos + n])

    def pull_uint8(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read one byte as an unsigned integer."""
        pos = self._pos
        if pos >= self._end:
            raise self._short(1, name)
        self._pos = pos + 1
        value = self._data[pos]
        if self._spans is not None:
            self._record(name, 1, describe(value) if describe else str(value))
        return value

    def pull_uint16(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 16-bit unsigned integer."""
        return self._pull_int(2, name, describe)

    def pull_uint32(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 32-bit unsigned integer."""
        return self._pull_int(4, name, describe)

    def pull_bytes(self, n: int, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read ``n`` bytes (a zero-length read records no span)."""
        value = self._take(n, name)
        if n and self._spans is not None:
            self._record(name, n, describe(value) if describe else f"{n} bytes")
        return value

    def pull_rest(self, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read everything left in the current window."""
        return self.pull_bytes(self._end - self._pos, name, describe)

    # -- writing --------------------------------------------------------------------------
    def push_uint8(self, value: int) -> None:
        """Append one byte."""
        if not 0 <= value < 0x100:
            raise EncodeError(f"{value} does not fit in a 8-bit field")
        self._data += value.to_bytes(1, "big")

    def push_uint16(self, value: int) -> None:
        """Append a big-endian 16-bit integer."""
        if not 0 <= value < 0x10000:
            raise EncodeError(f"{value} does not fit in a 16-bit field")
        self._data += value.to_bytes(2, "big")

    def push_uint32(self, value: int) -> None:
        """Append a big-endian 32-bit integer."""
        if not 0 <= value < 0x100000000:
            raise EncodeError(f"{value} does not fit in a 32-bit field")
        self._data += value.to_bytes(4, "big")

    def push_bytes(self, value: bytes) -> None:
        """Append raw bytes."""
        self._data += value


class _Scope:
    """The context manager of :meth:`Buffer.scope` (a class: cheaper than a generator)."""

    __slots__ = ("_buf", "_meaning", "_name", "_start")

    def __init__(self, buf: Buffer, name: str, meaning: str) -> None:
        self._buf, self._name, self._meaning = buf, name, meaning
        self._start = 0

    def __enter__(self) -> None:
        buf = self._buf
        self._start = buf._base + buf._pos
        buf._scopes.append(self._name)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        buf = self._buf
        if buf._spans is None or exc_type is not None:
            buf._scopes.pop()
            return
        path = buf.context
        buf._scopes.pop()
        start = self._start
        span = Span(
            path, start, buf._base + buf._pos - start, self._meaning, len(buf._scopes), False
        )
        buf._spans.append(span)


class _Window:
    """The context manager of :meth:`Buffer.window`: the end of reads moves to ``length`` bytes
    ahead, and back on a clean exit once every one of them was read."""

    __slots__ = ("_buf", "_length", "_saved", "_what")

    def __init__(self, buf: Buffer, length: int, what: str) -> None:
        self._buf, self._length, self._what = buf, length, what
        self._saved = 0

    def __enter__(self) -> None:
        buf, length = self._buf, self._length
        if length > buf._end - buf._pos:
            raise buf.error(f"{self._what} {length} exceeds the {buf.remaining} bytes left")
        self._saved, buf._end = buf._end, buf._pos + length

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            return
        buf = self._buf
        if buf._pos != buf._end:
            raise buf.error(
                f"{buf._end - buf._pos} unexpected bytes before the end of its {self._what}"
            )
        buf._end = self._saved
