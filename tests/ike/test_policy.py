"""Configuration objects: IOS defaults, validation errors, ACL matching, proxy identities."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from vpnteach.ike.policy import (
    DEFAULT_POLICY,
    AccessList,
    AclEntry,
    AddressMatch,
    CryptoMapEntry,
    IsakmpPolicy,
    PolicyError,
    PreSharedKey,
    ProxyIdentity,
    TransformSet,
)
from vpnteach.wire.constants import (
    AuthenticationAlgorithm,
    AuthenticationMethod,
    EncryptionAlgorithm,
    HashAlgorithm,
    IdType,
    IpsecTransformId,
)

SEED_ACL = AccessList(
    "ACL",
    (
        AclEntry(
            "permit",
            AddressMatch("192.168.11.0", "0.0.0.255"),
            AddressMatch("192.168.22.0", "0.0.0.255"),
        ),
    ),
)


def test_policy_defaults_are_the_ios_default_protection_suite() -> None:
    # Source: IOS "show crypto isakmp policy", "Default protection suite": DES, SHA,
    # Rivest-Shamir-Adleman Signature, group #1 (768 bit), 86400 seconds.
    p = IsakmpPolicy(priority=20)
    assert (p.encryption, p.hash, p.authentication, p.group, p.lifetime) == (
        "des",
        "sha",
        "rsa-sig",
        1,
        86400,
    )
    assert DEFAULT_POLICY.priority == 65535


def test_seed_policy_maps_to_rfc2409_attribute_values() -> None:
    p = IsakmpPolicy(priority=10, encryption="3des", authentication="rsa-sig", hash="md5", group=1)
    assert p.encryption_id == EncryptionAlgorithm.TRIPLE_DES_CBC
    assert p.hash_id == HashAlgorithm.MD5
    assert (int(EncryptionAlgorithm.TRIPLE_DES_CBC), int(HashAlgorithm.MD5)) == (5, 1)
    assert p.auth_id == AuthenticationMethod.RSA_SIGNATURES
    assert int(AuthenticationMethod.RSA_SIGNATURES) == 3


def test_aes_policy_accepts_ios_spelling_and_defaults_to_128_bits() -> None:
    assert IsakmpPolicy(priority=1, encryption="aes 256").key_length == 256
    assert IsakmpPolicy(priority=1, encryption="aes").key_length == 128


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"priority": 0}, "priority must be 1..10000"),
        ({"priority": 10001}, "priority must be 1..10000"),
        ({"priority": 5, "encryption": "blowfish"}, "unknown encryption 'blowfish'"),
        ({"priority": 5, "hash": "sha3"}, "unknown hash 'sha3'"),
        ({"priority": 5, "authentication": "psk"}, "unknown auth 'psk'"),
        ({"priority": 5, "group": 3}, "unsupported DH group 3"),
        ({"priority": 5, "lifetime": 10}, "lifetime must be 60..86400"),
        ({"priority": 5, "encryption": "aes", "key_length": 100}, "128/192/256"),
        ({"priority": 5, "encryption": "3des", "key_length": 128}, "takes no key length"),
    ],
)
def test_invalid_policy_values_raise_policy_error_naming_the_policy(
    kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(PolicyError, match="crypto isakmp policy") as info:
        IsakmpPolicy(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_transform_set_parses_ios_words() -> None:
    ts = TransformSet("TS", ("esp-3des", "esp-md5-hmac"))
    assert ts.transform_id == IpsecTransformId.ESP_3DES
    assert ts.auth_algorithm == AuthenticationAlgorithm.HMAC_MD5
    assert ts.mode == "tunnel"
    assert ts.ios_text() == "esp-3des esp-md5-hmac"
    aes = TransformSet("T2", "esp-aes 256 esp-sha-hmac", mode="transport")  # type: ignore[arg-type]
    assert (aes.key_length, aes.ios_text()) == (256, "esp-aes 256 esp-sha-hmac")


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        (("esp-3des",), "exactly one ESP HMAC"),
        (("esp-md5-hmac",), "exactly one ESP cipher"),
        (("esp-3des", "esp-foo"), "unknown transform"),
        (("esp-aes", "512", "esp-sha-hmac"), "128/192/256"),
    ],
)
def test_bad_transform_set_names_the_set(words: tuple[str, ...], fragment: str) -> None:
    with pytest.raises(PolicyError, match="transform-set BAD") as info:
        TransformSet("BAD", words)
    assert fragment in str(info.value)


def test_acl_wildcards_match_like_ios() -> None:
    assert SEED_ACL.protects("192.168.11.5", "192.168.22.9")
    assert not SEED_ACL.protects("192.168.22.9", "192.168.11.5")
    assert not SEED_ACL.protects("192.168.12.5", "192.168.22.9")
    # A non-contiguous wildcard: 0.0.1.255 matches 10.0.0.x and 10.0.1.x only.
    odd = AddressMatch("10.0.0.0", "0.0.1.255")
    assert odd.matches("10.0.1.7") and not odd.matches("10.0.2.7")
    assert AddressMatch.any().matches("8.8.8.8")
    assert AddressMatch.host("10.1.1.1").matches("10.1.1.1")
    assert not AddressMatch.host("10.1.1.1").matches("10.1.1.2")


def test_first_matching_entry_wins_and_deny_excludes() -> None:
    acl = AccessList(
        "X",
        (
            AclEntry("deny", AddressMatch.host("192.168.11.1"), AddressMatch.any()),
            *SEED_ACL.entries,
        ),
    )
    assert not acl.protects("192.168.11.1", "192.168.22.1")
    assert acl.protects("192.168.11.2", "192.168.22.1")
    assert len(acl.permits()) == 1


def test_acl_entry_becomes_subnet_proxy_identities() -> None:
    idci, idcr = SEED_ACL.entries[0].proxy_identities()
    assert idci.network == IPv4Network("192.168.11.0/24")
    assert idcr.network == IPv4Network("192.168.22.0/24")
    assert idci.id_type == IdType.ID_IPV4_ADDR_SUBNET
    assert idci.ios_text() == "192.168.11.0/255.255.255.0/0/0"
    host = AclEntry("permit", AddressMatch.host("1.1.1.1"), AddressMatch.host("2.2.2.2"))
    assert host.proxy_identities()[0].id_type == IdType.ID_IPV4_ADDR
    assert SEED_ACL.entries[0].ios_text() == (
        "permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255"
    )


def test_non_contiguous_wildcard_cannot_be_a_proxy_identity() -> None:
    # 0.0.255.0 ignores the third octet only: a valid ACL, but no single subnet.
    entry = AclEntry("permit", AddressMatch("10.0.0.1", "0.0.255.0"), AddressMatch.any())
    assert entry.matches("10.0.77.1", "8.8.8.8") and not entry.matches("10.0.77.2", "8.8.8.8")
    with pytest.raises(PolicyError, match="not contiguous"):
        entry.proxy_identities()


def test_proxy_identity_containment() -> None:
    big = ProxyIdentity(IPv4Network("192.168.0.0/16"))
    assert big.contains(ProxyIdentity(IPv4Network("192.168.22.0/24")))
    assert not ProxyIdentity(IPv4Network("192.168.22.0/24")).contains(big)


def test_crypto_map_entry_uses_global_sa_lifetimes_by_default() -> None:
    entry = CryptoMapEntry(
        "CRYPTO", 10, SEED_ACL, "10.2.2.1", (TransformSet("TS", ("esp-3des", "esp-md5-hmac")),)
    )
    assert (entry.sa_lifetime_seconds, entry.sa_lifetime_kilobytes) == (3600, 4608000)
    assert entry.pfs_group is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"peer": "10.2.2"}, "not an IPv4 address"),
        ({"pfs_group": 3}, "set pfs group 3"),
        ({"transform_sets": ()}, "at least one transform set"),
        ({"lifetime_seconds": 10}, "lifetime seconds"),
        ({"seq": 0}, "sequence number"),
    ],
)
def test_bad_crypto_map_entry_names_the_map(kwargs: dict[str, object], fragment: str) -> None:
    base: dict[str, object] = {
        "name": "CRYPTO",
        "seq": 10,
        "match_address": SEED_ACL,
        "peer": "10.2.2.1",
        "transform_sets": (TransformSet("TS", ("esp-3des", "esp-md5-hmac")),),
    }
    with pytest.raises(PolicyError, match="crypto map CRYPTO") as info:
        CryptoMapEntry(**(base | kwargs))  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_pre_shared_key_needs_a_key_and_an_address() -> None:
    assert PreSharedKey("cisco123", "10.2.2.1").address == "10.2.2.1"
    with pytest.raises(PolicyError, match="empty"):
        PreSharedKey("", "10.2.2.1")
    with pytest.raises(PolicyError, match="not an IPv4 address"):
        PreSharedKey("k", "branch2")
