"""tshark (an independent dissector) reads every message we send and decrypts MM5/MM6 and QM.

The in-process runs are written to a pcap (``vpnteach.net.pcap``) and dissected by tshark
with our ``Ka`` in its IKEv1 decryption table (``uat:ikev1_decryption_table``, tshark derives the
IVs itself). One test puts every kind of datagram the engine sends into one capture (seed,
modern, PFS, pre-share, a second Quick Mode, DPD, Delete, NAT-T on 4500 with the non-ESP
marker, unencrypted and encrypted error notifications) and requires that tshark finds nothing
malformed and no expert info of severity error. Needs tshark: skipped locally without it,
failing in CI.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from tests.conftest import require
from tests.ike.harness import (
    B2,
    MODERN_POLICY,
    MODERN_TS,
    SEED_POLICY,
    Pair,
    branch_config,
    seed_pki,
)
from tests.tshark import ISAKMP_TYPES, tshark_complaints, tshark_records, tshark_rows
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.sa import IsakmpSa
from vpnteach.net.pcap import LinkType, ipv4_udp_packet, write_pcap_file
from vpnteach.net.sim.keys import IkeKey, write_wireshark_keys
from vpnteach.wire.constants import NotifyMessageType

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


def _packets(pair: Pair, start: int = 0) -> list[tuple[int, bytes]]:
    packets = []
    for i, (who, d) in enumerate(pair.log):
        sender = pair.b1 if who == "b1" else pair.b2
        src, sport = sender.config.local_address, d.local_port
        if who == "b1" and pair.nat is not None:  # as the NAT box forwards it
            src, sport = pair.nat[0], pair.nat[1] + (d.local_port == 4500)
        packet = ipv4_udp_packet(src, sport, d.addr[0], d.addr[1], d.data, ident=start + i)
        packets.append((1_275_819_710_000_000_000 + (start + i) * 10_000_000, packet))
    return packets


def _capture(pair: Pair, pcap: Path) -> None:
    write_pcap_file(pcap, _packets(pair), LinkType.RAW)


def _tshark(pcap: Path, ka: bytes, icookie: bytes) -> list[dict[str, str]]:
    table = ("-o", f"uat:ikev1_decryption_table:{icookie.hex()},{ka.hex()}")
    return tshark_records(pcap, None, FIELDS, "", table)


def _dissected_seed_run(pcap: Path, nat: bool = False) -> tuple[IsakmpSa, list[dict[str, str]]]:
    """Branch1's ISAKMP SA after the seed scenario (Branch1 behind a NAT with ``nat``), and
    each message of the run as tshark dissects it from ``pcap``, decrypted with Branch1's Ka."""
    require(shutil.which("tshark") is not None, "needs tshark")
    pair = Pair.make(branch_config("Branch1"), branch_config("Branch2"))
    if nat:
        pair.nat = ("10.1.1.1", 1024)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    sa = pair.b1.isakmp_sa(B2)
    assert sa is not None and sa.keying is not None
    _capture(pair, pcap)
    return sa, _tshark(pcap, sa.keying.keys.ka, sa.cky_i)


def test_tshark_dissects_and_decrypts_the_seed_run(tmp_path: Path) -> None:
    sa, rows = _dissected_seed_run(tmp_path / "seed.pcap")
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
    _, rows = _dissected_seed_run(tmp_path / "nat.pcap", nat=True)
    assert [r["udp.dstport"] for r in rows][4:] and all(
        r["udp.dstport"] in ("4500", "1025") for r in rows[4:]
    )
    assert [r["isakmp.exchangetype"] for r in rows] == ["2"] * 6 + ["32"] * 3
    assert rows[4]["isakmp.id.data.fqdn"] == "Branch1.amit.com"
    assert all(r["_ws.malformed"] == "" for r in rows), rows


def _run(c1: IkeConfig, c2: IkeConfig, seed: int, nat: bool = False) -> Pair:
    pair = Pair.make(c1, c2, seed)
    if nat:
        pair.nat = ("10.1.1.1", 1024)
    pair.b1.initiate(B2, pair.now)
    pair.run()
    return pair


def _every_kind_of_datagram() -> list[Pair]:
    """Runs that together make the engine send every message it can send."""
    modern = {"policy": MODERN_POLICY, "ts": MODERN_TS}
    psk = replace(SEED_POLICY, authentication="pre-share")
    seed = _run(branch_config("Branch1"), branch_config("Branch2"), 11)
    seed.b1.initiate(B2, seed.now)  # a second Quick Mode under the same ISAKMP SA
    seed.run()
    seed.b1.send_dpd(B2, seed.now, 7)  # R-U-THERE and R-U-THERE-ACK (RFC 3706)
    seed.run()
    seed.b1.delete_isakmp_sa(B2, seed.now)  # Delete (RFC 2408 §3.15)
    seed.run()
    stranger = replace(branch_config("Branch1"), pki=seed_pki(7).routers["Branch1"])
    other = replace(SEED_POLICY, encryption="aes", hash="sha", group=2)
    return [
        seed,
        _run(branch_config("Branch1", **modern), branch_config("Branch2", **modern), 12),  # type: ignore[arg-type]
        _run(branch_config("Branch1", pfs=1), branch_config("Branch2", pfs=1), 13),
        _run(
            branch_config("Branch1", policy=psk, psk="cisco123", pki=False),
            branch_config("Branch2", policy=psk, psk="cisco123", pki=False),
            14,
        ),
        _run(branch_config("Branch1"), branch_config("Branch2"), 15, nat=True),
        _run(branch_config("Branch1"), branch_config("Branch2", policy=other), 16),  # NO-PROP
        _run(stranger, branch_config("Branch2"), 17),  # encrypted INVALID-CERT-AUTHORITY
        _run(branch_config("Branch1", pfs=1), branch_config("Branch2", pfs=2), 18),  # QM NO-PROP
    ]


def _ike_keys(pairs: list[Pair]) -> list[IkeKey]:
    """CKY-I (from MM1) and Ka of each run that got as far as keys."""
    keys = []
    for pair in pairs:
        ka = [f.value for f in pair.b1.trace if f.name == "Ka"]
        if ka and isinstance(ka[0], bytes):
            keys.append(IkeKey(pair.log[0][1].data[:8], ka[0]))
    return keys


def test_tshark_finds_nothing_malformed_in_any_datagram_we_send(tmp_path: Path) -> None:
    require(shutil.which("tshark") is not None, "needs tshark")
    pairs = _every_kind_of_datagram()
    packets: list[tuple[int, bytes]] = []
    for pair in pairs:
        packets += _packets(pair, len(packets))
    pcap = tmp_path / "all.pcap"
    write_pcap_file(pcap, packets, LinkType.RAW)
    write_wireshark_keys(tmp_path / "ws", _ike_keys(pairs), [])
    lines = tshark_rows(pcap, tmp_path / "ws", ISAKMP_TYPES)
    assert len(lines) == len(packets)
    # tshark decrypted every encrypted message (it derives each IV from the capture): MM5/MM6
    # start with ID, Quick Mode and informational messages with HASH (RFC 2409 §5, §5.5, §5.7).
    opening = {"2": "5", "32": "8", "5": "8"}
    encrypted = [(x, types) for x, flags, types, _ in lines if int(flags, 16) & 1]
    assert len(encrypted) > 30
    assert all(types.split(",")[0] == opening[x] for x, types in encrypted), encrypted
    notifies = {int(n) for line in lines for n in line[3].split(",") if n}
    want = {
        NotifyMessageType.R_U_THERE,
        NotifyMessageType.R_U_THERE_ACK,
        NotifyMessageType.NO_PROPOSAL_CHOSEN,
        NotifyMessageType.INVALID_CERT_AUTHORITY,
        NotifyMessageType.INITIAL_CONTACT,
    }
    assert want <= notifies, notifies
    bad = tshark_complaints(pcap, tmp_path / "ws")
    assert bad == "", bad[:4000]
    # Control: the same filter does flag a datagram cut short.
    first = packets[0][1]
    control = tmp_path / "control.pcap"
    truncated = ipv4_udp_packet("10.1.1.1", 500, "10.2.2.1", 500, first[28:60], ident=1)
    write_pcap_file(control, [(packets[0][0], truncated)], LinkType.RAW)
    complaints = tshark_complaints(control, tmp_path / "ws")
    assert "Malformed" in complaints or "Expert Info" in complaints
