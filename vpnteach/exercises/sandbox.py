"""``vpnteach grade --execute``: run each submission alone in a sandbox, then grade it as saved.

**Choice: bubblewrap (Debian ``bubblewrap``) started by root, then ``setpriv`` to nobody.**
``bwrap`` builds the namespaces and the mount tree (it needs privileges or unprivileged user
namespaces; run by root it needs neither); inside, ``setpriv`` drops to uid/gid 65534 with no
groups, no capabilities (bounding and inheritable sets emptied) and ``no_new_privs`` before the
notebook's Python starts. What the submission gets:

* its own network namespace (only a loopback, for the kernel's ZeroMQ sockets): no network;
* its own PID, IPC and UTS namespaces, ``--die-with-parent``: when the run ends or the wall
  clock runs out, killing ``bwrap`` kills PID 1 of the namespace and with it every process
  the notebook started (a daemon cannot outlive the run);
* a mount tree holding only ``/usr``, the Python installation and virtual environment, the
  ``vpnteach`` package (all read-only), a private ``/tmp`` (tmpfs) and a fresh temporary
  folder with its own copy of the notebook (and, in course mode, its hand-out: never the
  secret). Other submissions, the grader's files and environment (``--clearenv``) are absent;
* resource limits (``setrlimit``, inherited by every process): address space per process
  (``RLIMIT_AS``), CPU seconds per process (``RLIMIT_CPU``), processes of the sandbox user
  (``RLIMIT_NPROC``: a fork loop stops there) and file size (``RLIMIT_FSIZE``); plus a wall
  clock for the whole notebook. The memory of the whole notebook is thus bounded by
  processes x address space; an exact total cap needs a cgroup, which this does not use (the
  machines it runs on have cgroup v1 or v2, not always writable).

The executed notebook is read like any saved one: its records are recomputed
(:mod:`vpnteach.exercises.grade`); nothing the run printed or wrote is trusted.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
BOX = "/box"


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    wall_seconds: float = 120.0
    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3
    processes: int = 64
    file_bytes: int = 64 * 1024**2


class SandboxError(RuntimeError):
    """The sandbox cannot be built here (bwrap or setpriv missing, not root)."""


def available() -> str | None:
    """``None`` if sandboxed execution works here, else why not."""
    missing = [tool for tool in ("bwrap", "setpriv") if shutil.which(tool) is None]
    if missing:
        return f"needs {' and '.join(missing)} (Debian: apt-get install bubblewrap util-linux)"
    if os.geteuid() != 0:
        return "needs root (to start bubblewrap and drop to the nobody user)"
    return None


def _ro_binds() -> list[Path]:
    """Read-only trees: the interpreter, its environment, the vpnteach package."""
    package = Path(__file__).resolve().parents[1]  # vpnteach/ (not ``import vpnteach``: layers)
    trees = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    return sorted(trees | {package})


def _mkdirs(path: Path, made: set[Path]) -> list[str]:
    args = []
    for parent in reversed(path.parents):
        if parent != Path("/") and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def command(workdir: Path, env: dict[str, str], limits: Limits) -> list[str]:
    """The ``bwrap ... setpriv ... python -m vpnteach.exercises.sandbox`` command line."""
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        link = Path("/") / name
        if link.is_symlink():
            args += ["--symlink", os.readlink(link), str(link)]
    # The private /tmp first: a tree bound later may live under /tmp (a clone or venv there)
    # and must not be hidden by it.
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.file_bytes)]
    args += ["--tmpfs", "/tmp"]
    made: set[Path] = {Path("/tmp")}
    package = Path(__file__).resolve().parents[1]
    for tree in _ro_binds():
        target = Path("/opt/vpnteach/vpnteach") if tree == package else tree
        if not str(tree).startswith("/usr/"):
            args += [*_mkdirs(target, made), "--ro-bind", str(tree), str(target)]
    args += ["--bind", str(workdir), BOX, "--chdir", BOX]
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    values = {"HOME": BOX, "PATH": path, "PYTHONPATH": "/opt/vpnteach", "USER": "nobody", **env}
    for key, value in values.items():
        args += ["--setenv", key, value]
    args += ["--", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    args += ["--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--"]
    timeout = str(int(limits.wall_seconds))
    return [*args, sys.executable, "-m", "vpnteach.exercises.sandbox", timeout]


def _set_limits(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))


@dataclass(frozen=True)
class Run:
    """One sandboxed execution: the executed notebook's bytes (if any) and what went wrong."""

    executed: bytes | None
    problem: str | None


def run(notebook: bytes, files: dict[str, bytes], env: dict[str, str], limits: Limits) -> Run:
    """Execute ``notebook`` (with ``files`` beside it) in the sandbox; kill all at the end."""
    why = available()
    if why is not None:
        raise SandboxError(why)
    workdir = Path(tempfile.mkdtemp(prefix="vpnteach-sandbox-"))
    try:
        (workdir / "in.ipynb").write_bytes(notebook)
        for name, data in files.items():
            (workdir / name).write_bytes(data)
        for item in [workdir, *workdir.iterdir()]:
            os.chown(item, NOBODY, NOBODY)
        problem = _execute(command(workdir, env, limits), limits)
        out = workdir / "out.ipynb"
        size = out.lstat().st_size if out.is_file() and not out.is_symlink() else -1
        if size < 0 or size > limits.file_bytes:
            return Run(None, problem or "the run saved no notebook")
        return Run(out.read_bytes(), problem)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _execute(argv: list[str], limits: Limits) -> str | None:
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=lambda: _set_limits(limits),
        )
        try:
            code = proc.wait(timeout=limits.wall_seconds + 10)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # bwrap's group: the namespace dies too
                proc.wait()
        log.seek(0)
        lines = log.read()[-20_000:].decode(errors="replace").strip().splitlines()
    if code is None:
        return f"stopped after {limits.wall_seconds:g} s (wall clock)"
    if code != 0:
        return f"the run failed (exit {code}): {lines[-1] if lines else ''}"[:300]
    stopped = [line for line in lines if line.startswith("stopped:")]
    return stopped[-1][:300] if stopped else None


def main(argv: list[str]) -> int:
    """Inside the sandbox: execute ``in.ipynb`` within ``argv[0]`` seconds, save
    ``out.ipynb`` whatever happens (the records made so far are graded)."""
    import time

    import nbclient
    import nbformat

    deadline = time.monotonic() + float(argv[0])
    nb = nbformat.read("in.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = nbclient.NotebookClient(
        nb,
        timeout=None,
        kernel_name="python3",
        allow_errors=True,
        timeout_func=lambda _cell: max(1, int(deadline - time.monotonic())),
    )
    try:
        client.execute()
        return 0
    except Exception as exc:  # the learner's notebook may kill its kernel: keep what ran
        print(f"stopped: {type(exc).__name__}: {str(exc).strip()[:200]}")
        return 0
    finally:
        nbformat.write(nb, "out.ipynb")  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
