"""The payload tree of an ISAKMP message: nested ``<details>`` built from the codec's spans.

The decoder records a group span for every structure it opens (header, payload, proposal,
transform, attribute) and a leaf span for every field, each with its nesting ``depth`` and a
``meaning`` written by the codec (``"2 = Identity Protection (Main Mode)"``). Rebuilding the
tree from those spans means the tree, the hex dump and the codec can never disagree about a
field's name or meaning. A :class:`~vpnteach.wire.Message` dataclass is encoded first, so the
tree shows the decoded dataclasses exactly as they travel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vpnteach.ui.hexdump import message_hexdump_html, plaintext_spans
from vpnteach.ui.markup import esc, note
from vpnteach.wire import Message, Span, encode_message, label
from vpnteach.wire import message_spans as wire_message_spans
from vpnteach.wire.constants import ExchangeType


@dataclass
class _Node:
    span: Span
    children: list[_Node] = field(default_factory=list)


def span_tree(spans: Sequence[Span]) -> list[_Node]:
    """Nest spans by depth: a span of depth d belongs to the last open group of depth d-1."""
    ordered = sorted(spans, key=lambda s: (s.offset, s.leaf, s.depth))
    roots: list[_Node] = []
    stack: list[_Node] = []
    for span in ordered:
        while stack and stack[-1].span.depth >= span.depth:
            stack.pop()
        node = _Node(span)
        (stack[-1].children if stack else roots).append(node)
        if not span.leaf:
            stack.append(node)
    return roots


def _local_name(span: Span, parent: str) -> str:
    prefix = parent + "."
    return span.name[len(prefix) :] if parent and span.name.startswith(prefix) else span.name


def _node_html(node: _Node, parent: str) -> str:
    span = node.span
    where = note(f"(offset {span.offset}, {span.length} bytes)")
    name = esc(_local_name(span, parent))
    if span.leaf:
        return f"<li><code>{name}</code> = {esc(span.meaning)} {where}</li>"
    inner = "".join(_node_html(child, span.name) for child in node.children)
    return (
        f"<li><details open><summary><b>{name}</b> — {esc(span.meaning)} {where}</summary>"
        f"<ul style='margin:0;padding-left:18px'>{inner}</ul></details></li>"
    )


def tree_html(spans: Sequence[Span], title: str = "") -> str:
    """The spans of one message as a nested list (groups are collapsible)."""
    items = "".join(_node_html(node, "") for node in span_tree(spans))
    head = f"<div style='font-weight:bold'>{esc(title)}</div>" if title else ""
    return (
        f"<div class='vpnteach-tree' style='font-size:13px'>{head}"
        f"<ul style='margin:0;padding-left:18px'>{items}</ul></div>"
    )


def payload_tree_html(message: Message | bytes, plaintext: bytes | None = None) -> str:
    """The payload tree of a message (with ``plaintext``: of its decrypted body)."""
    wire = message if isinstance(message, bytes) else encode_message(message)
    if plaintext is not None:
        _, spans = plaintext_spans(wire, plaintext)
        return tree_html(spans, "payloads (decrypted)")
    return tree_html(wire_message_spans(wire), "payloads")


def message_title(message: Message) -> str:
    """``"ISAKMP Identity Protection (Main Mode), 3 payloads"``-style heading."""
    h = message.header
    what = f"{len(message.payloads)} payloads" if not h.encrypted else "encrypted body"
    exchange = label(ExchangeType, h.exchange_type)
    return f"ISAKMP {exchange} message, message ID 0x{h.message_id:08x}, {what}"


def message_html(message: Message, plaintext: bytes | None = None) -> str:
    """A message: its title, payload tree and annotated hex dump (both views if encrypted)."""
    wire = encode_message(message)
    tree = payload_tree_html(wire, plaintext)
    dump = message_hexdump_html(wire, plaintext)
    return (
        f"<div class='vpnteach-message'><div style='font-weight:bold'>"
        f"{esc(message_title(message))}</div>{tree}"
        f"<details><summary>hex dump</summary>{dump}</details></div>"
    )
