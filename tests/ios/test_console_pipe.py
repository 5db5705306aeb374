"""Output modifiers after ``|`` at the console (:mod:`vpnteach.ios.pipe`): golden cases, and
``include``/``exclude``/``begin`` checked against ``grep -E`` / ``sed -E`` on the same output."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.ios.golden_console import L, check_golden, console_in
from vpnteach.lab import Lab

SETUP = {"user": [], "exec": ["enable"], "config": ["enable", "configure terminal"]}

MODIFIERS = L(
    "  begin    Begin with the line that matches",
    "  count    Count number of lines which match regexp",
    "  exclude  Exclude lines that match",
    "  include  Include lines that match",
    "  section  Filter a section of output",
    "",
)
CARET_AT_BAR = " " * len("Branch1#clock set 10:00:00 6 Jun 2010 ") + "^"

CASES: list[tuple[str, str, str, str]] = [
    ("exec", "enter", "sh run | sec crypto isakmp",
     L("crypto isakmp policy 10", " encr 3des", " hash md5")),
    ("exec", "enter", "sh run | i _Serial", L("interface Serial1/0")),  # `_`: start or space
    ("exec", "enter", "sh run | inc ^ip route|^ntp",
     L("ip route 0.0.0.0 0.0.0.0 10.1.1.2", "ntp server 192.168.1.9")),
    ("exec", "enter", "show running-config | count ^crypto",
     L("Number of lines which match regexp = 4")),
    ("exec", "enter", "show crypto isakmp sa | exclude ^$",
     L("IPv4 Crypto ISAKMP SA",
       "dst             src             state          conn-id slot status",
       "IPv6 Crypto ISAKMP SA")),
    ("exec", "enter", "sh run | be ^ntp", L("ntp server 192.168.1.9", "!", "end")),
    ("exec", "enter", "sh run | i no.such.line", ""),
    ("user", "enter", "sh cry isa sa | i IPv4", L("IPv4 Crypto ISAKMP SA")),
    ("config", "enter", "do sh run | i ^hostname", L("hostname Branch1")),
    # refused: IOS's marker under the word it cannot read, or an incomplete line
    ("exec", "enter", "sh run | foo x",
     L(" " * len("Branch1#sh run | ") + "^", "% Invalid input detected at '^' marker.", "")),
    ("exec", "enter", "sh run | inc", L("% Incomplete command.", "")),
    ("exec", "enter", "sh run |", L("% Incomplete command.", "")),
    ("exec", "enter", "clock set 10:00:00 6 Jun 2010 | i x",  # `|` only after show
     L(CARET_AT_BAR, "% Invalid input detected at '^' marker.", "")),
    ("exec", "enter", "sh run | i (",
     L('% Invalid regular expression "(": missing ), unterminated subpattern')),
    # help and completion
    ("exec", "?", "sh run | ", MODIFIERS),
    ("config", "?", "do sh run | ", MODIFIERS),
    ("exec", "?", "sh run | i", "include  \n\n"),
    ("exec", "?", "sh run | include ", L("  LINE  Regular Expression", "")),
    ("exec", "?", "ping 10.2.2.1 | ", "% Unrecognized command\n"),
    ("exec", "?", "sh run | x", "% Unrecognized command\n"),
    ("exec", "tab", "sh run | inc", "sh run | include "),
]  # fmt: skip


@pytest.mark.parametrize(("mode", "key", "typed", "expected"), CASES)
def test_golden(lab: Lab, mode: str, key: str, typed: str, expected: str) -> None:
    check_golden(lab, SETUP, mode, key, typed, expected)


def test_show_history_a_console_command_is_filtered_too(lab: Lab) -> None:
    console = console_in(lab, SETUP, "exec")
    console.enter("show running-config")
    assert console.enter("show history | i config$") == L("  show running-config")


@pytest.mark.parametrize("regexp", ["crypto", "^ ", "pkts|spi", "[0-9]+\\.[0-9]+", "map$"])
@pytest.mark.skipif(shutil.which("grep") is None or shutil.which("sed") is None, reason="no grep")
def test_include_exclude_begin_agree_with_grep_and_sed(lab: Lab, regexp: str) -> None:
    console = console_in(lab, SETUP, "exec")
    text = console.enter("show running-config")

    def tool(*argv: str) -> str:
        return subprocess.run(argv, input=text, capture_output=True, text=True).stdout

    assert console.enter(f"show running-config | include {regexp}") == tool("grep", "-E", regexp)
    assert console.enter(f"sh run | exclude {regexp}") == tool("grep", "-Ev", regexp)
    sed = "/" + regexp.replace("/", "\\/") + "/,$p"
    assert console.enter(f"sh run | begin {regexp}") == tool("sed", "-En", sed)
