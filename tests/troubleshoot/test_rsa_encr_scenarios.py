"""rsa-encr faults: the peer's key missing from the pubkey chain, or stale after the peer
regenerated its key pair. The lab is set up the IOS way (``Lab.seed(auth="rsa-encr")`` pastes
each router's ``show crypto key mypubkey rsa`` into the other's chain); the fix diagnose()
proposes is the peer's current Key Data, and the stale key really is the old one."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.exercises import check_fix
from vpnteach.ike.events import Phase1Complete
from vpnteach.lab import Lab
from vpnteach.labs.router import LabRouter
from vpnteach.troubleshoot import (
    Diagnosis,
    broken_lab,
    diagnose,
    run_scenario,
    run_traffic,
)
from vpnteach.wire.constants import AuthenticationMethod

PING = "ping 192.168.22.1 source 192.168.11.1"


def key_data(router: LabRouter) -> list[str]:
    """The ``Key Data`` lines of the router's ``show crypto key mypubkey rsa``, as printed."""
    shown = router.exec("show crypto key mypubkey rsa")
    return [line for line in shown.split(" Key Data:\n")[1].splitlines() if line]


def rsa_decrypt_raw(key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """``c^d mod n`` as a k-byte block: RSADP of RFC 8017 §5.1.2, no padding check."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    m = pow(int.from_bytes(ciphertext, "big"), numbers.d, n)
    return m.to_bytes((n.bit_length() + 7) // 8, "big")


def key_string(fix: tuple[str, ...]) -> list[str]:
    """The hex lines between ``key-string`` and ``quit`` of a pubkey-chain block."""
    return list(fix[fix.index("  key-string") + 1 : fix.index("  quit")])


@functools.cache
def run(name: str) -> tuple[Lab, Diagnosis]:
    lab = run_scenario(name)
    return lab, diagnose(lab)


@functools.cache
def healthy() -> Lab:
    return Lab.seed(auth="rsa-encr")


def test_the_rsa_encr_seed_lab_holds_each_router_s_shown_key_in_the_other_s_chain() -> None:
    lab = healthy()
    for router, peer, address in ((lab.branch1, lab.branch2, "10.2.2.1"),
                                  (lab.branch2, lab.branch1, "10.1.1.1")):  # fmt: skip
        running = router.exec("show running-config")
        block = running.split(f" addressed-key {address}\n", 1)[1].split("  quit\n", 1)[0]
        assert key_string((*block.splitlines(), "  quit")) == key_data(peer)
    fresh = Lab.seed(auth="rsa-encr")
    assert fresh.branch1.exec(PING).splitlines()[-2] == ".!!!!"
    (p1,) = [e for e in fresh.branch2.events if isinstance(e, Phase1Complete)]
    assert p1.suite.authentication == AuthenticationMethod.RSA_ENCRYPTION


def test_without_the_peer_key_branch1_sends_nothing_and_the_fix_pastes_branch2_s_key() -> None:
    lab = broken_lab("rsa_encr_no_peer_key")
    capture = lab.capture("WAN")
    run_traffic(lab)
    assert not [r for r in capture.records if r.packet[9] == 17], "no IKE should leave Branch1"
    d = diagnose(lab)
    assert d.primary is not None and d.primary.router == d.primary.fix_router == "Branch1"
    assert d.primary.check == "policy 10 (rsa-encr) skipped: no public key for 10.2.2.1"
    assert "no policy is usable" in d.primary.explanation
    assert d.primary.fix[:2] == ("crypto key pubkey-chain rsa", " addressed-key 10.2.2.1")
    assert key_string(d.primary.fix) == key_data(lab.branch2)


def test_a_responder_without_the_key_refuses_mm1_and_is_not_called_a_policy_mismatch() -> None:
    lab = Lab.seed(auth="rsa-encr")
    lab.branch2.configure("crypto key pubkey-chain rsa\n no addressed-key 10.1.1.1\n")
    run_traffic(lab)
    d = diagnose(lab)
    assert d.causes() == ["rsa_encr_no_peer_key"], d.text()
    assert "NO-PROPOSAL-CHOSEN" in d.findings[0].explanation
    assert "NO_PROPOSAL_CHOSEN" in dict(d.symptoms)["Branch1"]


def test_the_stale_key_is_branch2_s_old_one_and_only_the_old_key_decrypts_mm3() -> None:
    lab, d = run("rsa_encr_stale_peer_key")
    old_key = healthy().branch2.pki.keys["BRANCH_KEY"].private_key
    new_key = lab.branch2.pki.keys["BRANCH_KEY"].private_key
    assert old_key.public_key().public_numbers() != new_key.public_key().public_numbers()
    gw = lab.branch1.gateway
    assert gw is not None
    (sent, *_) = [f.value for f in gw.ike.trace if f.name == "<IDii_b>PubKey_r"]
    # RFC 8017 §7.2.2 done by hand: m = c^d mod n must read 00 02 PS 00 M (M: IDii_b)
    old_block, new_block = rsa_decrypt_raw(old_key, sent), rsa_decrypt_raw(new_key, sent)
    assert old_block[:2] == b"\x00\x02"
    assert old_block[old_block.index(0, 2) + 1 :][4:] == bytes([10, 1, 1, 1])  # ID_IPV4_ADDR
    assert new_block[:2] != b"\x00\x02"
    assert d.primary is not None and d.primary.fix_router == "Branch1"
    assert key_string(d.primary.fix) == key_data(lab.branch2)
    assert key_string(d.primary.fix) != key_data(healthy().branch2)


def test_branch2_s_debug_says_it_cannot_decrypt_and_branch1_is_told_authentication_failed() -> None:
    lab = broken_lab("rsa_encr_stale_peer_key")
    lab.branch2.exec("debug crypto isakmp")
    out = lab.branch1.exec(PING)
    console = lab.branch2.read_console()
    assert "unable to decrypt the IDii_b payload body: no PKCS#1 v1.5 block" in console
    assert "sending AUTHENTICATION_FAILED notify to 10.1.1.1" in console
    assert "Success rate is 0 percent" in out


def test_check_fix_grades_the_pasted_new_key_with_the_stale_key_cause_as_correct() -> None:
    lab, d = run("rsa_encr_stale_peer_key")
    assert d.primary is not None
    fix = {"Branch1": "\n".join(d.primary.fix)}
    assert check_fix(lab, fix, cause="rsa_encr_wrong_peer_key").correct
    assert not check_fix(lab, {}, cause="rsa_encr_wrong_peer_key").correct
