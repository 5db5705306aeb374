"""Every command's error path: the line number, the text, what was expected, and the caret.

The expected words come from the IKE model's tables (ENCRYPTION_IDS, ESP_CIPHERS, GROUP_BITS,
...), so these tests also pin which values the parser offers.
"""

from __future__ import annotations

import pytest

from vpnteach.ios import IosConfigError, parse_config
from vpnteach.ios.argtypes import DOMAIN_EXPECTED, HOSTNAME_EXPECTED

ISAKMP = "crypto isakmp policy 10\n"
TRUSTPOINT = "crypto pki trustpoint WIN2003\n"
MAP = "crypto map CRYPTO 10 ipsec-isakmp\n"
ACL = "ip access-list extended ACL\n"
IF = "interface Serial1/0\n"
TS = "crypto ipsec transform-set TS esp-3des esp-md5-hmac\n"
GROUPS = "1, 2, 5, 14, 15, 16"

# (text, line of the error, expected, the word the caret points at; None = incomplete command)
CASES = [
    ("hostname", 1, HOSTNAME_EXPECTED, None),
    ("hostname A B", 1, "end of command", "B"),
    ("ip domain-name", 1, DOMAIN_EXPECTED, None),
    ("ip domain nmae amit.com", 1, "name", "nmae"),
    ("ntp server 192.168.1.999", 1, "an IPv4 address A.B.C.D", "192.168.1.999"),
    ("clock timezone AEST 25", 1, "a number -23-23", "25"),
    ("clock timezone AEST 10 60", 1, "one of a number 0-59, end of command", "60"),
    (
        "crypto key generate rsa general-keys modulus 100",
        1,
        "a number 360-4096",
        "100",
    ),
    (
        "crypto key generate rsa general-keys modulus 1024 lable K",
        1,
        "one of general-keys, usage-keys, exportable, modulus, label, end of command",
        "lable",
    ),
    ("crypto key generate rsa label", 1, "a key label", None),
    ("crypto pki trustpoint", 1, "a name", None),
    (TRUSTPOINT + " enrollment mode ca", 2, "ra", "ca"),
    (TRUSTPOINT + " enrollment url", 2, "a name", None),
    (TRUSTPOINT + " rsakeypair", 2, "a name", None),
    (TRUSTPOINT + " revocation-check crl nothing", 2, "one of crl, none, ocsp", "nothing"),
    (TRUSTPOINT + " ip-address 10.1.1", 2, "an IPv4 address A.B.C.D", "10.1.1"),
    ("crypto isakmp policy 0", 1, "a number 1-10000", "0"),
    ("crypto isakmp policy 10001", 1, "a number 1-10000", "10001"),
    (ISAKMP + " encryption 3dez", 2, "one of des, 3des, aes [128|192|256]", "3dez"),
    (ISAKMP + " encryption aes 512", 2, "one of 128, 192, 256, end of command", "512"),
    (ISAKMP + " encr", 2, "one of des, 3des, aes [128|192|256]", None),
    (ISAKMP + " authentication rsa", 2, "one of pre-share, rsa-sig, rsa-encr", "rsa"),
    (ISAKMP + " hash sha1", 2, "one of md5, sha, sha256, sha384, sha512", "sha1"),
    (ISAKMP + " group 3", 2, f"one of {GROUPS}", "3"),
    (ISAKMP + " lifetime 30", 2, "a number 60-86400", "30"),
    ("crypto isakmp key cisco 10.2.2.1", 1, "address", "10.2.2.1"),
    ("crypto isakmp key cisco address", 1, "an IPv4 address A.B.C.D", None),
    ("crypto isakmp identity fqdn", 1, "one of address, hostname, dn", "fqdn"),
    ("crypto isakmp keepalive 5", 1, "a number 10-3600", "5"),
    (
        "crypto isakmp keepalive 10 3 sometimes",
        1,
        "one of periodic, on-demand, end of command",
        "sometimes",
    ),
    (
        "crypto ipsec transform-set TS esp-3des esp-md5",
        1,
        "one of esp-des, esp-3des, esp-aes, esp-gcm, esp-md5-hmac, esp-sha-hmac, esp-sha256-hmac",
        "esp-md5",
    ),
    (
        "crypto ipsec transform-set TS",
        1,
        "one of esp-des, esp-3des, esp-aes, esp-gcm, esp-md5-hmac, esp-sha-hmac, esp-sha256-hmac",
        None,
    ),
    (TS + " mode tunel", 2, "one of tunnel, transport", "tunel"),
    (
        "crypto ipsec security-association lifetime seconds 60",
        1,
        "a number 120-86400",
        "60",
    ),
    (
        "crypto ipsec security-association lifetime minutes 5",
        1,
        "one of seconds, kilobytes",
        "minutes",
    ),
    ("ip access-list standard ACL", 1, "extended", "standard"),
    (ACL + " permit tcp any any", 2, "ip", "tcp"),
    (ACL + " allow ip any any", 2, "one of permit, deny, no, exit", "allow"),
    (ACL + " permit ip 192.168.11.0 any", 2, "a wildcard mask such as 0.0.0.255", "any"),
    (ACL + " permit ip host any", 2, "an IPv4 address A.B.C.D", "any"),
    (ACL + " permit ip any", 2, "one of any, host, an IPv4 address A.B.C.D", None),
    ("access-list 99 permit ip any any", 1, "a number 100-199", "99"),
    ("crypto map CRYPTO 0 ipsec-isakmp", 1, "a number 1-65535", "0"),
    ("crypto map CRYPTO 10 ipsec-manual", 1, "one of ipsec-isakmp, end of command", "ipsec-manual"),
    (MAP + " match address", 2, "a name", None),
    (MAP + " match acl ACL", 2, "address", "acl"),
    (MAP + " set peer 10.2.2", 2, "an IPv4 address A.B.C.D", "10.2.2"),
    (
        MAP + " set pfs group3",
        2,
        "one of group1, group2, group5, group14, group15, group16, end of command",
        "group3",
    ),
    (MAP + " set pfs group 3", 2, f"one of {GROUPS}", "3"),
    (MAP + " set transform-set A B C D E F G", 2, "end of command (at most 6 transform sets)", "G"),
    (MAP + " set security-association lifetime seconds 100", 2, "a number 120-86400", "100"),
    (
        MAP + " set security-association lifetime kilobytes 10",
        2,
        "a number 2560-4294967295",
        "10",
    ),
    (
        "interface Sreial1/0",
        1,
        "one of Ethernet, FastEthernet, GigabitEthernet, Serial, Loopback, Tunnel",
        "Sreial1/0",
    ),
    ("interface serial", 1, "an interface number such as 1/0 (Serial)", None),
    (IF + " ip address 10.1.1.1 0.0.0.255", 2, "a subnet mask such as 255.255.255.0", "0.0.0.255"),
    (IF + " ip address 10.1.1.1", 2, "a subnet mask such as 255.255.255.0", None),
    (IF + " crypto map", 2, "a name", None),
    (
        "ip route 0.0.0.0 0.0.0.0",
        1,
        "one of an IPv4 address A.B.C.D, Ethernet, FastEthernet, GigabitEthernet, Serial, "
        "Loopback, Tunnel",  # a next hop or an outgoing interface (a VTI: Tunnel0)
        None,
    ),
    (
        "ip route 10.0.0.0 255.0.255.0 10.1.1.2",
        1,
        "a subnet mask such as 255.255.255.0",
        "255.0.255.0",
    ),
]


@pytest.mark.parametrize(("text", "line", "expected", "word"), CASES, ids=[c[0] for c in CASES])
def test_bad_line_names_its_line_text_and_what_was_expected(
    text: str, line: int, expected: str, word: str | None
) -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config(text)
    error = caught.value
    bad_line = text.splitlines()[line - 1]
    assert (error.line, error.text, error.expected) == (line, bad_line, expected)
    assert str(error) == f"line {line}: `{bad_line.strip()}`: expected {expected}"
    if word is None:
        assert error.incomplete
        assert error.ios_message().endswith("% Incomplete command.")
    else:
        assert bad_line[error.column :].split()[0] == word
        assert not error.incomplete


def test_brief_example_message_for_a_misspelt_cipher() -> None:
    text = "\n" * 16 + "crypto isakmp policy 10\n encryption 3dez\n"
    with pytest.raises(IosConfigError) as caught:
        parse_config(text)
    assert str(caught.value) == (
        "line 18: `encryption 3dez`: expected one of des, 3des, aes [128|192|256]"
    )


def test_ios_message_puts_the_caret_under_the_bad_word() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config("hostname Branch1\ncrypto isakmp policy 10\n encryption 3dez")
    assert caught.value.ios_message() == (
        "Branch1(config-isakmp)#encryption 3dez\n"
        "                                  ^\n"
        "% Invalid input detected at '^' marker."
    )


def test_error_names_the_source_file() -> None:
    with pytest.raises(IosConfigError, match=r"^branch9\.cfg line 1: `hostnam`"):
        parse_config("hostnam", "branch9.cfg")


def test_unknown_first_word_in_a_submode_lists_that_modes_commands() -> None:
    with pytest.raises(IosConfigError) as caught:
        parse_config(ISAKMP + " encrypt 3des extra words")
    # "encrypt" abbreviates "encryption": the caret is on the first extra word
    assert caught.value.expected == "end of command"
    assert caught.value.text[caught.value.column :] == "extra words"
    with pytest.raises(IosConfigError) as caught:
        parse_config(ISAKMP + " cipher 3des")
    assert caught.value.expected == (
        "one of encryption, no, authentication, hash, group, lifetime, exit"
    )


def test_model_refusal_becomes_a_line_error() -> None:
    # two ciphers: every word is known, the TransformSet model refuses the combination
    with pytest.raises(IosConfigError) as caught:
        parse_config("hostname R\ncrypto ipsec transform-set T esp-3des esp-des esp-md5-hmac")
    assert caught.value.line == 2
    assert "needs exactly one ESP cipher" in caught.value.expected


def test_inline_comment_from_the_tutorial_is_refused_like_ios_does() -> None:
    # The tutorial glues comments onto lines ("enrollment mode ra! Required as ..."); IOS has no
    # inline comments, so this is invalid input at "ra!".
    with pytest.raises(IosConfigError) as caught:
        parse_config(TRUSTPOINT + "enrollment mode ra! Required as Server 2003 provides RA")
    assert caught.value.text[caught.value.column :].startswith("ra!")


def test_crypto_map_name_wrapped_onto_two_lines_is_refused() -> None:
    # The web page wraps "crypto map CRYPTO 10 ipsec-isakmp"; the wrapped form is not IOS.
    with pytest.raises(IosConfigError) as caught:
        parse_config("crypto map CRYPTO\n10 ipsec-isakmp")
    assert (caught.value.line, caught.value.expected) == (1, "a number 1-65535")
