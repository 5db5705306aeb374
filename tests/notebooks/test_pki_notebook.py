"""Notebook 2 (PKI and enrollment) run top to bottom: the enrollment steps appear in protocol
order, the dialogues are typed at ``Branch1(config)#`` as in the seed (never shown as EXEC
commands), and no cell writes an error or to stderr."""

from __future__ import annotations

import re

import pytest

from tests.notebooks.test_notebooks import BUDGET_SECONDS, execute, outputs_text

NAME = "02-pki-and-enrollment.ipynb"


@pytest.fixture(scope="module")
def run() -> tuple[str, list[dict[str, object]], float]:
    notebook, seconds = execute(NAME)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    return outputs_text(notebook), outputs, seconds


def test_it_runs_clean_within_the_budget(run: tuple[str, list[dict[str, object]], float]) -> None:
    _, outputs, seconds = run
    assert seconds < BUDGET_SECONDS, f"{NAME} took {seconds:.1f} s"
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    assert [o for o in outputs if o.get("name") == "stderr"] == []


def test_the_dialogues_are_typed_at_the_configuration_prompt(
    run: tuple[str, list[dict[str, object]], float],
) -> None:
    text, _, _ = run
    assert "Branch1(config)# crypto pki authenticate WIN2003" in text
    assert "Branch1(config)# crypto pki enroll WIN2003" in text
    assert not re.search(r"^Branch1# *cry(pto)? pki (auth|enr)", text, re.MULTILINE)


def test_the_enrollment_steps_are_shown_in_protocol_order(
    run: tuple[str, list[dict[str, object]], float],
) -> None:
    text, _, _ = run
    titles = ["GetCACert: Branch1 → WIN2003", "CA/RA certificates: WIN2003 → Branch1",
              "compare the CA fingerprint out of band: they match",
              "PKCSReq: Branch1 → WIN2003", "CertRep SUCCESS: WIN2003 → Branch1"]  # fmt: skip
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    # NDES: PENDING, then polling until approved
    assert "PKCSReq -> CertRep PENDING" in text and "CertPoll -> CertRep SUCCESS" in text
    assert "the CertRep is signed by the RA signing certificate: True" in text
