"""The seed typed into ``vpnteach console --blank``, in full and abbreviated as people type it.

Every configuration and exec line the seed shows for Branch1 (and Branch2's, from its
configuration file), with the two lines the seed leaves out (the LAN address and the default
route of ``assets/configs``), the dialogues answered as the seed did (accept the CA
certificate; challenge password; no serial number, no IP address; request the certificate).
Then ``ping 192.168.22.1 source 192.168.11.1`` brings the tunnel up (``.!!!!``) and the show
commands come out as on the seed lab built from the configuration files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab.console_session import seed_session
from vpnteach.lab import Lab

ROOT = Path(__file__).resolve().parents[2]


def _run(lines: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "vpnteach", "console", "--blank"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600,
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True,
    )  # fmt: skip
    return result.stdout


def _answer(transcript: str, command: str) -> str:
    """What followed ``Branch1#<command>`` up to the next prompt."""
    after = transcript.split(f"\nBranch1#{command}\n", 1)[1]
    return re.split(r"\nBranch1[#>(]", after, maxsplit=1)[0] + "\n"


@pytest.fixture(scope="module")
def reference() -> Lab:
    return Lab.seed()


@pytest.mark.parametrize("abbreviated", [False, True], ids=["full", "abbreviated"])
def test_the_seed_typed_at_a_blank_console_brings_the_tunnel_up(
    reference: Lab, abbreviated: bool
) -> None:
    transcript = _run(seed_session(abbreviated))
    assert "% Invalid input" not in transcript and "% Ambiguous" not in transcript, transcript
    assert "% Incomplete" not in transcript, transcript
    assert "Trustpoint CA certificate accepted." in transcript
    assert "Password: \n" in transcript and "cisco123" not in transcript  # never echoed
    assert "%PKI-6-CERTRET: Certificate received from Certificate Authority" in transcript
    ping = _answer(transcript, "ping 192.168.22.1 source 192.168.11.1")
    assert ping.splitlines()[-2].endswith(".!!!!"), ping
    # refused the IP address in the subject: IOS falls back to its FQDN (seed, MM5)
    assert "My ID configured as IPv4 Addr, but Addr not in Cert!" in ping
    b1 = reference.branch1
    for command in ("show running-config", "show crypto isakmp policy"):
        assert _answer(transcript, command) == b1.exec(command)
    assert "#pkts encaps: 4, #pkts encrypt: 4" in _answer(transcript, "show crypto ipsec sa")
    assert "QM_IDLE" in _answer(transcript, "show crypto isakmp sa")
    ours, seeds = (
        re.sub(r"0x[0-9A-F]+|\d\d:\d\d:\d\d|[A-Z][a-z]{2} +\d+ \d{4}", "#", text)
        for text in (_answer(transcript, "show crypto pki certificates"),
                     b1.exec("show crypto pki certificates"))
    )  # fmt: skip
    assert ours == seeds
