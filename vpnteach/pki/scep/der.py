"""A DER walker for CMS / SCEP messages: every TLV as a node with its absolute offset.

DER (X.690 §8, §10) encodes each value as *identifier | length | contents*. :func:`walk_der`
reads a whole message into a tree of :class:`DerNode` (no schema needed: constructed values
and OCTET STRINGs that wrap a DER value -- the CMS ``eContent`` of a pkiMessage, RFC 5652
§5.2 -- are descended into), and :func:`der_spans` turns the tree into the same
span records (:class:`Span`, the twin of :class:`vpnteach.wire.buffer.Span`) the ISAKMP
codec produces: one group span per
constructed value, a leaf span per identifier+length header and per primitive contents, so
the leaves tile the message byte for byte.

Names are dotted paths of ``TYPE[i]`` (1-based position among the parent's children); a
SEQUENCE whose first element is an OBJECT IDENTIFIER is labelled with that OID's name
(``SEQUENCE(messageType)``), which is how a reader recognises AlgorithmIdentifiers,
attributes and ContentInfos. Bad input raises :class:`~vpnteach.pki.errors.ScepError`
naming the node path and the offset.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach.pki.errors import ScepError
from vpnteach.pki.scep import SCEP_ATTRIBUTE_NAMES
from vpnteach.wire.buffer import Span  # the ISAKMP codec's spans: one hex-dump renderer for both

MAX_DEPTH = 40  # a certificate inside SignedData inside OCTET STRING nests ~20 deep

OID_NAMES: dict[str, str] = {
    "1.2.840.113549.1.7.1": "data",
    "1.2.840.113549.1.7.2": "signedData",
    "1.2.840.113549.1.7.3": "envelopedData",
    "1.2.840.113549.1.1.1": "rsaEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption (weak)",
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    "2.16.840.1.101.3.4.1.2": "aes128-CBC",
    "2.16.840.1.101.3.4.1.22": "aes192-CBC",
    "2.16.840.1.101.3.4.1.42": "aes256-CBC",
    "1.2.840.113549.3.7": "des-ede3-cbc",
    "1.2.840.113549.1.9.1": "emailAddress",
    "1.2.840.113549.1.9.2": "unstructuredName",
    "1.2.840.113549.1.9.3": "contentType",
    "1.2.840.113549.1.9.4": "messageDigest",
    "1.2.840.113549.1.9.5": "signingTime",
    "1.2.840.113549.1.9.7": "challengePassword",
    "1.2.840.113549.1.9.14": "extensionRequest",
    "2.5.4.3": "commonName",
    "2.5.4.6": "countryName",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.37": "extKeyUsage",
    "2.5.29.20": "cRLNumber",
} | SCEP_ATTRIBUTE_NAMES

_UNIVERSAL = {
    0x01: "BOOLEAN",
    0x02: "INTEGER",
    0x03: "BIT STRING",
    0x04: "OCTET STRING",
    0x05: "NULL",
    0x06: "OBJECT IDENTIFIER",
    0x0C: "UTF8String",
    0x13: "PrintableString",
    0x14: "T61String",
    0x16: "IA5String",
    0x17: "UTCTime",
    0x18: "GeneralizedTime",
    0x1E: "BMPString",
    0x30: "SEQUENCE",
    0x31: "SET",
}
_STRINGS = {0x0C, 0x13, 0x14, 0x16}


@dataclass(frozen=True)
class DerNode:
    """One TLV: ``tag`` (identifier octet), where it starts, its header and contents sizes.

    Attributes:
        name: dotted path, e.g. ``"PKCSReq.[0][2].SEQUENCE[1].SET[5]"``.
        offset: absolute offset of the identifier octet.
        header_length: identifier + length octets.
        length: contents octets.
        meaning: decoded value of a primitive (OID name, integer, text, time).
        children: the values inside a constructed (or encapsulating) node.
    """

    name: str
    tag: int
    offset: int
    header_length: int
    length: int
    meaning: str
    children: tuple[DerNode, ...] = ()

    @property
    def end(self) -> int:
        """Offset just past the contents."""
        return self.offset + self.header_length + self.length

    @property
    def constructed(self) -> bool:
        """The identifier's constructed bit (X.690 §8.1.2.5)."""
        return bool(self.tag & 0x20)

    def find(self, suffix: str) -> list[DerNode]:
        """Every node (depth first) whose name ends with ``suffix``."""
        found = [self] if self.name.endswith(suffix) else []
        for child in self.children:
            found += child.find(suffix)
        return found


def type_name(tag: int) -> str:
    """``SEQUENCE``, ``INTEGER``, ``[0]`` (context-specific), ... for an identifier octet."""
    if tag & 0xC0 == 0x80:
        return f"[{tag & 0x1F}]"
    return _UNIVERSAL.get(tag, f"tag 0x{tag:02X}")


def _read_header(data: bytes, pos: int, end: int, path: str) -> tuple[int, int, int]:
    """(tag, header length, contents length) of the TLV at ``pos`` (X.690 §8.1.2-§8.1.3)."""
    if pos + 2 > end:
        raise ScepError("truncated: no room for a tag and a length", f"{path} at offset {pos}")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise ScepError("multi-byte tag numbers are not used by CMS", f"{path} at offset {pos}")
    if first < 0x80:
        return tag, 2, first
    count = first & 0x7F
    if count == 0:
        raise ScepError("indefinite length (BER, not DER)", f"{path} at offset {pos}")
    if count > 4 or pos + 2 + count > end:
        raise ScepError(f"bad {count}-byte length field", f"{path} at offset {pos}")
    length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
    if length < 0x80 or data[pos + 2] == 0:
        raise ScepError("length not in minimal form (BER, not DER)", f"{path} at offset {pos}")
    return tag, 2 + count, length


def _oid_text(contents: bytes) -> str:
    if not contents or contents[-1] & 0x80:
        raise ValueError("truncated OBJECT IDENTIFIER")
    arcs, value = [], 0
    for byte in contents:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _meaning(tag: int, contents: bytes) -> str:
    """A primitive's value in words (the text of its leaf span)."""
    if tag == 0x06:
        oid = _oid_text(contents)
        return f"{oid} = {OID_NAMES[oid]}" if oid in OID_NAMES else oid
    if tag == 0x02:
        value = int.from_bytes(contents, "big", signed=True)
        return str(value) if len(contents) <= 4 else f"0x{contents.hex().upper()}"
    if tag in _STRINGS:
        return repr(contents.decode("utf-8", errors="replace"))
    if tag in (0x17, 0x18):
        return contents.decode("ascii", errors="replace")
    if tag == 0x01:
        return "TRUE" if contents != b"\x00" else "FALSE"
    return f"{len(contents)} bytes"


def _encapsulates(contents: bytes) -> bool:
    """An OCTET STRING or [n] primitive whose contents are exactly one DER SEQUENCE/SET."""
    if len(contents) < 2 or contents[0] not in (0x30, 0x31):
        return False
    try:
        _, header, length = _read_header(contents, 0, len(contents), "")
    except ScepError:
        return False
    return header + length == len(contents)


def _walk(data: bytes, pos: int, end: int, name: str, depth: int) -> DerNode:
    if depth > MAX_DEPTH:
        raise ScepError(f"nested deeper than {MAX_DEPTH} levels", f"{name} at offset {pos}")
    tag, header, length = _read_header(data, pos, end, name)
    start, stop = pos + header, pos + header + length
    if stop > end:
        raise ScepError(
            f"{type_name(tag)} declares {length} contents bytes, only {end - start} remain",
            f"{name} at offset {pos}",
        )
    contents = data[start:stop]
    if tag & 0x20:
        children = _walk_children(data, start, stop, name, depth)
        return DerNode(name, tag, pos, header, length, _label(tag, children), children)
    if tag == 0x04 and _encapsulates(contents):
        # Only a guess: random bytes (a nonce, an encrypted key) may begin like a SEQUENCE of
        # the right length. They are shown as DER only if all of them read as DER.
        try:
            children = _walk_children(data, start, stop, name, depth)
        except ScepError:
            pass
        else:
            return DerNode(name, tag, pos, header, length, _label(tag, children), children)
    try:
        meaning = _meaning(tag, contents)
    except ValueError as exc:
        raise ScepError(str(exc), f"{name} at offset {pos}") from None
    return DerNode(name, tag, pos, header, length, meaning)


def _walk_children(data: bytes, pos: int, end: int, name: str, depth: int) -> tuple[DerNode, ...]:
    children: list[DerNode] = []
    while pos < end:
        child_tag = data[pos]
        child = _walk(
            data, pos, end, f"{name}.{type_name(child_tag)}[{len(children) + 1}]", depth + 1
        )
        children.append(child)
        pos = child.end
    return tuple(_relabel(child) for child in children)


def _label(tag: int, children: tuple[DerNode, ...]) -> str:
    if tag == 0x04:
        return "encapsulates DER"
    if children and children[0].tag == 0x06:
        return children[0].meaning
    return f"{len(children)} elements"


def _relabel(node: DerNode) -> DerNode:
    """``SEQUENCE[2]`` -> ``SEQUENCE(messageType)[2]`` when the SEQUENCE starts with an OID."""
    if node.tag != 0x30 or not node.children or node.children[0].tag != 0x06:
        return node
    oid_name = node.children[0].meaning.partition(" = ")[2].split(" ")[0]
    if not oid_name:
        return node
    head, sep, index = node.name.rpartition("[")
    new = f"{head}({oid_name})[{index}" if sep else node.name
    return _rename(node, node.name, new)


def _rename(node: DerNode, old: str, new: str) -> DerNode:
    children = tuple(_rename(c, old, new) for c in node.children)
    name = new + node.name[len(old) :] if node.name.startswith(old) else node.name
    return DerNode(
        name, node.tag, node.offset, node.header_length, node.length, node.meaning, children
    )


def walk_der(data: bytes, root: str = "message") -> DerNode:
    """The whole of ``data`` as one DER value (trailing bytes are an error).

    Raises:
        ScepError: truncated, BER-only or trailing input, naming the path and offset.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ScepError("empty or not bytes", root)
    node = _walk(bytes(data), 0, len(data), root, 0)
    if node.end != len(data):
        raise ScepError(f"{len(data) - node.end} bytes after the end of the DER value", root)
    return _relabel(node)


def der_spans(node: DerNode, depth: int = 0) -> list[Span]:
    """Spans of ``node`` in the ISAKMP codec's form: the leaves tile the message."""
    spans = [Span(f"{node.name}.tl", node.offset, node.header_length, type_name(node.tag), depth)]
    if node.children:
        group = Span(node.name, node.offset, node.end - node.offset, node.meaning, depth, False)
        spans.insert(0, group)
        for child in node.children:
            spans += der_spans(child, depth + 1)
    elif node.length:
        start = node.offset + node.header_length
        spans.append(Span(f"{node.name}.value", start, node.length, node.meaning, depth))
    return spans
