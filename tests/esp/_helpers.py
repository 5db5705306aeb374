"""Shared test fixtures: SA pairs between the seed's branch routers, and prerequisite checks."""

from __future__ import annotations

from ipaddress import IPv4Network

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.gcm import GCM_ALGORITHMS
from vpnteach.esp.integrity import IntegrityAlgorithm, get_integrity
from vpnteach.esp.sa import Direction, IpsecSa, Lifetime, UdpEncapsulation
from vpnteach.ike.policy import ProxyIdentity
from vpnteach.wire.ip import icmp_echo

BRANCH1, BRANCH2 = "10.1.1.1", "10.2.2.1"
LAN1 = ProxyIdentity(IPv4Network("192.168.11.0/24"))
LAN2 = ProxyIdentity(IPv4Network("192.168.22.0/24"))
HOST1, HOST2 = "192.168.11.1", "192.168.22.1"
SPI_1_TO_2 = 0x34F84D56  # the seed's outbound SPI on Branch1
SPI_2_TO_1 = 0xAC4D6EB3  # the seed's inbound SPI on Branch1

# (vpnteach cipher, integrity keyword) -> (Scapy crypt_algo, Scapy auth_algo)
SUITES = {
    ("3des", "esp-md5-hmac"): ("3DES", "HMAC-MD5-96"),
    ("des", "esp-md5-hmac"): ("DES", "HMAC-MD5-96"),
    ("aes128", "esp-sha-hmac"): ("AES-CBC", "HMAC-SHA1-96"),
    ("aes256", "esp-sha-hmac"): ("AES-CBC", "HMAC-SHA1-96"),
    ("aes128", "esp-sha256-hmac"): ("AES-CBC", "SHA2-256-128"),
    ("aes256", "esp-sha256-hmac"): ("AES-CBC", "SHA2-256-128"),
    ("3des", "esp-sha-hmac"): ("3DES", "HMAC-SHA1-96"),
    ("aes128gcm16", ""): ("AES-GCM", "NULL"),
    ("aes256gcm16", ""): ("AES-GCM", "NULL"),
}


def sa_pair(
    cipher: str = "3des",
    integrity: str = "esp-md5-hmac",
    *,
    udp: bool = False,
    seed: str = "esp-test",
    lifetime: Lifetime | None = None,
    spi: int = SPI_1_TO_2,
) -> tuple[IpsecSa, IpsecSa]:
    """(Branch1's outbound SA, Branch2's inbound SA) sharing keys, as Quick Mode would make.

    ``cipher`` ``aes128gcm16``/``aes256gcm16`` (with ``integrity=""``) makes AES-GCM SAs whose
    encryption key is KEYMAT: the AES key then the 4-byte salt (RFC 4106 §8.1)."""
    gcm = cipher.endswith("gcm16")
    c = GCM_ALGORITHMS[int(cipher[3:6])] if gcm else get_cipher(cipher)
    i: IntegrityAlgorithm | None = None if gcm else get_integrity(integrity)
    rng = SeededRng(seed)
    k_e, k_a = rng.random_bytes(c.key_size), rng.random_bytes(i.key_size if i else 0)
    encap = UdpEncapsulation() if udp else None
    life = lifetime or Lifetime()
    out = IpsecSa(Direction.OUTBOUND, spi, BRANCH1, BRANCH2, c, k_e, i, k_a, LAN1, LAN2, life,
                  udp=encap, crypto_map="CRYPTO")  # fmt: skip
    inb = IpsecSa(Direction.INBOUND, spi, BRANCH2, BRANCH1, c, k_e, i, k_a, LAN2, LAN1, life,
                  udp=encap, crypto_map="CRYPTO")  # fmt: skip
    return out, inb


def ping(
    seq: int = 0, size: int = 100, src: str = HOST1, dst: str = HOST2, *, reply: bool = False
) -> bytes:
    """An IOS-like ping (echo request, or reply) of ``size`` bytes from ``src`` to ``dst``."""
    data = bytes(i & 0xFF for i in range(size - 28))
    return icmp_echo(src, dst, identifier=7, sequence=seq, data=data, reply=reply)


def lookup_for(*sas: IpsecSa):  # type: ignore[no-untyped-def]
    """A SAD-like lookup over ``sas`` keyed by (SPI, destination, protocol 50)."""
    table = {(sa.spi, sa.local, 50): sa for sa in sas}
    return lambda spi, dst, proto: table.get((spi, dst, proto))
