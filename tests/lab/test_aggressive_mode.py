"""Aggressive Mode in the lab, configured the IOS way: the seed lab switched to pre-share, a
``crypto isakmp peer`` block on Branch1, then the seed's ping (and ``crypto isakmp
aggressive-mode disable`` on Branch2 to refuse it)."""

from __future__ import annotations

from tests.lab.conftest import PING
from vpnteach.ike.aggressive_attack import offline_psk_guess
from vpnteach.ike.events import Phase1Complete, Phase2Complete
from vpnteach.lab import Lab
from vpnteach.net.sim import Capture
from vpnteach.wire.constants import ExchangeType
from vpnteach.wire.ip import decode_ipv4, decode_udp
from vpnteach.wire.message import decode_message

AM_PEER = (
    "crypto isakmp peer address 10.2.2.1\n"
    " set aggressive-mode password cisco123\n"
    " set aggressive-mode client-endpoint ipv4-address 10.1.1.1\n"
)
UDP = 17


def am_lab(branch2: str = "") -> tuple[Lab, Capture]:
    """``Lab.seed(auth="pre-share")`` (key cisco123), the AM block on Branch1, ``branch2``
    commands on Branch2, debug on both, the WAN captured."""
    lab = Lab.seed(auth="pre-share")
    lab.branch1.configure(AM_PEER)
    if branch2:
        lab.branch2.configure(branch2)
    for router in (lab.branch1, lab.branch2):
        router.exec("debug crypto isakmp")
    return lab, lab.capture("WAN")


def ike_payloads(capture: Capture) -> list[tuple[str, bytes]]:
    """(source address, ISAKMP bytes) of each UDP/500 datagram captured, in order."""
    found = []
    for record in capture.records:
        packet = decode_ipv4(record.packet)
        if packet.header.protocol == UDP:
            udp = decode_udp(packet.payload, packet.header.src, packet.header.dst)
            if 500 in (udp.src_port, udp.dst_port):
                found.append((packet.header.src, udp.payload))
    return found


def test_the_peer_block_negotiates_aggressive_mode_and_carries_the_ping() -> None:
    lab, wan = am_lab()
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!"
    assert "Old State = IKE_READY New State = IKE_I_AM1" in out
    assert "beginning Aggressive Mode exchange" in out
    assert "Old State = IKE_I_AM1 New State = IKE_P1_COMPLETE" in out
    assert "IKE_I_MM1" not in out and "Can not start Aggressive mode" not in out
    for router in (lab.branch1, lab.branch2):
        assert any(isinstance(e, Phase1Complete) for e in router.events)
        assert any(isinstance(e, Phase2Complete) for e in router.events)
    exchanges = [decode_message(data).header.exchange_type for _, data in ike_payloads(wan)]
    assert exchanges[:3] == [ExchangeType.AGGRESSIVE] * 3
    assert ExchangeType.IDENTITY_PROTECTION not in exchanges


def test_the_captured_am1_and_am2_give_the_key_away_offline() -> None:
    lab, wan = am_lab()
    lab.branch1.exec(PING)
    (am1, am2) = [data for _, data in ike_payloads(wan)][:2]
    words = ["password", "letmein", "cisco", "cisco123", "admin"]
    assert offline_psk_guess(am1, am2, words) == "cisco123"
    assert offline_psk_guess(am1, am2, words[:3]) is None


def test_aggressive_mode_disable_on_branch2_fails_the_ping_and_both_debugs_say_why() -> None:
    lab, _ = am_lab("crypto isakmp aggressive-mode disable\n")
    out = lab.branch1.exec(PING)
    assert "!" not in out.splitlines()[-2]
    assert "processing NOTIFY INVALID_EXCHANGE_TYPE" in out
    assert 'deleting SA reason "peer sent INVALID_EXCHANGE_TYPE"' in out
    assert "Aggressive Mode is disabled: AM1 from 10.1.1.1 refused" in lab.branch2.read_console()
    assert not any(isinstance(e, Phase1Complete) for e in lab.branch1.events)


def test_aggressive_mode_disable_on_branch1_falls_back_to_main_mode() -> None:
    lab, _ = am_lab()
    lab.branch1.configure("crypto isakmp aggressive-mode disable\n")
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!"
    assert "Can not start Aggressive mode, trying Main mode." in out
    assert "New State = IKE_I_MM1" in out and "IKE_I_AM1" not in out


def test_show_running_config_on_a_lab_router_shows_the_peer_block() -> None:
    lab, _ = am_lab("crypto isakmp aggressive-mode disable\n")
    assert "crypto isakmp key cisco123 address 10.2.2.1\n!\n" + AM_PEER + "!\n" in lab.branch1.exec(
        "show running-config"
    )
    assert "crypto isakmp aggressive-mode disable\n" in lab.branch2.exec("show running-config")
