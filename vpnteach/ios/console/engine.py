"""The IOS console engine: one router's command line, sans-IO (a line in, text out).

Modes and prompts as IOS has them (Cisco IOS Configuration Fundamentals Configuration Guide,
"Using the Cisco IOS Command-Line Interface", "Command Modes"): user EXEC ``Branch1>``,
``enable`` -> privileged EXEC ``Branch1#``, ``configure terminal`` -> ``Branch1(config)#`` and
its sub-modes (the names of :mod:`vpnteach.ios.commands`); ``exit`` goes up one mode, ``end``
(or Ctrl-Z) back to EXEC; ``do`` runs an EXEC command from any configuration mode.

Everything comes from the command trees: EXEC lines from :mod:`vpnteach.ios.execmode`,
configuration lines go through :func:`vpnteach.ios.config.apply_line` (each line applied
whole or not at all). Errors are IOS's: ``% Ambiguous command:  "..."``, ``% Incomplete
command.``, ``% Invalid input detected at '^' marker.`` with the ``^`` under the first
character IOS rejects, and in user EXEC a lone unknown word is taken for a host name to
connect to, as IOS does (``% Unknown command or computer name, or unable to find computer
address``). ``?`` and Tab are :mod:`vpnteach.ios.console.help`.
"""

from __future__ import annotations

from collections.abc import Callable

from vpnteach._html import WidgetRepr
from vpnteach.ios.commands import CRYPTO_MAP
from vpnteach.ios.config import REFUSED, apply_commands, apply_line, find_command
from vpnteach.ios.console import dialogs
from vpnteach.ios.console.device import ConsoleDevice
from vpnteach.ios.console.help import MAX_LINE, bad_character, complete_line, help_text
from vpnteach.ios.errors import ExecError, IosConfigError
from vpnteach.ios.execmode import CONSOLE_EXEC_TREE, USER_TREE, ExecCommand, parse_piped, refusal
from vpnteach.ios.grammar import Args, Mismatch
from vpnteach.ios.interactive import AUTHENTICATE, ENROLL
from vpnteach.ios.model import RouterConfig
from vpnteach.ios.tree import Ambiguous
from vpnteach.ios.vti_model import PROMPT

USER, EXEC, CONFIG = "user", "exec", "config"
HISTORY_SIZE = 10
"""IOS keeps the last ten lines by default (``terminal history size``)."""

_UNKNOWN = "% Unknown command or computer name, or unable to find computer address"


class Console(WidgetRepr):
    """One router's console (see the module docstring). A notebook shows it as its widget
    once :mod:`vpnteach.ui` is loaded (the widget registry of :mod:`vpnteach._html`)."""

    def __init__(self, device: ConsoleDevice, *, enabled: bool = False) -> None:
        self.device = device
        self.mode = EXEC if enabled else USER
        self.context: object = None
        self.key_hex: tuple[str, ...] = ()
        self.history: list[str] = []
        self.dialogue: dialogs.Dialogue | None = None
        self.question: dialogs.Ask | None = None
        self.later: list[str] = []

    @property
    def prompt(self) -> str:
        """What is printed before the cursor (a dialogue's question while one runs)."""
        if self.question is not None:
            return self.question.question
        host = self.device.hostname
        shown = PROMPT.get(self.mode, self.mode)  # Tunnel0's mode is prompted config-if
        return {USER: f"{host}>", EXEC: f"{host}#"}.get(self.mode, f"{host}({shown})#")

    @property
    def secret(self) -> bool:
        """The answer being typed must not be echoed (a challenge password)."""
        return self.question is not None and self.question.secret

    @property
    def asking(self) -> bool:
        """A dialogue waits for an answer (``?`` and Tab are then plain characters)."""
        return self.question is not None

    # ------------------------------------------------------------------ lines

    def enter(self, line: str) -> str:
        """The line typed before Enter; what the console prints (before the next prompt)."""
        if self.dialogue is not None:
            return self._answer(line)
        indent = len(self.prompt)
        bad = bad_character(line)
        if bad is not None:
            return _lines(
                [" " * (indent + bad) + "^", "% Invalid input detected at '^' marker.", ""]
            )
        if not line.strip():
            return ""
        self.history = [*self.history, line.strip()][-HISTORY_SIZE:]
        if self.mode in (USER, EXEC):
            return self._exec(line, indent, self.mode == EXEC)
        return self._configure(line, indent)

    def help(self, line: str) -> str:
        """``?`` typed after ``line``: IOS's help (``% Unrecognized command`` if none)."""
        return "" if self.asking else help_text(self.mode, line)

    def complete(self, line: str) -> str:
        """Tab after ``line``: the line with its last word completed (unchanged if ambiguous)."""
        return complete_line(self.mode, line)

    def end(self) -> str:
        """Ctrl-Z: back to privileged EXEC from any configuration mode (a dialogue is
        abandoned, as IOS aborts it)."""
        if self.dialogue is not None:
            self.dialogue.close()
            self.dialogue = self.question = None
            return "% Aborted.\n"
        if self.mode in (USER, EXEC):
            return ""
        self.mode, self.context, self.key_hex = EXEC, None, ()
        return self._configured()

    def unsolicited(self) -> str:
        """Lines printed since the last prompt without being asked for (debug, ``%PKI-...``)."""
        out = "".join(self.later) + self.device.unsolicited()
        self.later = []
        return out

    def __repr__(self) -> str:
        return f"Console({self.device.hostname!r}, prompt={self.prompt!r})"

    # ------------------------------------------------------------------ EXEC

    def _exec(self, line: str, indent: int, privileged: bool) -> str:
        words = line.split()
        try:
            command, args, piped = parse_piped(CONSOLE_EXEC_TREE if privileged else USER_TREE, line)
        except ExecError as exc:  # a regular expression that is none
            return f"{exc}\n"
        except Mismatch as miss:
            if len(words) == 1 and miss.index == 0 and not isinstance(miss, Ambiguous):
                # IOS takes a lone unknown word for a host to telnet to (ip domain-lookup)
                translating = f'Translating "{words[0]}"...domain server (255.255.255.255)'
                return _lines([translating, _UNKNOWN, ""])
            return _lines([*refusal(line, miss, indent), ""])
        try:
            if command.handler is None:
                out = self._action(command, args)
            else:
                out = command.handler(self.device, args)
        except ExecError as exc:
            return f"{exc}\n"
        return out if piped is None else piped.apply(out)

    def _action(self, command: ExecCommand, args: Args) -> str:
        action = command.action
        if action == "configure":
            if self.mode == USER:
                return ""
            self.mode, self.context = CONFIG, None
            return "Enter configuration commands, one per line.  End with CNTL/Z.\n"
        if action == "enable":
            self.mode = EXEC
        elif action == "disable":
            self.mode = USER
        elif action == "exit":
            self.mode = USER
            return (
                f"\n{self.device.hostname} con0 is now available\n\nPress RETURN to get started.\n"
            )
        elif action == "history":
            return "".join(f"  {line}\n" for line in self.history)
        elif action == "copy-run":
            return self.device.save_config(args["file"])
        elif action == "copy-file":
            return self._load(args["file"])
        return ""

    def _load(self, path: str) -> str:
        """``copy FILE running-config``: merged into the running configuration as if typed,
        all lines or none (IOS merges; a refused line names its line number here)."""
        try:
            text = self.device.read_config(path)
            config = apply_commands(self.device.config, text, path)
        except ExecError as exc:
            return f"{exc}\n"
        except IosConfigError as error:
            return f"%Error parsing {path}: {error}\n{error.ios_message()}\n"
        out = self.device.set_config(config)
        return f"Destination filename [running-config]? \n{len(text)} bytes copied\n{out}"

    # ------------------------------------------------------------------ configuration

    def _configure(self, line: str, indent: int) -> str:
        words = line.split()
        if words[0].lower() == "do":
            rest = line.split(None, 1)[1] if len(words) > 1 else ""
            if not rest:
                return "% Incomplete command.\n\n"
            return self._exec(rest, indent + line.index(rest), True)
        try:
            command, args, _ = find_command(self.mode, words)
        except Mismatch:
            command = None
        if command is not None and command.pattern in (AUTHENTICATE, ENROLL):
            start = dialogs.authenticate if command.pattern == AUTHENTICATE else dialogs.enroll
            return self._start(lambda: start(self.device, args["tp"]))
        rsa = command is not None and command.pattern.startswith("crypto key generate rsa")
        if rsa and "modulus" not in [w.lower() for w in words]:
            label = args["options"].label or self.device.fqdn()
            return self._start(lambda: self._modulus(line, label))
        return self._apply(line, indent)

    def _apply(self, line: str, indent: int) -> str:
        try:
            result = apply_line(self.device.config, self.mode, self.context, line, self.key_hex)
        except IosConfigError as error:
            return _lines([*_config_refusal(error, line, indent), ""])
        was, old = self.mode, self.device.config
        self.mode, self.context, self.key_hex = result.mode, result.context, result.key_hex
        out = _new_map_note(old, result.mode, result.context) + self.device.set_config(
            result.config
        )
        pattern = result.command.pattern if result.command is not None else ""
        if pattern == "end" or (pattern == "exit" and was == CONFIG):
            self.mode, self.context = EXEC, None
            out += self._configured()
        return out

    def _modulus(self, line: str, label: str) -> dialogs.Dialogue:
        modulus = yield from dialogs.generate_rsa(label)
        return self._apply(f"{line} modulus {modulus}", 0)

    def _configured(self) -> str:
        now = self.device.clock()
        stamp = f"{now:%b} {now.day} {now:%H:%M:%S}.{now.microsecond // 1000:03d}"
        self.later.append(f"{stamp}: %SYS-5-CONFIG_I: Configured from console by console\n")
        return ""

    # ------------------------------------------------------------------ dialogues

    def _start(self, make: Callable[[], dialogs.Dialogue]) -> str:
        try:
            dialogue = make()
            ask = next(dialogue)
        except ExecError as exc:
            return f"{exc}\n"
        except StopIteration as done:
            return _text(done.value)
        self.dialogue, self.question = dialogue, ask
        return _text(ask.text)

    def _answer(self, line: str) -> str:
        assert self.dialogue is not None
        try:
            ask = self.dialogue.send(line)
        except StopIteration as done:
            self.dialogue = self.question = None
            return _text(done.value)
        except ExecError as exc:
            self.dialogue = self.question = None
            return f"{exc}\n"
        self.question = ask
        return _text(ask.text)


_MAP_NOTE = (
    "% NOTE: This new crypto map will remain disabled until a peer\n"
    "        and a valid access list have been configured.\n"
)


def _new_map_note(old: RouterConfig, mode: str, context: object) -> str:
    """What IOS prints on creating a crypto map entry (Cisco IOS Security Configuration
    Guide, "Configuring Security for VPNs with IPsec": the entry stays off until complete)."""
    if mode != CRYPTO_MAP or not isinstance(context, tuple):
        return ""
    name, seq = context
    return "" if seq in old.crypto_maps.get(name, {}) else _MAP_NOTE


def _config_refusal(error: IosConfigError, line: str, indent: int) -> list[str]:
    if error.ambiguous:
        return [f'% Ambiguous command:  "{line.strip()}"']
    if error.incomplete:
        return ["% Incomplete command."]
    if error.expected.startswith(REFUSED):  # vpnteach's own words: say what is wrong
        return [f"% Not accepted: {error.expected[len(REFUSED) + 2 : -1]}"]
    return [" " * (indent + error.caret) + "^", "% Invalid input detected at '^' marker."]


def _lines(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


_text = dialogs.ended


__all__ = ["CONFIG", "EXEC", "MAX_LINE", "USER", "Console"]
