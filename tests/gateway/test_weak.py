"""Weak cryptography is named, choice by choice, for the lab to flag and the daemon to refuse."""

from __future__ import annotations

from tests.gateway.test_gateway import config, pki
from vpnteach.gateway import Gateway, weaknesses
from vpnteach.lab import Lab
from vpnteach.labs.seed import variant_commands

SEED_WEAK = [
    ("3DES", "crypto isakmp policy 10"),
    ("MD5", "crypto isakmp policy 10"),
    ("group 1", "crypto isakmp policy 10"),
    ("esp-3des", "crypto ipsec transform-set TS"),
    ("esp-md5-hmac", "crypto ipsec transform-set TS"),
    ("RSA-1024 key", "crypto key BRANCH_KEY"),
]


def test_the_seed_lab_works_and_flags_each_weakness_of_the_2010_tutorial() -> None:
    lab = Lab.seed()
    assert lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1").count("!") == 4
    found = lab.branch1.gateway.weaknesses
    assert [(w.what, w.where) for w in found] == SEED_WEAK
    assert "Sweet32" in found[0].why and "Logjam" in found[2].why and "2048" in found[5].why


def test_the_modern_profile_with_a_2048_bit_key_has_none() -> None:
    modern = config("Branch1", variant_commands("Branch1", "modern", None, "rsa-sig"))
    assert weaknesses(modern) == []


def test_rsa_encr_pfs_group2_des_and_the_default_policy_are_named() -> None:
    extra = (
        "crypto isakmp policy 10\n authentication rsa-encr\n encryption des\n group 2\n"
        "crypto ipsec transform-set TS esp-des esp-sha-hmac\n"
        "crypto map CRYPTO 10 ipsec-isakmp\n set pfs group2\n"
    )
    found = {(w.what, w.where) for w in weaknesses(config("Branch1", extra))}
    assert {
        ("rsa-encr", "crypto isakmp policy 10"),
        ("DES", "crypto isakmp policy 10"),
        ("group 2", "crypto isakmp policy 10"),
        ("esp-des", "crypto ipsec transform-set TS"),
        ("pfs group2", "crypto map CRYPTO 10"),
    } <= found
    bare = config("Branch1", "no crypto isakmp policy 10\n")
    assert {w.what for w in weaknesses(bare) if w.where == "default IKE policy"} == {
        "DES",
        "group 1",
    }


def test_the_gateway_reports_its_own_keys() -> None:
    gw = Gateway(config("Branch1"), pki().routers["Branch1"])
    assert [w.what for w in gw.weaknesses][-1].startswith("RSA-")


def test_an_ikev2_router_is_judged_by_its_ikev2_proposal_not_an_unused_isakmp_policy() -> None:
    lab = Lab.seed(ike=2)
    gw = lab.branch1.gateway
    assert not [w for w in gw.weaknesses if w.where.startswith("crypto isakmp policy")]
    weak = gw.config.ikev2_proposals
    assert weak, "the FlexVPN lab configures a crypto ikev2 proposal"
    name = next(iter(weak))
    lab.branch1.configure(f"crypto ikev2 proposal {name}\n group 2 14\n")
    found = {(w.what, w.where) for w in lab.branch1.gateway.weaknesses}
    assert ("group 2", f"crypto ikev2 proposal {name}") in found
