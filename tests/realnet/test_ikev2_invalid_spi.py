"""ESP with an unknown SPI, forged from charon's address, at the IKEv2 router (RFC 7296 §1.5).

The tunnel between ``vpnteach router run`` (IKEv2, Branch1) and charon (Branch2) is up. The
attacker's namespace (:mod:`tests.realnet.attack`) sends ESP from 10.2.2.1 with one SPI nobody
has, 20 times, half as IP protocol 50 and half in UDP 4500. The router answers with one
INFORMATIONAL request carrying N(INVALID_SPI) whose data is that SPI (the per-SPI hold-down
suppresses the rest); charon, the independent reference, parses it as ``N(INVAL_SPI)``,
answers it and keeps its SAs (strongSwan 5.9 takes no action on the notify). The tunnel keeps
passing traffic. Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.realnet.attack import Attacker
from tests.realnet.harness import LAN1, LAN2, bring_up, flexvpn, ikev2_peers, ping
from vpnteach.net import netns

B1, B2 = "10.1.1.1", "10.2.2.1"
FORGED = 20


def test_forged_esp_draws_one_invalid_spi_notify_which_charon_parses_and_answers(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo, Attacker(topo.left.ns) as attacker:
        b1, charon = ikev2_peers(topo, work, pki_dir, flexvpn("psk"), debug=("ipsec",))
        with charon, b1:
            bring_up(b1, charon)
            before = charon.list_sas()
            flood = attacker.flood(B1, B2, esp=FORGED, rate=100, seed=7)
            flood.wait(30)
            time.sleep(1)
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=3)
            after = charon.list_sas()
            assert b1.stop() == 0
        log = b1.log.read_text()
        swan = charon.log.read_text()
    notified = re.findall(r"sent INVALID_SPI for 0x([0-9A-F]{8})", log)
    # flood.py draws every forged packet's SPI afresh: each is answered once at most, and
    # the router-wide burst limit (10 per 10 s) holds them all
    assert 1 <= len(notified) <= 10 and len(set(notified)) == len(notified), log[-3000:]
    parsed = re.findall(r"parsed INFORMATIONAL request \d+ \[ N\(INVAL_SPI\) \]", swan)
    assert len(parsed) == len(notified), swan[-3000:]
    assert re.search(r"generating INFORMATIONAL response \d+ \[ \]", swan), swan[-3000:]
    spis = re.findall(r"\bin\s+([0-9a-f]{8}),", before)
    assert spis and re.findall(r"\bin\s+([0-9a-f]{8}),", after) == spis  # charon kept its SA
    assert (sent, received) == (3, 3), out
