"""Issue 15, deliverable 7: a class on one JupyterHub, smoke-tested on this machine.

A local JupyterHub (dummy authenticator, local process spawner, ``tests/hub/hub.py``) serves a
course: the instructor creates the course and its hand-outs, puts each learner's hand-out in
their home, two learners run the first graded notebook (``notebooks/01-the-lab.ipynb``) on
their own servers and answer its exercise with ``ex.check`` (alice right, bob with the
wildcard-as-netmask mistake, after a first wrong try), save it, and the instructor collects
the saved notebooks through the hub and grades them without running them.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

from tests.conftest import require
from tests.hub.hub import BIN, Learner, LocalHub
from vpnteach import exercises
from vpnteach.exercises import course as course_mode
from vpnteach.exercises.grade import grade_folder
from vpnteach.exercises.instructor import write_handouts
from vpnteach.exercises.report import summary

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "01-the-lab.ipynb"


def test_two_learners_on_a_hub_submit_and_are_graded(tmp_path: Path) -> None:
    require(importlib.util.find_spec("jupyterhub") is not None, "needs jupyterhub (pip)")
    proxy = BIN / "configurable-http-proxy"
    require(proxy.exists(), "needs configurable-http-proxy (pip, the Python implementation)")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nalice,Alice A\nbob,Bob B\n")
    course = course_mode.init_course(tmp_path / "instructor", roster, "IPsec on a hub")
    handouts = {p.parent.name: p for p in write_handouts(course, tmp_path / "handouts")}
    with course_mode.course_context(course):
        right = exercises.acl_encrypted("alice").solution()
        bobs = exercises.acl_encrypted("bob")
        netmask = next(m for m in bobs._targeted_mistakes() if m.id == "wildcard_as_netmask")
        wrong = bobs._show_answer(netmask.value)
    lesson = json.loads(NOTEBOOK.read_text())
    cells = ["".join(c["source"]) for c in lesson["cells"] if c["cell_type"] == "code"]
    answers = {"alice": [right], "bob": ["yes yes yes yes", wrong]}
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    with LocalHub(tmp_path / "hub") as hub:
        for name, tries in answers.items():
            token = hub.spawn(name)
            shutil.copy(handouts[name], hub.home(name) / "vpnteach-handout.json")
            checks = [f"ex.check({answer!r})" for answer in tries]
            saved = Learner(hub, name, token).run_notebook([*cells, *checks], "01-the-lab.ipynb")
            errors = [
                o for c in saved["cells"] for o in c["outputs"] if o["output_type"] == "error"
            ]
            assert errors == [], errors
            assert "'" + name + "'" in json.dumps(saved["cells"][len(cells) - 2]["outputs"])
            # the instructor collects the saved file through the hub (as nbgitpuller's
            # reverse or a submission folder would)
            model = hub.api("GET", f"/user/{name}/api/contents/01-the-lab.ipynb")
            (submissions / f"{name}.ipynb").write_text(json.dumps(model["content"]))
    report = grade_folder(submissions, course=course)
    alice, bob = report.row("alice", "acl_encrypted"), report.row("bob", "acl_encrypted")
    assert (alice.status, alice.attempts, alice.score) == ("correct", 1, 1.0)
    assert (bob.status, bob.mistake, bob.attempts) == ("wrong", "wildcard_as_netmask", 2)
    assert "| bob | bob.ipynb | ✘ wildcard_as_netmask (2) | 0/1 |" in summary(report)
