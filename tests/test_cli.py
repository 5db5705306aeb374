"""The ``vpnteach`` command, run as a learner would run it."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_demo_runs_and_both_branches_derive_the_same_keys(profile: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vpnteach", "demo", "--profile", profile],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka"):
        values = re.findall(rf"^  Branch[12]\s+{name}\s+= (\S+)", out, re.MULTILINE)
        assert len(values) == 2 and values[0] == values[1], name
    assert "derived the same SKEYID, SKEYID_d/a/e and Ka: yes" in out


def test_demo_is_reproducible_for_a_seed() -> None:
    def run() -> str:
        argv = [sys.executable, "-m", "vpnteach", "demo", "--seed", "7"]
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    assert run() == run()


def test_unknown_profile_is_refused_with_the_choices() -> None:
    argv = [sys.executable, "-m", "vpnteach", "demo", "--profile", "nope"]
    result = subprocess.run(argv, capture_output=True, text=True)
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr and "seed" in result.stderr


def test_demo_enrolls_branch1_as_the_seed_shows() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "vpnteach", "demo"], capture_output=True, text=True, check=True
    ).stdout
    # the seed tutorial's `show crypto pki certificates` on Branch1
    assert "Certificate Serial Number: 0x614C662A000000000009" in out
    assert "start date: 04:00:18 AEST Jun 5 2010" in out
    assert "hostname=Branch1.amit.com" in out
    assert "Trustpoint CA certificate accepted." in out
