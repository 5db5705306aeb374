"""A real JupyterLab on 127.0.0.1 for browser tests (the page object is in ``notebook.py``).

:class:`JupyterLabServer` starts ``jupyter lab`` in its own process group with every Jupyter
directory in a temporary folder (no user config, no news, no update check), waits until
``/api/status`` answers, and when done stops that group by PID (SIGTERM, then SIGKILL) and
any kernel left behind (kernels run in sessions of their own).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# Lab settings written before start: no news toast, no update check, every cell in the DOM,
# widget state saved in notebooks.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # save widget state with the notebook, as the course image does (answer records, issue 15)
    "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
}
SERVER_START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class ServerError(RuntimeError):
    """JupyterLab did not come up (the message carries the tail of its log)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write an nbformat 4.5 notebook of code ``cells`` (sources), ``python3`` kernelspec."""
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{index}",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": source,
            }
            for index, source in enumerate(cells)
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return path


def _start_time(pid: int) -> str | None:
    """Field 22 of ``/proc/PID/stat`` (start time): tells a PID's process from a reused PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def descendants(root: int) -> dict[int, str]:
    """``{pid: start time}`` of every live descendant of ``root`` (kernels run in their own
    session, so the server's process group does not cover them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                start = _start_time(pid)
                if start is not None:
                    found[pid] = start
                    frontier.append(pid)
    return found


class JupyterLabServer:
    """``jupyter lab`` on 127.0.0.1:<free port> with a token, serving ``root_dir``.

    Use as a context manager; ``url(path)`` gives a tokened URL, ``log()`` the server log.
    """

    def __init__(self, root_dir: Path | None = None, python: str = sys.executable) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="vpnteach-lab-")
        self.home = Path(self._tmp.name)
        self.root_dir = root_dir or self.home / "notebooks"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.python = python
        self.port = 0
        self.token = secrets.token_hex(16)
        self.log_path = self.home / "jupyter.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        """``http://127.0.0.1:P/<path>?...&token=T``."""
        extra = "".join(f"&{k}={v}" if v else f"&{k}" for k, v in query.items())
        return f"{self.base_url}/{path.lstrip('/')}?token={self.token}{extra}"

    def log(self, tail: int = 4000) -> str:
        """The last ``tail`` characters of the server's log."""
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, sub in (
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ):
            (self.home / sub).mkdir(exist_ok=True)
            env[var] = str(self.home / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        # the kernel inherits PATH: keep the venv's bin (graphviz-pure, jupyter) on it
        env["PATH"] = f"{Path(self.python).parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def _write_settings(self) -> None:
        for plugin, values in LAB_SETTINGS.items():
            path = self.home / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def command(self) -> list[str]:
        return [
            self.python, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: read cell errors
        ]  # fmt: skip

    def start(self, attempts: int = 3) -> JupyterLabServer:
        """Start the server and wait until ``/api/status`` answers (or raise ServerError);
        a port taken between :func:`free_port` and the bind is retried with a new port."""
        self._write_settings()
        for attempt in range(1, attempts + 1):
            try:
                self._spawn()
                self._wait_ready()
                return self
            except ServerError as error:
                self.stop()
                if attempt == attempts or "already in use" not in str(error):
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        self.port = free_port()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=self.root_dir,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"jupyter lab exited ({self.proc.returncode}):\n{self.log()}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url("api/status"), timeout=2) as reply,
            ):
                if reply.status == 200:
                    return
            time.sleep(0.2)
        raise ServerError(f"jupyter lab not answering after {SERVER_START_TIMEOUT}s:\n{self.log()}")

    def shutdown_kernels(self) -> None:
        """Shut down every kernel through the REST API (each opened notebook starts one)."""
        for kernel in self._api("GET", "api/kernels") or []:
            self._api("DELETE", f"api/kernels/{kernel['id']}")

    def _api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL after a timeout; then any kernel left."""
        if self.proc is None:
            return
        pid, kernels = self.proc.pid, descendants(self.proc.pid)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                self.proc.wait(timeout=STOP_TIMEOUT)
        self._kill_leftovers(kernels)
        self.proc = None

    @staticmethod
    def _kill_leftovers(pids: dict[int, str]) -> None:
        """SIGKILL each remembered descendant still alive (same PID *and* start time)."""
        deadline = time.monotonic() + STOP_TIMEOUT
        for pid, start in pids.items():
            while _start_time(pid) == start and time.monotonic() < deadline:
                time.sleep(0.1)  # a kernel exits by itself once the server is gone
            if _start_time(pid) == start:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> JupyterLabServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        self._tmp.cleanup()
