"""The course notebooks: story order, shape, no committed outputs, and every notebook (tutorials
and solutions) executing top to bottom in a fresh kernel in under 15 s.

Executed in-process with nbclient (the same engine nbmake uses), from ``notebooks/`` as the
working directory, so a test can also read the outputs: no cell may raise, and the solution
notebooks assert that each computed answer passes ``ex.check``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from vpnteach.exercises import EXERCISES

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
BUDGET_SECONDS = 15.0

# The story order of the seed tutorial (shared/seed/ipsec-vpn-digital-certificates.txt):
# file name, title (the first heading), the self-graded exercises the notebook ends with.
COURSE: list[tuple[str, str, tuple[str, ...]]] = [
    ("00-start-here.ipynb", "0. Start here: the lab and the stepper", ()),
    ("01-the-lab.ipynb", "1. The lab and its IOS configuration", ("acl_encrypted",)),
    ("02-pki-and-enrollment.ipynb", "2. PKI: keys, the CA's certificate, enrollment", ()),
    ("03-isakmp-wire-format.ipynb", "3. The ISAKMP wire format", ("decode_message",)),
    (
        "04-main-mode-proposals.ipynb",
        "4. Main Mode, messages 1 and 2: proposals and policy matching",
        ("isakmp_policy",),
    ),
    ("05-diffie-hellman.ipynb", "5. Diffie-Hellman (MM3 and MM4)", ("dh_public_value",)),
    (
        "06-key-derivation.ipynb",
        "6. Key derivation: SKEYID and its family",
        ("skeyid_e", "ka", "phase1_iv"),
    ),
    (
        "07-authentication-mm5-mm6.ipynb",
        "7. Authentication with certificates and signatures (MM5, MM6)",
        ("hash_i",),
    ),
    ("08-quick-mode-and-pfs.ipynb", "8. Quick Mode and PFS", ("phase2_iv", "keymat")),
    (
        "09-esp-tunnel.ipynb",
        "9. The ESP tunnel and `show crypto ipsec sa`",
        ("esp_decrypt", "fix_config"),
    ),
    ("10-real-network-and-wireshark.ipynb", "10. The real network, and Wireshark", ()),
    (
        "11-ikev1-vs-ikev2.ipynb",
        "11. IKEv1 beside IKEv2: the same tunnel, negotiated twice",
        ("skeyseed", "sk_key", "signed_octets", "psk_auth"),
    ),
]
# Course material after the story: the troubleshooting lab (vpnteach.troubleshoot), and
# Aggressive Mode with the offline pre-shared key attack (vpnteach.ike.aggressive_attack),
# the seed tutorial annotated line by line (vpnteach.stepper.seedmap).
APPENDICES = ["troubleshooting.ipynb", "aggressive-mode.ipynb", "seed-annotated.ipynb"]
# Pages that are not lessons: the no-code Voilà demo (issue 18, tests/browser/test_voila_demo.py).
PAGES = ["demo.ipynb"]
# Practice notebooks (issue 17): exercises that need understanding, after the story.
PRACTICE: list[tuple[str, tuple[str, ...]]] = [
    (
        "practice/predict-before-you-step.ipynb",
        ("next_state", "key_sizes", "retransmits", "ping_counters", "spi_places", "anti_replay"),
    ),
    ("practice/read-the-debug-log.ipynb", ("debug_line", "debug_refusal")),
    (
        "practice/hashes-and-key-directions.ipynb",
        ("hash_r", "qm_hash1", "qm_hash2", "qm_hash3", "keymat_direction", "nat_d"),
    ),
    (
        "practice/pki-and-console-faults.ipynb",
        ("ca_fingerprint", "cert_validity", "crl_check", "fqdn_identity", "console_fix",
         "pki_console_fix"),
    ),
]  # fmt: skip
TUTORIALS = [name for name, _, _ in COURSE]
EXERCISE_CALL = re.compile(r"exercises\.(?!current_learner|set_learner)(\w+)\(\)")
ALL = sorted(
    p.relative_to(NOTEBOOKS).as_posix()
    for p in NOTEBOOKS.rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
# the solution notebooks of the self-graded exercises (they call exercises.<id>())
SOLVED = [
    p.relative_to(NOTEBOOKS).as_posix()
    for p in sorted(SOLUTIONS.glob("*.ipynb"))
    if EXERCISE_CALL.search(p.read_text())
]


def load(name: str) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads((NOTEBOOKS / name).read_text())
    return notebook


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def cells_of(name: str, kind: str) -> list[str]:
    return [source(c) for c in load(name)["cells"] if c["cell_type"] == kind]


# ------------------------------------------------------------------------------ shape


def test_the_tutorials_are_exactly_the_story_list_in_order() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) == TUTORIALS
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(
        TUTORIALS + APPENDICES + PAGES
    )


@pytest.mark.parametrize(("name", "title", "exercise_ids"), COURSE)
def test_each_tutorial_opens_with_its_title_and_goal_and_ends_with_recap_and_exercise(
    name: str, title: str, exercise_ids: tuple[str, ...]
) -> None:
    cells = load(name)["cells"]
    first = source(cells[0])
    assert cells[0]["cell_type"] == "markdown"
    assert first.splitlines()[0] == f"# {title}"
    assert "**After this notebook you can**" in first
    markdown = "\n".join(cells_of(name, "markdown"))
    assert "## Recap" in markdown
    assert re.search(r"^## Exercises?\b", markdown, re.MULTILINE)
    code = "\n".join(cells_of(name, "code"))
    assert tuple(EXERCISE_CALL.findall(code)) == exercise_ids


def test_every_exercise_is_in_a_tutorial_and_solved_in_a_solution_notebook() -> None:
    in_tutorials = [e for _, _, ids in COURSE for e in ids] + [
        e for _, ids in PRACTICE for e in ids
    ]
    solved = [
        e for name in SOLVED for e in EXERCISE_CALL.findall("\n".join(cells_of(name, "code")))
    ]
    # the troubleshooting mystery is the appendix's exercises.mystery_lab() and check_fix(...)
    assert "exercises.mystery_lab(" in "\n".join(cells_of("troubleshooting.ipynb", "code"))
    assert sorted([*in_tutorials, "troubleshoot"]) == sorted(EXERCISES)
    assert sorted([*solved, "troubleshoot"]) == sorted(EXERCISES)


@pytest.mark.parametrize(("name", "exercise_ids"), PRACTICE)
def test_each_practice_notebook_states_its_goal_ends_with_a_recap_and_holds_no_answers(
    name: str, exercise_ids: tuple[str, ...]
) -> None:
    cells = load(name)["cells"]
    first = source(cells[0])
    assert first.startswith("# Practice: ") and "**After this practice you can**" in first
    assert "*Prerequisites*" in first and "*Time*" in first
    assert "## Recap" in "\n".join(cells_of(name, "markdown"))
    code = "\n".join(cells_of(name, "code"))
    assert tuple(EXERCISE_CALL.findall(code)) == exercise_ids
    for forbidden in (".check(", ".solution(", "VPNTEACH_INSTRUCTOR", "_solve", "print(ex"):
        assert forbidden not in code, forbidden


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorials_hold_no_answers_only_the_exercise_widgets(name: str) -> None:
    code = "\n".join(cells_of(name, "code"))
    assert ".check(" not in code
    assert ".solution(" not in code
    assert "VPNTEACH_INSTRUCTOR" not in code


@pytest.mark.parametrize("name", ALL)
def test_no_committed_notebook_has_outputs(name: str) -> None:
    for cell in load(name)["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name}: a cell has outputs"
            assert cell["execution_count"] is None, f"{name}: a cell has an execution count"


# ------------------------------------------------------------------------------ execution


def execute(name: str) -> tuple[Any, float]:
    """Run ``name`` in a fresh python3 kernel from ``notebooks/``; (notebook, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.monotonic()
    client.execute()
    return notebook, time.monotonic() - started


def outputs_text(notebook: Any) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("name", ALL)
def test_notebook_runs_top_to_bottom_in_under_15_seconds(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VPNTEACH_LEARNER", "ci-course-check")
    monkeypatch.delenv("VPNTEACH_GRADEBOOK", raising=False)
    notebook, seconds = execute(name)
    print(f"{name}: {seconds:.1f} s")
    assert seconds < BUDGET_SECONDS, f"{name} took {seconds:.1f} s"
    assert all(
        output.get("output_type") != "error"
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    # every "same as ...", "equal ..." and "... matches" line the notebook prints is a live check
    text = outputs_text(notebook)
    assert not re.search(r"(same|equal|match|agree|starts|ends with)[^\n]*: False", text)


@pytest.mark.parametrize("name", SOLVED)
def test_solutions_pass_for_another_learner_too(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VPNTEACH_LEARNER", "s0000042")
    monkeypatch.delenv("VPNTEACH_GRADEBOOK", raising=False)
    notebook, _ = execute(name)
    text = outputs_text(notebook)
    correct = text.count("Feedback(correct=True")
    assert correct == len(EXERCISE_CALL.findall("\n".join(cells_of(name, "code"))))
