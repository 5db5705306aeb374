"""Binder's environment runs the course: a fresh venv built from ``binder/requirements.txt``
alone, the way repo2docker builds it, executes every notebook.

repo2docker clones the repository, picks the Python of ``binder/runtime.txt`` and runs
``pip install -r binder/requirements.txt`` in the clone's root (so the ``.`` line installs
vpnteach itself, and ``-r requirements-lock.txt`` brings the pins CI tests with). This test does
the same in a temporary copy of the working tree (``git ls-files``: what a clone would hold),
then runs every notebook with nbclient **in that venv** (its own python3 kernel, Jupyter
directories isolated from the user's). It needs PyPI: skipped locally without it, failing in CI.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require
from tests.notebooks.test_notebooks import ALL, BUDGET_SECONDS

REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900
# Runs inside the Binder-like venv: execute each notebook, report seconds and the kernel's prefix.
RUNNER = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient

report = {}
probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.prefix)")])
NotebookClient(probe, kernel_name="python3").execute()
report["kernel_prefix"] = probe.cells[0].outputs[0]["text"].strip()
for name in sys.argv[1:]:
    nb = nbformat.read(f"notebooks/{name}", as_version=4)
    started = time.monotonic()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": "notebooks"}}).execute()
    report[name] = time.monotonic() - started
print(json.dumps(report))
"""


def pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def binder_python() -> str | None:
    """The interpreter of ``binder/runtime.txt`` (``python-3.11`` -> ``python3.11``)."""
    wanted = (REPO / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    if ".".join(map(str, sys.version_info[:2])) == wanted:
        return sys.executable
    return shutil.which(f"python{wanted}")


def clone_like_copy(target: Path) -> None:
    """The files a clone of the working tree would hold (tracked and new, minus ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = REPO / raw.decode()
        if source.is_file():
            (target / raw.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / raw.decode())


@pytest.mark.slow
def test_a_fresh_venv_from_binder_requirements_alone_runs_every_notebook(tmp_path: Path) -> None:
    python = binder_python()
    require(python is not None, "needs the Python version of binder/runtime.txt")
    require(shutil.which("git") is not None, "needs git (to copy the tree as a clone would)")
    require(pypi_reachable(), "needs network access to PyPI (https://pypi.org)")
    assert python is not None
    clone, venv, home = tmp_path / "repo", tmp_path / "venv", tmp_path / "home"
    clone_like_copy(clone)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "VPNTEACH_LEARNER": "binder-check",
    }
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    installed = subprocess.run(
        [*pip, "-r", "binder/requirements.txt"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert installed.returncode == 0, installed.stderr[-4000:]

    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", RUNNER, *ALL],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60 * len(ALL),
    )
    assert ran.returncode == 0, ran.stderr[-6000:]
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    assert Path(report.pop("kernel_prefix")).resolve() == venv.resolve()
    print(json.dumps(report, indent=1))
    assert sorted(report) == sorted(ALL)
    slow = {name: seconds for name, seconds in report.items() if seconds >= BUDGET_SECONDS}
    assert not slow, slow


def test_binder_requirements_install_the_package_with_the_ci_lock() -> None:
    lines = [
        line.strip()
        for line in (REPO / "binder" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines == ["-r requirements-lock.txt", "."]
    pins = [
        line
        for line in (REPO / "binder" / "requirements-lock.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert pins and all("==" in pin for pin in pins)
    names = {pin.split("==")[0] for pin in pins}
    for runtime in ("cryptography", "pycryptodome", "ipywidgets", "graphviz", "jupyterlab"):
        assert runtime in names
    for test_only in ("pytest", "hypothesis", "mypy", "ruff", "playwright"):
        assert test_only not in names
    assert (REPO / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_the_lock_is_exactly_the_runtime_closure_installed_here() -> None:
    """CI installs with ``-c binder/requirements-lock.txt``; a dependency added to pyproject.toml
    or a version that drifted shows up here until ``binder/freeze.py`` is rerun."""
    spec = importlib.util.spec_from_file_location("binder_freeze", REPO / "binder" / "freeze.py")
    assert spec is not None and spec.loader is not None
    freeze = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(freeze)
    installed = freeze.closure("vpnteach")
    installed.pop("vpnteach", None)
    pins = dict(
        line.split("==")
        for line in (REPO / "binder" / "requirements-lock.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert installed == pins
