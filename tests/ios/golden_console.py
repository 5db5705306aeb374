"""What every golden console test shares: the expected-output notation, a console brought into
a mode by the lines that enter it, and the check of one typed line's answer.

A case is ``(mode, key, typed, expected)``: in ``mode`` (reached by ``setup[mode]``), ``key``
``?`` asks for help on ``typed``, ``tab`` completes it and ``enter`` runs it; the answer must
be ``expected`` to the character, and a refused line (an answer with ``%``) changes neither
the configuration nor the mode (IOS Configuration Fundamentals, "Understanding CLI Error
Messages").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for


def L(*lines: str) -> str:
    """Console output: each line and its newline."""
    return "".join(line + "\n" for line in lines)


def console_in(lab: Lab, setup: Mapping[str, Sequence[str]], mode: str) -> Console:
    """A fresh console on ``lab``'s Branch1, in ``mode`` after typing ``setup[mode]``."""
    console = console_for(lab.branch1)
    for line in setup[mode]:
        console.enter(line)
    assert console.mode == mode
    return console


def check_golden(
    lab: Lab, setup: Mapping[str, Sequence[str]], mode: str, key: str, typed: str, expected: str
) -> None:
    """One golden case (see the module docstring)."""
    console = console_in(lab, setup, mode)
    before = lab.branch1.config
    answer = {"?": console.help, "tab": console.complete, "enter": console.enter}[key](typed)
    assert answer == expected
    if "%" in answer:  # a refused line changes nothing
        assert lab.branch1.config is before and console.mode == mode
