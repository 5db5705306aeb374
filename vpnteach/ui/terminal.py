"""``vpnteach console``: the IOS console engine in a terminal, or as a transcript.

In a terminal the keys are read one by one in raw mode (:mod:`termios`), so ``?`` shows help
at once, Tab completes, the arrow keys walk the history and Ctrl-Z leaves configuration mode,
as on IOS (:mod:`vpnteach.ios.console.keys`). When standard input is not a terminal, lines are
read one by one and a transcript is printed as a captured IOS session: the prompt and the
command (a password answer is not echoed), then the output; a line ending in ``?`` prints the
help for what precedes it.

Devices: the console starts on ``Branch1`` (``--device``); a line ``@Branch2`` (``@ISP``,
``@CA``, ``@Branch1``) switches to another device's console, as the menu of a console server
does (docs/console.md); ``@CA`` is the Windows CA's command prompt
(:mod:`vpnteach.labs.ca_console`).
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Iterable
from typing import TextIO

from vpnteach.ios.console import Console
from vpnteach.ios.console.keys import LineEditor
from vpnteach.lab import Lab
from vpnteach.labs.ca_console import CaConsole
from vpnteach.labs.console import console_for


class ConsoleServer:
    """One console per router of ``lab``; ``@NAME`` lines switch between them. It has the
    console's own interface (:class:`~vpnteach.ios.console.keys.Target`)."""

    def __init__(self, lab: Lab, first: str = "Branch1") -> None:
        self.lab = lab
        self.consoles: dict[str, Console | CaConsole] = {
            name: console_for(router) for name, router in lab.routers.items()
        }
        if lab.ca is not None:
            self.consoles["CA"] = CaConsole(lab)
        if first not in self.consoles:
            raise ValueError(f"no router {first!r}: choose one of {', '.join(self.consoles)}")
        self.current = first
        self.said = ""

    @property
    def console(self) -> Console | CaConsole:
        """The console being typed at."""
        return self.consoles[self.current]

    @property
    def prompt(self) -> str:
        return self.console.prompt

    @property
    def secret(self) -> bool:
        return self.console.secret

    @property
    def asking(self) -> bool:
        return self.console.dialogue is not None

    @property
    def history(self) -> list[str]:
        return self.console.history

    def enter(self, line: str) -> str:
        """A line for the current console, or ``@NAME`` to switch."""
        if line.startswith("@") and self.console.dialogue is None:
            name = line[1:].strip()
            match = [n for n in self.consoles if n.lower() == name.lower()]
            if not match:
                return f"% No such device {name!r}: {', '.join(self.consoles)}\n"
            self.current = match[0]
            return f"[connected to {self.current}]\n"
        return self.console.enter(line)

    def help(self, line: str) -> str:
        return self.console.help(line)

    def complete(self, line: str) -> str:
        return self.console.complete(line)

    def end(self) -> str:
        return self.console.end()

    def unsolicited(self) -> str:
        return self.console.unsolicited()

    def feed(self, line: str) -> tuple[str, str]:
        """One input line: ``(echo, output)`` as a transcript shows them."""
        echo = self.prompt if self.secret else self.prompt + line
        if line.endswith("?") and self.console.dialogue is None:
            return echo, self.help(line[:-1])
        return echo, self.enter(line) + self.unsolicited()


def transcript(server: ConsoleServer, lines: Iterable[str], out: TextIO) -> None:
    """Feed ``lines``; print the session as a captured IOS console shows it."""
    for raw in lines:
        echo, output = server.feed(raw.rstrip("\r\n"))
        out.write(echo + "\n" + output)
    out.flush()


def interactive(server: ConsoleServer, fd: int = 0, out: TextIO = sys.stdout) -> None:
    """Keystrokes from terminal ``fd`` in raw mode until end of input (Ctrl-D on an empty
    line); the terminal's settings are restored whatever happens."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    editor = LineEditor(server)
    try:
        tty.setraw(fd)
        out.write(editor.start())
        out.flush()
        while True:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                out.write(editor.poll())
                out.flush()
                continue
            data = os.read(fd, 1024).decode("utf-8", errors="replace")
            if not data or (data == "\x04" and not editor.line):
                break
            out.write(editor.feed(data))
            out.flush()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        out.write("\r\n")


def main_console(blank: bool, seed: int, device: str) -> int:
    """The ``vpnteach console`` command."""
    from vpnteach.labs.console import blank_seed_lab

    lab = blank_seed_lab(seed) if blank else Lab.seed(seed)
    try:
        server = ConsoleServer(lab, device)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        interactive(server)
    else:
        transcript(server, sys.stdin, sys.stdout)
    return 0
