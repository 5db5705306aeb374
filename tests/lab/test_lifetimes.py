"""SA lifetimes in the running lab: the soft limit rekeys with Quick Mode, the hard one removes
the old pair, traffic never stops, and the counters (kept per flow, as IOS does) carry over."""

from __future__ import annotations

from tests.lab.conftest import PING, pinged
from vpnteach.esp.sa import Direction
from vpnteach.ike.events import Phase1Complete, Phase2Complete


def test_an_hour_later_the_sas_were_rekeyed_once_and_the_old_ones_are_gone() -> None:
    lab = pinged().lab
    b1, b2 = lab.branch1.gateway, lab.branch2.gateway
    assert b1 is not None and b2 is not None
    old = {sa.spi for sa in b1.sad.sas()}
    lab.run(3600)
    new = {sa.spi for sa in b1.sad.sas()}
    assert len(new) == 2 and not new & old
    assert {sa.spi for sa in b2.sad.sas()} == new
    # only the initiator of the first pair rekeyed: one more Quick Mode, no second Main Mode
    for router in (lab.branch1, lab.branch2):
        assert sum(isinstance(e, Phase2Complete) for e in router.events) == 2
        assert sum(isinstance(e, Phase1Complete) for e in router.events) == 1
    out = lab.branch1.exec(PING)
    assert out.splitlines()[-2] == "!!!!!"
    show = lab.branch1.exec("show crypto ipsec sa")
    assert "#pkts encaps: 9, #pkts encrypt: 9, #pkts digest: 9" in show
    current = b1.sad.outbound_sa(b1.sad.spd.flows[0])
    assert current is not None and current.direction is Direction.OUTBOUND
    assert f"current outbound spi: 0x{current.spi:08X}" in show


def test_debug_crypto_ipsec_shows_the_rekey_and_the_deletions() -> None:
    lab = pinged().lab
    lab.branch1.exec("debug crypto ipsec")
    lab.run(3600)
    console = lab.branch1.read_console()
    assert "IPSEC(rekey)" in console
    assert console.count("IPSEC(create_sa): sa created") == 2
    assert "IPSEC(lifetime)" in console
