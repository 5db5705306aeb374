"""Keystrokes in, terminal output out: IOS's line editing over a console (sans-IO).

The keys are IOS's (Cisco IOS Configuration Fundamentals Configuration Guide, "Using the Cisco
IOS Command-Line Interface", "Using the Command History Features" and "Using Editing
Features"): ``?`` prints help at once and redisplays the line; Tab completes; Up / Ctrl-P and
Down / Ctrl-N walk the history; Backspace, Ctrl-U (erase the line), Ctrl-W (erase a word);
Ctrl-Z leaves configuration mode (``^Z``); Ctrl-C drops the line. Output uses ``\\r\\n``, as a
terminal in raw mode needs.
"""

from __future__ import annotations

from typing import Protocol

UP, DOWN = ("\x1b[A", "\x10"), ("\x1b[B", "\x0e")


class Target(Protocol):
    """What is being typed at: a :class:`~vpnteach.ios.console.Console` or a console server."""

    @property
    def prompt(self) -> str:
        """The prompt (or question)."""
        ...

    @property
    def secret(self) -> bool:
        """Do not echo (a password)."""
        ...

    @property
    def asking(self) -> bool:
        """A dialogue waits for an answer: ``?`` and Tab are plain characters."""
        ...

    @property
    def history(self) -> list[str]:
        """Lines entered so far (newest last)."""
        ...

    def enter(self, line: str) -> str:
        """A complete line; its output."""
        ...

    def help(self, line: str) -> str:
        """``?`` after ``line``."""
        ...

    def complete(self, line: str) -> str:
        """Tab after ``line``."""
        ...

    def end(self) -> str:
        """Ctrl-Z."""
        ...

    def unsolicited(self) -> str:
        """Lines printed meanwhile."""
        ...


class LineEditor:
    """Feed keystrokes with :meth:`feed`; write what it returns to the terminal."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.line = ""
        self._escape = ""
        self._back = 0  # how far up the history Up has gone
        self._after_cr = False

    def start(self) -> str:
        """The first prompt."""
        return self.target.prompt

    def feed(self, keys: str) -> str:
        """Keystrokes (escape sequences may arrive in pieces); what to write."""
        out = ""
        for key in keys:
            if self._escape or key == "\x1b":
                self._escape += key
                if len(self._escape) >= 3 or (len(self._escape) == 2 and key != "["):
                    out += self._key(self._escape)
                    self._escape = ""
                continue
            out += self._key(key)
        return out

    def _key(self, key: str) -> str:
        after_cr, self._after_cr = self._after_cr, key == "\r"
        if key == "\n" and after_cr:
            return ""  # CR LF is one Enter
        if key in ("\r", "\n"):
            return self._enter()
        if key == "?" and not self.target.asking:
            return "?\r\n" + _crlf(self.target.help(self.line)) + self._redraw()
        if key == "\t" and not self.target.asking:
            self.line = self.target.complete(self.line)
            return self._redraw()
        if key in UP or key in DOWN:
            return self._history(1 if key in UP else -1)
        if key in ("\x7f", "\x08"):
            if not self.line:
                return ""
            self.line = self.line[:-1]
            return "" if self.target.secret else "\b \b"
        if key in ("\x15", "\x17"):  # Ctrl-U, Ctrl-W
            self.line = "" if key == "\x15" else self.line.rstrip().rpartition(" ")[0]
            self.line += " " if key == "\x17" and self.line else ""
            return self._redraw()
        if key == "\x1a":  # Ctrl-Z
            self.line = ""
            return "^Z\r\n" + _crlf(self.target.end() + self.target.unsolicited()) + self._redraw()
        if key == "\x03":  # Ctrl-C
            self.line = ""
            return "^C\r\n" + self._redraw()
        if key.isprintable() and len(key) == 1:
            self.line += key
            return "" if self.target.secret else key
        return ""  # other control keys and unknown sequences: ignored, as IOS does

    def _enter(self) -> str:
        line, self.line, self._back = self.line, "", 0
        output = self.target.enter(line) + self.target.unsolicited()
        return "\r\n" + _crlf(output) + self.target.prompt

    def _history(self, step: int) -> str:
        history = self.target.history
        self._back = max(0, min(len(history), self._back + step))
        self.line = history[-self._back] if self._back else ""
        return self._redraw()

    def _redraw(self) -> str:
        shown = "" if self.target.secret else self.line
        return "\r\x1b[K" + self.target.prompt + shown

    def poll(self) -> str:
        """Unsolicited lines printed while nothing is typed (then the line is redrawn)."""
        text = self.target.unsolicited()
        return "\r\x1b[K" + _crlf(text) + self._redraw()[4:] if text else ""


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
