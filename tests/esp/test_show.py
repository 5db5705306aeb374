"""``show crypto ipsec sa`` rendered from a replay of the seed: 1 dropped ping, 4 through."""

from __future__ import annotations

import re
from pathlib import Path

from tests.esp._helpers import HOST1, HOST2, SPI_1_TO_2, SPI_2_TO_1, ping, sa_pair
from tests.esp.test_spd_sad import CRYPTO_10
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, encapsulate
from vpnteach.esp.sad import Sad, Sent
from vpnteach.esp.show import show_crypto_ipsec_sa
from vpnteach.esp.spd import Spd

SEED = Path("/work/shared/seed/ipsec-vpn-digital-certificates.txt")
REPO_SEED = Path(__file__).resolve().parents[2] / "assets" / "seed" / SEED.name


def _seed_show_lines() -> list[str]:
    text = (REPO_SEED if REPO_SEED.exists() else SEED).read_text()
    start = text.index("Branch1# show crypto ipsec sa") + len("Branch1# show crypto ipsec sa\n")
    block = text[start : text.index("outbound pcp sas:", start) + len("outbound pcp sas:")]
    return [" ".join(line.split()) for line in block.splitlines() if line.strip()]


def _branch1_after_seed_ping() -> tuple[Sad, str]:
    rng = SeededRng("show")
    sad = Sad(Spd([CRYPTO_10]))
    assert sad.send(ping(0), rng, now=0).acquire is not None  # type: ignore[union-attr]
    out, _ = sa_pair(spi=SPI_1_TO_2, seed="1to2")
    peer_out, inb = sa_pair(spi=SPI_2_TO_1, seed="2to1")
    inb.local, inb.peer, inb.local_ident, inb.remote_ident = (
        out.local, out.peer, out.local_ident, out.remote_ident,
    )  # fmt: skip
    peer_out.local, peer_out.peer, peer_out.local_ident, peer_out.remote_ident = (
        out.peer, out.local, out.remote_ident, out.local_ident,
    )  # fmt: skip
    inb.conn_id, out.conn_id = 1, 2
    flow = sad.spd.flows[0]
    sad.install(inb, flow)
    sad.install(out, flow)
    for seq in range(1, 5):
        assert isinstance(sad.send(ping(seq), rng, now=seq), Sent)
        reply = encapsulate(peer_out, ping(seq, src=HOST2, dst=HOST1, reply=True), rng, now=seq)
        assert isinstance(sad.receive(reply, now=seq), Decapsulated)
    return sad, show_crypto_ipsec_sa(sad, now=61, local_addr="10.1.1.1")


def test_show_crypto_ipsec_sa_matches_the_seed_line_by_line() -> None:
    _, text = _branch1_after_seed_ping()
    ours = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    seed = _seed_show_lines()
    assert len(ours) == len(seed)
    for mine, theirs in zip(ours, seed, strict=True):
        # IOS's kilobyte count is not reproducible from four 100-byte pings (the seed shows
        # 101605 KB used); everything else must be identical.
        pattern = r"\(\d+/3539\)"
        assert re.sub(pattern, "(K/3539)", mine) == re.sub(pattern, "(K/3539)", theirs)
    assert "(4607999/3539)" in text


def test_show_detail_adds_the_error_breakdown() -> None:
    sad, _ = _branch1_after_seed_ping()
    text = show_crypto_ipsec_sa(sad, now=61, local_addr="10.1.1.1", detail=True)
    assert "#pkts no sa (send) 1, #pkts invalid sa (rcv) 0" in text
    assert "##pkts replay failed (rcv): 0" in text
