"""Shared pytest helpers: prerequisites that skip locally but fail in CI.

``require(condition, reason)``: when ``condition`` is false the test is skipped if the
environment variable ``CI`` is unset, and fails if it is set (CI must run every test);
``require_tool(name, reason)`` does the same for a program on ``PATH`` and returns its path.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHARON = Path("/usr/lib/ipsec/charon")


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (with ``CI`` set) unless ``condition`` holds."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"prerequisite missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, reason: str) -> str:
    """The path of program ``name``; skip (locally) or fail (in CI) with ``reason`` without it."""
    path = shutil.which(name)
    require(path is not None, reason)
    assert path is not None
    return path


def loaded_by_import(modules: str, watched: set[str]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after ``import modules``."""
    code = f"import sys, {modules}\nprint(sorted({watched!r} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip())  # type: ignore[no-any-return]


def _netns_works() -> bool:
    """Root can create and delete a network namespace with ``ip netns``."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"vtprobe{os.getpid() % 100000}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
    if made.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
    return True


@pytest.fixture(scope="session")
def root_netns() -> None:
    """Root, iproute2 and working network namespaces (and ping inside them)."""
    require(_netns_works(), "needs root and `ip netns` (network namespaces)")
    require(shutil.which("ping") is not None, "needs ping (Debian iputils-ping)")


@pytest.fixture(scope="session")
def strongswan() -> Path:
    """strongSwan charon, swanctl and pki; returns the charon path."""
    require(os.access(CHARON, os.X_OK), f"needs strongSwan charon at {CHARON}")
    for tool in ("swanctl", "pki"):
        require(shutil.which(tool) is not None, f"needs strongSwan `{tool}` in PATH")
    return CHARON


@pytest.fixture(scope="session")
def tshark() -> str:
    """tshark (and dumpcap for capturing); returns the tshark path."""
    path = require_tool("tshark", "needs tshark (Wireshark 4.x)")
    require(shutil.which("dumpcap") is not None, "needs dumpcap (Wireshark)")
    return path


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an asyncio loop running in the main
    thread for the whole browser session, which would make ``asyncio.run`` fail in any test
    scheduled after one of them (the hub, the router's control socket)."""
    items.sort(
        key=lambda item: "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/")
    )
