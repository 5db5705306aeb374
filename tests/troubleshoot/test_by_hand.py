"""The same faults made by hand (other values, other routers, IOS commands typed on the console,
direct PKI or link changes) get the same diagnosis: ``diagnose()`` reads the run, not a name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from vpnteach.lab import Lab
from vpnteach.net.sim.faults import FaultPolicy
from vpnteach.stepper.adapter import rebuild, wire_of
from vpnteach.troubleshoot import SCENARIOS, apply_commands, diagnose, edit_config, run_traffic
from vpnteach.troubleshoot.attacks import is_mm_encrypted, revoke_and_fetch_crl

ACL = "no ip access-list extended ACL\nip access-list extended ACL\n"
DPD = "crypto isakmp keepalive 10 3\n"


@dataclass(frozen=True)
class Hand:
    """A fault made by hand: how, where the failing check must be, and a word of the fix."""

    make: Callable[[Lab], None]
    router: str
    fix: str = ""
    lab: tuple[tuple[str, Any], ...] = ()
    settle: float = 5.0
    after_first_ping: Callable[[Lab], None] | None = None


def conf(router: str, text: str) -> Callable[[Lab], None]:
    def run(lab: Lab) -> None:
        lab.router(router).configure(text)

    return run


def edit(router: str, text: str) -> Callable[[Lab], None]:
    return lambda lab: edit_config(lab, router, text)


def exec_on(router: str, command: str) -> Callable[[Lab], None]:
    def run(lab: Lab) -> None:
        lab.router(router).exec(command)

    return run


def both(*steps: Callable[[Lab], None]) -> Callable[[Lab], None]:
    def run(lab: Lab) -> None:
        for step in steps:
            step(lab)

    return run


def no_ca_on_branch1(lab: Lab) -> None:
    lab.branch1.pki.trustpoint("WIN2003").ca_certificate = None


def another_labs_ca_on_branch1(lab: Lab) -> None:
    """Branch1 said yes to a CA certificate served by someone else (another lab's CA: same
    name WIN2003, another key) without comparing the fingerprint."""
    impostor = Lab.seed(seed=7).ca
    assert impostor is not None
    lab.branch1.pki.trustpoint("WIN2003").ca_certificate = impostor.certificate


def let_a_year_pass(lab: Lab) -> None:
    lab.run_until(dt.datetime(2011, 7, 1, 12, 0, tzinfo=lab.timezone))


def corrupt_second_block_of_mm5(lab: Lab) -> None:
    def rewrite(packet: bytes) -> bytes | None:
        wire = wire_of(packet)
        if wire is None or wire.kind != "IKE" or not is_mm_encrypted(wire.data):
            return packet
        data = bytearray(wire.data)
        data[28 + 12] ^= 0xFF
        return rebuild(packet, bytes(data))

    lab.network.link("WAN2").faults = FaultPolicy(rewrite=rewrite, only_from="ISP")


def esp_on_wan2(lab: Lab) -> list[bytes]:
    from vpnteach.net.sim.events import PacketDelivered

    return [
        e.packet
        for e in lab.network.log
        if isinstance(e, PacketDelivered) and e.link == "WAN2" and e.packet[9] == 50
        and e.receiver.startswith("Branch2")
    ]  # fmt: skip


def resend_captured_esp(lab: Lab) -> None:
    isp = lab.network.node("ISP")
    for packet in esp_on_wan2(lab):
        isp.send_packet(packet, hooks=False)
    lab.run(1.0)


def forge_new_sequence_number(lab: Lab) -> None:
    packet = esp_on_wan2(lab)[-1]
    data = bytearray(packet[20:])
    data[4:8] = (1000).to_bytes(4, "big")  # ahead of the window: only the ICV can catch it
    lab.network.node("ISP").send_packet(rebuild(packet, bytes(data)), hooks=False)
    lab.run(1.0)


LIFE = "crypto map CRYPTO 10 ipsec-isakmp\n set security-association lifetime seconds 150\n"
RSA_ENCR = (("auth", "rsa-encr"),)

HAND: dict[str, Hand] = {
    "isakmp_encryption": Hand(conf("Branch2", "crypto isakmp policy 10\n encryption aes 256\n"),
                              "Branch2", " encryption 3des"),
    "isakmp_hash": Hand(conf("Branch1", "crypto isakmp policy 10\n hash sha\n"),
                        "Branch2", " hash sha"),
    "isakmp_group": Hand(conf("Branch2", "crypto isakmp policy 10\n group 5\n"),
                         "Branch2", " group 1"),
    "isakmp_authentication": Hand(
        conf("Branch2", "crypto isakmp key k address 10.1.1.1\n"
                        "crypto isakmp policy 10\n authentication pre-share\n"),
        "Branch2", " authentication rsa-sig"),
    "transform_set": Hand(conf("Branch2", "crypto ipsec transform-set TS esp-des esp-sha-hmac\n"),
                          "Branch2", "esp-3des esp-md5-hmac"),
    "pfs_one_side": Hand(conf("Branch2", "crypto map CRYPTO 10 ipsec-isakmp\n set pfs group2\n"),
                         "Branch2", " no set pfs"),
    "acl_not_mirrored": Hand(
        conf("Branch2", ACL + " permit ip 192.168.22.0 0.0.0.255 192.168.33.0 0.0.0.255\n"),
        "Branch2", " permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255"),
    "wrong_peer": Hand(
        conf("Branch1", "crypto map CRYPTO 10 ipsec-isakmp\n no set peer 10.2.2.1\n"
                        " set peer 10.2.2.77\n"),
        "Branch1", " set peer 10.2.2.1", settle=330.0),
    "crypto_map_not_applied": Hand(edit("Branch1", "interface Serial1/0\n no crypto map CRYPTO\n"),
                                   "Branch1", " crypto map CRYPTO"),
    "psk_mismatch": Hand(conf("Branch1", "crypto isakmp key s3cret address 10.2.2.1\n"),
                         "Branch2", "crypto isakmp key s3cret address 10.1.1.1",
                         lab=(("auth", "pre-share"),), settle=330.0),
    "rsa_encr_no_peer_key": Hand(  # the responder lacks the key: it refuses MM1
        conf("Branch2", "crypto key pubkey-chain rsa\n no addressed-key 10.1.1.1\n"),
        "Branch2", " addressed-key 10.1.1.1", lab=RSA_ENCR),
    "rsa_encr_stale_peer_key": Hand(  # Branch1's new, longer key: Branch2 encrypts MM4 to the old
        conf("Branch1", "crypto key generate rsa general-keys modulus 2048 label BRANCH_KEY\n"),
        "Branch1", " addressed-key 10.1.1.1", lab=RSA_ENCR),
    "ca_not_authenticated": Hand(no_ca_on_branch1, "Branch1", "crypto pki authenticate"),
    "expired_certificate": Hand(let_a_year_pass, "Branch2", "crypto pki enroll"),
    "clock_skew": Hand(exec_on("Branch1", "clock set 09:00:00 Jun 1 2010"), "Branch1",
                       "clock set"),
    "revoked_certificate": Hand(lambda lab: revoke_and_fetch_crl(lab, "Branch2", "Branch1"),
                                "Branch1", "crypto pki enroll"),
    "id_mismatch": Hand(edit("Branch1", "ip domain-name example.net\n"), "Branch2",
                        "ip domain-name amit.com"),
    "no_domain_name": Hand(edit("Branch2", "no ip domain name\n"), "Branch1",
                           "ip domain-name amit.com"),
    "wrong_ca_fingerprint": Hand(another_labs_ca_on_branch1, "Branch1",
                                 "crypto pki authenticate"),
    "lost_packets": Hand(lambda lab: setattr(lab.network.link("WAN2"), "faults",
                                             FaultPolicy(loss=0.25)), "", settle=60.0),
    "dead_peer": Hand(edit("Branch2", "interface Serial1/0\n shutdown\n"), "Branch1",
                      " no shutdown", settle=330.0),
    "dead_peer_dpd": Hand(both(conf("Branch1", DPD), conf("Branch2", DPD)), "Branch1",
                          " no shutdown", settle=40.0,
                          after_first_ping=edit("Branch2", "interface Serial1/0\n shutdown\n")),
    "tampered_mm5": Hand(corrupt_second_block_of_mm5, "Branch2", settle=330.0),
    "esp_replay": Hand(lambda lab: None, "Branch2", after_first_ping=resend_captured_esp),
    "esp_tampered": Hand(lambda lab: None, "Branch2", after_first_ping=forge_new_sequence_number),
    "lifetime_rekey": Hand(both(conf("Branch1", LIFE), conf("Branch2", LIFE)), "", settle=200.0),
}  # fmt: skip


def build(name: str) -> Lab:
    hand = HAND[name]
    lab = Lab.seed(**dict(hand.lab))
    hand.make(lab)
    return lab


def exercise(lab: Lab, hand: Hand) -> str:
    lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    if hand.after_first_ping is not None:
        hand.after_first_ping(lab)
    return run_traffic(lab, settle=hand.settle)


def test_every_scenario_has_a_hand_made_twin() -> None:
    assert set(HAND) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(HAND))
def test_a_hand_made_fault_gets_the_scenario_s_diagnosis(name: str) -> None:
    hand = HAND[name]
    lab = build(name)
    exercise(lab, hand)
    d = diagnose(lab)
    assert d.cause == SCENARIOS[name].expect.cause, d.text()
    assert d.primary is not None
    if hand.router:
        assert d.primary.router == hand.router or d.primary.fix_router == hand.router
    fix = "\n".join(d.primary.fix + d.primary.exec_fix)
    assert hand.fix in fix, fix


@pytest.mark.parametrize(
    "name", [n for n, h in HAND.items() if h.fix and n != "expired_certificate"]
)
def test_the_fix_for_a_hand_made_fault_brings_the_tunnel_up(name: str) -> None:
    hand = HAND[name]
    broken = build(name)
    exercise(broken, hand)
    primary = diagnose(broken).primary
    assert primary is not None and primary.fix_router is not None
    fresh = build(name)
    apply_commands(fresh, {primary.fix_router: "\n".join(primary.fix + primary.exec_fix)})
    assert "Success rate is 100 percent (5/5)" in run_traffic(fresh, settle=5.0)
