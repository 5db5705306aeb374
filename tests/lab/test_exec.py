"""Exec commands as a learner types them: IOS abbreviations, debug switches, bad input."""

from __future__ import annotations

import pytest

from tests.lab.conftest import PING
from vpnteach.ios.errors import ExecError
from vpnteach.lab import Lab


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.seed()


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("sh cry isa sa", "show crypto isakmp sa"),
        ("sh cry isa pol", "show crypto isakmp policy"),
        ("sh cry ipsec sa", "show crypto ipsec sa"),
        ("sh run", "show running-config"),
        ("sh cry pki cert", "show crypto pki certificates"),
        ("SHOW CRYPTO MAP", "show crypto map"),
    ],
)
def test_abbreviations_answer_like_the_full_command(lab: Lab, short: str, full: str) -> None:
    assert lab.branch1.exec(short) == lab.branch1.exec(full)


def test_debug_switches_answer_as_ios_and_undebug_all_silences_the_ping() -> None:
    lab = Lab.seed()
    b1 = lab.branch1
    assert b1.exec("debug crypto isakmp") == "Crypto ISAKMP debugging is on\n"
    assert b1.exec("debug crypto ipsec") == "Crypto IPSEC debugging is on\n"
    assert b1.exec("no debug crypto ipsec") == "Crypto IPSEC debugging is off\n"
    assert b1.exec("undebug all") == "All possible debugging has been turned off\n"
    assert "ISAKMP" not in b1.exec(PING)


def test_the_responders_debug_lines_wait_on_its_own_console() -> None:
    lab = Lab.seed()
    lab.branch2.exec("debug crypto isakmp")
    lab.branch1.exec(PING)
    console = lab.branch2.read_console()
    assert "IKE_R_MM1" in console and "IKE_QM_PHASE2_COMPLETE" in console
    assert lab.branch2.read_console() == ""  # read once


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("ping 192.168.22.1 source 10.9.9.9", "Invalid source address"),
        # IOS marks the first character it cannot read: "m" of "many", "c" of "colour"
        ("ping 192.168.22.1 repeat many", "repeat many\n {33}\\^\n% Invalid input"),
        ("ping 192.168.22.1 colour blue", "colour blue\n {26}\\^\n% Invalid input"),
        ("show crypto isakmp nonsense", "Invalid input detected at '^' marker"),
        ("crypto pki enroll NOSUCH", "NOSUCH"),
    ],
)
def test_bad_commands_raise_a_clear_exec_error(lab: Lab, command: str, message: str) -> None:
    with pytest.raises(ExecError, match=message.replace("'^'", r"'\^'")):
        lab.branch1.exec(command)


def test_a_router_without_a_crypto_map_says_so() -> None:
    lab = Lab.seed()
    with pytest.raises(ExecError, match="no crypto map"):
        lab.router("ISP").exec("show crypto ipsec sa")


def test_output_modifiers_filter_a_show_and_refuse_after_other_commands() -> None:
    lab = Lab.seed()
    b1 = lab.branch1
    b1.exec(PING)
    full = b1.exec("show crypto ipsec sa").splitlines()
    picked = b1.exec("show crypto ipsec sa | include pkts|spi").splitlines()
    assert picked == [line for line in full if "pkts" in line or "spi" in line]
    assert "    #pkts encaps: 4, #pkts encrypt: 4, #pkts digest: 4" in picked
    assert b1.exec("sh cry ipsec sa | count spi:") == "Number of lines which match regexp = 3\n"
    shown = b1.exec("show crypto isakmp sa").splitlines()
    assert b1.exec("sh cry isa sa | ex ^$").splitlines() == [line for line in shown if line]
    with pytest.raises(ExecError, match=r"Branch1#debug crypto ipsec \| i x\n {27}\^"):
        b1.exec("debug crypto ipsec | i x")
    with pytest.raises(ExecError, match=r"Incomplete command"):
        b1.exec("show crypto ipsec sa | include")
