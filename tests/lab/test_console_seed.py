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

from vpnteach.lab import Lab

ROOT = Path(__file__).resolve().parents[2]


def _branch(n: int, peer: str, lan: str, far: str, abbreviated: bool) -> list[str]:
    wan, hop = f"10.{n}.{n}.1", f"10.{n}.{n}.2"
    full = [
        "enable", "configure terminal", f"hostname Branch{n}", "ip domain-name amit.com",
        "ntp server 192.168.1.9",
        "crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable",
        "crypto pki trustpoint WIN2003",
        "enrollment url http://192.168.1.9/certsrv/mscep/mscep.dll",
        "enrollment mode ra", "rsakeypair BRANCH_KEY", "revocation-check none", "exit",
        "interface serial 1/0", f"ip address {wan} 255.255.255.0",
        "interface FastEthernet0/0", f"ip address {lan}.1 255.255.255.0", "exit",
        f"ip route 0.0.0.0 0.0.0.0 {hop}",
        "crypto pki authenticate WIN2003", "yes",
        "crypto pki enroll WIN2003", "cisco123", "cisco123", "no", "no", "yes",
        "crypto isakmp policy 10", "encryption 3des", "authentication rsa-sig", "hash md5",
        "group 1", "exit",
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac", "exit",
        "ip access-list extended ACL", f"permit ip {lan}.0 0.0.0.255 {far}.0 0.0.0.255", "exit",
        "crypto map CRYPTO 10 ipsec-isakmp", "match address ACL", f"set peer {peer}",
        "set transform-set TS", "exit",
        "interface serial 1/0", "crypto map CRYPTO", "end",
    ]  # fmt: skip
    if not abbreviated:
        return full
    short = {
        "enable": "en", "configure terminal": "conf t", "ntp server 192.168.1.9":
        "ntp ser 192.168.1.9", "crypto pki trustpoint WIN2003": "cry pki trustp WIN2003",
        "enrollment mode ra": "enr mode ra", "rsakeypair BRANCH_KEY": "rsak BRANCH_KEY",
        "revocation-check none": "rev none", "interface serial 1/0": "int s1/0",
        "interface FastEthernet0/0": "int fa0/0", "crypto pki authenticate WIN2003":
        "cry pki auth WIN2003", "crypto pki enroll WIN2003": "cry pki enr WIN2003",
        "crypto isakmp policy 10": "cry isa pol 10", "encryption 3des": "encr 3des",
        "authentication rsa-sig": "auth rsa-sig", "hash md5": "ha md5", "group 1": "gr 1",
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac":
        "cry ipsec trans TS esp-3des esp-md5-hmac", "ip access-list extended ACL":
        "ip access-l ext ACL", "crypto map CRYPTO 10 ipsec-isakmp": "cry map CRYPTO 10 ipsec",
        "match address ACL": "mat add ACL", "set transform-set TS": "set trans TS",
        "crypto map CRYPTO": "cry map CRYPTO",
    }  # fmt: skip
    return [short.get(line, line).replace("ip address", "ip add") for line in full]


def _session(abbreviated: bool) -> list[str]:
    b2 = _branch(2, "10.1.1.1", "192.168.22", "192.168.11", abbreviated)
    b1 = _branch(1, "10.2.2.1", "192.168.11", "192.168.22", abbreviated)
    return [
        "@Branch2", *b2, "@Branch1", *b1,
        "debug crypto isakmp", "ping 192.168.22.1 source 192.168.11.1",
        "show running-config", "show crypto isakmp policy", "show crypto pki certificates",
        "show crypto isakmp sa", "show crypto ipsec sa",
    ]  # fmt: skip


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
    transcript = _run(_session(abbreviated))
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
