"""``vpnteach console`` in a real terminal (tmux): ``?`` and Tab act at once, the arrow keys
walk the history, Ctrl-Z leaves configuration mode, as on IOS (Configuration Fundamentals,
"Using the Cisco IOS Command-Line Interface": Getting Help, Using the Command History
Features, Using Editing Features)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


class Tmux:
    """One tmux server of our own (its socket in a temporary directory)."""

    def __init__(self, socket: Path) -> None:
        self.socket = str(socket)

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True
        )
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "console")

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()}")

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "console", "-l", text)

    def key(self, *names: str) -> None:
        self.run("send-keys", "-t", "console", *names)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    require(shutil.which("tmux") is not None, "needs tmux (Debian package tmux)")
    session = Tmux(tmp_path / "tmux.sock")
    command = f"cd {ROOT} && PYTHONPATH={ROOT} {sys.executable} -m vpnteach console"
    session.run("new-session", "-d", "-s", "console", "-x", "120", "-y", "60", command)
    try:
        yield session
    finally:
        subprocess.run(["tmux", "-S", session.socket, "kill-server"], check=False)


def _last_line(screen: str) -> str:
    return [line for line in screen.splitlines() if line.strip()][-1]


def test_question_mark_tab_history_and_ctrl_z_act_without_enter(tmux: Tmux) -> None:
    tmux.wait_for("Branch1>")
    tmux.type("en")
    tmux.key("Enter")
    tmux.wait_for("Branch1#")
    tmux.type("sh cry isa s")
    tmux.key("Tab")
    assert _last_line(tmux.wait_for("Branch1#sh cry isa sa")) == "Branch1#sh cry isa sa"
    tmux.type("?")  # help at once, then the line is given back
    screen = tmux.wait_for("<cr>")
    assert _last_line(screen) == "Branch1#sh cry isa sa"
    tmux.key("Enter")
    tmux.wait_for("IPv4 Crypto ISAKMP SA")
    tmux.key("Up")  # the line just entered comes back
    time.sleep(0.5)
    assert _last_line(tmux.screen()) == "Branch1#sh cry isa sa"
    tmux.key("C-u")
    tmux.type("conf t")
    tmux.key("Enter")
    tmux.wait_for("Branch1(config)#")
    tmux.type("cry isa pol 20")
    tmux.key("Enter")
    tmux.wait_for("Branch1(config-isakmp)#")
    tmux.type("e")
    tmux.key("Tab")  # encryption or exit: the line stays as typed
    time.sleep(0.5)
    assert _last_line(tmux.screen()) == "Branch1(config-isakmp)#e"
    tmux.key("C-z")
    screen = tmux.wait_for("%SYS-5-CONFIG_I: Configured from console by console")
    assert "Branch1(config-isakmp)#e^Z" in screen
    assert _last_line(screen) == "Branch1#"
    tmux.type("show crypto isakmp policy")
    tmux.key("Enter")
    screen = tmux.wait_for("Protection suite of priority 20")
    assert "% Ambiguous" not in screen and "Traceback" not in screen
