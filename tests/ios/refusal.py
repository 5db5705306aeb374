"""The check every "bad IOS line" test makes: the error names the line, its text, what was
expected there, and either the word under IOS's ``^`` or an incomplete command."""

from __future__ import annotations

import pytest

from vpnteach.ios import IosConfigError, parse_config


def assert_refused(text: str, line: int, expected: str, word: str | None) -> IosConfigError:
    """Parse ``text``; the error must be at ``line`` expecting ``expected``, with the caret at
    ``word`` (``None``: the command is incomplete). Returns the error for further checks."""
    with pytest.raises(IosConfigError) as caught:
        parse_config(text)
    error = caught.value
    bad_line = text.splitlines()[line - 1]
    assert (error.line, error.text, error.expected) == (line, bad_line, expected)
    if word is None:
        assert error.incomplete
    else:
        assert bad_line[error.column :].split()[0] == word
        assert "^\n% Invalid input detected at '^' marker." in error.ios_message()
    return error
