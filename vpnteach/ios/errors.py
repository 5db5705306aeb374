"""What goes wrong in an IOS configuration: errors IOS refuses, warnings IOS accepts.

An :class:`IosConfigError` is what IOS answers with ``% Invalid input detected at '^' marker.``
(or ``% Incomplete command.``): the line is refused. A :class:`ConfigWarning` is a configuration
IOS takes without complaint but that cannot work yet, e.g. a crypto map naming an access list
that does not exist; the troubleshooting lab reads these.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpnteach._html import HtmlRepr
from vpnteach.ios.vti_model import PROMPT


class IosConfigError(ValueError):
    """A configuration line IOS would refuse.

    Attributes:
        line: 1-based line number in the text given to the parser.
        text: the line as given (without its newline).
        expected: what would have been accepted, e.g. ``one of des, 3des, aes [128|192|256]``.
        column: 0-based character offset of the offending word in ``text`` (``len(text)`` when
            the command is incomplete).
        source: where the text came from (a file name, or ``<config>``).
        mode: the configuration mode the line was read in, e.g. ``config-isakmp``.
        hostname: the router's hostname at that point (for the prompt).
    """

    def __init__(
        self,
        line: int,
        text: str,
        expected: str,
        column: int = 0,
        source: str = "<config>",
        mode: str = "config",
        hostname: str = "Router",
    ) -> None:
        self.line = line
        self.text = text
        self.expected = expected
        self.column = column
        self.source = source
        self.mode = mode
        self.hostname = hostname
        self.caret = column
        """Where IOS's ``^`` goes: ``column``, or further inside a number or an address."""
        self.ambiguous = False
        """The word at ``column`` abbreviates several keywords (``% Ambiguous command``)."""
        where = f"line {line}" if source == "<config>" else f"{source} line {line}"
        super().__init__(f"{where}: `{text.strip()}`: expected {expected}")

    @property
    def incomplete(self) -> bool:
        """The line stopped before the command was complete (IOS: ``% Incomplete command.``)."""
        return not self.ambiguous and not self.text[self.column :].strip()

    def ios_message(self) -> str:
        """The exchange as an IOS console shows it: the prompt and line, then IOS's answer.

        For a bad word, a ``^`` under it and ``% Invalid input detected at '^' marker.``; for a
        line that stops too early, ``% Incomplete command.``.
        """
        mode = PROMPT.get(self.mode, self.mode)
        prompt = f"{self.hostname}#" if mode == "exec" else f"{self.hostname}({mode})#"
        typed = self.text.lstrip()
        echo = f"{prompt}{typed}"
        if self.ambiguous:
            return f'{echo}\n% Ambiguous command:  "{typed.rstrip()}"'
        if self.incomplete:
            return f"{echo}\n% Incomplete command."
        caret = len(prompt) + self.caret - (len(self.text) - len(typed))
        return f"{echo}\n{' ' * caret}^\n% Invalid input detected at '^' marker."


@dataclass(frozen=True)
class ConfigWarning(HtmlRepr):
    """A configuration IOS accepts that cannot work as it stands.

    Attributes:
        subject: what the warning is about, e.g. ``crypto map CRYPTO 10``.
        message: what is missing or dangling, in plain words.
    """

    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


class ExecError(ValueError):
    """An exec command the router refuses; the message is IOS's (with its ``^`` marker)."""
