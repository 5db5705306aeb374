"""Checks that a renderer's output is well-formed: balanced HTML tags, parseable SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"br", "hr", "img", "meta", "input", "col", "wbr", "link", "source", "area", "base"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_well_formed(markup: str) -> str:
    """Fail unless every tag is closed in order; return the visible text.

    In the text, entities are decoded and runs of whitespace are one space.
    """
    parser = _Balance()
    parser.feed(markup)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert not parser.stack, f"unclosed tags: {parser.stack}"
    return re.sub(r"\s+", " ", " ".join(parser.text))


def svg_elements(markup: str) -> list[ET.Element]:
    """Every ``<svg>`` element in ``markup``, parsed as XML (fails on malformed SVG)."""
    found = re.findall(r"<svg\b.*?</svg>", markup, re.DOTALL)
    return [ET.fromstring(s) for s in found]


def local(tag: str) -> str:
    """``{http://www.w3.org/2000/svg}g`` -> ``g``."""
    return tag.rsplit("}", 1)[-1]
