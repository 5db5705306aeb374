"""``?`` and Tab at the console, from the same command trees as parsing.

IOS's context-sensitive help (Cisco IOS Configuration Fundamentals Configuration Guide, "Using
the Cisco IOS Command-Line Interface", "Getting Help"): ``?`` right after a partial word lists
the keywords it begins (``sh?`` -> ``show``); after a space it lists what may come next, each
with its help line, and ``<cr>`` where the command may end; after words IOS cannot read it says
``% Unrecognized command``. Tab completes a partial keyword that only one keyword begins.

Input IOS cannot take as command text (a control character, a character outside printable
ASCII such as U+2028, a line longer than IOS's buffer) is refused at that character.
"""

from __future__ import annotations

from vpnteach.ios.commands import GLOBAL, MODE_FALLBACK
from vpnteach.ios.config import MAX_LINE, MODE_TREES
from vpnteach.ios.config import bad_character as config_bad_character
from vpnteach.ios.execmode import CONSOLE_EXEC_TREE, USER_TREE, ExecCommand, filters_output
from vpnteach.ios.grammar import Mismatch
from vpnteach.ios.pipe import modifier_help, modifier_names
from vpnteach.ios.tree import CommandTree, Help

__all__ = ["MAX_LINE", "bad_character", "complete_line", "help_text"]


def bad_character(line: str) -> int | None:
    """The column of the first character IOS would refuse in ``line``, if any: the console
    reads printable ASCII (a terminal sends IOS bytes; anything else is no command text)."""
    return config_bad_character(line, ascii_only=True)


def _trees(mode: str, words: list[str]) -> tuple[list[CommandTree[object]], list[str]]:
    """The trees ``?`` consults in ``mode`` (``do`` switches to EXEC) and the words for them."""
    if mode == "user":
        return [USER_TREE], words  # type: ignore[list-item]
    if mode == "exec":
        return [CONSOLE_EXEC_TREE], words  # type: ignore[list-item]
    if words and words[0].lower() == "do":
        return [CONSOLE_EXEC_TREE], words[1:]  # type: ignore[list-item]
    modes = [mode, *(MODE_FALLBACK.get(mode, (GLOBAL,)) if mode != GLOBAL else ())]
    return [MODE_TREES[m] for m in modes], words  # type: ignore[misc]


def help_text(mode: str, line: str) -> str:
    """What ``?`` typed after ``line`` prints."""
    if "|" in line:
        return _pipe_help(mode, line)
    words = line.split()
    partial = "" if not line or line[-1].isspace() else words.pop()
    trees, words = _trees(mode, words)
    if partial:
        found = sorted({w for t in trees for w in t.words_starting(words, partial)})
        if not found:
            return "% Unrecognized command\n"
        return "  ".join(found) + "  \n\n"
    lines: list[Help] = []
    for tree in trees:
        lines = tree.help_after(words)
        if lines:
            break  # IOS lists the mode's own commands; a parent's only for a parent's line
    if mode not in ("user", "exec") and not words:
        lines.append(Help("do", "To run exec commands in config mode"))
    return _format(lines)


def _pipe_help(mode: str, line: str) -> str:
    """``?`` after ``show ... |``: the output modifiers (:mod:`vpnteach.ios.pipe`)."""
    head, after = line.split("|", 1)
    trees, words = _trees(mode, head.split())
    is_exec = mode in ("user", "exec") or len(words) < len(head.split())  # after ``do``
    try:
        command = trees[0].parse(words)[0] if is_exec else None
    except Mismatch:
        command = None
    if not isinstance(command, ExecCommand) or not filters_output(command):
        return "% Unrecognized command\n"
    found = modifier_help(after)
    if isinstance(found, str):
        return f"{found}  \n\n" if found else "% Unrecognized command\n"
    return _format([Help(name, text) for name, text in found])


def _format(lines: list[Help]) -> str:
    """Help lines as IOS aligns them, ``<cr>`` last."""
    if not lines:
        return "% Unrecognized command\n"
    cr = [h for h in lines if h.name == "<cr>"]
    lines = sorted((h for h in lines if h.name != "<cr>"), key=lambda h: h.name.lower()) + cr[:1]
    width = max(len(h.name) for h in lines)
    return "".join(f"  {h.name:<{width}}  {h.text}".rstrip() + "\n" for h in lines) + "\n"


def complete_line(mode: str, line: str) -> str:
    """``line`` after Tab: its last word completed when one keyword alone begins it."""
    if not line or line[-1].isspace():
        return line
    if "|" in line:  # a modifier's name (the regular expression is the user's own)
        after = line.split("|", 1)[1].split()
        names = modifier_names(after[0]) if len(after) == 1 else []
        return line[: len(line) - len(after[0])] + names[0] + " " if len(names) == 1 else line
    words = line.split()
    partial = words.pop()
    trees, words = _trees(mode, words)
    for tree in trees:
        found = tree.complete(words, partial)
        if found is not None:
            return line[: len(line) - len(partial)] + found + " "
    return line
