"""Dropping root once the router's descriptors are open: an unprivileged user, no capabilities.

``vpnteach router run`` needs root for four things, all at start: creating the TUN device
(``TUNSETIFF``, CAP_NET_ADMIN), configuring its address and routes (``ip``, CAP_NET_ADMIN),
binding UDP 500 (CAP_NET_BIND_SERVICE) and opening the raw protocol-50 socket (CAP_NET_RAW).
Once these descriptors exist nothing the router does needs a privilege: reading and writing
the TUN descriptor and sending or receiving on bound sockets are checked when the descriptor
is opened, not per call (the raw socket's CAP_NET_RAW check is in ``socket()``); closing the
TUN descriptor deletes the interface (it is not persistent); the control socket is already
listening; the Wireshark key tables are written through a directory descriptor opened before
the drop (:mod:`vpnteach.router.safefiles`); ``configure`` changes the gateway, never the
kernel. So the process keeps **no capability at all**, as strongSwan's charon keeps only what
its plugins declare they need (``charon.user`` / ``charon.group`` and the capability lists in
``daemon.c``), and IOS never runs a process as a superuser to begin with.

:func:`drop_privileges` does, in this order (capabilities(7), prctl(2), credentials(7)):

1. empties the capability *bounding set* (``PR_CAPBSET_DROP`` for every capability up to
   ``/proc/sys/kernel/cap_last_cap``; it needs CAP_SETPCAP, so it comes while still root) and
   the ambient set (``PR_CAP_AMBIENT_CLEAR_ALL``): no later ``execve`` can bring any back;
2. drops the supplementary groups, then the real, effective and saved group and user IDs
   (``setresgid``/``setresuid``: a saved ID of 0 would let the process become root again);
   leaving UID 0 clears the permitted and effective capability sets;
3. ``capset`` with empty sets anyway (a process started as non-root with file capabilities);
4. ``PR_SET_NO_NEW_PRIVS``: no set-user-ID program or file capability can raise privileges;
5. checks the result from ``/proc/self/status`` and that ``setuid(0)`` fails, refusing to go on
   otherwise (:class:`PrivilegeError`).

Credentials are per thread in the kernel: this runs before the router starts any thread
(glibc applies ``setresuid`` to every thread, but ``capset`` and ``prctl`` only to the caller).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pwd
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Account", "PrivilegeError", "drop_privileges", "lookup_account", "process_status"]

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_CAP_FIELDS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


class PrivilegeError(OSError):
    """The process could not become, or stay, the unprivileged user it was asked to be."""


@dataclass(frozen=True)
class Account:
    """The user the router runs as after start: name, UID and primary GID."""

    name: str
    uid: int
    gid: int


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def lookup_account(user: str) -> Account:
    """The account named ``user`` (a name or a numeric UID), which must not be root.

    Raises:
        PrivilegeError: no such user, or it is UID 0.
    """
    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        raise PrivilegeError(f"--user {user}: no such user on this system") from None
    if entry.pw_uid == 0:
        raise PrivilegeError(f"--user {user}: UID 0 is root; name an unprivileged account")
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def process_status(pid: int | str = "self") -> dict[str, str]:
    """``/proc/PID/status`` as a dict (``Uid``, ``CapEff``, ``NoNewPrivs``, ...)."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _prctl(libc: ctypes.CDLL, option: int, arg: int, arg3: int = 0) -> None:
    if libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0) != 0:
        err = ctypes.get_errno()
        raise PrivilegeError(err, f"prctl({option}, {arg}): {os.strerror(err)}")


def _drop_bounding_set(libc: ctypes.CDLL) -> None:
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _prctl(libc, PR_CAPBSET_DROP, cap)
    _prctl(libc, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)


def _clear_capabilities(libc: ctypes.CDLL) -> None:
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # two 32-bit words per set: every capability cleared
    if libc.capset(ctypes.byref(header), data) != 0:
        err = ctypes.get_errno()
        raise PrivilegeError(err, f"capset: {os.strerror(err)}")


def drop_privileges(account: Account) -> dict[str, str]:
    """Become ``account`` with no capability and no way back (see the module docstring).

    Returns:
        ``/proc/self/status`` afterwards (what was checked).

    Raises:
        PrivilegeError: not started as root (and not already ``account``), a thread is
            running, or the kernel refused a step; the process must not go on.
    """
    if threading.active_count() != 1:
        raise PrivilegeError("privileges must be dropped before any thread starts")
    libc = _libc()
    was_root = os.geteuid() == 0
    if was_root:
        _drop_bounding_set(libc)
        os.setgroups([])
        os.setresgid(account.gid, account.gid, account.gid)
        os.setresuid(account.uid, account.uid, account.uid)
    elif os.getuid() != account.uid:
        raise PrivilegeError(f"started as UID {os.getuid()}, not root: cannot become {account}")
    _clear_capabilities(libc)
    _prctl(libc, PR_SET_NO_NEW_PRIVS, 1)
    return _verify(account, bounding=was_root)


def _verify(account: Account, *, bounding: bool) -> dict[str, str]:
    """``/proc/self/status`` after the drop, or :class:`PrivilegeError` listing what is left
    (the bounding set is checked only if it could be emptied: started as root)."""
    status = process_status()
    fields = _CAP_FIELDS if bounding else tuple(f for f in _CAP_FIELDS if f != "CapBnd")
    uids = {int(u) for u in status["Uid"].split()}
    gids = {int(g) for g in status["Gid"].split()}
    held = {f: status[f] for f in fields if f in status and int(status[f], 16)}
    problems = [
        *([f"UIDs {sorted(uids)}"] if uids != {account.uid} else []),
        *([f"GIDs {sorted(gids)}"] if gids != {account.gid} else []),
        *([f"groups {status['Groups']}"] if status.get("Groups") else []),
        *(f"{field} {value}" for field, value in held.items()),
        *([f"NoNewPrivs {status.get('NoNewPrivs')}"] if status.get("NoNewPrivs") != "1" else []),
    ]
    try:
        os.setuid(0)
        problems.append("setuid(0) succeeded")
    except PermissionError:
        pass
    if problems:
        raise PrivilegeError(f"privileges not dropped as expected: {', '.join(problems)}")
    return status
