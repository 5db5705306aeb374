"""A local JupyterHub for the class smoke test: dummy authenticator, local process spawner.

:class:`LocalHub` starts ``jupyterhub`` on 127.0.0.1 (free ports, every file in a temporary
folder, the Python ``configurable-http-proxy``) with an ``instructor`` service token allowed to
create users, start their servers and reach them. :class:`Learner` is what a learner's browser
does, over the same REST and WebSocket APIs: start a kernel on the learner's own server, run
cells, keep their outputs and save the notebook through the contents API. Stopping the hub
kills every process it started, by PID (its single-user servers and their kernels too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.browser.jupyter import descendants, free_port

BIN = Path(sys.executable).parent
CONFIG = """
import os
c = get_config()  # noqa: F821
env = os.environ
c.JupyterHub.ip = c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.port = int(env["HUB_PORT"])
c.JupyterHub.hub_port = int(env["HUB_API_PORT"])
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:" + env["PROXY_API_PORT"]
c.ConfigurableHTTPProxy.command = [os.path.join(env["HUB_BIN"], "configurable-http-proxy")]
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(env["HUB_ROOT"], "homes", "{username}")
c.Spawner.cmd = [os.path.join(env["HUB_BIN"], "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"]
c.Spawner.env_keep = ["PATH", "PYTHONPATH", "LANG"]
c.JupyterHub.db_url = "sqlite:///" + os.path.join(env["HUB_ROOT"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(env["HUB_ROOT"], "cookie_secret")
c.JupyterHub.services = [{"name": "instructor", "api_token": env["HUB_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "instructor", "services": ["instructor"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "read:users"],
}]
"""


class LocalHub:
    """``jupyterhub`` in its own process group, files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalHub:
        (self.root / "homes").mkdir(parents=True, exist_ok=True)
        (self.root / "config.py").write_text(CONFIG)
        env = {
            **os.environ,
            "HUB_ROOT": str(self.root),
            "HUB_BIN": str(BIN),
            "HUB_PORT": str(self.port),
            "HUB_API_PORT": str(free_port()),
            "PROXY_API_PORT": str(free_port()),
            "HUB_TOKEN": self.token,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        with (self.root / "hub.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "jupyterhub"), "-f", str(self.root / "config.py")],
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if self.api("GET", "/hub/api/") is not None:
                    return self
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"the hub did not start: {self.log()[-2000:]}")
            time.sleep(0.5)

    def log(self) -> str:
        return (self.root / "hub.log").read_text(errors="replace")

    def api(self, method: str, path: str, body: object = None, token: str = "") -> Any:
        """A JSON request to the hub (or, under ``/user/...``, to a learner's server)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {token or self.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            text = reply.read()
        return json.loads(text) if text else {}

    def spawn(self, name: str) -> str:
        """Create learner ``name``, start their server, return a token of theirs."""
        with contextlib.suppress(urllib.error.HTTPError):  # 409: already there
            self.api("POST", f"/hub/api/users/{name}")
        with contextlib.suppress(urllib.error.HTTPError):  # 400: already running
            self.api("POST", f"/hub/api/users/{name}/server")
        deadline = time.monotonic() + 60
        while not self.api("GET", f"/hub/api/users/{name}")["servers"].get("", {}).get("ready"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}'s server did not start: {self.log()[-2000:]}")
            time.sleep(0.5)
        reply = self.api("POST", f"/hub/api/users/{name}/tokens", {"expires_in": 900})
        return str(reply["token"])

    def home(self, name: str) -> Path:
        return self.root / "homes" / name

    def stop(self) -> None:
        """SIGTERM the hub's group, then SIGKILL it and every descendant still alive."""
        if self.proc is None:
            return
        children = descendants(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc = None

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Learner:
    """A learner's browser, reduced to what it sends: run cells, save the notebook."""

    def __init__(self, hub: LocalHub, name: str, token: str) -> None:
        self.hub, self.name, self.token = hub, name, token
        self.server = f"/user/{name}/api"

    def run_notebook(self, cells: list[str], path: str) -> dict[str, Any]:
        """Run ``cells`` in a fresh kernel on the learner's server; save them with their
        outputs at ``path`` (contents API, as JupyterLab's save does); return the notebook."""
        kernel = self.hub.api("POST", f"{self.server}/kernels", {"name": "python3"}, self.token)
        try:
            outputs = asyncio.run(self._execute(kernel["id"], cells))
        finally:
            self.hub.api("DELETE", f"{self.server}/kernels/{kernel['id']}", token=self.token)
        notebook = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "cells": [
                {"cell_type": "code", "id": f"c{n}", "metadata": {}, "source": source,
                 "execution_count": n + 1, "outputs": outs}
                for n, (source, outs) in enumerate(zip(cells, outputs, strict=True))
            ],
        }  # fmt: skip
        body = {"type": "notebook", "format": "json", "content": notebook}
        self.hub.api("PUT", f"{self.server}/contents/{path}", body, self.token)
        return notebook

    async def _execute(self, kernel_id: str, cells: list[str]) -> list[list[dict[str, Any]]]:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.hub.port}{self.server}/kernels/{kernel_id}/channels"
        auth = {"Authorization": f"token {self.token}"}
        socket = await websocket_connect(HTTPRequest(url, headers=auth))
        session, results = uuid.uuid4().hex, []
        try:
            for source in cells:
                results.append(await self._cell(socket, session, source))
        finally:
            socket.close()
        return results

    async def _cell(self, socket: Any, session: str, source: str) -> list[dict[str, Any]]:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.name, "session": session,
                  "msg_type": "execute_request", "version": "5.3", "date": ""}  # fmt: skip
        content = {"code": source, "silent": False, "store_history": True,
                   "user_expressions": {}, "allow_stdin": False}  # fmt: skip
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
                   "channel": "shell", "buffers": []}  # fmt: skip
        await socket.write_message(json.dumps(message))
        outputs: list[dict[str, Any]] = []
        while True:
            text = await asyncio.wait_for(socket.read_message(), timeout=120)
            if text is None:
                raise RuntimeError("the kernel's WebSocket closed")
            reply = json.loads(text)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = reply["header"]["msg_type"], reply["content"]
            if kind in ("display_data", "execute_result", "stream", "error"):
                body = {k: v for k, v in body.items() if k != "transient"}
                outputs.append({"output_type": kind, **body})
            if kind == "status" and body["execution_state"] == "idle":
                return outputs
