"""Reading what a learner typed: hex strings, choices, yes/no lists (and writing a several-word
answer back the way it is typed).

Every parser raises :class:`AnswerFormatError` (a ``ValueError``) with a message that says
what was expected, so :meth:`Exercise.check` can turn it into feedback instead of a traceback.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

_HEX_DIGITS = set(string.hexdigits)
_SEPARATORS = re.compile(r"[\s:\-_.,]+")


class AnswerFormatError(ValueError):
    """The answer cannot be read as the kind of value the exercise asks for."""


def parse_hex(answer: object, what: str) -> bytes:
    """``answer`` as bytes: ``bytes``, or hex text with or without spaces, colons and ``0x``.

    ``"0xAB CD"``, ``"ab:cd"``, ``"abcd"`` and ``b"\\xab\\xcd"`` all give ``b"\\xab\\xcd"``.
    """
    if isinstance(answer, (bytes, bytearray, memoryview)):
        return bytes(answer)
    if not isinstance(answer, str):
        raise AnswerFormatError(
            f"{what} is a byte string: give it as bytes or as hex text such as '0a1b2c...', "
            f"not a {type(answer).__name__}"
        )
    tokens = [t for t in _SEPARATORS.split(answer.strip()) if t]
    digits = "".join(t[2:] if t[:2].lower() == "0x" else t for t in tokens)
    if not digits:
        raise AnswerFormatError(f"the answer is empty: type {what} as hex")
    bad = sorted({c for c in digits if c not in _HEX_DIGITS})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise AnswerFormatError(f"{what} must be hex digits (0-9, a-f); found {shown}")
    if len(digits) % 2:
        raise AnswerFormatError(
            f"{len(digits)} hex digits is an odd number: a byte is two digits, is one missing?"
        )
    return bytes.fromhex(digits)


def parse_choice(answer: object, choices: Sequence[str], what: str) -> str:
    """One of ``choices`` (case-insensitive; ints are compared by their text)."""
    text = str(answer).strip().lower() if isinstance(answer, (str, int)) else None
    lowered = {c.lower(): c for c in choices}
    if text is None or text not in lowered:
        raise AnswerFormatError(f"{what}: answer one of {', '.join(choices)}")
    return lowered[text]


_YES = {"yes", "y", "true", "encrypted", "1"}
_NO = {"no", "n", "false", "clear", "plain", "0"}


def parse_yes_no_list(answer: object, count: int, what: str) -> tuple[bool, ...]:
    """``count`` yes/no answers, as text (``"yes no yes"``) or a sequence of bools/strings."""
    if isinstance(answer, str):
        items: list[object] = [t for t in _SEPARATORS.split(answer.strip()) if t]
    elif isinstance(answer, (list, tuple)):
        items = list(answer)
    else:
        raise AnswerFormatError(f"{what}: give {count} answers such as 'yes no yes no'")
    if len(items) != count:
        raise AnswerFormatError(
            f"{what}: {count} answers expected (one per line), got {len(items)}"
        )
    return tuple(_yes_no(item, what) for item in items)


def _yes_no(item: object, what: str) -> bool:
    if isinstance(item, bool):
        return item
    text = str(item).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise AnswerFormatError(f"{what}: {item!r} is neither yes nor no")


def show_tokens(values: Sequence[object]) -> str:
    """A several-word answer as a learner types it: space-separated, booleans as yes/no (what
    :func:`parse_yes_no_list` and the stepping exercises' token and number parsers read)."""
    return " ".join(("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values)
