"""Invalid-SPI recovery: a router that lost its SAs tells the peer, and the tunnel comes back.

If Branch2 loses its IPsec SAs while Branch1 keeps its own (Branch2 never got QM3, or was
cleared without the Delete reaching Branch1), Branch1's ESP arrives with an SPI Branch2 does
not know. As IOS does (``crypto isakmp invalid-spi-recovery``), Branch2 answers with an
INVALID-SPI notification over the ISAKMP SA (RFC 2408 §3.14.1); Branch1 drops the SA pair and
its next packet starts a new Quick Mode.
"""

from __future__ import annotations

from vpnteach.lab import Lab

PING = "ping 192.168.22.1 source 192.168.11.1"


def _half_open_lab() -> tuple[Lab, set[int]]:
    lab = Lab.seed()
    assert "Success rate is 80 percent" in lab.branch1.exec(PING)
    sad = lab.branch2.gateway.sad
    lost = {sa.spi for sa in sad.sas()}
    for sa in list(sad.sas()):  # Branch2 forgets its SAs; Branch1 is not told
        sad.remove(sa)
    return lab, lost


def test_esp_for_an_unknown_spi_gets_an_invalid_spi_notification_and_the_tunnel_recovers() -> None:
    lab, _ = _half_open_lab()
    old_outbound = {sa.spi for sa in lab.branch1.gateway.sad.sas()}
    second = lab.branch1.exec(PING)
    # the first echo meets the unknown SPI, the next ones trigger and use a new Quick Mode
    assert "Success rate is 60 percent (3/5)" in second or "(4/5)" in second, second
    new_outbound = {sa.spi for sa in lab.branch1.gateway.sad.sas()}
    assert new_outbound and not (new_outbound & old_outbound)
    assert "INVALID_SPI" in lab.branch2.gateway.ike.debug_log()
    assert lab.branch1.exec(PING).count("!") == 5


def test_invalid_spi_notifications_are_rate_limited_per_spi() -> None:
    lab, _ = _half_open_lab()
    gw = lab.branch2.gateway
    lab.branch1.exec(PING)
    sent = gw.ike.debug_log().count("sending INVALID_SPI notify")
    assert sent == 1
