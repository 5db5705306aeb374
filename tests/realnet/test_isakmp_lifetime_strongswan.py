"""Against strongSwan: vpnteach's short ISAKMP SA lifetime is told, rekeyed and deleted aloud.

strongSwan (``rekey_time = reauth_time = 0``) offers an ISAKMP SA Life-Duration of 0, no
limit; vpnteach's policy says ``lifetime 60`` (IOS's minimum). vpnteach fills in its 60 s and
tells charon so with a RESPONDER-LIFETIME (protocol ISAKMP) after MM6, which charon logs as
``received (24576) notify``. While a ping crosses the tunnel, vpnteach replaces the ISAKMP SA
before it expires with a new Main Mode without INITIAL-CONTACT; with ``unique = replace``
charon takes it as IKEv1 reauthentication ("detected reauth of existing IKE_SA, adopting 1
children") and keeps the CHILD_SA, which now belongs to the new IKE SA. The old ISAKMP SA ends
with a Delete one way or the other (charon deletes its duplicate after 10 s; otherwise ours
expires and says so). The ping loses at most :data:`LOSS_BOUND` packets.

With charon's default ``unique = no`` the second IKE SA would live beside the first, and the
Delete of the old one would take charon's CHILD_SAs with it (IKEv1 CHILD_SAs belong to their
IKE SA in charon); IOS behaves like vpnteach here.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.realnet.harness import PingRun, ping_in_both_roles

POLICY = "crypto isakmp policy 10\n lifetime 60\n"
COUNT, INTERVAL = 150, 0.5  # 75 s of pings, across the rekey and the 60 s end of the first SA
LOSS_BOUND = 2


def test_a_busy_isakmp_sa_is_replaced_before_it_expires_and_the_child_sa_survives(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    runs = ping_in_both_roles(
        realnet, pki_dir, config=POLICY, count=COUNT, interval=INTERVAL,
        ask=("show crypto isakmp sa",), extra={"unique": "replace"},
    )  # fmt: skip
    for vpnteach_initiates, run in runs.items():
        _check(run, vpnteach_initiates)


def _check(run: PingRun, vpnteach_initiates: bool) -> None:
    log, swan, listed = run.log, run.swan, run.listed
    isakmp = run.shown["show crypto isakmp sa"]
    assert run.sent == COUNT and run.received >= COUNT - LOSS_BOUND, run.ping_out
    phase1 = re.findall(r"Phase1Complete: ISAKMP SA with 10\.2\.2\.1", log)
    assert len(phase1) >= 2, log  # the first ISAKMP SA and its replacement
    if not vpnteach_initiates:  # vpnteach answered MM1's Life-Duration 0 with its 60 s
        assert "received (24576) notify" in swan, swan
    assert re.search(r"detected reauth of existing IKE_SA, adopting 1 children", swan), swan
    assert "received DELETE for IKE_SA" in swan or "deleting IKE_SA" in swan, swan
    # the first ISAKMP SA (conn-id 1001) is gone; its successor (and, near the end of the
    # ping, the successor's own replacement: it has the same 60 s) carry on
    assert " 1001 " not in isakmp and "QM_IDLE" in isakmp, isakmp
    assert len(re.findall(r"INSTALLED", listed)) == 1 and "ESTABLISHED" in listed, listed
