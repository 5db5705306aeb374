"""pcap export of a simulated capture and the Wireshark key tables, judged by tshark 4.0.

- tshark reads our RAW and EN10MB pcaps with no malformed packet, at the seed's date;
- ``write_wireshark_keys`` reproduces byte for byte the key tables proven on the strongSwan
  seed fixture, and tshark decrypts that fixture's IKE and ESP with the folder we write;
- ESP-in-UDP made by Scapy's ``SecurityAssociation`` (an independent ESP implementation)
  in the routers' hooks crosses the simulated WAN, and tshark decrypts the WAN capture with
  our ``esp_sa`` table (good ICV, inner ICMP visible).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation

from tests.conftest import require_tool
from tests.tshark import COMPLAINTS
from vpnteach.crypto.rng import SeededRng
from vpnteach.net.pcap import LinkType, read_pcap
from vpnteach.net.sim import (
    FORWARD,
    EspKey,
    IkeKey,
    Interface,
    KeyTableError,
    Node,
    Replace,
    Verdict,
    tshark_options,
    write_wireshark_keys,
)
from vpnteach.net.sim.topology import two_branches

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan" / "seed"
# Values from tests/fixtures/strongswan/seed/wireshark/ (charon log + swanctl --list-sas of
# the seed run, see that folder's README), re-entered here as plain values.
SEED_IKE = IkeKey(
    bytes.fromhex("7b1ed2874afa08ec"),
    bytes.fromhex("6a7ce4d5c9a89c11d8e3301f603c95a16a85ed3e0d095ed6"),
)
SEED_ESP = [
    EspKey(
        "10.1.1.1", "10.2.2.1", 0x0DE9E71E, "3des",
        bytes.fromhex("b1414def887bcb91f00d1e6049990f84b7ca84b60033b48d"),
        "md5", bytes.fromhex("c485b9904b8de37a863c2c5565b016e9"),
    ),
    EspKey(
        "10.2.2.1", "10.1.1.1", 0xE89F98C1, "3des",
        bytes.fromhex("8dd3547285daf7a9b0e862990ae66cdb795da749c3416815"),
        "esp-md5-hmac", bytes.fromhex("0979448eab6fde26d67f2240bf04ce5e"),
    ),
]  # fmt: skip
# Throwaway test keys for the Scapy ESP SAs (3DES-CBC / HMAC-MD5-96, RFC 2451 / RFC 2403).
KEY_12, AUTH_12 = bytes(range(1, 25)), bytes(range(101, 117))
KEY_21, AUTH_21 = bytes(range(31, 55)), bytes(range(131, 147))


def _tshark(pcap: Path, *args: str, config: Path | None = None) -> list[list[str]]:
    tshark = require_tool("tshark", "needs tshark (Wireshark 4.x)")
    env = dict(os.environ)
    if config is not None:
        env["WIRESHARK_CONFIG_DIR"] = str(config)
    cmd = [tshark, "-n", "-r", str(pcap), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60, env=env)
    return [line.split("\t") for line in proc.stdout.splitlines()]


def _fields(*names: str) -> list[str]:
    return ["-T", "fields", *[a for n in names for a in ("-e", n)]]


def test_key_tables_match_the_ones_tshark_used_on_the_strongswan_fixture(tmp_path: Path) -> None:
    paths = write_wireshark_keys(tmp_path, [SEED_IKE], SEED_ESP)
    assert [p.name for p in paths] == ["ikev1_decryption_table", "esp_sa", "preferences"]
    for path in paths:
        assert path.read_text() == (FIXTURE / "wireshark" / path.name).read_text()


def test_tshark_decrypts_the_fixture_capture_with_the_folder_we_write(tmp_path: Path) -> None:
    write_wireshark_keys(tmp_path / "ws", [SEED_IKE], SEED_ESP)
    pcap = FIXTURE / "capture.pcap"
    ids = _tshark(
        pcap,
        *_fields("isakmp.id.type"),
        "-Y",
        "isakmp.exchangetype==2 && isakmp.id.type",
        config=tmp_path / "ws",
    )
    assert len(ids) == 2  # MM5 and MM6, decrypted
    good = _tshark(pcap, *_fields("esp.spi"), "-Y", "esp.icv_good==1", config=tmp_path / "ws")
    assert len(good) >= 6  # 3 pings and 3 replies
    # Without the keys, nothing decrypts: the oracle can fail.
    assert _tshark(pcap, *_fields("esp.spi"), "-Y", "esp.icv_good==1", config=tmp_path) == []


def test_tshark_reads_a_simulated_capture_with_no_malformed_packet(tmp_path: Path) -> None:
    net = two_branches(SeededRng(8))
    wan = net.link("WAN").capture()
    net.node("PC1").ping("192.168.22.2", count=3)
    net.node("Branch1").send_udp("10.1.1.1", 500, "10.2.2.1", 500, b"\0" * 28)
    net.run_until_idle()
    for linktype in (LinkType.RAW, LinkType.EN10MB):
        pcap = wan.write_pcap(tmp_path / f"wan-{linktype.name}.pcap", linktype)
        header, records = read_pcap(pcap.read_bytes())
        assert header.linktype == linktype and len(records) == 7
        rows = _tshark(pcap, *_fields("frame.time_epoch", "ip.src", "icmp.type", "udp.dstport"))
        assert len(rows) == 7
        assert [r[2] for r in rows if r[2]] == ["8", "0"] * 3
        first = float(rows[0][0])
        assert first == pytest.approx(1275783710 + wan.records[0].time, abs=1e-6)
        flagged = _tshark(pcap, "-Y", COMPLAINTS)
        assert flagged == []


def _scapy_esp_hooks(net_nodes: dict[str, Node]) -> None:
    """Branch1/Branch2 hooks that ESP-in-UDP (RFC 3948) LAN traffic with Scapy's ESP."""
    sas = {
        "Branch1": ("10.1.1.1", "10.2.2.1", 0x1001, KEY_12, AUTH_12),
        "Branch2": ("10.2.2.1", "10.1.1.1", 0x2002, KEY_21, AUTH_21),
    }

    def scapy_sa(src: str, dst: str, spi: int, key: bytes, auth: bytes) -> SecurityAssociation:
        return SecurityAssociation(
            ESP,
            spi=spi,
            crypt_algo="3DES",
            crypt_key=key,
            auth_algo="HMAC-MD5-96",
            auth_key=auth,
            tunnel_header=IP(src=src, dst=dst),
            nat_t_header=UDP(sport=4500, dport=4500),
        )

    out_sa = {name: scapy_sa(*sas[name]) for name in sas}
    peer = {"Branch1": "Branch2", "Branch2": "Branch1"}

    def outbound(node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
        if iface.name != "Serial1/0" or not IP(packet).dst.startswith("192.168."):
            return FORWARD
        sa = out_sa[node.name]
        iv = (sa.seq_num + 1).to_bytes(8, "big")  # fixed IVs keep the run reproducible
        return Replace((bytes(sa.encrypt(IP(packet), iv=iv)),))

    def inbound(node: Node, iface: Interface, packet: bytes, now: float) -> Verdict:
        ip = IP(packet)
        if not (ip.haslayer(UDP) and ip[UDP].dport == 4500):
            return FORWARD
        # The peer's outbound SA is our inbound SA; Scapy checks the ICV while decrypting.
        return Replace((bytes(out_sa[peer[node.name]].decrypt(ip)),))

    for node in net_nodes.values():
        node.outbound_hook, node.inbound_hook = outbound, inbound


def test_tshark_decrypts_scapy_esp_in_udp_captured_on_the_simulated_wan(tmp_path: Path) -> None:
    net = two_branches(SeededRng(9))
    _scapy_esp_hooks({n: net.node(n) for n in ("Branch1", "Branch2")})
    wan = net.link("WAN").capture()
    ping = net.node("PC1").ping("192.168.22.2", count=4)
    net.run_until_idle()
    assert ping.marks == "!!!!"
    pcap = wan.write_pcap(tmp_path / "wan.pcap")
    keys = [
        EspKey("10.1.1.1", "10.2.2.1", 0x1001, "3des", KEY_12, "md5", AUTH_12),
        EspKey("10.2.2.1", "10.1.1.1", 0x2002, "3des", KEY_21, "md5", AUTH_21),
    ]
    write_wireshark_keys(tmp_path / "ws", [], keys)
    names = ("esp.spi", "esp.icv_good", "icmp.type", "icmp.seq")
    rows = _tshark(pcap, *_fields(*names), config=tmp_path / "ws")
    assert [(int(r[0], 16), r[1], r[2], r[3]) for r in rows] == [
        (spi, "1", icmp_type, str(seq))
        for seq in range(4)
        for spi, icmp_type in ((0x1001, "8"), (0x2002, "0"))
    ]
    flagged = _tshark(pcap, "-Y", COMPLAINTS, config=tmp_path / "ws")
    assert flagged == []
    # The same keys as -o options work too; with a wrong key the ICV check fails.
    assert len(_tshark(pcap, *tshark_options([], keys), "-Y", "esp.icv_good==1")) == 8
    wrong = [EspKey("10.1.1.1", "10.2.2.1", 0x1001, "3des", KEY_12, "md5", AUTH_21)]
    assert _tshark(pcap, *tshark_options([], wrong), "-Y", "esp.icv_good==1") == []


def test_unknown_algorithm_or_bad_cookie_is_a_clear_error() -> None:
    with pytest.raises(KeyTableError, match="unknown ESP cipher 'rc4'"):
        EspKey("10.1.1.1", "10.2.2.1", 1, "rc4", b"", "md5", b"").line()
    with pytest.raises(KeyTableError, match="CKY-I is 8 bytes"):
        IkeKey(b"\x01", b"")
