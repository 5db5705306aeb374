"""Peer-controlled text made safe to print: one line, no control characters.

Much of what a router logs comes from the peer before anything is authenticated: the ID of
an Aggressive Mode initiator (an FQDN in AM1, in the clear), certificate subjects, vendor IDs,
notification data. Printed as received, a newline in an FQDN starts a new log line that the
reader takes for the router's own (a forged ``ISAKMP: ... authenticated`` line, with a real
timestamp in front of it), and an ANSI escape sequence (``ESC [ ...``) reaches the terminal
that shows the console.

strongSwan's answer, which this module follows: its ``chunk_printable(chunk, &sane, '?')``
(``libstrongswan/utils/chunk.c``) copies the bytes and replaces every byte for which C's
``isprint()`` is false with ``'?'``; the printf hook of ``identification_t`` uses it for
ID_FQDN, ID_RFC822_ADDR and URI identities, an ID_KEY_ID is printed as text only when it is
fully printable (else in hex), and vendor IDs are logged in hex. Every unprintable character
becomes exactly one ``'?'``, so the text keeps its length and its shape and nothing is hidden.

vpnteach holds decoded text (``str``), so "printable" is Python's :meth:`str.isprintable`:
every character except those Unicode classes as Other (``Cc`` controls: NUL..US, DEL and
the C1 controls including CSI U+009B; ``Cf`` format characters such as the bidirectional
overrides U+202E that reorder what a reader sees; unassigned and private-use code points)
or Separator (``Zl``/``Zp`` line and paragraph separators, which :meth:`str.splitlines`
treats as line breaks, and ``Zs`` spaces other than the ASCII space). In ASCII this is exactly
C's ``isprint``: 0x20..0x7E are kept, everything else is replaced.
"""

from __future__ import annotations

__all__ = ["REPLACEMENT", "printable", "printable_lines"]

REPLACEMENT = "?"
"""What an unprintable character becomes (strongSwan's choice)."""


def printable(text: str) -> str:
    """``text`` with every unprintable character (a newline too) replaced by ``'?'``."""
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(ch if ch.isprintable() else REPLACEMENT for ch in text)


def printable_lines(text: str) -> str:
    """Multi-line ``text`` (a ``show`` output) with its ``\\n`` line breaks kept and every
    other unprintable character of each line replaced, so no line can hide a control code."""
    return "\n".join(printable(line) for line in text.split("\n"))
