"""Against strongSwan with a longer IPsec SA lifetime: vpnteach rekeys and deletes aloud.

The finding: strongSwan (here ``life_time = 600s``, ``rekey_time = 540s``) and vpnteach with
IOS's shortest SA lifetime (``crypto ipsec security-association lifetime seconds 120``). As
responder vpnteach silently took its own 120 s, did not rekey (it had not started the pair)
and at 120 s dropped the SAs without a Delete: strongSwan went on sending into them and the
ping died. Now, in both roles, with a ping running across the 120 s:

* vpnteach as responder answers strongSwan's QM1 (600 s) with RESPONDER-LIFETIME 120 s in QM2
  (RFC 2407 §4.5.4, §4.6.3.1; charon parses it as ``N((24576))`` and has no code for it);
* vpnteach rekeys the busy pair before 120 s, whichever side started it; strongSwan, the Quick
  Mode responder, takes the 120 s vpnteach proposes ("received 120s lifetime, configured 600s");
* at 120 s vpnteach deletes the old pair with a Delete payload naming its inbound SPI, and
  charon logs "received DELETE for ESP CHILD_SA with SPI ..." and closes that CHILD_SA;
* ``swanctl --list-sas`` then lists only the new CHILD_SA, with vpnteach's new SPIs;
* the ping loses at most :data:`LOSS_BOUND` packets (none in the runs here).

IOS's minimum SA lifetime is 120 s (the CLI refuses less), so each role takes a little over
two minutes; the two roles run at the same time, each in its own namespaces.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.realnet.harness import PingRun, ping_in_both_roles

LIFETIME = "crypto ipsec security-association lifetime seconds 120\n"
COUNT, INTERVAL = 265, 0.5  # 132 s of pings: across vpnteach's rekey and its 120 s expiry
LOSS_BOUND = 2
"""Packets a ping may lose across the rekey and the expiry (in flight while SAs change)."""


def test_a_longer_strongswan_lifetime_is_rekeyed_and_deleted_by_vpnteach_under_ping(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    runs = ping_in_both_roles(
        realnet, pki_dir, config=LIFETIME, count=COUNT, interval=INTERVAL,
        ask=("show crypto ipsec sa",), child_rekey="540s", child_life="600s",
    )  # fmt: skip
    for vpnteach_initiates, run in runs.items():
        _check(run, vpnteach_initiates)


def _check(run: PingRun, vpnteach_initiates: bool) -> None:
    log, swan, listed = run.log, run.swan, run.listed
    show, first = run.shown["show crypto ipsec sa"], _inbound_spi(run.first_sa)
    assert run.sent == COUNT and run.received >= COUNT - LOSS_BOUND, run.ping_out
    installed = re.findall(r"SasInstalled: peer 10\.2\.2\.1 in 0x([0-9A-F]{8})", log)
    assert len(installed) >= 2 and installed[0] == first, log  # vpnteach rekeyed
    if not vpnteach_initiates:  # vpnteach the QM responder: it told its shorter lifetime
        assert re.search(r"parsed QUICK_MODE response \d+ \[ .*N\(\(24576\)\)", swan), swan
    assert "received 120s lifetime, configured 600s" in swan  # vpnteach's rekey proposal
    deleted = re.findall(r"received DELETE for ESP CHILD_SA with SPI ([0-9a-f]{8})", swan)
    assert first.lower() in deleted, swan  # the Delete at the old pair's expiry
    # charon's "out" SPIs are vpnteach's inbound ones: the old one is gone, the new one listed
    swan_out = re.findall(r"\bout ([0-9a-f]{8})", listed)
    current = _inbound_spi(show)
    assert current != first and first not in show
    # vpnteach's own 120 s, counted down, whatever charon proposed
    remaining = re.findall(r"remaining key lifetime \(k/sec\): \(\d+/(\d+)\)", show)
    assert remaining and all(0 < int(s) <= 120 for s in remaining), show
    assert current.lower() in swan_out and first.lower() not in swan_out, listed


def _inbound_spi(show: str) -> str:
    """The first inbound SPI ``show crypto ipsec sa`` lists (``0x`` stripped, upper case)."""
    m = re.search(r"inbound esp sas:\n\s+spi: 0x([0-9A-F]{8})", show)
    assert m is not None, show
    return m.group(1)
