"""The seed's configuration and exec lines as a learner types them at a blank console, for the
console tests: each branch's lines in full or abbreviated, the dialogues answered as the seed
did (tests/lab/test_console_seed.py, test_console_dialogues.py), and the screen typing them
leaves."""

from __future__ import annotations

from vpnteach.ios.console import Console


def type_lines(console: Console, lines: list[str]) -> str:
    """Type ``lines`` at ``console``: the screen as a terminal shows it (each prompt and line,
    a secret echoed as nothing, each answer and whatever the router printed meanwhile)."""
    out = ""
    for line in lines:
        out += console.prompt + ("" if console.secret else line) + "\n"
        out += console.enter(line) + console.unsolicited()
    return out


def branch_lines(n: int, peer: str, lan: str, far: str, abbreviated: bool) -> list[str]:
    wan, hop = f"10.{n}.{n}.1", f"10.{n}.{n}.2"
    full = [
        "enable", "configure terminal", f"hostname Branch{n}", "ip domain-name amit.com",
        "ntp server 192.168.1.9",
        "crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable",
        "crypto pki trustpoint WIN2003",
        "enrollment url http://192.168.1.9/certsrv/mscep/mscep.dll",
        "enrollment mode ra", "rsakeypair BRANCH_KEY", "revocation-check none", "exit",
        "interface serial 1/0", f"ip address {wan} 255.255.255.0",
        "interface FastEthernet0/0", f"ip address {lan}.1 255.255.255.0", "exit",
        f"ip route 0.0.0.0 0.0.0.0 {hop}",
        "crypto pki authenticate WIN2003", "yes",
        "crypto pki enroll WIN2003", "cisco123", "cisco123", "no", "no", "yes",
        "crypto isakmp policy 10", "encryption 3des", "authentication rsa-sig", "hash md5",
        "group 1", "exit",
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac", "exit",
        "ip access-list extended ACL", f"permit ip {lan}.0 0.0.0.255 {far}.0 0.0.0.255", "exit",
        "crypto map CRYPTO 10 ipsec-isakmp", "match address ACL", f"set peer {peer}",
        "set transform-set TS", "exit",
        "interface serial 1/0", "crypto map CRYPTO", "end",
    ]  # fmt: skip
    if not abbreviated:
        return full
    short = {
        "enable": "en", "configure terminal": "conf t", "ntp server 192.168.1.9":
        "ntp ser 192.168.1.9", "crypto pki trustpoint WIN2003": "cry pki trustp WIN2003",
        "enrollment mode ra": "enr mode ra", "rsakeypair BRANCH_KEY": "rsak BRANCH_KEY",
        "revocation-check none": "rev none", "interface serial 1/0": "int s1/0",
        "interface FastEthernet0/0": "int fa0/0", "crypto pki authenticate WIN2003":
        "cry pki auth WIN2003", "crypto pki enroll WIN2003": "cry pki enr WIN2003",
        "crypto isakmp policy 10": "cry isa pol 10", "encryption 3des": "encr 3des",
        "authentication rsa-sig": "auth rsa-sig", "hash md5": "ha md5", "group 1": "gr 1",
        "crypto ipsec transform-set TS esp-3des esp-md5-hmac":
        "cry ipsec trans TS esp-3des esp-md5-hmac", "ip access-list extended ACL":
        "ip access-l ext ACL", "crypto map CRYPTO 10 ipsec-isakmp": "cry map CRYPTO 10 ipsec",
        "match address ACL": "mat add ACL", "set transform-set TS": "set trans TS",
        "crypto map CRYPTO": "cry map CRYPTO",
    }  # fmt: skip
    return [short.get(line, line).replace("ip address", "ip add") for line in full]


def seed_session(abbreviated: bool) -> list[str]:
    b2 = branch_lines(2, "10.1.1.1", "192.168.22", "192.168.11", abbreviated)
    b1 = branch_lines(1, "10.2.2.1", "192.168.11", "192.168.22", abbreviated)
    return [
        "@Branch2", *b2, "@Branch1", *b1,
        "debug crypto isakmp", "ping 192.168.22.1 source 192.168.11.1",
        "show running-config", "show crypto isakmp policy", "show crypto pki certificates",
        "show crypto isakmp sa", "show crypto ipsec sa",
    ]  # fmt: skip
