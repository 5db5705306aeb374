"""ESP packets cross-checked against Scapy's independent implementation, both directions.

Reference: ``scapy.layers.ipsec.SecurityAssociation`` (Scapy 2.5+), which encrypts and
decrypts RFC 4303 tunnel-mode ESP (and RFC 3948 ESP-in-UDP with ``nat_t_header``) with its own
code over the ``cryptography`` primitives.
"""

from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation

from tests.esp._helpers import SUITES, lookup_for, ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, decapsulate, encapsulate
from vpnteach.esp.sa import IpsecSa

CASES = [(c, i, udp) for (c, i) in SUITES for udp in (False, True)]


def scapy_sa(sa: IpsecSa, src: str, dst: str) -> SecurityAssociation:
    crypt, auth = SUITES[(sa.cipher.name, sa.integrity.ios_name if sa.integrity else "")]
    nat_t = UDP(sport=4500, dport=4500) if sa.udp else None
    return SecurityAssociation(
        ESP, spi=sa.spi, crypt_algo=crypt, crypt_key=sa.encryption_key, auth_algo=auth,
        auth_key=sa.integrity_key, tunnel_header=IP(src=src, dst=dst), nat_t_header=nat_t,
    )  # fmt: skip


@pytest.mark.parametrize(("cipher", "integrity", "udp"), CASES)
@pytest.mark.parametrize("size", [28, 100, 1400])
def test_scapy_decrypts_and_verifies_what_we_encapsulate(
    cipher: str, integrity: str, udp: bool, size: int
) -> None:
    out, _ = sa_pair(cipher, integrity, udp=udp)
    reference = scapy_sa(out, out.local, out.peer)
    inner = ping(seq=3, size=size)
    wire = encapsulate(out, inner, SeededRng("iv"), now=0.0)
    outer = IP(wire)
    assert (outer[UDP].dport == 4500) if udp else (outer.proto == 50)
    decrypted = reference.decrypt(outer)  # raises IPSecIntegrityError if the ICV is wrong
    assert bytes(decrypted) == inner
    assert decrypted[ICMP].seq == 3
    esp_start = 28 if udp else 20
    assert wire[esp_start : esp_start + 8] == out.spi.to_bytes(4, "big") + (1).to_bytes(4, "big")


@pytest.mark.parametrize(("cipher", "integrity", "udp"), CASES)
@pytest.mark.parametrize("size", [28, 100, 1400])
def test_we_decapsulate_what_scapy_encrypts(
    cipher: str, integrity: str, udp: bool, size: int
) -> None:
    _, inb = sa_pair(cipher, integrity, udp=udp)
    reference = scapy_sa(inb, inb.peer, inb.local)
    inner = ping(seq=9, size=size)
    for seq in (1, 2, 5):
        reference.seq_num = seq
        wire = bytes(reference.encrypt(IP(inner)))
        result = decapsulate(lookup_for(inb), wire, now=1.0)
        assert isinstance(result, Decapsulated), result
        assert result.inner == inner and result.seq == seq
    assert (inb.counters.pkts_decaps, inb.counters.pkts_verify, inb.counters.recv_errors) == (
        3,
        3,
        0,
    )


def test_scapy_rejects_our_packet_when_one_icv_byte_is_changed() -> None:
    """The ICV really is checked by the reference (so the tests above can fail)."""
    out, _ = sa_pair()
    wire = bytearray(encapsulate(out, ping(), SeededRng("iv"), now=0.0))
    wire[-1] ^= 1
    with pytest.raises(Exception, match=r"(?i)integrity|icv|mac"):
        scapy_sa(out, out.local, out.peer).decrypt(IP(bytes(wire)))
