"""Every system program a test needs is installed by the test command itself.

CI runs ``bash .ci/run`` on a fresh Debian machine: a tool that was only on a developer's machine
by hand turns into "prerequisite missing in CI" failures there. These tests read the tests' own
source for the programs they look up (``shutil.which("x")``, ``require_tool("x")``, fixed paths
such as charon's and Chromium's) and check that each one's Debian package is in the
``DEBIAN_PACKAGES`` list of ``tools/test.sh``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_SH = ROOT / "tools" / "test.sh"

# program (as the tests name it) -> the Debian package that ships it (``dpkg -S`` on Debian 12)
PROVIDED_BY = {
    "bwrap": "bubblewrap",
    "certmonger": "certmonger",
    "charon": "strongswan-charon",
    "chromium": "chromium",
    "dbus-daemon": "dbus-daemon",
    "dot": "graphviz",
    "dumpcap": "tshark",  # wireshark-common, a dependency of tshark
    "getcert": "certmonger",
    "git": "git",
    "grep": "grep",  # Essential in Debian, listed so that the check stays complete
    "ip": "iproute2",
    "openssl": "openssl",
    "ping": "iputils-ping",
    "pki": "strongswan-pki",
    "sed": "sed",  # Essential in Debian
    "setpriv": "util-linux",
    "swanctl": "strongswan-swanctl",
    "tmux": "tmux",
    "tshark": "tshark",
}

_LOOKUPS = (
    re.compile(r"""shutil\.which\(\s*["']([\w.+-]+)["']"""),
    re.compile(r"""require_tool\(\s*["']([\w.+-]+)["']"""),
    re.compile(r"""for tool in \(([^)]*)\)"""),
    re.compile(r"""["']/usr/lib/(?:ipsec|chromium)/(\w+)["']"""),
    re.compile(r"""needs Graphviz's (dot)"""),
)


def programs_named_by_tests() -> set[str]:
    """Every program name the test sources look up."""
    found: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text()
        for pattern in _LOOKUPS:
            for match in pattern.findall(text):
                found.update(re.findall(r"[\w.+-]+", match))
    return found


def installed_by_test_command() -> set[str]:
    """The ``DEBIAN_PACKAGES=( ... )`` array of tools/test.sh."""
    block = re.search(r"DEBIAN_PACKAGES=\((.*?)\)", TEST_SH.read_text(), re.S)
    assert block is not None, "tools/test.sh has no DEBIAN_PACKAGES=( ... ) list"
    return set(block.group(1).split())


def test_the_scan_finds_the_programs_known_to_be_used() -> None:
    # A scan that found nothing would make the next test pass vacuously.
    assert {"tshark", "openssl", "charon", "dot", "chromium", "ping"} <= programs_named_by_tests()


def test_every_program_a_test_needs_has_a_known_debian_package() -> None:
    unknown = programs_named_by_tests() - set(PROVIDED_BY)
    assert not unknown, f"add these programs to PROVIDED_BY and tools/test.sh: {sorted(unknown)}"


def test_every_needed_package_is_installed_by_the_test_command() -> None:
    needed = {PROVIDED_BY[p] for p in programs_named_by_tests() if p in PROVIDED_BY}
    missing = needed - installed_by_test_command()
    assert not missing, f"tools/test.sh does not install {sorted(missing)}"


@pytest.mark.parametrize("program", sorted(PROVIDED_BY))
def test_the_package_table_matches_dpkg(program: str) -> None:
    """Where dpkg knows the program, its owning package is the one in the table."""
    if shutil.which("dpkg") is None:
        pytest.skip("not a Debian machine")
    fixed = {"charon": "/usr/lib/ipsec/charon", "chromium": "/usr/lib/chromium/chromium"}
    path = fixed.get(program) or shutil.which(program)
    if path is None or not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail(f"prerequisite missing in CI: {program}", pytrace=False)
        pytest.skip(f"{program} is not installed here")
    real = os.path.realpath(path)
    owners: set[str] = set()
    for candidate in {
        path,
        real,
        real.replace("/usr/bin/", "/bin/").replace("/usr/sbin/", "/sbin/"),
    }:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        owners |= {line.split(":")[0] for line in out.stdout.splitlines()}
    if program == "dumpcap":
        owners |= {"tshark"} if "wireshark-common" in owners else set()
    assert PROVIDED_BY[program] in owners, f"dpkg says {path} belongs to {sorted(owners)}"
