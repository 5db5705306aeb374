"""Editing a configuration: ``no`` forms, atomic application, warnings for dangling references."""

from __future__ import annotations

import pytest

from vpnteach.ike.policy import AclEntry, AddressMatch, IsakmpPolicy
from vpnteach.ios import (
    ConfigWarning,
    IosConfigError,
    IsakmpKeepalive,
    RouterConfig,
    apply_commands,
    parse_config,
    try_apply,
)
from vpnteach.ios.draft import DISABLED_MAP

MAP = "crypto map CRYPTO 10\n"


def test_no_set_pfs_removes_pfs(branch1: RouterConfig) -> None:
    with_pfs = apply_commands(branch1, MAP + " set pfs group2")
    assert with_pfs.crypto_maps["CRYPTO"][10].pfs_group == 2
    assert with_pfs.crypto_map_entries("CRYPTO")[0].pfs_group == 2
    without = apply_commands(with_pfs, MAP + " no set pfs")
    assert without.crypto_maps["CRYPTO"][10].pfs_group is None
    assert without == branch1


@pytest.mark.parametrize(
    ("line", "group"), [("set pfs", 1), ("set pfs group5", 5), ("set pfs group 5", 5)]
)
def test_set_pfs_spellings(branch1: RouterConfig, line: str, group: int) -> None:
    assert apply_commands(branch1, MAP + line).crypto_maps["CRYPTO"][10].pfs_group == group


def test_no_crypto_map_under_interface_detaches_the_map(branch1: RouterConfig) -> None:
    cfg = apply_commands(branch1, "interface Serial1/0\n no crypto map CRYPTO")
    assert cfg.interfaces["Serial1/0"].crypto_map is None
    assert cfg.interfaces["Serial1/0"].address == "10.1.1.1"
    assert cfg.crypto_maps["CRYPTO"][10].peers == ("10.2.2.1",)  # the map itself stays
    assert cfg.interfaces_using("CRYPTO") == ()


def test_global_no_crypto_map_removes_an_entry_or_the_whole_map(branch1: RouterConfig) -> None:
    two = apply_commands(branch1, "crypto map CRYPTO 20 ipsec-isakmp\n set peer 10.3.3.1")
    assert sorted(two.crypto_maps["CRYPTO"]) == [10, 20]
    assert sorted(apply_commands(two, "no crypto map CRYPTO 20").crypto_maps["CRYPTO"]) == [10]
    gone = apply_commands(two, "no crypto map CRYPTO")
    assert "CRYPTO" not in gone.crypto_maps
    assert ConfigWarning("interface Serial1/0", "crypto map CRYPTO not found") in gone.warnings


def test_isakmp_no_forms_restore_ios_defaults(branch1: RouterConfig) -> None:
    text = "crypto isakmp policy 10\n no encryption\n no hash\n no group\n no authentication"
    assert apply_commands(branch1, text).isakmp_policies[10] == IsakmpPolicy(10)


def test_isakmp_policy_edits_and_removal(branch1: RouterConfig) -> None:
    text = "crypto isakmp policy 10\n encr aes 256\n hash sha\n group 14\n lifetime 3600"
    policy = apply_commands(branch1, text).isakmp_policies[10]
    assert (policy.encryption, policy.key_length, policy.hash) == ("aes", 256, "sha")
    assert (policy.group, policy.lifetime, policy.authentication) == (14, 3600, "rsa-sig")
    back = apply_commands(branch1, "crypto isakmp policy 10\n encryption 3des")
    assert back.isakmp_policies[10].key_length is None
    assert apply_commands(branch1, "no crypto isakmp policy 10").isakmp_policies == {}


def test_acl_no_entry_and_numbered_acl(branch1: RouterConfig) -> None:
    entry = "permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255"
    emptied = apply_commands(branch1, f"ip access-list extended ACL\n no {entry}")
    assert emptied.access_lists["ACL"].entries == ()
    numbered = apply_commands(branch1, "access-list 101 deny ip host 10.0.0.1 any")
    assert numbered.access_lists["101"].entries == (
        AclEntry("deny", AddressMatch.host("10.0.0.1"), AddressMatch.any()),
    )
    assert "101" not in apply_commands(numbered, "no access-list 101").access_lists


def test_global_lines_and_their_no_forms() -> None:
    text = (
        "hostname R1\nip domain name example.net\nclock timezone AEST 10\nntp server 10.0.0.9\n"
        "crypto isakmp identity hostname\ncrypto isakmp keepalive 10 3 periodic\n"
        "crypto isakmp key cisco123 address 10.2.2.1\n"
        "crypto ipsec security-association lifetime seconds 1800\n"
        "ip route 10.9.0.0 255.255.0.0 10.1.1.2\n"
    )
    cfg = parse_config(text)
    assert (cfg.hostname, cfg.domain_name, cfg.ntp_servers) == ("R1", "example.net", ("10.0.0.9",))
    assert (
        cfg.clock_timezone is not None
        and cfg.clock_timezone.tzinfo.utcoffset(None).total_seconds() == 36000
    )  # type: ignore[union-attr]
    assert cfg.isakmp_identity == "hostname"
    assert cfg.isakmp_keepalive == IsakmpKeepalive(10, 3, "periodic")
    assert cfg.isakmp_keys["10.2.2.1"].key == "cisco123"
    assert cfg.sa_lifetime_seconds == 1800
    undo = (
        "no hostname\nno ip domain-name\nno clock timezone\nno ntp server 10.0.0.9\n"
        "no crypto isakmp identity\nno crypto isakmp keepalive\n"
        "no crypto isakmp key cisco123 address 10.2.2.1\n"
        "no crypto ipsec security-association lifetime seconds\n"
        "no ip route 10.9.0.0 255.255.0.0\n"
    )
    assert apply_commands(cfg, undo) == RouterConfig()


def test_global_sa_lifetime_reaches_the_resolved_entry(branch1: RouterConfig) -> None:
    cfg = apply_commands(branch1, "crypto ipsec security-association lifetime seconds 1800")
    assert cfg.crypto_map_entries("CRYPTO")[0].sa_lifetime_seconds == 1800
    per_map = apply_commands(cfg, MAP + " set security-association lifetime seconds 900")
    assert per_map.crypto_map_entries("CRYPTO")[0].sa_lifetime_seconds == 900


def test_transform_set_mode_and_no_mode(branch1: RouterConfig) -> None:
    ts_line = "crypto ipsec transform-set TS esp-3des esp-md5-hmac\n"
    transport = apply_commands(branch1, ts_line + " mode transport")
    assert transport.transform_sets["TS"].mode == "transport"
    assert apply_commands(transport, ts_line + " no mode") == branch1


def test_trustpoint_no_forms(branch1: RouterConfig) -> None:
    text = (
        "crypto pki trustpoint WIN2003\n no enrollment mode ra\n no revocation-check\n"
        " no rsakeypair\n no enrollment url"
    )
    tp = apply_commands(branch1, text).trustpoints["WIN2003"]
    assert (tp.enrollment_mode_ra, tp.revocation_check, tp.rsakeypair) == (False, ("crl",), "")
    assert "WIN2003" not in apply_commands(branch1, "no crypto pki trustpoint WIN2003").trustpoints


def test_interface_shutdown_and_no_ip_address(branch1: RouterConfig) -> None:
    cfg = apply_commands(branch1, "interface Serial1/0\n shutdown\n no ip address")
    assert cfg.interfaces["Serial1/0"].shutdown
    assert cfg.interfaces["Serial1/0"].ip_interface is None
    assert not apply_commands(cfg, "int s1/0\n no shut").interfaces["Serial1/0"].shutdown


def test_apply_is_atomic_on_error(branch1: RouterConfig) -> None:
    text = (
        "hostname Changed\ncrypto map CRYPTO 10\n no set pfs\n set peer 10.9.9.9\n set pfs group3"
    )
    with pytest.raises(IosConfigError) as caught:
        apply_commands(branch1, text)
    assert caught.value.line == 5
    assert branch1.hostname == "Branch1"
    assert branch1.crypto_maps["CRYPTO"][10].peers == ("10.2.2.1",)
    result = try_apply(branch1, text)
    assert not result.ok and result.config is branch1
    assert result.error is not None and result.error.line == 5


def test_try_apply_success_returns_the_new_config(branch1: RouterConfig) -> None:
    result = try_apply(branch1, MAP + " set pfs group2")
    assert result.ok and result.config.crypto_maps["CRYPTO"][10].pfs_group == 2


def test_dangling_references_are_warnings_not_errors(branch1: RouterConfig) -> None:
    text = MAP + " match address NOPE\n set transform-set TS MISSING"
    cfg = apply_commands(branch1, text)
    assert cfg.warnings == (
        ConfigWarning("crypto map CRYPTO 10", "match address NOPE: no such access list"),
        ConfigWarning("crypto map CRYPTO 10", "set transform-set MISSING: no such transform set"),
    )
    assert cfg.crypto_map_entries("CRYPTO") == ()  # no ACL: IOS keeps the entry disabled


def test_new_crypto_map_without_peer_or_acl_is_disabled() -> None:
    cfg = parse_config("crypto map M 10 ipsec-isakmp\n set transform-set TS")
    assert ConfigWarning("crypto map M 10", DISABLED_MAP) in cfg.warnings
    assert ConfigWarning("crypto map M 10", "set transform-set TS: no such transform set") in (
        cfg.warnings
    )


def test_missing_transform_set_keeps_the_others(branch1: RouterConfig) -> None:
    cfg = apply_commands(branch1, MAP + " set transform-set MISSING TS")
    assert [t.name for t in cfg.crypto_map_entries("CRYPTO")[0].transform_sets] == ["TS"]


def test_pre_share_policy_without_key_warns() -> None:
    cfg = parse_config("crypto isakmp policy 20\n authentication pre-share")
    assert [str(w) for w in cfg.warnings] == [
        "crypto isakmp policy 20: authentication pre-share, but no crypto isakmp key is configured"
    ]
    with_key = apply_commands(cfg, "crypto isakmp key s3cret address 10.2.2.1")
    assert with_key.warnings == ()


def test_config_is_immutable(branch1: RouterConfig) -> None:
    with pytest.raises(TypeError):
        branch1.crypto_maps["X"] = {}  # type: ignore[index]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("interface gi0/1", "GigabitEthernet0/1"),
        ("interface GigabitEthernet 0/0", "GigabitEthernet0/0"),
        ("int fa 0/0.10", "FastEthernet0/0.10"),
        ("interface lo0", "Loopback0"),
        ("interface tu0", "Tunnel0"),
        ("INTERFACE SERIAL1/0", "Serial1/0"),
    ],
)
def test_interface_name_spellings_are_canonicalised(line: str, name: str) -> None:
    assert list(parse_config(line).interfaces) == [name]


def test_command_reference_lists_every_mode_of_the_seed() -> None:
    from vpnteach.ios import command_reference

    reference = command_reference()
    for mode in ("config:", "config-isakmp:", "ca-trustpoint:", "config-crypto-map:", "config-if:"):
        assert f"\n{mode}\n" in f"\n{reference}\n"
    assert "  set pfs [<group:pfs_group>]" in reference
