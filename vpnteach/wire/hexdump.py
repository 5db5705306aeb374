"""A plain-text annotated hex dump from spans (the notebook view draws a richer one).

One line per leaf field, indented by depth, with group headings::

    0000  bd75fba226eee4e5          header.cky_i          initiator cookie bd75fba226eee4e5
"""

from __future__ import annotations

from collections.abc import Iterable

from vpnteach.wire.buffer import Span


def annotated_hexdump(data: bytes, spans: Iterable[Span], base: int = 0, width: int = 16) -> str:
    """Render ``spans`` of ``data`` (whose first byte is at absolute offset ``base``).

    Long fields show their first ``width`` bytes followed by ``...``.
    """
    ordered = sorted(spans, key=lambda s: (s.offset, s.leaf, s.depth))
    lines = []
    for span in ordered:
        indent = "  " * span.depth
        if not span.leaf:
            lines.append(f"{span.offset:04x}  {indent}{span.name} ({span.length} bytes)")
            continue
        chunk = data[span.offset - base : span.offset - base + min(span.length, width)]
        text = chunk.hex() + ("..." if span.length > width else "")
        field = span.name.rsplit(".", 1)[-1]
        lines.append(f"{span.offset:04x}  {indent}{text:<{2 * width + 3}} {field}: {span.meaning}")
    return "\n".join(lines)
