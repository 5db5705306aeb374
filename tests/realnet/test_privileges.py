"""The running router daemon is unprivileged and its files cannot be redirected (issue 19).

Read from the kernel's own account of the process (``/proc/PID/status``, proc(5)) while a
tunnel carries a ping: every UID is ``nobody``'s, the capability sets are empty (effective,
permitted, inheritable, ambient and bounding) and no-new-privileges is set. The key tables
are 0600 in a 0700 directory, and a symlink planted where the router writes is refused or
replaced, never followed. Needs root and network namespaces (skipped locally, failing in CI).
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

import pytest

from tests.realnet.harness import LAN1, LAN2, Router, ping, write_configs
from vpnteach.net import netns
from vpnteach.router.privileges import process_status

NOBODY = pwd.getpwnam("nobody")
CAPABILITY_SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def _routers(topo: netns.Topology, work: Path, pki: Path) -> tuple[Router, Router]:
    b1 = Router(topo.left.ns, write_configs(work, "Branch1"), pki, work, "branch1", True)
    b2 = Router(topo.right.ns, write_configs(work, "Branch2"), pki, work, "branch2")
    return b1, b2


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_daemon_runs_as_nobody_with_no_capability_and_writes_0600_files(
    realnet: Path, pki_dir: Path
) -> None:
    victim = realnet / "victim"
    victim.write_text("precious\n")
    with netns.Topology() as topo:
        b1, b2 = _routers(topo, realnet, pki_dir)
        b1.keys.mkdir(mode=0o755)  # root-owned, with a symlink planted where a table goes
        (b1.keys / "esp_sa").symlink_to(victim)
        with b2, b1:
            b2.start()
            b1.start()
            b1.wait_for_sa()
            assert b1.proc is not None
            status = process_status(b1.proc.pid)
            sent, received, out = ping(topo.left.ns, LAN1, LAN2, count=3)
            assert (sent, received) == (3, 3), out  # the tunnel works unprivileged
    assert status["Name"].startswith("python")  # `ip netns exec` exec'd the router itself
    assert {int(u) for u in status["Uid"].split()} == {NOBODY.pw_uid}
    assert {int(g) for g in status["Gid"].split()} == {NOBODY.pw_gid}
    assert status["Groups"] == ""
    assert {name: int(status[name], 16) for name in CAPABILITY_SETS} == dict.fromkeys(
        CAPABILITY_SETS, 0
    )
    assert status["NoNewPrivs"] == "1"
    assert f"running as nobody (UID {NOBODY.pw_uid}), CapEff 0000000000000000" in (
        b1.log.read_text()
    )
    assert victim.read_text() == "precious\n"  # the symlink was replaced, not followed
    keys = os.lstat(b1.keys)
    assert (_mode(b1.keys), keys.st_uid) == (0o700, NOBODY.pw_uid)
    for name in ("esp_sa", "ikev1_decryption_table", "preferences"):
        table = b1.keys / name
        assert stat.S_ISREG(os.lstat(table).st_mode) and _mode(table) == 0o600, name
    assert "0x" in (b1.keys / "esp_sa").read_text()


def test_the_control_socket_is_0600_and_belongs_to_the_daemons_user(
    realnet: Path, pki_dir: Path
) -> None:
    with netns.Topology() as topo:
        b1, _ = _routers(topo, realnet, pki_dir)
        with b1:
            b1.start()
            sock = os.lstat(b1.control)
            assert "ISAKMP" in b1.ask("show crypto isakmp sa")  # root may connect
    assert stat.S_ISSOCK(sock.st_mode) and stat.S_IMODE(sock.st_mode) == 0o600
    assert sock.st_uid == NOBODY.pw_uid


def test_a_keys_directory_planted_as_a_symlink_is_refused_before_anything_starts(
    realnet: Path, pki_dir: Path
) -> None:
    target = realnet / "elsewhere"
    target.mkdir()
    with netns.Topology() as topo:
        b1, _ = _routers(topo, realnet, pki_dir)
        b1.keys.symlink_to(target)
        with pytest.raises(RuntimeError, match="did not start"):
            b1.start()
        assert "branch1-keys: is a symbolic link; refused" in b1.log.read_text()
        tun = netns.run(topo.left.ns, ["ip", "link", "show", "vt0"], check=False)
    assert list(target.iterdir()) == [] and tun.returncode != 0


def test_weak_cryptography_is_refused_without_allow_weak_and_named_with_it(
    realnet: Path, pki_dir: Path
) -> None:
    with netns.Topology() as topo:
        refused = Router(topo.left.ns, write_configs(realnet, "Branch1"), pki_dir, realnet,
                         "refused", allow_weak=False)  # fmt: skip
        with pytest.raises(RuntimeError, match="did not start"):
            refused.start()
        tun = netns.run(topo.left.ns, ["ip", "link", "show", "vt0"], check=False)
        allowed = Router(topo.left.ns, write_configs(realnet, "Branch1"), pki_dir, realnet,
                         "allowed")  # fmt: skip
        with allowed:
            allowed.start()
    assert tun.returncode != 0  # refused before the TUN device was made
    log = refused.log.read_text()
    assert "weak cryptography configured (run with --allow-weak to accept it)" in log
    warnings = [line for line in allowed.log.read_text().splitlines() if "WARNING" in line]
    for what in ("3DES", "MD5", "group 1", "esp-3des", "esp-md5-hmac", "RSA-1024 key"):
        assert f": {what}: " in log, what
        assert [w for w in warnings if f": {what}: " in w], what
    assert "crypto isakmp policy 10: group 1: 768-bit MODP" in "\n".join(warnings)
