"""tshark decrypts our ESP from a pcap with the exported ``esp_sa`` key table.

Reference: Wireshark's ESP dissector (tshark 4.0), which checks the ICV and decrypts with the
keys of ``vpnteach.esp.wireshark.tshark_esp_args``; the inner ICMP must appear and nothing may
be flagged malformed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.esp._helpers import HOST1, HOST2, SPI_2_TO_1, ping, sa_pair
from tests.tshark import COMPLAINTS
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, decapsulate, encapsulate
from vpnteach.esp.sa import IpsecSa
from vpnteach.esp.wireshark import esp_sa_table, tshark_esp_args
from vpnteach.net.pcap import LinkType, encode_pcap

SUITES = [
    ("3des", "esp-md5-hmac"),
    ("des", "esp-md5-hmac"),
    ("aes128", "esp-sha-hmac"),
    ("aes256", "esp-sha256-hmac"),
    ("aes128gcm16", ""),  # RFC 4106, key | salt in the table
    ("aes256gcm16", ""),
]
FIELDS = ["frame.number", "esp.spi", "esp.icv_good", "esp.icv_bad", "icmp.type", "icmp.seq"]


def _tshark(pcap: Path, sas: list[IpsecSa], *extra: str) -> list[list[str]]:
    tshark = require_tool("tshark", "needs tshark (Wireshark 4.x)")
    cmd = [tshark, "-n", "-r", str(pcap), *tshark_esp_args(sas), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines()]


def _conversation(cipher: str, integrity: str, udp: bool) -> tuple[list[bytes], list[IpsecSa]]:
    """Four pings Branch1 -> Branch2 and four replies back, as the two routers send them."""
    out12, in12 = sa_pair(cipher, integrity, udp=udp, seed="a")
    out21, _in21 = sa_pair(cipher, integrity, udp=udp, seed="b", spi=SPI_2_TO_1)
    # The reverse SA pair: Branch2 sends, so swap the endpoints and identities.
    out21.local, out21.peer, out21.local_ident, out21.remote_ident = (
        out12.peer, out12.local, out12.remote_ident, out12.local_ident,
    )  # fmt: skip
    rng, packets = SeededRng("tshark"), []
    for seq in range(4):
        packets.append(encapsulate(out12, ping(seq), rng, now=seq))
        assert isinstance(decapsulate(lambda *_: in12, packets[-1], seq), Decapsulated)
        reply = ping(seq, src=HOST2, dst=HOST1, reply=True)
        packets.append(encapsulate(out21, reply, rng, now=seq + 0.5))
    return packets, [out12, out21]


@pytest.mark.parametrize(("cipher", "integrity"), SUITES)
@pytest.mark.parametrize("udp", [False, True], ids=["esp", "esp-in-udp"])
def test_tshark_decrypts_every_packet_with_good_icv_and_sees_inner_icmp(
    tmp_path: Path, cipher: str, integrity: str, udp: bool
) -> None:
    packets, sas = _conversation(cipher, integrity, udp)
    pcap = tmp_path / "esp.pcap"
    pcap.write_bytes(encode_pcap([(i * 1000, p) for i, p in enumerate(packets)], LinkType.RAW))
    rows = _tshark(pcap, sas, "-T", "fields", *[a for f in FIELDS for a in ("-e", f)])
    assert len(rows) == 8
    for n, (_, spi, good, bad, icmp_type, icmp_seq) in enumerate(rows):
        assert int(spi, 16) == sas[n % 2].spi
        assert (good, bad) == ("1", "0"), rows[n]
        assert icmp_type == ("8" if n % 2 == 0 else "0")
        assert int(icmp_seq) == n // 2
    flagged = _tshark(pcap, sas, "-Y", COMPLAINTS)
    assert flagged == []


@pytest.mark.parametrize(("cipher", "integrity"), [("3des", "esp-md5-hmac"), ("aes256gcm16", "")])
def test_tshark_flags_a_tampered_packet_as_icv_bad(
    tmp_path: Path, cipher: str, integrity: str
) -> None:
    """The oracle can fail: one flipped ciphertext bit gives ``esp.icv_bad``."""
    packets, sas = _conversation(cipher, integrity, udp=False)
    tampered = bytearray(packets[0])
    tampered[40] ^= 0x01
    pcap = tmp_path / "bad.pcap"
    pcap.write_bytes(encode_pcap([(0, bytes(tampered))], LinkType.RAW))
    rows = _tshark(pcap, sas, "-T", "fields", "-e", "esp.icv_good", "-e", "esp.icv_bad")
    assert rows == [["0", "1"]]


def test_esp_sa_table_has_one_quoted_line_per_sa() -> None:
    out, inb = sa_pair()
    table = esp_sa_table([out, inb]).splitlines()
    assert table[0].startswith(
        '"IPv4","10.1.1.1","10.2.2.1","0x34f84d56","TripleDES-CBC [RFC2451]"'
    )
    assert table[1].startswith('"IPv4","10.1.1.1","10.2.2.1","0x34f84d56"')  # inbound seen from B2
