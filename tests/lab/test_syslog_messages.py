"""Unsolicited ``%CRYPTO-...`` system messages on a lab router's console, at the moment IOS
prints them and whatever ``debug`` says.

Formats: Cisco IOS System Message Guide (CRYPTO facility) and Cisco tech note 115801 ("IPsec
%RECVD_PKT_INV_SPI Errors and Invalid SPI Recovery"), whose sample is
``%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for destaddr=,
prot=50, spi=0xB761863E(3076621886), ...``.
"""

from __future__ import annotations

import re

from tests.lab.console_session import branch_lines
from vpnteach.ios.console import Console
from vpnteach.lab import Lab
from vpnteach.labs.console import blank_seed_lab, console_for
from vpnteach.stepper import Stepper
from vpnteach.wire.ip import IpProtocol, icmp_echo, ipv4_packet

STAMP = r"Jun +\d+ \d\d:\d\d:\d\d\.\d{3}: "


def _type(console: Console, lines: list[str]) -> list[tuple[str, str]]:
    """(line typed, what the console printed after it, unsolicited lines included)."""
    return [(line, console.enter(line) + console.unsolicited()) for line in lines]


def test_applying_the_crypto_map_turns_isakmp_on_and_removing_it_off() -> None:
    lab = blank_seed_lab()
    console = console_for(lab.branch2)
    typed = _type(console, branch_lines(2, "10.1.1.1", "192.168.22", "192.168.11", False))
    printed = [(line, out) for line, out in typed if "ISAKMP is ON" in out]
    assert [line for line, _ in printed] == ["crypto map CRYPTO"]  # under interface serial 1/0
    assert re.fullmatch(STAMP + "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON\n", printed[0][1])
    off = _type(console, ["configure terminal", "interface serial 1/0", "no crypto map CRYPTO"])
    assert "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is OFF" in off[-1][1]
    assert lab.branch2.gateway is None


def test_esp_for_an_unknown_spi_is_logged_as_recvd_pkt_inv_spi() -> None:
    lab = Lab.seed()
    isp = lab.network.node("ISP")
    esp = bytes.fromhex("B761863E") + (1).to_bytes(4, "big") + bytes(32)
    isp.interfaces["Serial1/1"].transmit(ipv4_packet("10.1.1.1", "10.2.2.1", IpProtocol.ESP, esp))
    lab.run_for(1.0)
    console = lab.branch2.read_console()  # no debug is on
    expected = (
        "%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for "
        "destaddr=10.2.2.1, prot=50, spi=0xB761863E(3076621886), srcaddr=10.1.1.1"
    )
    assert re.search(STAMP + re.escape(expected), console), console
    assert lab.branch2.read_console() == ""  # printed once


def test_cleartext_that_must_be_encrypted_is_logged_as_recvd_pkt_not_ipsec() -> None:
    lab = Lab.seed()
    packet = icmp_echo("192.168.11.10", "192.168.22.10", data=b"x" * 8)
    lab.network.node("ISP").interfaces["Serial1/1"].transmit(packet)
    lab.run_for(1.0)
    console = lab.branch2.read_console()
    expected = (
        "%CRYPTO-4-RECVD_PKT_NOT_IPSEC: Rec'd packet not an IPSEC packet. (ip) "
        "vrf/dest_addr= /192.168.22.10, src_addr= 192.168.11.10, prot= 1"
    )
    assert re.search(STAMP + re.escape(expected), console), console


def test_a_tampered_ike_message_is_logged_without_debug() -> None:
    stepper = Stepper.seed()
    stepper.run(until=lambda step: step.title.startswith("MM4"))
    while (pending := stepper.pending()) is not None and pending.label != "MM5":
        stepper.next()
    stepper.modify_pending(_cut_a_block_short)
    len(stepper)  # run to the end
    branch2 = stepper.lab.router("Branch2")
    assert "isakmp" not in branch2.debugging
    expected = "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.1.1.1 failed its sanity check"
    assert re.search(STAMP + re.escape(expected), branch2.read_console())


def _cut_a_block_short(data: bytes) -> bytes:
    """MM5 without its last 4 bytes (header length fixed): not whole cipher blocks."""
    data = data[:-4]
    return data[:24] + len(data).to_bytes(4, "big") + data[28:]
