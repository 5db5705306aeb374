"""``crypto pki enroll``'s subject questions as IOS answers them, and one enrollment dialogue for
the console and the lab's scripted enrollment.

IOS 12.4 (Cisco IOS Security Configuration Guide, "Configuring Certificate Enrollment for a
PKI"): yes to "Include the router serial number in the subject name?" prints "The serial number
in the certificate will be: ..." and puts the chassis serial number in the request's subject
(X.520 serialNumber); yes to the IP address puts it there as PKCS#9 unstructuredAddress;
``show crypto pki certificates`` then names them ("IP Address:", "Serial Number:") and prints
the subject RDN as ``serialNumber=...+ipaddress=...+hostname=...``. The seed answered no to
both: its Subject block is ``Name: Branch1.amit.com`` / ``hostname=Branch1.amit.com``.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from tests.conftest import require_tool
from tests.lab.console_session import branch_lines, type_lines
from vpnteach.ios.console.dialogs import Dialogue, script, yes_no
from vpnteach.ios.errors import ExecError
from vpnteach.lab import Lab
from vpnteach.labs.console import blank_seed_lab, console_for
from vpnteach.stepper.enrollment import ScepExchange, enrollment_steps


def _enrolled(serial: str, ip: list[str]) -> tuple[Lab, str]:
    """Branch1 typed at a blank console, answering the serial and IP questions."""
    lab = blank_seed_lab()
    lines = branch_lines(1, "10.2.2.1", "192.168.11", "192.168.22", False)
    at = lines.index("crypto pki enroll WIN2003") + 3  # after the password, twice
    lines[at : at + 2] = [serial, *ip]
    return lab, type_lines(console_for(lab.branch1), lines)


@pytest.fixture(scope="module")
def with_both() -> tuple[Lab, str]:
    return _enrolled("yes", ["yes", "Serial1/0"])


def test_yes_to_the_serial_number_puts_it_in_the_subject(
    with_both: tuple[Lab, str], tmp_path: Path
) -> None:
    lab, typed = with_both
    serial = lab.branch1.serial_number
    assert len(serial) == 8 and serial == lab.branch1.serial_number  # stable per router
    assert serial != lab.branch2.serial_number
    assert f"% The serial number in the certificate will be: {serial}\n" in typed
    cert = lab.branch1.pki.trustpoint("WIN2003").certificate
    assert cert is not None
    # openssl names the attributes independently of vpnteach
    openssl = require_tool("openssl", "needs the openssl command line tool")
    pem = tmp_path / "b1.pem"
    pem.write_bytes(cert.public_bytes(Encoding.PEM))
    subject = subprocess.run(
        [openssl, "x509", "-in", str(pem), "-noout", "-subject", "-nameopt", "RFC2253"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert f"serialNumber={serial}" in subject
    assert "unstructuredAddress=10.1.1.1" in subject
    assert "unstructuredName=Branch1.amit.com" in subject
    # one multi-valued RDN, as IOS requests it
    assert subject.count("+") == 2 and "," not in subject.split("=", 1)[1]


def test_show_crypto_pki_certificates_names_the_address_and_the_serial(
    with_both: tuple[Lab, str],
) -> None:
    lab, _ = with_both
    shown = lab.branch1.exec("show crypto pki certificates")
    serial = lab.branch1.serial_number
    block = shown.split("  Subject:\n", 1)[1].split("  CRL Distribution Points:", 1)[0]
    assert block.splitlines() == [
        "    Name: Branch1.amit.com",
        "    IP Address: 10.1.1.1",
        f"    Serial Number: {serial}",
        f"    serialNumber={serial}+ipaddress=10.1.1.1+hostname=Branch1.amit.com",
    ]


def test_no_to_both_keeps_the_seeds_subject() -> None:
    lab = Lab.seed()
    shown = lab.branch1.exec("show crypto pki certificates")
    block = shown.split("  Subject:\n", 1)[1].split("  CRL Distribution Points:", 1)[0]
    assert block.splitlines() == ["    Name: Branch1.amit.com", "    hostname=Branch1.amit.com"]


def test_the_seed_transcript_types_the_dialogues_at_the_configuration_prompt() -> None:
    transcript = Lab.seed().branch1.transcript
    assert "Branch1(config)# crypto pki authenticate WIN2003" in transcript
    assert "Branch1(config)# crypto pki enroll WIN2003" in transcript
    assert not [line for line in transcript if line.startswith("Branch1# crypto pki")]


def test_the_scripted_enrollment_is_the_consoles_dialogue() -> None:
    """Lab.seed's enrollment text equals what the console prints for the same answers."""
    seeded = "\n".join(Lab.seed().branch1.transcript)
    scripted = seeded.split("Branch1(config)# crypto pki enroll WIN2003\n", 1)[1]
    _, typed = _enrolled("no", ["no"])
    at_console = typed.split("Branch1(config)#crypto pki enroll WIN2003\n", 1)[1]
    # the console prints the same lines, up to its next prompt (times differ: another clock)
    until = "will show the fingerprint.\n"
    assert at_console.split(until)[0] == scripted.split(until)[0]
    assert "Password: \nRe-enter password: \n" in scripted


def test_the_request_fingerprint_is_the_csr_that_reached_the_ca() -> None:
    lab = Lab.seed()
    req = next(s.payload for s in enrollment_steps(lab, "Branch1") if s.title.startswith("PKCSReq"))
    assert isinstance(req, ScepExchange)
    csr = req.layers[2].der
    md5 = hashlib.md5(csr).hexdigest().upper()
    grouped = " ".join(md5[i : i + 8] for i in range(0, 32, 8))
    transcript = "\n".join(lab.branch1.transcript)
    assert f"CRYPTO_PKI:  Certificate Request Fingerprint MD5: {grouped}" in transcript
    assert transcript.index("Request Fingerprint") < transcript.index("%PKI-6-CERTRET")


def test_a_script_without_enough_answers_is_refused_clearly() -> None:
    with pytest.raises(ExecError, match=r"no scripted answer for 'Again\? \[yes/no\]:'"):
        script(_two_questions(), ["yes"])
    assert (
        script(_two_questions(), ["y", "no"])
        == "% Are you sure? [yes/no]: y\nAgain? [yes/no]: no\n"
    )


def _two_questions() -> Dialogue:
    first = yield from yes_no("% Are you sure? [yes/no]: ")
    second = yield from yes_no("Again? [yes/no]: ")
    return "" if first and not second else "unexpected"


def test_the_labs_show_crypto_pki_certificates_is_the_seeds_unmasked() -> None:
    """Issue 16's must-show: after enrolling over the network with the dialogue, Lab.seed's
    routers show the seed's certificates line for line (serials and dates included)."""
    from tests.pki.seed_output import SEED_BRANCH1_SHOW, SEED_BRANCH2_SHOW

    def tokens(text: str) -> list[str]:  # the seed lost IOS's indentation
        return [" ".join(line.split()) for line in text.splitlines()]

    lab = Lab.seed()
    assert tokens(lab.branch1.exec("show crypto pki certificates")) == tokens(SEED_BRANCH1_SHOW)
    branch2 = lab.branch2.exec("show crypto pki certificates")
    # Branch2's seed output came from a 103-column terminal: compare with the wraps removed
    assert "".join(tokens(branch2)) == "".join(tokens(SEED_BRANCH2_SHOW))
