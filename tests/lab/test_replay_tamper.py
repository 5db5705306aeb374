"""Attacks on the wire, end to end: replayed, out-of-window and tampered ESP packets are
rejected, counted in ``show crypto ipsec sa detail``, and never reach a host."""

from __future__ import annotations

from tests.lab.conftest import PING, pinged
from tests.lab.wirecount import outer
from vpnteach.lab import Lab
from vpnteach.net.sim import FaultPolicy, PacketAccepted

ESP = 50


def _tunnel_up() -> Lab:
    lab = pinged().lab
    assert lab.branch1.gateway is not None and len(lab.branch1.gateway.sad.sas()) == 2
    return lab


def _accepted(lab: Lab, node: str, what: str, since: int) -> int:
    return sum(
        1
        for e in lab.network.log[since:]
        if isinstance(e, PacketAccepted) and e.node == node and e.what == what
    )


def _tamper(packet: bytes) -> bytes:
    """Flip one bit of the ciphertext of an ESP packet (other packets pass unchanged)."""
    if outer(packet)[2] != ESP:
        return packet
    i = len(packet) - 20  # inside the encrypted payload, before the 12-byte ICV
    return packet[:i] + bytes([packet[i] ^ 0x01]) + packet[i + 1 :]


def test_duplicated_esp_packets_are_rejected_as_replays_and_counted() -> None:
    lab = _tunnel_up()
    start = len(lab.network.log)
    lab.network.link("WAN1").faults = FaultPolicy(duplicate=1.0, only_from="ISP")
    out = lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1 repeat 5")
    assert out.splitlines()[-2] == "!!!!!"
    detail = lab.branch1.exec("show crypto ipsec sa detail")
    assert "#pkts decaps: 9, #pkts decrypt: 9, #pkts verify: 9" in detail  # 4 + 5, copies not
    assert "##pkts replay failed (rcv): 5" in detail
    assert "#recv errors 5" in detail
    assert _accepted(lab, "Branch1", "ICMP echo reply", start) == 5


def test_an_old_packet_outside_the_window_is_rejected() -> None:
    lab = _tunnel_up()
    wan = lab.capture("WAN")
    lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1 repeat 70 timeout 1")
    first_reply = next(
        r.packet for r in wan.records if outer(r.packet) == ("10.2.2.1", "10.1.1.1", ESP)
    )
    start = len(lab.network.log)
    lab.branch1.node.interface("Serial1/0").receive(first_reply)  # injected from the wire
    detail = lab.branch1.exec("show crypto ipsec sa detail")
    assert "##pkts replay failed (rcv): 1" in detail
    assert _accepted(lab, "Branch1", "ICMP echo reply", start) == 0


def test_a_tampered_packet_fails_the_icv_and_never_reaches_the_host() -> None:
    lab = _tunnel_up()
    start = len(lab.network.log)
    lab.network.link("WAN1").faults = FaultPolicy(rewrite=_tamper, only_from="ISP")
    results = list(lab.network.run_ping(lab.host("PC2"), "192.168.11.10", count=3))
    assert [r.ok for r in results] == [False] * 3
    detail = lab.branch1.exec("show crypto ipsec sa detail")
    assert "#pkts verify failed: 3" in detail and "#pkts decaps: 4," in detail
    assert _accepted(lab, "PC1", "ICMP echo request", start) == 0
    lab.network.link("WAN1").faults = FaultPolicy()
    assert [r.ok for r in lab.network.run_ping(lab.host("PC2"), "192.168.11.10")] == [True] * 5


def test_a_cleartext_packet_that_should_be_protected_is_dropped() -> None:
    lab = _tunnel_up()
    start = len(lab.network.log)
    from vpnteach.wire.ip import icmp_echo

    forged = icmp_echo("192.168.22.10", "192.168.11.10", identifier=9, sequence=0, data=b"x")
    lab.branch1.node.interface("Serial1/0").receive(forged)
    lab.run(0.1)
    assert _accepted(lab, "PC1", "ICMP echo request", start) == 0
    assert "#send errors 1, #recv errors 1" in lab.branch1.exec("show crypto ipsec sa")


def test_clear_crypto_sa_deletes_both_sides_and_the_next_ping_renegotiates() -> None:
    lab = _tunnel_up()
    lab.branch1.exec("clear crypto sa")
    assert lab.branch1.gateway is not None and lab.branch2.gateway is not None
    assert lab.branch1.gateway.sad.sas() == [] and lab.branch2.gateway.sad.sas() == []
    assert "QM_IDLE" in lab.branch1.exec("show crypto isakmp sa")  # phase 1 survives
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == ".!!!!"
    assert len(lab.branch2.gateway.sad.sas()) == 2


def test_clear_crypto_isakmp_removes_the_isakmp_sa_on_both_routers() -> None:
    lab = _tunnel_up()
    lab.branch1.exec("clear crypto isakmp")
    for router in (lab.branch1, lab.branch2):
        assert "QM_IDLE" not in router.exec("show crypto isakmp sa")
    assert lab.branch1.exec(PING).splitlines()[-2] == "!!!!!"  # IPsec SAs stay
