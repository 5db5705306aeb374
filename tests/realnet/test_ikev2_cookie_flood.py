"""``vpnteach router run`` (IKEv2, ``crypto ikev2 cookie-challenge 10``) under a flood of forged
IKE_SA_INIT requests, with charon as the real peer (RFC 7296 §2.6).

The attacker (:mod:`tests.realnet.attack`) forges 300 IKE_SA_INIT requests with fresh SPIi
from Branch2's own address (only a configured peer's address gets any state: the others are
dropped unanswered) and 300 from addresses of no peer. Branch1 keeps at most 10 half-open SAs,
each with its Diffie-Hellman computation; beyond that it answers N(COOKIE) and keeps nothing.
charon, initiating while the SAs are still half open, meets the challenge, repeats its
request with the cookie and brings the tunnel up: a ping passes. Needs root, netns, ping and
strongSwan.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.ikev2.harness import peer_config
from tests.realnet.attack import Attacker
from tests.realnet.harness import LAN1, LAN2, flexvpn, ikev2_peers, ping
from vpnteach.crypto.rng import SeededRng
from vpnteach.ikev2 import Ikev2Endpoint
from vpnteach.net import netns

B1, B2 = "10.1.1.1", "10.2.2.1"
THRESHOLD, FORGED = 10, 300


def _sa_init_template(path: Path) -> Path:
    """A real IKE_SA_INIT from an IKEv2 Branch2 to Branch1 (its proposal is Branch1's)."""
    endpoint = Ikev2Endpoint(peer_config("Branch2"), SeededRng("flood"))
    endpoint.initiate(B1, time.time())
    path.write_bytes(endpoint.datagrams_to_send(time.time())[0].data)
    return path


def test_forged_sa_inits_fill_at_most_the_threshold_and_charon_answers_the_cookie(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    extra = flexvpn("psk") + f"crypto ikev2 cookie-challenge {THRESHOLD}\n"
    with netns.Topology() as topo, Attacker(topo.left.ns) as attacker:
        b1, charon = ikev2_peers(topo, work, pki_dir, extra, initiate=False)
        with charon, b1:
            b1.start()
            template = _sa_init_template(work / "sa_init.bin")
            peer = attacker.flood(B1, B2, mm1=FORGED, mm1_template=template, spoof=f"{B2}/32",
                                  rate=1000)  # fmt: skip
            peer.wait(60)
            others = attacker.flood(B1, B2, mm1=FORGED, mm1_template=template, rate=1000)
            others.wait(60)
            time.sleep(0.5)
            flooded = b1.router_counters()
            charon.initiate("lan-lan", "vpn")  # while the forged SAs are half open (30 s)
            b1.wait_for_sa()
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=3)
            after = b1.router_counters()
            listed = charon.list_sas()
            assert b1.stop() == 0
        swan_log = charon.log.read_text()
    assert flooded["ikev2 half-open SAs"] == THRESHOLD, flooded
    assert flooded["ikev2 cookie-challenge above"] == THRESHOLD
    assert flooded["ikev2 cookies sent"] >= FORGED - THRESHOLD - 5, flooded  # a few may drop
    assert flooded["ikev2 datagrams dropped"] >= FORGED - 5, flooded  # no peer: no answer
    assert after["ikev2 cookies sent"] == flooded["ikev2 cookies sent"] + 1, after  # charon's
    assert "ESTABLISHED" in listed and "INSTALLED" in listed, listed
    assert (sent, received) == (3, 3), out
    assert "COOKIE" in swan_log, swan_log[-3000:]
