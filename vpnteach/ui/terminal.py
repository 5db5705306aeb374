"""``vpnteach console``: the IOS console engine in a terminal, or as a transcript.

With standard input a terminal, each line is read with the terminal's line editing (history
with the arrow keys through :mod:`readline`); a line ending in ``?`` prints IOS's help and
gives the line back, a line ending in a Tab character completes. When standard input is not a
terminal, lines are read one by one and a transcript is printed as a captured IOS session:
the prompt and the command (a password answer is not echoed), then the output.

Devices: the console starts on ``Branch1``; a line ``@Branch2`` (or ``@CA``, ``@Branch1``)
switches to another device's console, as a console server's menu does. The CA's console
answers only ``show`` of its issued certificates (it is a Windows server in the seed).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for


class ConsoleServer:
    """One console per router of ``lab``; ``@NAME`` lines switch between them."""

    def __init__(self, lab: Lab, first: str = "Branch1") -> None:
        self.lab = lab
        self.consoles: dict[str, Console] = {
            name: console_for(router) for name, router in lab.routers.items()
        }
        self.current = first

    @property
    def console(self) -> Console:
        """The console being typed at."""
        return self.consoles[self.current]

    def feed(self, line: str) -> tuple[str, str]:
        """One input line: ``(echo, output)`` as a transcript shows them."""
        console = self.console
        prompt = console.prompt
        if line.startswith("@") and console.dialogue is None:
            name = line[1:].strip()
            match = [n for n in self.consoles if n.lower() == name.lower()]
            if not match:
                return line, f"% No such device {name!r}: {', '.join(self.consoles)}\n"
            self.current = match[0]
            return line, f"[connected to {self.current}]\n"
        echo = prompt if console.secret else prompt + line
        if line.endswith("?") and console.dialogue is None:
            return echo, console.help(line[:-1])
        return echo, console.enter(line) + console.unsolicited()


def transcript(server: ConsoleServer, lines: Iterable[str], out: TextIO) -> None:
    """Feed ``lines``; print the session as a captured IOS console shows it."""
    for raw in lines:
        echo, output = server.feed(raw.rstrip("\r\n"))
        out.write(echo + "\n" + output)
    out.flush()


def interactive(server: ConsoleServer) -> None:  # pragma: no cover - needs a terminal
    """Read lines from the terminal (readline history), ``?`` and Tab at the line's end."""
    import readline  # noqa: F401  (arrow-key history for input())

    pending = ""
    while True:
        console = server.console
        try:
            line = input(console.prompt + pending) if not console.secret else _secret(console)
        except EOFError:
            return
        line = pending + line
        pending = ""
        if line.endswith("\t"):
            pending = console.complete(line[:-1])
            continue
        if line.endswith("?"):
            sys.stdout.write(console.help(line[:-1]))
            pending = line[:-1]
            continue
        _, output = server.feed(line)
        sys.stdout.write(output)


def _secret(console: Console) -> str:  # pragma: no cover - needs a terminal
    import getpass

    return getpass.getpass(console.prompt)


def main_console(blank: bool, seed: int, device: str) -> int:
    """The ``vpnteach console`` command."""
    from vpnteach.labs.console import blank_seed_lab

    lab = blank_seed_lab(seed) if blank else Lab.seed(seed)
    server = ConsoleServer(lab, device)
    if sys.stdin.isatty():
        interactive(server)
    else:
        transcript(server, sys.stdin, sys.stdout)
    return 0
