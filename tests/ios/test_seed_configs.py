"""The seed's router configs load unchanged and give the objects the tutorial describes.

Reference: the seed tutorial /work/shared/seed/ipsec-vpn-digital-certificates.txt (its config
snippets, and the values its ``debug crypto isakmp`` log shows being negotiated).
"""

from __future__ import annotations

from ipaddress import IPv4Interface

import pytest

from vpnteach.ike.policy import (
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    IsakmpPolicy,
    TransformSet,
)
from vpnteach.ios import (
    CryptoMapSpec,
    InterfaceConfig,
    RouterConfig,
    RsaKeyCommand,
    StaticRoute,
    TrustpointConfig,
    parse_config,
)
from vpnteach.wire.constants import (
    AuthenticationAlgorithm,
    AuthenticationMethod,
    EncapsulationMode,
    EncryptionAlgorithm,
    HashAlgorithm,
    IpsecTransformId,
)

# Seed: "crypto isakmp policy 10 / encryption 3des / authentication rsa-sig / hash md5 / group 1";
# the log: "life duration (VPI) of 0x0 0x1 0x51 0x80" = 86400 s (the IOS default lifetime).
SEED_POLICY = IsakmpPolicy(10, encryption="3des", hash="md5", authentication="rsa-sig", group=1)
SEED_LIFETIME = 0x00015180
# Seed: "crypto ipsec transform-set TS esp-3des esp-md5-hmac" (tunnel mode: "encaps is 1 (Tunnel)")
SEED_TS = TransformSet("TS", ("esp-3des", "esp-md5-hmac"), "tunnel")
# Seed: "permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255"
B1_LAN = AddressMatch("192.168.11.0", "0.0.0.255")
B2_LAN = AddressMatch("192.168.22.0", "0.0.0.255")
# Seed log: "lifetime of 3600 seconds", "lifetime of 4608000 kilobytes"
SEED_SA_SECONDS, SEED_SA_KILOBYTES = 3600, 4608000


def test_branch1_identity_lines(branch1: RouterConfig) -> None:
    assert branch1.hostname == "Branch1"
    assert branch1.domain_name == "amit.com"
    assert (
        branch1.fqdn == "Branch1.amit.com"
    )  # the seed's ID payload "FQDN name : Branch1.amit.com"
    assert branch1.ntp_servers == ("192.168.1.9",)


def test_branch1_rsa_key_and_trustpoint(branch1: RouterConfig) -> None:
    assert branch1.rsa_key_commands == (RsaKeyCommand("BRANCH_KEY", 1024, True, "general-keys"),)
    assert dict(branch1.trustpoints) == {
        "WIN2003": TrustpointConfig(
            "WIN2003",
            enrollment_url="http://192.168.1.9/certsrv/mscep/mscep.dll",
            enrollment_mode_ra=True,
            rsakeypair="BRANCH_KEY",
            revocation_check=("none",),
        )
    }


def test_trustpoint_config_builds_the_pki_trustpoint(branch1: RouterConfig) -> None:
    tp = branch1.trustpoints["WIN2003"].to_trustpoint()
    assert (tp.name, tp.enrollment_mode_ra, tp.rsakeypair) == ("WIN2003", True, "BRANCH_KEY")
    assert tp.revocation_check == "none"
    assert tp.enrollment_url.endswith("/certsrv/mscep/mscep.dll")
    assert not tp.authenticated


def test_branch1_isakmp_policy_is_the_seeds_and_its_wire_values(branch1: RouterConfig) -> None:
    policy = branch1.isakmp_policies[10]
    assert policy == SEED_POLICY
    assert policy.lifetime == SEED_LIFETIME
    assert policy.encryption_id is EncryptionAlgorithm.TRIPLE_DES_CBC
    assert policy.hash_id is HashAlgorithm.MD5
    assert policy.auth_id is AuthenticationMethod.RSA_SIGNATURES
    assert branch1.policies_by_priority() == (SEED_POLICY,)


def test_branch1_transform_set(branch1: RouterConfig) -> None:
    ts = branch1.transform_sets["TS"]
    assert ts == SEED_TS
    assert ts.transform_id is IpsecTransformId.ESP_3DES
    assert ts.auth_algorithm is AuthenticationAlgorithm.HMAC_MD5
    assert ts.encapsulation is EncapsulationMode.TUNNEL


def test_branch1_access_list(branch1: RouterConfig) -> None:
    assert branch1.access_lists["ACL"] == AccessList("ACL", (AclEntry("permit", B1_LAN, B2_LAN),))
    assert branch1.access_lists["ACL"].protects("192.168.11.5", "192.168.22.7")


def test_branch1_crypto_map_spec_and_resolved_entry(branch1: RouterConfig) -> None:
    assert dict(branch1.crypto_maps["CRYPTO"]) == {
        10: CryptoMapSpec("CRYPTO", 10, "ACL", ("10.2.2.1",), ("TS",))
    }
    (entry,) = branch1.crypto_map_entries("CRYPTO")
    assert entry == CryptoMapEntry(
        "CRYPTO", 10, branch1.access_lists["ACL"], "10.2.2.1", (SEED_TS,)
    )
    assert (entry.sa_lifetime_seconds, entry.sa_lifetime_kilobytes) == (
        SEED_SA_SECONDS,
        SEED_SA_KILOBYTES,
    )
    assert entry.pfs_group is None


def test_branch1_interfaces_and_route(branch1: RouterConfig) -> None:
    wan = branch1.interfaces["Serial1/0"]
    assert wan == InterfaceConfig("Serial1/0", "10.1.1.1", "255.255.255.0", "CRYPTO")
    assert wan.ip_interface == IPv4Interface("10.1.1.1/24")
    assert branch1.interfaces["FastEthernet0/0"].address == "192.168.11.1"
    assert branch1.interfaces_using("CRYPTO") == ("Serial1/0",)
    assert branch1.static_routes == (StaticRoute("0.0.0.0", "0.0.0.0", "10.1.1.2"),)


def test_seed_configs_have_no_warnings(branch1: RouterConfig, branch2: RouterConfig) -> None:
    assert branch1.warnings == ()
    assert branch2.warnings == ()


def test_branch2_mirrors_branch1(branch1: RouterConfig, branch2: RouterConfig) -> None:
    assert branch2.hostname == "Branch2"
    assert branch2.isakmp_policies == branch1.isakmp_policies
    assert branch2.transform_sets == branch1.transform_sets
    assert branch2.access_lists["ACL"].entries == (AclEntry("permit", B2_LAN, B1_LAN),)
    (entry,) = branch2.crypto_map_entries("CRYPTO")
    assert entry.peer == "10.1.1.1"
    assert branch2.interfaces["Serial1/0"].ip_interface == IPv4Interface("10.2.2.1/24")


def test_mirror_acls_give_swapped_proxy_identities(
    branch1: RouterConfig, branch2: RouterConfig
) -> None:
    (e1,) = branch1.access_lists["ACL"].permits()
    (e2,) = branch2.access_lists["ACL"].permits()
    assert e1.proxy_identities() == tuple(reversed(e2.proxy_identities()))


@pytest.mark.parametrize(
    "snippet",
    [
        # the tutorial's own spellings (seed text, "Configuring Static Crypto Map")
        "interface serial 1/0\nip address 10.1.1.1 255.255.255.0\ncrypto map CRYPTO",
        "interface Serial1/0\n ip address 10.1.1.1 255.255.255.0\n crypto map CRYPTO",
        "int s1/0\n ip address 10.1.1.1 255.255.255.0\n crypto map CRYPTO\n exit",
        "Branch1(config)#interface serial 1/0\nBranch1(config-if)# ip address 10.1.1.1 "
        "255.255.255.0\nBranch1(config-if)#crypto map CRYPTO",
    ],
)
def test_interface_spellings_all_give_serial1_0(snippet: str) -> None:
    cfg = parse_config(snippet)
    assert cfg.interfaces["Serial1/0"] == InterfaceConfig(
        "Serial1/0", "10.1.1.1", "255.255.255.0", "CRYPTO"
    )


def test_tutorial_snippets_without_indentation_parse_like_the_asset() -> None:
    # The tutorial prints every sub-mode line flush left; IOS does not care.
    text = (
        "crypto isakmp policy 10\nencryption 3des\nauthentication rsa-sig\nhash md5\ngroup 1\n!\n"
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac\n!\n"
        "ip access-list extended ACL\npermit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255\n"
        "crypto map CRYPTO 10 ipsec-isakmp\nmatch address ACL\nset peer 10.2.2.1\n"
        "set transform-set TS\n!\n"
    )
    cfg = parse_config(text)
    assert cfg.isakmp_policies[10] == SEED_POLICY
    assert cfg.crypto_map_entries("CRYPTO")[0].transform_sets == (SEED_TS,)
