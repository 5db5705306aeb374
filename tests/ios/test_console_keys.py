"""The keystroke editor without a terminal: what each IOS editing key writes."""

from __future__ import annotations

from vpnteach.ios.console.keys import LineEditor
from vpnteach.lab import Lab
from vpnteach.labs.console import console_for


def test_keys_as_ios_edits_a_line() -> None:
    editor = LineEditor(console_for(Lab.seed().branch1))
    assert editor.start() == "Branch1>"
    assert editor.feed("en") == "en"
    assert editor.feed("\r") == "\r\nBranch1#"
    assert editor.feed("sh cry isa s\t").endswith("\r\x1b[KBranch1#sh cry isa sa ")
    assert editor.feed("?") == "?\r\n  <cr>\r\n\r\n\r\x1b[KBranch1#sh cry isa sa "
    assert "IPv4 Crypto ISAKMP SA\r\n" in editor.feed("\r")
    assert editor.feed("\x1b[") == ""  # an arrow key split across two reads
    assert editor.feed("A") == "\r\x1b[KBranch1#sh cry isa sa"
    assert editor.feed("\x1b[B") == "\r\x1b[KBranch1#"
    assert editor.feed("conf x\x7f") == "conf x\b \b"
    assert editor.feed("t\r").endswith("\r\nBranch1(config)#")
    assert editor.feed("\x03") == "^C\r\n\r\x1b[KBranch1(config)#"
    assert editor.feed("\x1a").startswith("^Z\r\n")
    assert editor.line == "" and editor.target.prompt == "Branch1#"


def test_crlf_is_one_enter_and_ctrl_z_abandons_a_dialogue() -> None:
    lab = Lab.seed()
    editor = LineEditor(console_for(lab.branch1))
    assert editor.feed("en\r\n") == "en\r\nBranch1#"  # one prompt, not two
    editor.feed("conf t\r")
    out = editor.feed("crypto pki authenticate WIN2003\r")
    assert out.endswith("% Do you accept this certificate? [yes/no]: ")
    assert editor.feed("?") == "?"  # an answer's character, not help
    assert editor.feed("\x7f\x1a") == "\b \b^Z\r\n% Aborted.\r\n\r\x1b[KBranch1(config)#"
