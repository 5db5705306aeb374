"""Helpers for grading tests: a learner runs a notebook in a real kernel and saves it.

:func:`run_as_learner` executes code cells with nbclient in a fresh ``python3`` kernel, in a
temporary working folder, with the learner's environment (no instructor variable, the
hand-out if any), and writes the executed notebook (outputs included, as Jupyter saves it) to
``dest``. The grader then reads that file without running it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import require
from vpnteach.exercises import records

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
IMPORT = "from vpnteach import exercises"


def kernel_available() -> bool:
    """An ipykernel ``python3`` kernel spec is installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "python3" in KernelSpecManager().find_kernel_specs()


def notebook(cells: Sequence[str]) -> Any:
    """An unexecuted notebook of code ``cells``."""
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def run_as_learner(
    cells: Sequence[str], dest: Path, env: Mapping[str, str] | None = None, timeout: int = 60
) -> Any:
    """Execute ``cells`` as a learner would (errors allowed), save to ``dest``, return it."""
    import nbclient

    require(kernel_available(), "needs an ipykernel 'python3' kernel (pip install ipykernel)")
    nb = notebook(cells)
    kernel_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VPNTEACH_") and k not in ("PYTEST_CURRENT_TEST",)
    }
    kernel_env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + kernel_env["PATH"]
    kernel_env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    kernel_env.update(env or {})
    with tempfile.TemporaryDirectory(prefix="vpnteach-learner-") as work:
        client = nbclient.NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": work}},
        )
        client.execute(env=kernel_env)
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return nb


def saved_with_records(dest: Path, outputs: Sequence[dict[str, Any]]) -> Path:
    """A saved notebook whose one cell has ``outputs`` (records written as Jupyter would)."""
    nb = notebook([IMPORT])
    nb.cells[0].outputs = [nbformat.from_dict(o) for o in outputs]
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest


def record_output(
    exercise: str, learner: str, answer: object, attempt: int = 1, time: str = ""
) -> dict[str, Any]:
    """The output ``ex.check`` publishes for one answer."""
    rec = records.AnswerRecord(
        exercise,
        learner,
        records.encode_answer(answer),
        attempt,
        time or f"2026-01-01T10:00:{attempt:02d}+00:00",
    )
    return records.output(rec)
