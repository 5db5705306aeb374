"""Files and the control socket the router creates, made so that nobody else can redirect them.

The router starts as root, and a root process that writes to a path an unprivileged user can
influence writes wherever that user wants (a symlink planted at the name, or in a directory
on the way). The rules here, as OpenSSH's ``safe_path`` and strongSwan's pid/socket handling
apply them:

* every directory above a file or directory we create is owned by root (or by the user
  running the command, for ``router enroll`` run as a normal user) and writable by nobody
  else, except a sticky directory such as ``/tmp`` (others may add entries there, but cannot
  rename or remove ours); a symbolic link on the way is followed only if root owns it;
* the directory itself is opened with ``O_NOFOLLOW | O_DIRECTORY`` (a symlink there is
  refused) and must be owned by root or by the account the daemon runs as; from then on every
  file is reached through that directory descriptor, never by path again;
* a file is written as a new temporary entry (``O_CREAT | O_EXCL | O_NOFOLLOW``, mode set
  with ``fchmod`` whatever the umask), then renamed over the name: a symlink planted at the
  name is replaced, its target never opened. Private keys and key tables get mode 0600;
* the control socket lives in a root-owned runtime directory (``/run/vpnteach/``) that only
  root can write, is created with mode 0600 (umask 0177 while binding) and owned by the
  daemon's account, so only root and that account can connect; the daemon also checks each
  client's credentials (``SO_PEERCRED``, unix(7)) and answers only UID 0 and its own UID.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
from pathlib import Path

from vpnteach.router.privileges import Account

__all__ = [
    "UnsafePathError",
    "listen_unix",
    "open_directory",
    "peer_uid",
    "write_file_at",
    "write_files",
]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


class UnsafePathError(ValueError):
    """A path the router would write through could be redirected by someone else."""


def _trusted(st: os.stat_result) -> bool:
    return st.st_uid in (0, os.geteuid())


def trusted_parent(path: Path) -> Path:
    """The real directory containing ``path``, once every directory on the way is checked.

    Raises:
        UnsafePathError: a directory is missing, owned by someone else or writable by others
            (and not sticky), or a symbolic link on the way is not owned by root.
    """
    absolute = Path(os.path.abspath(path))
    for prefix in reversed(absolute.parents):
        try:
            st = os.lstat(prefix)
        except OSError as exc:
            raise UnsafePathError(f"{path}: {prefix}: {exc.strerror}") from None
        if stat.S_ISLNK(st.st_mode) and st.st_uid != 0:
            raise UnsafePathError(f"{path}: {prefix} is a symbolic link owned by UID {st.st_uid}")
    real = Path(os.path.realpath(absolute.parent))
    for directory in (real, *real.parents):
        st = os.stat(directory)
        if not _trusted(st):
            raise UnsafePathError(f"{path}: {directory} is owned by UID {st.st_uid}, not root")
        if st.st_mode & _WRITABLE_BY_OTHERS and not st.st_mode & stat.S_ISVTX:
            raise UnsafePathError(f"{path}: {directory} is writable by group or others")
    return real


def open_directory(
    path: str | Path,
    *,
    owner: Account | None = None,
    mode: int = 0o700,
    private: bool = False,
    contents: frozenset[str] = frozenset(),
) -> int:
    """A descriptor of directory ``path`` (created with ``mode`` if missing), never a symlink.

    Args:
        owner: the account that will write in it after the privilege drop: the directory is
            handed to it (``fchown``) and may already belong to it.
        mode: the permissions of a directory created here, or handed to ``owner``.
        private: also refuse a directory that group or others can write (the runtime
            directory of the control socket).
        contents: the only names an existing directory may hold to be handed to ``owner``
            (``--keys /etc`` must not give ``/etc`` to ``nobody``).

    Raises:
        UnsafePathError: see :func:`trusted_parent`; ``path`` is a symlink or not a directory,
            is owned by someone else, or holds other files than ``contents``.
    """
    where = Path(path)
    parent = os.open(trusted_parent(where), _DIR_FLAGS)
    try:
        created = False
        with contextlib.suppress(FileExistsError):
            os.mkdir(where.name, mode, dir_fd=parent)
            created = True
        try:
            fd = os.open(where.name, _DIR_FLAGS, dir_fd=parent)
        except OSError as exc:
            why = "is a symbolic link" if stat.S_ISLNK(os.lstat(where).st_mode) else exc.strerror
            raise UnsafePathError(f"{where}: {why}; refused") from None
    finally:
        os.close(parent)
    try:
        _check_directory(fd, where, owner, private, None if created else contents)
    except UnsafePathError:
        os.close(fd)
        raise
    if owner is not None:
        os.fchown(fd, owner.uid, owner.gid)
    if owner is not None or created:
        os.fchmod(fd, mode)  # whatever the umask
    return fd


def _check_directory(
    fd: int, where: Path, owner: Account | None, private: bool, contents: frozenset[str] | None
) -> None:
    st = os.fstat(fd)
    allowed = {0, os.geteuid(), *((owner.uid,) if owner else ())}
    if st.st_uid not in allowed or (private and st.st_mode & _WRITABLE_BY_OTHERS):
        raise UnsafePathError(
            f"{where}: owned by UID {st.st_uid} with mode {stat.filemode(st.st_mode)}; "
            "it must belong to root" + (f" or {owner.name}" if owner else "")
        )
    if owner is None or st.st_uid == owner.uid or contents is None:
        return
    others = sorted(n for n in os.listdir(fd) if _temporary_of(n) not in contents)
    if others:
        raise UnsafePathError(
            f"{where}: holds other files ({', '.join(others[:5])}); refusing to hand it to "
            f"{owner.name}: give an empty or new directory"
        )


def _temporary_of(name: str) -> str:
    """The file a temporary entry of :func:`write_file_at` was for (``.esp_sa.42.tmp`` ->
    ``esp_sa``), or ``name`` itself."""
    parts = name.rsplit(".", 2)
    if name.startswith(".") and len(parts) == 3 and parts[1].isdigit() and parts[2] == "tmp":
        return parts[0][1:]
    return name


def write_file_at(directory: int, name: str, data: bytes, mode: int = 0o600) -> None:
    """Replace ``name`` in the ``directory`` descriptor by a new file of ``mode`` holding
    ``data``: a new entry, then a rename (a symlink at ``name`` is replaced, not followed)."""
    if "/" in name or name in ("", ".", ".."):
        raise UnsafePathError(f"{name!r} is not a plain file name")
    temporary = f".{name}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary, dir_fd=directory)  # left by a process that died while writing
    fd = os.open(temporary, _NEW_FILE, mode, dir_fd=directory)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)


def write_files(folder: str | Path, files: dict[str, tuple[bytes, int]]) -> list[Path]:
    """Write ``name -> (data, mode)`` into ``folder`` (created 0755 if missing) as
    :func:`write_file_at` does; return the paths."""
    fd = open_directory(folder, mode=0o755)
    try:
        for name, (data, mode) in files.items():
            write_file_at(fd, name, data, mode)
    finally:
        os.close(fd)
    return [Path(folder) / name for name in files]


def listen_unix(path: str | Path, owner: Account | None = None) -> socket.socket:
    """A listening, non-blocking Unix stream socket at ``path``, mode 0600, owned by ``owner``
    (else by the caller), in a runtime directory only root can write (created 0755 if missing).

    A stale socket left by an earlier run is replaced; anything else at ``path`` is refused.

    Raises:
        UnsafePathError: the directory or the name is not safe (see the module docstring).
    """
    where = Path(path)
    os.close(open_directory(where.parent, mode=0o755, private=True))
    target = Path(os.path.realpath(where.parent)) / where.name
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISSOCK(os.lstat(target).st_mode):
            raise UnsafePathError(f"{where}: exists and is not a socket; refused")
        os.unlink(target)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(target))
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old)
    os.chmod(target, 0o600)
    if owner is not None:
        os.lchown(target, owner.uid, owner.gid)
    sock.listen(16)
    sock.setblocking(False)
    return sock


def peer_uid(sock: socket.socket) -> int:
    """The UID of the process at the other end of a connected Unix socket (``SO_PEERCRED``)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)
