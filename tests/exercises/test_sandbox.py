"""``vpnteach grade --execute``: each submission runs alone in bubblewrap as nobody.

Hostile notebooks (a fork loop, a CPU loop, a 4 GB allocation, a daemon, a probe of the
network, the file system and the environment) are stopped at their limits or find nothing,
their recorded answers are still graded, and the run goes on to grade an honest notebook.
The probe reports what it saw as its recorded answer, which the test reads back.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.conftest import require
from tests.exercises.learner import IMPORT, notebook
from vpnteach import exercises
from vpnteach.exercises import sandbox
from vpnteach.exercises.base import INSTRUCTOR_ENV
from vpnteach.exercises.grade import GradeReport, grade_folder

LIMITS = sandbox.Limits(wall_seconds=40, cpu_seconds=8, memory_bytes=1024**3, processes=64)
CHECK = "exercises.skeyid_e().check({!s})"


def _nobody_processes() -> list[str]:
    """Processes of the sandbox user started in a sandbox (their environment has HOME=/box;
    other tests on this machine run programs as nobody too)."""
    marker, found = f"HOME={sandbox.BOX}".encode(), []
    for entry in Path("/proc").iterdir():
        try:
            mine = entry.name.isdigit() and entry.stat().st_uid == sandbox.NOBODY
            if mine and marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


def _write(folder: Path, name: str, cells: list[str]) -> Path:
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook([IMPORT, *cells]), path)
    return path


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GradeReport, Path]]:
    require(sandbox.available() is None, f"sandbox: {sandbox.available()}")
    require(shutil.which("bwrap") is not None, "needs bwrap (apt-get install bubblewrap)")
    assert _nobody_processes() == [], "a nobody process exists before the test"
    folder = tmp_path_factory.mktemp("execute")
    os.chmod(folder, 0o755)
    mp = pytest.MonkeyPatch()
    mp.setenv(INSTRUCTOR_ENV, "1")  # in the grader's environment, not in the sandbox's
    right = exercises.skeyid_e("zz-honest").solution()
    honest = _write(folder, "zz-honest", [CHECK.format(repr(right))])
    probe = (
        "import json, os, socket\nobs = {}\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    obs['net'] = 'open'\n"
        "except OSError as e:\n    obs['net'] = type(e).__name__\n"
        f"obs['other'] = os.path.exists({str(honest)!r})\n"
        f"try:\n    open({str(honest)!r}, 'w').write('{{}}')\n    obs['wrote'] = True\n"
        "except OSError as e:\n    obs['wrote'] = type(e).__name__\n"
        "obs['tmp'] = os.listdir('/tmp')\nobs['uid'] = os.getuid()\n"
        "obs['env'] = sorted(k for k in os.environ if k.startswith('VPNTEACH'))\n"
        "obs['work'] = os.listdir('/work') if os.path.isdir('/work') else []\n"
        + CHECK.format("json.dumps(obs)")
    )
    _write(folder, "probe", [probe])
    fork = (
        "import os, time\npids = []\ntry:\n    for _ in range(1000):\n        pid = os.fork()\n"
        "        if pid == 0:\n            time.sleep(600)\n            os._exit(0)\n"
        "        pids.append(pid)\nexcept OSError as e:\n    stopped = type(e).__name__\n"
        + CHECK.format("f'{stopped} after {len(pids)}'")
    )
    _write(folder, "forker", [fork])
    hog = "try:\n    x = bytearray(4 * 1024**3)\n    r = 'allocated'\nexcept MemoryError:\n"
    _write(folder, "hog", [hog + "    r = 'MemoryError'", CHECK.format("r")])
    _write(folder, "looper", [CHECK.format("'before the loop'"), "while True:\n    pass"])
    _write(folder, "daemon", [
        "import subprocess\nsubprocess.Popen(['sh', '-c', 'sleep 300'], start_new_session=True)",
        CHECK.format("'spawned'"),
    ])  # fmt: skip
    before = honest.read_bytes()
    report = grade_folder(folder, execute=LIMITS)
    assert honest.read_bytes() == before
    yield report, folder
    mp.undo()


def _answer(report: GradeReport, learner: str, exercise: str = "skeyid_e") -> str:
    (sub,) = [s for s in report.submissions if s.learner == learner]
    return str(sub.attempts[exercise][-1].record.answer)


def test_probe_sees_no_network_no_submission_no_grader_environment(
    executed: tuple[GradeReport, Path],
) -> None:
    report, _ = executed
    seen = json.loads(_answer(report, "probe"))
    assert seen["net"] in ("OSError", "ConnectionRefusedError") or "Unreachable" in seen["net"]
    # /tmp is private: empty but for the read-only trees the sandbox binds (the interpreter's
    # environment when the checkout lives under /tmp, as a CI clone may)
    bound = {
        tree.relative_to("/tmp").parts[0]
        for tree in sandbox._ro_binds()
        if tree.is_relative_to("/tmp")
    }
    assert seen["other"] is False and set(seen["tmp"]) == bound and seen["uid"] == sandbox.NOBODY
    assert seen["wrote"] in ("FileNotFoundError", "PermissionError")  # the classmate's file
    assert seen["env"] == ["VPNTEACH_LEARNER"]  # no instructor variable, no secret
    assert "wt" not in seen["work"]  # the worktrees (and the submissions) are not mounted


def test_a_fork_loop_stops_at_the_process_limit(executed: tuple[GradeReport, Path]) -> None:
    report, _ = executed
    stopped, _, count = _answer(report, "forker").partition(" after ")
    assert stopped == "BlockingIOError" and 0 < int(count) < LIMITS.processes


def test_a_4_gb_allocation_fails(executed: tuple[GradeReport, Path]) -> None:
    assert _answer(executed[0], "hog") == "MemoryError"


def test_a_cpu_loop_is_stopped_and_what_came_before_is_graded(
    executed: tuple[GradeReport, Path],
) -> None:
    report, _ = executed
    assert _answer(report, "looper") == "before the loop"
    (sub,) = [s for s in report.submissions if s.learner == "looper"]
    assert any(flag.startswith("execution: stopped") for flag in sub.flags), sub.flags


def test_every_process_is_gone_and_the_run_went_on(executed: tuple[GradeReport, Path]) -> None:
    report, _ = executed
    assert _answer(report, "daemon") == "spawned"
    assert _nobody_processes() == []  # forked sleepers and the daemon died with the sandbox
    assert report.status("zz-honest", "skeyid_e") == "correct"


def test_course_mode_execution_gets_the_handout_not_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require(sandbox.available() is None, f"sandbox: {sandbox.available()}")
    from vpnteach.exercises import course as course_mode
    from vpnteach.exercises.instructor import main_grade

    roster = tmp_path / "roster.csv"
    roster.write_text("id\nalice\n")
    course = course_mode.init_course(tmp_path / "instructor", roster)
    with course_mode.course_context(course):
        right = exercises.skeyid_e("alice").solution()
    subs = tmp_path / "subs"
    subs.mkdir()
    secret = course.folder / "secret"
    probe = (
        "import os\nex = exercises.skeyid_e()\n"
        f"seen = [os.path.exists('vpnteach-handout.json'), os.path.exists({str(secret)!r})]\n"
        "try:\n    ex.solution()\nexcept PermissionError:\n    seen.append('sealed')\n"
        "exercises.ka().check(' '.join(map(str, seen)))"
    )
    _write(subs, "alice", [probe, CHECK.format(repr(right))])
    argv = [str(subs), "--course", str(course.folder), "--execute", "--timeout", "60"]
    assert main_grade(argv) == 0
    assert "| alice | alice.ipynb | ✔ (1) | ✘ format (1) | 1/2 |" in capsys.readouterr().out
    report = grade_folder(subs, course=course, execute=LIMITS)
    # hand-out there, secret absent, object sealed
    assert _answer(report, "alice", "ka") == "True False sealed"


def test_the_wall_clock_covers_the_whole_notebook(tmp_path: Path) -> None:
    require(sandbox.available() is None, f"sandbox: {sandbox.available()}")
    _write(tmp_path, "slow", [CHECK.format("'first'"), *(["import time\ntime.sleep(1)"] * 40)])
    limits = sandbox.Limits(wall_seconds=5, cpu_seconds=8, memory_bytes=1024**3, processes=64)
    started = time.monotonic()
    report = grade_folder(tmp_path, execute=limits)
    assert time.monotonic() - started < 25  # 40 cells of 1 s do not get 40 s
    (sub,) = report.submissions
    assert any(flag.startswith("execution: stopped") for flag in sub.flags), sub.flags
    assert _answer(report, "slow") == "first"
    assert _nobody_processes() == []
