"""Argument samples for grammar-directed generation: a value of each argument type the command
tables use, so generated lines look like what people type (tests/ios/test_fuzz.py,
test_console_fuzz.py)."""

from __future__ import annotations

import re

from .pubkey_vectors import PEER_SPKI_HEX

PIECES = re.compile(r"\[[^\]]*\]|\S+")
SAMPLES: dict[str, list[str]] = {
    "word": ["TS", "ACL", "CRYPTO", "K1", "WIN2003"],
    "rest": ["uplink to ISP"],
    "ip": ["10.2.2.1", "192.168.11.0", "0.0.0.0"],
    "mask": ["255.255.255.0", "255.255.255.255", "0.0.0.0"],
    "ike_cipher": ["des", "3des", "aes", "aes 256"],
    "esp_transforms": ["esp-3des esp-md5-hmac", "esp-aes 256 esp-sha-hmac", "esp-des esp-sha-hmac"],
    "acl_address": ["any", "host 10.1.1.1", "192.168.11.0 0.0.0.255"],
    "pfs_group": ["group2", "group 5"],
    "dh_group": ["1", "2", "14"],
    "revocation": ["none", "crl none"],
    "ts_names": ["TS", "TS STRONG"],
    "rsa_options": ["general-keys modulus 1024 label K exportable", "label K2", "usage-keys"],
    "interface": ["Serial1/0", "fa0/0", "loopback 0"],
    "tunnel_interface": ["Tunnel0", "tu 1"],
    "hex_words": ["30819F30 0D06092A", PEER_SPKI_HEX, "0001"],
    "id_name": ["branch1.amit.com", "vpn@amit.com"],
    "hostname": ["Branch1", "R-2"],
    "domain": ["amit.com", "lab.example.org"],
}


def argument_values(kind: str, param: str | None) -> list[str]:
    if kind == "int" and param is not None:
        low, high = (int(x) for x in re.fullmatch(r"(-?\d+)-(-?\d+)", param).groups())  # type: ignore[union-attr]
        return [str(low), str(high), str((low + high) // 2)]
    if kind == "choice" and param is not None:
        return param.split("/")
    return SAMPLES[kind]
