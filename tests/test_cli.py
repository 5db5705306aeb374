"""The ``vpnteach`` command, run as a learner would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.ike.seed_log import MOVE, SEED_MOVES


@cache
def demo(*args: str) -> str:
    argv = [sys.executable, "-m", "vpnteach", "demo", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def test_demo_enrolls_branch1_as_the_seed_shows() -> None:
    out = demo()
    # the seed tutorial's `show crypto pki certificates` on Branch1
    assert "Certificate Serial Number: 0x614C662A000000000009" in out
    assert "start date: 04:00:18 AEST Jun 5 2010" in out
    assert "hostname=Branch1.amit.com" in out
    assert "Trustpoint CA certificate accepted." in out
    assert "crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable" in out


def test_demo_debug_log_has_the_seeds_initiator_transitions() -> None:
    out = demo()
    assert MOVE.findall(out) == SEED_MOVES
    assert "Jun 6 10:21:50.071: ISAKMP:(0): SA request profile is (NULL)" in out


def test_demo_ping_loses_the_first_echo_and_counters_match_the_wire() -> None:
    out = demo()
    assert "\n.!!!!\nSuccess rate is 80 percent (4/5)" in out
    assert "10.2.2.1        10.1.1.1        QM_IDLE           1001    0 ACTIVE" in out
    assert "#pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4" in out
    assert "#pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4" in out
    assert "ESP packets on the WAN link: 4 from Branch1, 4 to it;" in out
    assert "show crypto ipsec sa counts the same: yes" in out


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_demo_both_branches_derive_the_same_keys(profile: str) -> None:
    out = demo("--profile", profile)
    for name in ("SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka"):
        values = re.findall(rf"^  Branch[12]\s+{name}\s+= (\S+)", out, re.MULTILINE)
        assert len(values) == 2 and values[0] == values[1], name
    assert "derived the same SKEYID, SKEYID_d/a/e and Ka: yes" in out


def test_modern_profile_negotiates_aes_256_and_sha256() -> None:
    out = demo("--profile", "modern")
    assert "transform: esp-256-aes esp-sha256-hmac" in out and "\n.!!!!\n" in out


def test_demo_is_reproducible_for_a_seed() -> None:
    assert demo("--seed", "7") == subprocess.run(
        [sys.executable, "-m", "vpnteach", "demo", "--seed", "7"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_demo_writes_a_pcap_and_the_key_tables(tmp_path: Path) -> None:
    out = demo("--pcap", str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["WAN1.pcap", "esp_sa", "ikev1_decryption_table", "preferences"]
    assert (tmp_path / "WAN1.pcap").read_bytes()[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
    assert len((tmp_path / "esp_sa").read_text().splitlines()) == 2
    assert f"WIRESHARK_CONFIG_DIR={tmp_path}" in out


def test_unknown_profile_is_refused_with_the_choices() -> None:
    argv = [sys.executable, "-m", "vpnteach", "demo", "--profile", "nope"]
    result = subprocess.run(argv, capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 2
    assert "invalid choice: 'nope'" in result.stderr and "seed" in result.stderr


def test_demo_ikev2_tells_the_same_story_with_ike_sa_init_and_ike_auth() -> None:
    out = demo("--ikev2")
    assert "Certificate Serial Number: 0x614C662A000000000009" in out  # the same enrollment
    assert "crypto ikev2 proposal PROP \n encryption aes-cbc-256\n" in out
    assert "IKEv2 Profile: PROF" in out  # show crypto map
    assert "     DH Group   : DH_GROUP_2048_MODP/Group 14\n" in out  # show crypto ikev2 proposal
    assert "Branch1# debug crypto ikev2\nIKEv2 default debugging is on" in out
    moves = re.findall(r"State (\w+) -> (\w+)", out)
    assert moves == [("IDLE", "I_WAIT_INIT"), ("I_WAIT_INIT", "I_WAIT_AUTH"),
                     ("I_WAIT_AUTH", "READY")]  # fmt: skip
    assert "\n.!!!!\nSuccess rate is 80 percent (4/5)" in out
    for name in ("SKEYSEED", "SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er", "SK_pi", "SK_pr"):
        values = re.findall(rf"^  Branch[12]\s+{name}\s+= (\S+)", out, re.MULTILINE)
        assert len(values) == 2 and values[0] == values[1], name
    assert "derived the same SKEYSEED, SK_d, SK_ai/ar, SK_ei/er and SK_pi/pr: yes" in out
    row = re.search(r"^1\s+10\.1\.1\.1/500\s+10\.2\.2\.1/500\s+none/none\s+READY$", out, re.M)
    assert row is not None
    assert "Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14" in out
    assert "show crypto ipsec sa counts the same: yes" in out
    assert "ISAKMP" not in out.split("== 3.")[1]  # no IKEv1 after the configuration


def test_demo_vti_shows_the_tunnel_interface_form_up_before_any_traffic() -> None:
    out = demo("--vti")
    assert "Configuration: IKE policy, transform set, tunnel interface" in out
    assert "crypto ipsec profile VTI\n set transform-set TS \n set ikev2-profile PROF\n" in out
    assert " tunnel mode ipsec ipv4\n tunnel destination 10.2.2.1\n" in out
    assert "ip route 192.168.22.0 255.255.255.0 Tunnel0" in out
    assert "Session status: UP-ACTIVE\n" in out.split("== 3.")[1].split("!!!!!")[0]
    assert "\n!!!!!\nSuccess rate is 100 percent (5/5)" in out
    assert "interface: Tunnel0\n    Crypto map tag: Tunnel0-head-0" in out
    assert "show crypto ipsec sa counts the same: yes" in out


def test_demo_ikev2_writes_the_ikev2_decryption_table(tmp_path: Path) -> None:
    demo("--ikev2", "--pcap", str(tmp_path))
    table = (tmp_path / "ikev2_decryption_table").read_text().splitlines()
    assert len(table) == 1 and '"AES-CBC-256 [RFC3602]"' in table[0]
    assert len((tmp_path / "esp_sa").read_text().splitlines()) == 2


def _vpnteach(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "vpnteach", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def test_help_is_plain_text_without_rst_markup() -> None:
    result = _vpnteach("--help")
    assert result.returncode == 0
    assert "``" not in result.stdout and ":meth:" not in result.stdout
    assert "IKEv1/IPsec" in result.stdout


def test_demo_help_explains_every_option() -> None:
    out = _vpnteach("demo", "--help").stdout
    text = " ".join(out.split())  # argparse wraps lines
    assert "modern: aes 256 / sha256 / group 14" in text  # --profile has help
    assert "--pcap DIR write the WAN capture" in text


@pytest.mark.parametrize("action", ["run", "enroll"])
def test_router_pki_option_has_help(action: str) -> None:
    out = " ".join(_vpnteach("router", action, "--help").stdout.split())
    assert re.search(r"--pki DIR \w+ .*ca\.cert\.pem, <host>\.cert\.pem", out), out


def test_demo_pcap_onto_an_existing_file_is_one_clean_line_and_runs_nothing(
    tmp_path: Path,
) -> None:
    target = tmp_path / "capture.pcap"
    target.write_bytes(b"keep me")
    result = _vpnteach("demo", "--pcap", str(target))
    assert result.returncode == 2
    assert result.stdout == ""  # the demo did not run first
    assert result.stderr.strip().splitlines() == [
        f"vpnteach demo: error: --pcap {target}: exists and is not a directory "
        "(give a folder for the capture and key tables)"
    ]
    assert "Traceback" not in result.stderr and target.read_bytes() == b"keep me"


def test_demo_pcap_under_a_file_is_one_clean_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = _vpnteach("demo", "--pcap", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot create this folder" in result.stderr
