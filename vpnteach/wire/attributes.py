"""ISAKMP data attributes (RFC 2408 §3.3), as used by transforms (RFC 2409 App. A, RFC 2407 §4.5).

::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    !A!       Attribute Type        !    AF=0  Attribute Length     !
    !F!                             !    AF=1  Attribute Value      !
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    .                   AF=0  Attribute Value                       .
    .                   AF=1  Not Transmitted                       .
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

AF=1 is the TV (Type/Value, "basic") form with a 16-bit value; AF=0 the TLV ("variable") form.
A :class:`DataAttribute` remembers its form, so re-encoding gives back the same bytes: an
IKE Life Duration of 86400 s usually travels as TLV ``000c 0004 00015180``, not as TV.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from vpnteach._html import HtmlRepr
from vpnteach.wire.buffer import Buffer, Layout
from vpnteach.wire.constants import (
    IKE_ATTRIBUTE_VALUES,
    IPSEC_ATTRIBUTE_VALUES,
    IkeAttribute,
    IpsecAttribute,
    label,
)
from vpnteach.wire.errors import EncodeError

AF_BIT = 0x8000


@dataclass(frozen=True)
class DataAttribute(HtmlRepr):
    """One data attribute.

    Attributes:
        type: the attribute class (15 bits), e.g. ``IkeAttribute.ENCRYPTION_ALGORITHM``.
        value: an ``int`` (TV form, 0..65535) or ``bytes`` (TLV form).
        tv: ``True`` for the TV form (AF bit set). A TLV attribute given an ``int`` value is
            written as 4 bytes; decoding always gives ``bytes`` for TLV.
    """

    type: int
    value: int | bytes
    tv: bool = True

    @classmethod
    def basic(cls, type: int, value: int) -> DataAttribute:
        """A TV attribute with a 16-bit value."""
        return cls(type, value, True)

    @classmethod
    def variable(cls, type: int, value: bytes) -> DataAttribute:
        """A TLV attribute carrying ``value`` as bytes."""
        return cls(type, value, False)

    @classmethod
    def integer(cls, type: int, value: int) -> DataAttribute:
        """TV if ``value`` fits 16 bits, else TLV with the fewest 4-byte words (RFC 2408 §3.3)."""
        if 0 <= value <= 0xFFFF:
            return cls.basic(type, value)
        size = max(4, -(-value.bit_length() // 32) * 4)
        return cls.variable(type, value.to_bytes(size, "big"))

    @property
    def int_value(self) -> int:
        """The value as an integer (a TLV value is read big-endian)."""
        if isinstance(self.value, int):
            return self.value
        return int.from_bytes(self.value, "big")


def pull_attribute(buf: Buffer, ike: bool) -> DataAttribute:
    """Read one attribute; ``ike`` picks the IKE (phase 1) or IPsec DOI attribute classes."""
    if not buf.recording and buf.remaining >= 4:
        # Both forms start with two 16-bit words, which cannot fail to read; a whole TV
        # attribute needs no scope (it would only name spans and errors).
        word, second = buf.pull_fields(_TV)
        type = word & ~AF_BIT
        if word >= AF_BIT:
            return DataAttribute(type, second, True)
        start = buf.open_scope(f"attr[{attribute_name(type, ike)}]")
        attr = DataAttribute(type, buf.pull_bytes(second, "value"), False)
        buf.close_scope(start)
        return attr
    word = int.from_bytes(buf.peek(2), "big")
    type, tv = word & ~AF_BIT, word >= AF_BIT
    name = attribute_name(type, ike)
    start = buf.open_scope(f"attr[{name}]")
    if buf.recording:
        attr = _pull_described(buf, type, tv, name, ike)
        buf.close_scope(start, f"data attribute {type} = {name}")
        return attr
    if tv:
        attr = DataAttribute(type, buf.pull_fields(_TV)[1], True)
    else:
        length = buf.pull_fields(_TLV)[1]
        attr = DataAttribute(type, buf.pull_bytes(length, "value"), False)
    buf.close_scope(start)
    return attr


# Without spans the two 16-bit words of an attribute are read in one struct call.
_TV = Layout(("af_type", "H", None), ("value", "H", None))
_TLV = Layout(("af_type", "H", None), ("length", "H", None))


def _pull_described(buf: Buffer, type: int, tv: bool, name: str, ike: bool) -> DataAttribute:
    """The same fields, each described for its span: the type by name, the value by its enum."""
    form = "TV" if tv else "TLV"
    buf.pull_uint16("af_type", lambda _: f"AF={int(tv)} ({form}), type {type} = {name}")
    if tv:
        value = buf.pull_uint16("value", lambda v: describe_attribute_value(type, v, ike))
        return DataAttribute(type, value, True)
    length = buf.pull_uint16("length", lambda n: f"{n} value bytes follow")
    data = buf.pull_bytes(
        length, "value", lambda b: describe_attribute_value(type, int.from_bytes(b, "big"), ike)
    )
    return DataAttribute(type, data, False)


def attribute_name(attr_type: int, ike: bool) -> str:
    """The attribute class name, e.g. ``"ENCRYPTION_ALGORITHM"``."""
    return label(IkeAttribute if ike else IpsecAttribute, attr_type)


def describe_attribute_value(attr_type: int, value: int, ike: bool) -> str:
    """``"5 = 3DES-CBC"`` for a known value enum, else the plain number."""
    if value.bit_length() > 64:  # a long TLV value: in hex (decimal may exceed str's limit)
        return f"0x{value:x}"
    table = IKE_ATTRIBUTE_VALUES if ike else IPSEC_ATTRIBUTE_VALUES
    enum_cls: type[IntEnum] | None = table.get(attr_type)
    return f"{value} = {label(enum_cls, value)}" if enum_cls else str(value)


def encode_attribute(attr: DataAttribute) -> bytes:
    """One attribute in the form it carries."""
    if not 0 <= attr.type < AF_BIT:
        raise EncodeError(f"attribute type {attr.type} does not fit in 15 bits")
    if attr.tv:
        if not isinstance(attr.value, int):
            raise EncodeError(f"TV attribute {attr.type} needs an int value, not bytes")
        try:  # one struct call on the common path; Layout.pack names what does not fit
            return _TV.struct.pack(AF_BIT | attr.type, attr.value)
        except struct.error:
            return _TV.pack(AF_BIT | attr.type, attr.value)
    data = attr.value if isinstance(attr.value, bytes) else attr.value.to_bytes(4, "big")
    return _TLV.pack(attr.type, len(data)) + data


def push_attribute(buf: Buffer, attr: DataAttribute) -> None:
    """Write one attribute in the form it carries."""
    buf.push_bytes(encode_attribute(attr))
