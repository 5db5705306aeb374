"""tshark reads the exported pcap with the exported key tables and decrypts everything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.lab.conftest import pinged
from tests.tshark import COMPLAINTS

FIELDS = [
    "frame.number", "isakmp.exchangetype", "isakmp.id.type", "isakmp.hash", "isakmp.sig",
    "esp.spi", "esp.icv_good", "icmp.type",
]  # fmt: skip


def _tshark(path: str, folder: Path, *args: str) -> str:
    env = {**os.environ, "WIRESHARK_CONFIG_DIR": str(folder)}
    cmd = [path, "-r", str(folder / "WAN1.pcap"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    "options",
    [{}, {"profile": "modern"}, {"profile": "modern-gcm"}, {"auth": "pre-share", "pfs": 2}],
    ids=["seed", "modern", "modern-gcm", "pre-share-pfs"],
)
def test_tshark_decrypts_every_isakmp_and_esp_packet(
    tshark: str, tmp_path: Path, options: dict[str, object]
) -> None:
    run = pinged(**options)
    written = run.lab.export_pcap(tmp_path)
    assert {p.name for p in written} == {
        "WAN1.pcap",
        "ikev1_decryption_table",
        "esp_sa",
        "preferences",
    }
    out = _tshark(tshark, tmp_path, "-T", "fields", *[a for f in FIELDS for a in ("-e", f)])
    rows = [line.split("\t") for line in out.splitlines()]
    assert len(rows) == len(run.wan) == 9 + 8  # 6 MM + 3 QM, 4 requests + 4 replies
    main = [r for r in rows if r[1] == "2"]
    quick = [r for r in rows if r[1] == "32"]
    esp = [r for r in rows if r[5]]
    assert len(main) == 6 and len(quick) == 3 and len(esp) == 8
    # MM5 and MM6 are encrypted: their ID and SIG payloads are only visible if decrypted
    assert [bool(r[2]) for r in main] == [False] * 4 + [True] * 2
    proof = 3 if options.get("auth") == "pre-share" else 4  # HASH_I/R or SIG payload
    assert all(r[proof] for r in main[4:])
    # every Quick Mode message starts with its HASH payload, decrypted
    assert all(r[3] for r in quick)
    # every ESP packet: ICV checked good, inner ICMP echo request (8) or reply (0) decoded
    assert [r[6] for r in esp] == ["1"] * 8
    assert [r[7] for r in esp] == ["8", "0"] * 4
    bad = _tshark(tshark, tmp_path, "-Y", COMPLAINTS)
    assert bad.strip() == ""


def test_exporting_without_a_capture_says_what_to_do(tmp_path: Path) -> None:
    from vpnteach.lab import Lab, LabError

    with pytest.raises(LabError, match=r"lab.capture\('WAN'\)"):
        Lab.seed().export_pcap(tmp_path)
