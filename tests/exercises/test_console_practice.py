"""The console exercises: a repair worked out here from the statement's evidence alone (the two
running configurations, the clocks, the fingerprints) is typed at the console and passes for
three learners; the typical console mistakes get their own message; answers recorded in a
saved notebook are graded by ``vpnteach grade`` with a fresh lab run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.exercises.conftest import LEARNERS
from tests.exercises.learner import record_output, saved_with_records
from vpnteach import exercises
from vpnteach.exercises.grade import grade_folder


def _config(given: dict[str, str], router: str) -> str:
    return given[f"{router}# show running-config"]


def config_repair(given: dict[str, str]) -> str:
    """What an engineer comparing the two running configurations would type."""
    b1, b2 = _config(given, "Branch1"), _config(given, "Branch2")
    lines = ["configure terminal"]
    if "crypto map CRYPTO" not in b1.split("interface Serial1/0", 1)[1].split("!", 1)[0]:
        lines += ["interface Serial1/0", " crypto map CRYPTO"]
    policy = re.search(r"crypto isakmp policy 10\n((?: .*\n)*)", b1)[1]  # type: ignore[index]
    if re.search(r"crypto isakmp policy 10\n((?: .*\n)*)", b2)[1] != policy:  # type: ignore[index]
        lines += ["crypto isakmp policy 10", *policy.rstrip("\n").splitlines()]
    ts = re.search(r"crypto ipsec transform-set TS (.*)", b1)[1].strip()  # type: ignore[index]
    if re.search(r"crypto ipsec transform-set TS (.*)", b2)[1].strip() != ts:  # type: ignore[index]
        lines.append(f"crypto ipsec transform-set TS {ts}")
    if "set pfs" in b2 and "set pfs" not in b1:
        lines += ["crypto map CRYPTO 10 ipsec-isakmp", " no set pfs"]
    if "192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255" not in b2:
        lines += ["no ip access-list extended ACL", "ip access-list extended ACL",
                  " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255"]  # fmt: skip
    return "\n".join([*lines, "end"])


def _clock(text: str) -> str:
    found = re.search(r"(\d\d:\d\d:\d\d)\.\d+ \w+ \w{3} (\w{3}) (\d+) (\d+)", text)
    assert found is not None
    return " ".join(found.groups())


def pki_repair(given: dict[str, str]) -> tuple[str, str]:
    """(router, session) from the clocks, domain names and fingerprints shown."""
    symptom = given["symptom"]
    refuser = symptom.split()[0]
    other = "Branch1" if refuser == "Branch2" else "Branch2"
    clocks = {r: _clock(given[f"{r}# show clock"]) for r in ("Branch1", "Branch2")}
    if clocks["Branch1"].split()[1:] != clocks["Branch2"].split()[1:]:
        return refuser, f"clock set {clocks[other]}"
    for router in ("Branch1", "Branch2"):
        if "ip domain name amit.com" not in _config(given, router):
            return router, "configure terminal\nip domain name amit.com\nend"
    truth = next(v for k, v in given.items() if k.startswith("the CA administrator"))
    for router in ("Branch1", "Branch2"):
        if given[next(k for k in given if k.startswith(f"{router}'s CA certificate"))] != truth:
            return router, "configure terminal\ncrypto pki authenticate WIN2003\nyes\nend"
    raise AssertionError("no PKI fault visible in the evidence")


@pytest.mark.parametrize("learner", LEARNERS)
def test_a_repair_worked_out_from_the_configurations_passes(learner: str) -> None:
    ex = exercises.get("console_fix", learner)
    session = config_repair(ex.given)
    feedback = ex.check(session)
    assert feedback.correct, (session, feedback)
    flat = "\n".join(
        line for line in session.splitlines() if line not in ("configure terminal", "end")
    )
    assert ex.check(flat).mistake == "no_configure_terminal"
    assert ex.check("configure terminal\nend").mistake == "still_broken"


@pytest.mark.parametrize("learner", [*LEARNERS, "l4", "l5", "l6"])
def test_a_pki_repair_worked_out_from_the_evidence_passes(learner: str) -> None:
    ex = exercises.get("pki_console_fix", learner)
    router, session = pki_repair(ex.given)
    assert f"at {router}'s console" in ex.statement.text
    feedback = ex.check(session)
    assert feedback.correct, (session, feedback)
    if session.startswith("clock set"):
        wrong = ex.check("configure terminal\n" + session)
        assert wrong.mistake == "exec_command_in_config" and "exec command" in wrong.message
    else:
        assert ex.check(session.split("\n", 1)[1]).mistake == "no_configure_terminal"
    assert ex.check("show clock").mistake == "still_broken"


def test_console_answers_are_graded_from_the_saved_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    for learner in LEARNERS:
        console = exercises.get("console_fix", learner)
        _, pki_session = pki_repair(exercises.get("pki_console_fix", learner).given)
        outputs = [
            record_output("console_fix", learner, config_repair(console.given)),
            record_output("pki_console_fix", learner, "configure terminal\nend", 1),
            record_output("pki_console_fix", learner, pki_session, 2),
        ]
        saved_with_records(folder / f"{learner}.ipynb", outputs)
    report = grade_folder(folder)
    for learner in LEARNERS:
        assert report.status(learner, "console_fix") == "correct"
        row = report.row(learner, "pki_console_fix")
        assert (row.status, row.attempts) == ("correct", 2)
