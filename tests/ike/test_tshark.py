"""tshark (an independent dissector) reads every message we send and decrypts MM5/MM6 and QM.

The in-process seed run is written to a pcap (``vpnteach.net.pcap``) and dissected by tshark
with our ``Ka`` in its IKEv1 decryption table (``uat:ikev1_decryption_table``, tshark derives the
IVs itself). Needs tshark: skipped locally without it, failing in CI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import require
from tests.ike.harness import B2, Pair, branch_config
from vpnteach.net.pcap import LinkType, ipv4_udp_packet, write_pcap_file

FIELDS = [
    "isakmp.exchangetype",
    "isakmp.id.type",
    "isakmp.id.data.fqdn",
    "isakmp.spi",
    "isakmp.id.data.ipv4_subnet",
    "udp.dstport",
    "_ws.expert.message",
    "_ws.malformed",
]


def _capture(pair: Pair, pcap: Path) -> None:
    packets = []
    for i, (who, d) in enumerate(pair.log):
        sender = pair.b1 if who == "b1" else pair.b2
        src = sender.config.local_address
        packet = ipv4_udp_packet(src, d.local_port, d.addr[0], d.addr[1], d.data, ident=i)
        packets.append((1_275_819_710_000_000_000 + i * 10_000_000, packet))
    write_pcap_file(pcap, packets, LinkType.RAW)


def _tshark(pcap: Path, ka: bytes, icookie: bytes) -> list[dict[str, str]]:
    argv = [
        "tshark", "-r", str(pcap), "-o", f"uat:ikev1_decryption_table:{icookie.hex()},{ka.hex()}",
        "-T", "fields", *[x for f in FIELDS for x in ("-e", f)],
    ]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("\t"), strict=True)) for line in out.splitlines()]


def test_tshark_dissects_and_decrypts_the_seed_run(tmp_path: Path) -> None:
    require(shutil.which("tshark") is not None, "needs tshark")
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.b1.initiate(B2, pair.now)
    pair.run()
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.keys is not None
    pcap = tmp_path / "seed.pcap"
    _capture(pair, pcap)
    rows = _tshark(pcap, sa.keys.ka, sa.cky_i)
    assert [r["isakmp.exchangetype"] for r in rows] == ["2"] * 6 + ["32"] * 3
    ids = [(r["isakmp.id.type"], r["isakmp.id.data.fqdn"]) for r in rows[4:6]]
    assert ids == [("2", "Branch1.amit.com"), ("2", "Branch2.amit.com")]
    # Decrypted Quick Mode: our SPIs and proxy identities, as tshark reads them.
    node = next(iter(sa.nodes.values()))
    assert rows[6]["isakmp.spi"] == node.spi_i.hex() and rows[7]["isakmp.spi"] == node.spi_r.hex()
    # tshark 4.0 fills this field with the two subnet masks of IDci and IDcr.
    assert rows[6]["isakmp.id.data.ipv4_subnet"] == "255.255.255.0,255.255.255.0"
    assert all(r["_ws.malformed"] == "" for r in rows), rows
    assert all("rror" not in r["_ws.expert.message"] for r in rows), rows


def test_tshark_reads_ike_on_4500_after_the_nat_float(tmp_path: Path) -> None:
    require(shutil.which("tshark") is not None, "needs tshark")
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    pair.nat = ("10.1.1.1", 1024)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.keys is not None
    pcap = tmp_path / "nat.pcap"
    _capture(pair, pcap)
    rows = _tshark(pcap, sa.keys.ka, sa.cky_i)
    assert [r["udp.dstport"] for r in rows][4:] and all(
        r["udp.dstport"] in ("4500", "1025") for r in rows[4:]
    )
    assert [r["isakmp.exchangetype"] for r in rows] == ["2"] * 6 + ["32"] * 3
    assert rows[4]["isakmp.id.data.fqdn"] == "Branch1.amit.com"
    assert all(r["_ws.malformed"] == "" for r in rows), rows
