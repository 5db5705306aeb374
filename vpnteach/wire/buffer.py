"""A byte buffer with ``pull_*``/``push_*`` and optional field spans (aioquic-style).

Decoding reads fields in wire order with ``pull_uint8/16/32`` and ``pull_bytes``, or a fixed
run of them at once with :meth:`Buffer.pull_fields` and a :class:`Layout` (a header: one
``struct`` call instead of one call per field). When the buffer is created with a ``spans``
list, every pulled field is also recorded as a leaf :class:`Span` (name, absolute offset,
length, meaning), and every scope (a payload, a proposal, a transform, an attribute) as a group
span. Leaf spans of a decoded message tile it: every byte is covered by exactly one leaf span,
in order. Names nest by dotted path (``"SA[1].proposal[1].transform[1].attr[Encryption
Algorithm].value"``) and each span carries its ``depth`` (number of enclosing scopes), which
is all a hex-dump renderer needs.

Reads are bounded by a *window* (the current payload's declared length), so a payload body can
never read into the next payload; running past it raises :class:`DecodeError` naming the
payload and the absolute offset.

Scopes and windows come as ``open_*``/``close_*`` pairs (decoders call them once per payload,
so they are plain calls, not context-manager objects) and as the :meth:`Buffer.scope` and
:meth:`Buffer.window` context managers built on them. A decoder that raises leaves its scopes
open: the :class:`DecodeError` already carries the path, and the buffer is not read again.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vpnteach.wire.errors import DecodeError, EncodeError

IntDescriber = Callable[[int], str]
BytesDescriber = Callable[[bytes], str]
Describer = Callable[[Any], str]


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


class Layout:
    """A fixed run of big-endian fields, read or written with one ``struct`` call.

    Args:
        *fields: ``(name, code, describe)`` in wire order; ``code`` is ``"B"``, ``"H"``,
            ``"I"`` (8/16/32-bit unsigned) or ``"<n>s"`` (``n`` bytes); ``describe`` gives the
            meaning of a recorded span (``None``: the number, or ``"<n> bytes"``).

    ``Layout(("next_payload", "B", None), ("reserved", "B", None), ("payload_length", "H",
    None))`` is the generic payload header of RFC 2408 §3.2.
    """

    __slots__ = ("fields", "size", "struct")

    def __init__(self, *fields: tuple[str, str, Describer | None]) -> None:
        self.fields = tuple(
            (name, code, struct.calcsize("!" + code), d) for name, code, d in fields
        )
        self.struct = struct.Struct("!" + "".join(code for _, code, _ in fields))
        self.size = self.struct.size

    def pack(self, *values: Any) -> bytes:
        """The fields' bytes; a value that does not fit raises :class:`EncodeError`.

        ``bytes`` values must have their field's exact size (``struct`` would pad them).
        """
        try:
            return self.struct.pack(*values)
        except struct.error as exc:
            buf = Buffer()  # field by field: the error names the first value that does not fit
            for (_, code, size, _), value in zip(self.fields, values, strict=True):
                if code.endswith("s"):
                    buf.push_bytes(value)
                else:
                    buf._push_int(value, size)
            raise EncodeError(str(exc)) from None


class Buffer:
    """Read or write wire fields; optionally record spans while reading.

    Args:
        data: bytes to decode (empty to encode).
        base: absolute offset of ``data[0]`` in the message (28 for a decrypted body).
        spans: a list to append :class:`Span` records to, or ``None`` to record nothing.

    Without ``spans`` nothing is described: a ``describe`` callable is called only when its
    span is recorded, so decoding in the engine costs no text formatting.
    """

    __slots__ = ("_base", "_data", "_end", "_out", "_pos", "_scopes", "_spans")

    def __init__(self, data: bytes = b"", *, base: int = 0, spans: list[Span] | None = None):
        # Reads slice immutable bytes (one copy per field); writes append to a bytearray.
        self._data = bytes(data)
        self._out = bytearray()
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
        return self._data + self._out

    @property
    def context(self) -> str:
        """The current scope path, used in error messages."""
        return ".".join(self._scopes) or "ISAKMP header"

    def error(self, expected: str, offset: int | None = None) -> DecodeError:
        """A :class:`DecodeError` for the current scope at ``offset`` (default: here)."""
        return DecodeError(self.context, self.absolute if offset is None else offset, expected)

    # -- scopes and windows ---------------------------------------------------------------
    def open_scope(self, name: str) -> int:
        """Name a nested structure: fields pulled until :meth:`close_scope` get ``name.`` as
        prefix. Returns the structure's absolute start, to hand to :meth:`close_scope`."""
        self._scopes.append(name)
        return self._base + self._pos

    def close_scope(self, start: int, meaning: str = "") -> None:
        """End the innermost scope; when recording, it becomes a group span from ``start``."""
        spans = self._spans
        if spans is None:
            self._scopes.pop()
            return
        path = self.context
        self._scopes.pop()
        end = self._base + self._pos
        spans.append(Span(path, start, end - start, meaning, len(self._scopes), False))

    def open_window(self, length: int, what: str = "declared length") -> int:
        """Limit reads to the next ``length`` bytes; return the outer limit for
        :meth:`close_window`."""
        outer = self._end
        if length > outer - self._pos:
            raise self.error(f"{what} {length} exceeds the {self.remaining} bytes left")
        self._end = self._pos + length
        return outer

    def close_window(self, outer: int, what: str = "declared length") -> None:
        """End the window: all of its bytes must have been read; reads may go to ``outer``."""
        if self._pos != self._end:
            raise self.error(
                f"{self._end - self._pos} unexpected bytes before the end of its {what}"
            )
        self._end = outer

    @contextmanager
    def scope(self, name: str, meaning: str = "") -> Iterator[None]:
        """:meth:`open_scope` and :meth:`close_scope` as a context manager."""
        start = self.open_scope(name)
        try:
            yield
        except BaseException:
            self._scopes.pop()
            raise
        self.close_scope(start, meaning)

    @contextmanager
    def window(self, length: int, what: str = "declared length") -> Iterator[None]:
        """:meth:`open_window` and :meth:`close_window` as a context manager."""
        outer = self.open_window(length, what)
        yield
        self.close_window(outer, what)

    # -- reading --------------------------------------------------------------------------
    def _short(self, n: int, name: str) -> DecodeError:
        return self.error(f"field {name or 'data'} needs {n} bytes, only {self.remaining} left")

    def _record(self, name: str, start: int, length: int, meaning: str) -> None:
        if self._spans is not None:
            path = ".".join([*self._scopes, name]) if name else self.context
            self._spans.append(Span(path, self._base + start, length, meaning, len(self._scopes)))

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes without consuming them."""
        pos = self._pos
        if pos + n > self._end:
            raise self.error(f"needs {n} bytes, only {self.remaining} left")
        return self._data[pos : pos + n]

    def pull_fields(self, layout: Layout) -> tuple[Any, ...]:
        """Read the fields of ``layout`` (ints, or bytes for ``"<n>s"`` codes) in one go."""
        pos = self._pos
        if pos + layout.size > self._end:
            return self._pull_one_by_one(layout)  # raises the short field's error
        values = layout.struct.unpack_from(self._data, pos)
        self._pos = pos + layout.size
        if self._spans is not None:
            for (name, _, size, describe), value in zip(layout.fields, values, strict=True):
                self._record(name, pos, size, _meaning(value, describe))
                pos += size
        return values

    def _pull_one_by_one(self, layout: Layout) -> tuple[Any, ...]:
        values: list[Any] = []
        for name, code, size, describe in layout.fields:
            if code.endswith("s"):
                values.append(self.pull_bytes(size, name, describe))
            else:
                values.append(self._pull_int(size, name, describe))
        return tuple(values)

    def _pull_int(self, size: int, name: str, describe: IntDescriber | None) -> int:
        pos = self._pos
        end = pos + size
        if end > self._end:
            raise self._short(size, name)
        self._pos = end
        value = int.from_bytes(self._data[pos:end], "big")
        if self._spans is not None:
            self._record(name, pos, size, describe(value) if describe else str(value))
        return value

    def pull_uint8(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read one byte as an unsigned integer."""
        pos = self._pos
        if pos >= self._end:
            raise self._short(1, name)
        self._pos = pos + 1
        value = self._data[pos]
        if self._spans is not None:
            self._record(name, pos, 1, describe(value) if describe else str(value))
        return value

    def pull_uint16(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 16-bit unsigned integer."""
        return self._pull_int(2, name, describe)

    def pull_uint32(self, name: str = "", describe: IntDescriber | None = None) -> int:
        """Read a big-endian 32-bit unsigned integer."""
        return self._pull_int(4, name, describe)

    def pull_bytes(self, n: int, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read ``n`` bytes (a zero-length read records no span)."""
        pos = self._pos
        end = pos + n
        if n < 0 or end > self._end:
            raise self._short(n, name)
        self._pos = end
        value = self._data[pos:end]
        if n and self._spans is not None:
            self._record(name, pos, n, describe(value) if describe else f"{n} bytes")
        return value

    def pull_rest(self, name: str = "", describe: BytesDescriber | None = None) -> bytes:
        """Read everything left in the current window."""
        pos, end = self._pos, self._end
        self._pos = end
        value = self._data[pos:end]
        if pos != end and self._spans is not None:
            self._record(
                name, pos, end - pos, describe(value) if describe else f"{end - pos} bytes"
            )
        return value

    # -- writing --------------------------------------------------------------------------
    def _push_int(self, value: int, size: int) -> None:
        if not 0 <= value < 1 << 8 * size:
            raise EncodeError(f"{value} does not fit in a {8 * size}-bit field")
        self._out += value.to_bytes(size, "big")

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
        self._out += value


def _meaning(value: int | bytes, describe: Describer | None) -> str:
    if describe is not None:
        return describe(value)
    return f"{len(value)} bytes" if isinstance(value, bytes) else str(value)
