"""Files and the control socket of the router daemon: no symlink followed, private modes, and
only root or the daemon's own user answered (SO_PEERCRED). Tests that create files for another
user or run a client as one need root (skipped locally without it, failing in CI)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from vpnteach.ios import parse_config
from vpnteach.labs.seed_configs import SEED_CONFIGS
from vpnteach.router.control import ask
from vpnteach.router.pki import enroll_files, key_file
from vpnteach.router.privileges import PrivilegeError, lookup_account
from vpnteach.router.process import RouterProcess
from vpnteach.router.safefiles import UnsafePathError, listen_unix, open_directory

STRANGER = 54321  # a UID that is neither root nor the daemon's


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_enroll_writes_private_keys_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        written = enroll_files(tmp_path / "pki", ["Branch1"], seed="perm")
    finally:
        os.umask(old)
    modes = {p.name: _mode(p) for p in written}
    assert modes == {"ca.cert.pem": 0o644, "branch1.cert.pem": 0o644, "branch1.key.pem": 0o600}
    assert _mode(tmp_path / "pki") == 0o755


def test_enroll_replaces_a_planted_key_symlink_without_writing_through_it(tmp_path: Path) -> None:
    pki, victim = tmp_path / "pki", tmp_path / "victim"
    pki.mkdir()
    victim.write_text("precious\n")
    key_file(pki, "Branch1").symlink_to(victim)
    enroll_files(pki, ["Branch1"], seed="perm")
    assert victim.read_text() == "precious\n"
    assert not key_file(pki, "Branch1").is_symlink() and _mode(key_file(pki, "Branch1")) == 0o600


def test_enroll_into_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "pki").symlink_to(tmp_path / "real")
    with pytest.raises(UnsafePathError, match="pki: is a symbolic link; refused"):
        enroll_files(tmp_path / "pki", ["Branch1"], seed="perm")
    assert list((tmp_path / "real").iterdir()) == []


def test_a_directory_others_can_write_is_refused_on_the_way(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # world-writable and not sticky: anyone could swap "keys" for a link
    with pytest.raises(UnsafePathError, match="shared is writable by group or others"):
        open_directory(shared / "keys")


def test_the_control_socket_is_refused_directly_in_tmp(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"must belong to root|writable"):
        listen_unix(f"/tmp/vpnteach-test-{os.getpid()}.ctl")
    (tmp_path / "x.ctl").write_text("not a socket")
    with pytest.raises(UnsafePathError, match="exists and is not a socket"):
        listen_unix(tmp_path / "x.ctl")


def test_the_control_socket_is_0600_in_a_new_0755_runtime_directory(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        sock = listen_unix(tmp_path / "run" / "r.ctl")
    finally:
        os.umask(old)
    sock.close()
    assert _mode(tmp_path / "run") == 0o755 and _mode(tmp_path / "run" / "r.ctl") == 0o600


def _ask_as(path: Path, uid: int) -> str:
    """``sh clock`` on ``path`` from a forked child running as ``uid`` (no exec: the
    interpreter may live where that user cannot read)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            try:
                os.write(w, ask(path, "sh clock").encode())
            except OSError as exc:
                os.write(w, f"client error: {exc}".encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    return data.decode()


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A root-owned 0755 directory in /tmp: any user can reach what is inside."""
    path = Path(tempfile.mkdtemp(prefix="vtsf-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_only_root_and_the_daemons_user_are_answered_on_the_control_socket(
    reachable: Path,
) -> None:
    require(os.geteuid() == 0, "needs root (a client running as another user)")
    router = RouterProcess(parse_config(SEED_CONFIGS["Branch1"]))
    listening = listen_unix(reachable / "r.ctl")
    os.chmod(reachable / "r.ctl", 0o666)  # let the stranger past the file mode: SO_PEERCRED
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_unix_server(router._on_control, sock=listening))
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        stranger, root = _ask_as(reachable / "r.ctl", STRANGER), _ask_as(reachable / "r.ctl", 0)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    assert not stranger.startswith("*"), stranger  # closed unanswered (an empty read or RST)
    assert router.stats["control_refused"] == 1
    assert root.startswith("*") and root.count(":") >= 2  # "*10:32:01.123 UTC Sun Dec 6 2026"


def test_a_stale_socket_left_by_an_unprivileged_shutdown_is_replaced(tmp_path: Path) -> None:
    first = listen_unix(tmp_path / "run" / "r.ctl")
    first.close()  # the daemon, no longer root, could not unlink it
    assert stat.S_ISSOCK(os.lstat(tmp_path / "run" / "r.ctl").st_mode)
    second = listen_unix(tmp_path / "run" / "r.ctl")
    second.close()


def test_the_account_must_exist_and_not_be_root() -> None:
    with pytest.raises(PrivilegeError, match="--user no-such-user-here: no such user"):
        lookup_account("no-such-user-here")
    with pytest.raises(PrivilegeError, match="UID 0 is root"):
        lookup_account("root")
    assert lookup_account("nobody").uid == lookup_account(str(lookup_account("nobody").uid)).uid


def test_an_existing_directory_is_handed_to_the_daemon_only_if_it_holds_its_tables(
    tmp_path: Path,
) -> None:
    require(os.geteuid() == 0, "needs root (chown to nobody)")
    nobody = lookup_account("nobody")
    tables = frozenset({"esp_sa", "preferences"})
    busy = tmp_path / "etc-like"
    busy.mkdir()
    (busy / "passwd").write_text("root:x:0:0\n")
    with pytest.raises(UnsafePathError, match=r"holds other files \(passwd\); refusing"):
        open_directory(busy, owner=nobody, contents=tables)
    assert os.lstat(busy).st_uid == 0  # untouched
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "esp_sa").write_text("old\n")
    (keys / f".esp_sa.{os.getpid()}.tmp").write_text("left by a crash\n")
    os.close(open_directory(keys, owner=nobody, contents=tables))
    assert (os.lstat(keys).st_uid, _mode(keys)) == (nobody.uid, 0o700)
