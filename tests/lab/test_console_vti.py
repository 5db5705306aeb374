"""FlexVPN's tunnel-interface form typed into ``vpnteach console --blank``: two routers out of
the box, configured line by line as Cisco's "FlexVPN Site-to-Site Configuration Example"
(document 115782) does with pre-shared keys (``crypto ikev2 proposal / policy / keyring /
profile``, ``crypto ipsec profile``, ``interface Tunnel0`` with ``tunnel mode ipsec ipv4`` and
``tunnel protection``, a static route into the tunnel). The tunnel comes up as the
configuration is typed, with no traffic (IOS negotiates a static VTI when the tunnel interface
is up), so the first ping from Branch1's LAN address passes whole (``!!!!!``; a crypto map
would lose its first echo to IKE, ``.!!!!``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def branch(n: int, peer_name: str, peer: str, lan: str, far: str) -> list[str]:
    """One branch's lines, some abbreviated as people type them."""
    return [
        "en", "conf t", f"hostname Branch{n}",
        "int s1/0", f"ip address 10.{n}.{n}.1 255.255.255.0",
        "int fa0/0", f"ip add {lan}.1 255.255.255.0",
        f"ip route 0.0.0.0 0.0.0.0 10.{n}.{n}.2",
        "crypto ikev2 proposal PROP", "encryption aes-cbc-256", "integrity sha256", "group 14",
        "crypto ikev2 policy POL", "proposal PROP",
        "crypto ikev2 keyring KEYS", f"peer {peer_name}", f"address {peer}",
        "pre-shared-key cisco123",
        "crypto ikev2 profile PROF", f"match identity remote address {peer} 255.255.255.255",
        "authentication remote pre-share", "authentication local pre-share",
        "keyring local KEYS",
        "cry ipsec trans TS esp-aes 256 esp-sha256-hmac",
        "cry ipsec prof VTI", "set trans TS", "set ikev2-profile PROF",
        "int tu0", f"ip add 10.0.0.{n} 255.255.255.252", "tunnel source s1/0",
        "tun mode ipsec ipv4", f"tunnel destination {peer}",
        "tunnel protection ipsec profile VTI", "exit",
        f"ip route {far}.0 255.255.255.0 Tunnel0", "end",
    ]  # fmt: skip


SESSION = [
    "@Branch2", *branch(2, "Branch1", "10.1.1.1", "192.168.22", "192.168.11"),
    "@Branch1", *branch(1, "Branch2", "10.2.2.1", "192.168.11", "192.168.22"),
    "show crypto session", "ping 192.168.22.1 source 192.168.11.1", "show crypto ipsec sa",
    "show crypto ikev2 sa",
]  # fmt: skip


def _answer(transcript: str, command: str) -> str:
    """What followed ``Branch1#<command>`` up to the next prompt."""
    after = transcript.split(f"\nBranch1#{command}\n", 1)[1]
    return re.split(r"\nBranch1[#>(]", after, maxsplit=1)[0] + "\n"


def test_the_tunnel_interface_form_typed_at_a_blank_console_comes_up_without_traffic() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vpnteach", "console", "--blank"],
        input="\n".join(SESSION) + "\n", capture_output=True, text=True, timeout=600,
        cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True,
    )  # fmt: skip
    transcript = result.stdout
    for refusal in ("% Invalid input", "% Ambiguous", "% Incomplete", "% a value", "Traceback"):
        assert refusal not in transcript + result.stderr, transcript
    assert "Branch1(config-if)#tunnel protection ipsec profile VTI\n" in transcript
    session = _answer(transcript, "show crypto session")
    assert "Interface: Tunnel0\nProfile: PROF\nSession status: UP-ACTIVE\n" in session, session
    ping = _answer(transcript, "ping 192.168.22.1 source 192.168.11.1")
    assert ping.splitlines()[-2] == "!!!!!", ping
    shown = _answer(transcript, "show crypto ipsec sa")
    assert "interface: Tunnel0" in shown and "Crypto map tag: Tunnel0-head-0" in shown
    assert "remote ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)" in shown
    assert "#pkts encaps: 5, #pkts encrypt: 5" in shown
    ikev2 = _answer(transcript, "show crypto ikev2 sa")
    assert "Auth sign: PSK, Auth verify: PSK" in ikev2 and "READY" in ikev2
