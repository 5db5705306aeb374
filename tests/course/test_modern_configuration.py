"""The modern-configuration appendix (docs/modern-configuration.md) says what the lab does:
its configuration lines are the ``modern`` profile's, and the run negotiates what it claims."""

from __future__ import annotations

import re
from pathlib import Path

from vpnteach.lab import Lab
from vpnteach.labs.seed import PROFILES

DOC = Path(__file__).resolve().parents[2] / "docs" / "modern-configuration.md"


def config_block() -> list[str]:
    text = DOC.read_text()
    block = text.split("```\n", 2)[1].split("```")[0]
    return [line.strip() for line in block.splitlines() if line.strip() not in ("", "!")]


def test_the_documented_lines_are_the_modern_profile_plus_pfs() -> None:
    lines = config_block()
    for line in PROFILES["modern"].splitlines():
        assert line.strip() in lines
    assert "set pfs group14" in lines


def test_the_modern_lab_negotiates_what_the_appendix_says() -> None:
    lab = Lab.seed(seed=2010, profile="modern", pfs=14)
    ping = lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    assert "Success rate is 80 percent (4/5)" in ping
    policy = lab.branch1.exec("show crypto isakmp policy")
    assert "(256 bit keys)" in policy and "#14 (2048 bit)" in policy
    sa = lab.branch1.exec("show crypto ipsec sa")
    assert "esp-256-aes esp-sha256-hmac" in sa and "IV size: 16 bytes" in sa
    assert "PFS (Y/N): Y" in lab.branch1.exec("show crypto map")
    verbose = lab.branch1.exec("show crypto pki certificates verbose")
    assert len(re.findall(r"RSA Public Key: \(2048 bit\)", verbose)) == 2
    assert "Signature Algorithm: SHA256 with RSA Encryption" in verbose
    # the doc's example lists exactly these outputs
    for command in ("show crypto isakmp policy", "show crypto ipsec sa", "show crypto map"):
        assert command in DOC.read_text()


def test_the_gcm_profile_the_appendix_names_negotiates_esp_gcm() -> None:
    """The appendix's AES-GCM paragraph: transform 20 (RFC 4106 §8.1), no HMAC, esp-gcm 256."""
    assert 'profile="modern-gcm"' in DOC.read_text()
    lab = Lab.seed(seed=2010, profile="modern-gcm")
    assert "!!!!" in lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    sa = lab.branch1.exec("show crypto ipsec sa")
    assert "esp-gcm 256" in sa and "hmac" not in sa
