"""Stopping a process a test started, by its PID (COMMON.md: never by name).

SIGTERM first, so that the program can shut down cleanly (charon and the router send their
Delete notifications, dumpcap flushes its file); SIGKILL if it has not exited after
``timeout`` seconds.
"""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def terminate(proc: subprocess.Popen[Any], timeout: float) -> int:
    """SIGTERM ``proc``, SIGKILL it after ``timeout`` seconds; its exit status."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout)
