"""End to end on a real socket: a forged Aggressive Mode FQDN reaches the daemon's console as
one line with ``?`` for each unprintable character (see tests/gateway/test_forged_identity.py).

Branch2 runs as a daemon (pre-share, ``--debug isakmp``); from Branch1's namespace a plain UDP
socket on 10.1.1.1:500 sends an AM1 whose FQDN carries a newline, a line that looks like IOS
debug output and an ESC. Needs root and network namespaces (skipped locally, failing in CI).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.gateway.test_forged_identity import AM_PEER, FORGED, FQDN
from tests.gateway.test_gateway import T0, config, pki
from tests.realnet.harness import Router, write_configs
from vpnteach.crypto.rng import SeededRng
from vpnteach.gateway import Gateway
from vpnteach.labs.seed import variant_commands
from vpnteach.net import netns

SEND = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.1.1.1', 500))\n"
    "s.sendto(open(sys.argv[1], 'rb').read(), ('10.2.2.1', 500))\n"
)


def forged_am1() -> bytes:
    extra = variant_commands("Branch1", "seed", None, "pre-share") + AM_PEER
    b1 = Gateway(config("Branch1", extra), pki().routers["Branch1"], SeededRng("forged"))
    b1.initiate("10.2.2.1", T0)
    (am1,) = b1.datagrams_to_send(T0)
    return am1.data.replace(FQDN, FORGED)


def test_the_daemon_prints_a_forged_fqdn_as_one_line_without_control_codes(
    realnet: Path, pki_dir: Path
) -> None:
    (realnet / "am1").write_bytes(forged_am1())
    pre_share = variant_commands("Branch2", "seed", None, "pre-share")
    with netns.Topology() as topo:
        configs = write_configs(realnet, "Branch2", extra=pre_share)
        b2 = Router(topo.right.ns, configs, pki_dir, realnet, "branch2", debug=("isakmp",))
        with b2:
            b2.start()
            netns.run(topo.left.ns, [sys.executable, "-c", SEND, str(realnet / "am1")])
            deadline = time.monotonic() + 10
            while "FQDN name" not in b2.log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
    log = b2.log.read_text()
    assert "FQDN name    : a?ISAKMP: forge?" in log, log[-3000:]
    assert "\x1b" not in log
    lines = log.splitlines()
    assert not [line for line in lines if line.partition(": ")[2].startswith("ISAKMP: forge")]
    assert sum("ISAKMP: forge" in line for line in lines) == 1
