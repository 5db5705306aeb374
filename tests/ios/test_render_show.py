"""``show running-config``, ``show crypto map``, ``show crypto ipsec transform-set``.

Layouts are checked against real IOS 12.4 output quoted in vpnteach/ios/show.py (a c2691 on
IOS 12.4; the Cisco IOS Security Command Reference) and against IOS's running-config habits
(``encr``, ``ip domain name``, defaults hidden, trailing spaces).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from vpnteach.ios import IosConfigError, RouterConfig, parse_config
from vpnteach.ios.show import run_show, show_crypto_ipsec_transform_set, show_crypto_map

from .conftest import seed_text

BRANCH1_RUNNING = """\
!
hostname Branch1
!
ip domain name amit.com
!
crypto pki trustpoint WIN2003
 enrollment mode ra
 enrollment url http://192.168.1.9/certsrv/mscep/mscep.dll
 revocation-check none
 rsakeypair BRANCH_KEY
!
crypto isakmp policy 10
 encr 3des
 hash md5
!
crypto ipsec transform-set TS esp-3des esp-md5-hmac 
!
crypto map CRYPTO 10 ipsec-isakmp 
 set peer 10.2.2.1
 set transform-set TS 
 match address ACL
!
interface FastEthernet0/0
 ip address 192.168.11.1 255.255.255.0
!
interface Serial1/0
 ip address 10.1.1.1 255.255.255.0
 crypto map CRYPTO
!
ip route 0.0.0.0 0.0.0.0 10.1.1.2
!
ip access-list extended ACL
 permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255
!
ntp server 192.168.1.9
!
end
"""  # noqa: W291 - IOS ends these three lines with a space

# Layout of the IOS 12.4 sample quoted in vpnteach/ios/show.py, with the seed's values.
BRANCH1_CRYPTO_MAP = """\
Crypto Map "CRYPTO" 10 ipsec-isakmp
        Peer = 10.2.2.1
        Extended IP access list ACL
            access-list ACL permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255
        Current peer: 10.2.2.1
        Security association lifetime: 4608000 kilobytes/3600 seconds
        PFS (Y/N): N
        Transform sets={
                TS,
        }
        Interfaces using crypto map CRYPTO:
                Serial1/0
"""

BRANCH1_TRANSFORM_SET = (
    "Transform set TS: { esp-3des esp-md5-hmac  } \n   will negotiate = { Tunnel,  }, \n"
)


def test_running_config_of_branch1_is_ios_canonical(branch1: RouterConfig) -> None:
    assert branch1.to_text() == BRANCH1_RUNNING
    assert run_show(branch1, "show running-config") == BRANCH1_RUNNING
    assert run_show(branch1, "sh run") == BRANCH1_RUNNING


@pytest.mark.parametrize("name", ["branch1", "branch2"])
def test_parse_render_parse_round_trip_of_seed(name: str) -> None:
    cfg = parse_config(seed_text(name))
    assert parse_config(cfg.to_text(include_keys=True)) == cfg
    # IOS never shows key generation: the plain running-config rebuilds all but the keys
    assert parse_config(cfg.to_text()) == replace(cfg, rsa_key_commands=())


RICH = """\
hostname Hub
clock timezone AEST 10 30
ip domain-name example.org
crypto key generate rsa usage-keys label K2
crypto ca trustpoint CA2
 enrollment url http://10.0.0.9/scep
 revocation-check crl none
 ip-address 10.0.0.1
crypto isakmp policy 5
 encryption aes 256
 hash sha256
 authentication pre-share
 group 14
 lifetime 28800
crypto isakmp policy 20
crypto isakmp key s3cret address 10.2.2.1
crypto isakmp keepalive 30 5
crypto isakmp identity dn
crypto ipsec security-association lifetime seconds 1800
crypto ipsec security-association lifetime kilobytes 100000
crypto ipsec transform-set STRONG esp-aes 256 esp-sha-hmac
 mode transport
crypto ipsec transform-set TS esp-3des esp-md5-hmac
ip access-list extended ACL
 permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255
 deny ip any host 10.9.9.9
access-list 110 permit ip host 1.1.1.1 any
crypto map CRYPTO 20 ipsec-isakmp
 set peer 10.2.2.1
 set peer 10.3.3.1
 set transform-set STRONG TS
 set pfs group5
 set security-association lifetime seconds 900
 set security-association lifetime kilobytes 50000
 match address ACL
crypto map CRYPTO 10 ipsec-isakmp
 set peer 10.4.4.1
interface Loopback0
 ip address 1.1.1.1 255.255.255.255
interface GigabitEthernet0/1
 description uplink to ISP
 ip address 10.1.1.1 255.255.255.0
 crypto map CRYPTO
 shutdown
interface Tunnel0
ip route 10.0.0.0 255.0.0.0 10.1.1.2
"""


def test_round_trip_of_every_command_kind() -> None:
    cfg = parse_config(RICH)
    text = cfg.to_text(include_keys=True)
    assert parse_config(text) == cfg
    assert parse_config(text).to_text(include_keys=True) == text
    assert " encr aes 256\n hash sha256\n authentication pre-share\n group 14\n" in text
    assert "crypto isakmp policy 20\n!" in text  # an all-default policy shows no lines
    assert "crypto ipsec transform-set STRONG esp-aes 256 esp-sha-hmac \n mode transport\n" in text
    assert "crypto map CRYPTO 10 ipsec-isakmp \n set peer 10.4.4.1\n!" in text
    assert text.index("interface GigabitEthernet0/1") < text.index("interface Loopback0")
    assert "interface Tunnel0\n no ip address\n" in text
    assert "access-list 110 permit ip host 1.1.1.1 any\n" in text


def test_show_crypto_map_of_branch1(branch1: RouterConfig) -> None:
    assert show_crypto_map(branch1) == BRANCH1_CRYPTO_MAP
    assert run_show(branch1, "show crypto map") == BRANCH1_CRYPTO_MAP
    assert run_show(branch1, "show crypto map tag CRYPTO") == BRANCH1_CRYPTO_MAP
    assert run_show(branch1, "show crypto map tag OTHER") == ""


def test_show_crypto_map_with_pfs_several_entries_and_missing_acl() -> None:
    cfg = parse_config(RICH)
    out = show_crypto_map(cfg)
    entry20 = out[out.index('Crypto Map "CRYPTO" 20') :]
    assert "        PFS (Y/N): Y\n        DH group:  group5\n" in entry20
    assert "Security association lifetime: 50000 kilobytes/900 seconds" in entry20
    assert "        Peer = 10.2.2.1\n        Peer = 10.3.3.1\n" in entry20
    assert "                STRONG,\n                TS,\n" in entry20
    assert "            access-list ACL deny ip any host 10.9.9.9\n" in entry20
    entry10 = out[: out.index('Crypto Map "CRYPTO" 20')]
    assert "        No matching address list set.\n" in entry10
    assert "Security association lifetime: 100000 kilobytes/1800 seconds" in entry10
    assert out.count("Interfaces using crypto map CRYPTO:") == 1
    assert out.endswith("Interfaces using crypto map CRYPTO:\n                GigabitEthernet0/1\n")


def test_show_crypto_ipsec_transform_set(branch1: RouterConfig) -> None:
    assert show_crypto_ipsec_transform_set(branch1) == BRANCH1_TRANSFORM_SET
    assert run_show(branch1, "sh crypto ipsec transform-set tag TS") == BRANCH1_TRANSFORM_SET
    rich = show_crypto_ipsec_transform_set(parse_config(RICH))
    assert rich == (
        "Transform set STRONG: { esp-256-aes esp-sha-hmac  } \n"
        "   will negotiate = { Transport,  }, \n"
        "\n" + BRANCH1_TRANSFORM_SET
    )


def test_unknown_show_command_gets_an_exec_error(branch1: RouterConfig) -> None:
    with pytest.raises(IosConfigError) as caught:
        run_show(branch1, "show crypto mop")
    assert caught.value.expected == "one of map, ipsec, key, ikev2"
    assert caught.value.ios_message() == (
        "Branch1#show crypto mop\n                    ^\n% Invalid input detected at '^' marker."
    )
