"""charon rekeys the Child SA under traffic from ``vpnteach router run`` (IKEv2), losing nothing.

Branch1 is the vpnteach router process (pre-shared key, the lab's FlexVPN lines) and brings
the tunnel up; Branch2 is charon. While pings run every 2 ms, ``swanctl --rekey`` makes
charon rekey the Child SA (CREATE_CHILD_SA with N(REKEY_SA) and a KE payload: PFS in MODP
2048, on both sides' proposals, RFC 7296 §1.3.3), then delete
the old pair (§2.8). charon installs its new inbound SA only when vpnteach's answer arrives,
so vpnteach, the rekey's responder, keeps sending on the old outbound SA until charon's Delete
of the old pair (what strongSwan itself does as a responder); no echo may be lost, and charon
must list the new pair with packets in. Needs root, netns, ping and strongSwan.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from tests.realnet.harness import LAN1, LAN2, bring_up, flexvpn, ikev2_peers
from vpnteach.net import netns

COUNT, INTERVAL = 600, 0.002  # 1.2 s of echoes; the rekey 0.5 s in


def _child(listed: str) -> tuple[str, str, int]:
    """in SPI, out SPI and packets in of the INSTALLED Child SA (``swanctl --list-sas``)."""
    m = re.search(r"lan-lan: #\d+.*?INSTALLED.*?\n\s+in\s+([0-9a-f]{8}),\s+\d+ bytes,\s+(\d+) "
                  r"packets.*?\n\s+out\s+([0-9a-f]{8})", listed, re.S)  # fmt: skip
    assert m is not None, listed
    return m.group(1), m.group(3), int(m.group(2))


def test_charon_rekeys_the_child_sa_under_traffic_and_no_echo_is_lost(
    realnet: Path, pki_dir: Path, strongswan: Path
) -> None:
    work = realnet
    with netns.Topology() as topo:
        pfs = "crypto map CRYPTO 10 ipsec-isakmp\n set pfs group14\n"
        b1, charon = ikev2_peers(topo, work, pki_dir, flexvpn("psk") + pfs, debug=("ikev2",))
        conf = charon.swanctl_dir / "swanctl.conf"
        esp = "esp_proposals = aes256-sha256\n"
        assert esp in conf.read_text()
        conf.write_text(conf.read_text().replace(esp, esp.replace("sha256\n", "sha256-modp2048\n")))
        charon.load_all()  # PFS: the rekey's Diffie-Hellman widens charon's window
        with charon, b1:
            bring_up(b1, charon)
            before = _child(charon.list_sas())
            argv = ["ping", "-n", "-q", "-c", str(COUNT), "-i", str(INTERVAL), "-W", "2"]
            argv += ["-w", "20", "-I", LAN1, LAN2]
            pinging = netns.popen(topo.left.ns, argv, stdout=subprocess.PIPE)
            time.sleep(COUNT * INTERVAL / 2.5)
            rekey = charon.swanctl("--rekey", "--child", "lan-lan")
            out, _ = pinging.communicate(timeout=30)
            time.sleep(0.3)
            listed = charon.list_sas()
            after = _child(listed)
            log = b1.log.read_text()
    text = out.decode(errors="replace")
    assert "rekey completed successfully" in rekey, rekey
    # the new pair came from a PFS exchange: charon lists its group
    assert re.search(
        r"lan-lan: #\d+.*INSTALLED.*ESP:AES_CBC-256/HMAC_SHA2_256_128/MODP_2048", listed
    ), listed
    assert f"{COUNT} packets transmitted, {COUNT} received" in text, text + log[-3000:]
    assert after[:2] != before[:2] and after[2] > 0, (before, after)  # the new pair carries
