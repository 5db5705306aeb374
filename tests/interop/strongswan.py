"""A strongSwan ``charon`` instance as a test peer, run inside a network namespace.

Facts this relies on are in ``/work/shared/notes/strongswan-interop.md``: no kernel XFRM here, so
ESP runs in userspace via ``kernel-libipsec`` (which must be loaded before ``kernel-netlink``);
charon's PID file path is compiled in, so each instance gets a private ``/run`` by bind-mounting
a temp dir over it inside the ``ip netns exec`` mount namespace; charon is driven through
``swanctl`` over a vici socket in the instance's own directory.

Either side of a test may be strongSwan; the other may be a vpnteach process in another
namespace. One ``Charon`` = one namespace = one working directory::

    charon = Charon(ns, workdir / "b1", name="branch1")
    charon.write_config([Connection(...)])
    charon.start(); charon.load_all(); charon.initiate("lan-lan")
    print(charon.list_sas()); charon.stop()
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import terminate
from vpnteach.net import netns

CHARON = "/usr/lib/ipsec/charon"
#: ``Charon(extra_conf=...)``: strongSwan refuses Aggressive Mode with a pre-shared key unless told
#: it may (it lets a passive listener test key guesses offline, RFC 2409 §5.4).
AM_PSK_CONF = "  i_dont_care_about_security_and_use_aggressive_mode_psk = yes\n"
SWANCTL = "swanctl"

# From the interop notes: with load_modular = no this list is enough for IKEv1 with RSA
# certificates or PSK, 3DES/AES, MD5/SHA1/SHA2, MODP groups and userspace ESP.
PLUGINS = (
    "random nonce openssl aes sha1 sha2 md5 hmac gmp pem pkcs1 x509 pubkey constraints "
    "kernel-libipsec kernel-netlink socket-default vici updown"
)

# Log levels per subsystem: ike=4 and chd=4 print the key material as hex dumps.
DEFAULT_LOGLEVELS = {
    "default": 1,
    "ike": 4,
    "chd": 4,
    "cfg": 2,
    "net": 2,
    "enc": 2,
    "knl": 2,
}


class CharonError(RuntimeError):
    """charon or swanctl did not do what was asked; the message carries their output."""


@dataclass
class Connection:
    """One swanctl ``connections.<name>`` entry with a single CHILD SA (IKEv1 Main Mode).

    ``auth`` is ``pubkey`` (certificates; ``cert`` is a file name in ``x509/``, ``cacert`` in
    ``x509ca/``) or ``psk`` (``psk`` is the shared secret, written to the ``secrets`` section).
    """

    name: str
    local_addr: str
    remote_addr: str
    local_id: str
    remote_id: str
    local_ts: str
    remote_ts: str
    child: str = "lan-lan"
    auth: str = "pubkey"
    cert: str | None = None
    cacert: str | None = None
    psk: str | None = None
    proposals: str = "3des-md5-modp768"
    esp_proposals: str = "3des-md5"
    version: int = 1
    aggressive: bool = False
    fragmentation: str = "yes"
    encap: bool = False
    rekey_time: str = "0"
    reauth_time: str = "0"
    over_time: str = "0"
    child_rekey_time: str = "0"
    child_life_time: str = "3600s"
    mode: str = "tunnel"
    start_action: str = "none"
    dpd_delay: str = "0"
    extra: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        """The swanctl.conf text of this connection."""
        auth = self._auth_lines()
        lines = [
            f"  {self.name} {{",
            f"    version = {self.version}",
            f"    aggressive = {'yes' if self.aggressive else 'no'}",
            f"    local_addrs = {self.local_addr}",
            f"    remote_addrs = {self.remote_addr}",
            f"    proposals = {self.proposals}",
            f"    fragmentation = {self.fragmentation}",
            f"    encap = {'yes' if self.encap else 'no'}",
            f"    rekey_time = {self.rekey_time}",
            f"    reauth_time = {self.reauth_time}",
            f"    over_time = {self.over_time}",
            f"    dpd_delay = {self.dpd_delay}",
            *(f"    {k} = {v}" for k, v in self.extra.items()),
            "    local {",
            *auth[0],
            "    }",
            "    remote {",
            *auth[1],
            "    }",
            "    children {",
            f"      {self.child} {{",
            f"        local_ts = {self.local_ts}",
            f"        remote_ts = {self.remote_ts}",
            f"        esp_proposals = {self.esp_proposals}",
            f"        mode = {self.mode}",
            f"        rekey_time = {self.child_rekey_time}",
            f"        life_time = {self.child_life_time}",
            f"        start_action = {self.start_action}",
            "      }",
            "    }",
            "  }",
        ]
        return "\n".join(lines) + "\n"

    def _auth_lines(self) -> tuple[list[str], list[str]]:
        local = [f"      auth = {self.auth}", f"      id = {self.local_id}"]
        remote = [f"      auth = {self.auth}", f"      id = {self.remote_id}"]
        if self.auth == "pubkey":
            if self.cert is None or self.cacert is None:
                raise ValueError(f"connection {self.name}: auth = pubkey needs cert and cacert")
            local.append(f"      certs = {self.cert}")
            remote.append(f"      cacerts = {self.cacert}")
        elif self.auth == "psk":
            if self.psk is None:
                raise ValueError(f"connection {self.name}: auth = psk needs psk")
        else:
            raise ValueError(f"connection {self.name}: unsupported auth {self.auth!r}")
        return local, remote

    def render_secret(self) -> str:
        """The swanctl.conf ``secrets`` entry (only for PSK)."""
        if self.auth != "psk":
            return ""
        return (
            f"  ike-{self.name} {{\n    id-1 = {self.local_id}\n    id-2 = {self.remote_id}\n"
            f'    secret = "{self.psk}"\n  }}\n'
        )


def render_swanctl_conf(connections: Sequence[Connection]) -> str:
    """swanctl.conf text for ``connections`` (+ a secrets section for PSK ones)."""
    body = "connections {\n" + "".join(c.render() for c in connections) + "}\n"
    secrets = "".join(c.render_secret() for c in connections)
    return body + "secrets {\n" + secrets + "}\n"


def render_strongswan_conf(
    vici_socket: Path,
    logfile: Path,
    loglevels: dict[str, int] | None = None,
    *,
    install_routes: bool = True,
    extra: str = "",
) -> str:
    """strongswan.conf for one charon: fixed plugin list, own vici socket, a file log."""
    levels = {**DEFAULT_LOGLEVELS, **(loglevels or {})}
    level_lines = "".join(f"      {k} = {v}\n" for k, v in levels.items())
    return (
        "charon {\n"
        "  load_modular = no\n"
        f"  load = {PLUGINS}\n"
        f"  install_routes = {'yes' if install_routes else 'no'}\n"
        "  install_virtual_ip = no\n"
        "  plugins {\n"
        f"    vici {{\n      socket = unix://{vici_socket}\n    }}\n"
        "  }\n"
        "  filelog {\n"
        "    charonlog {\n"
        f"      path = {logfile}\n"
        "      time_format = %Y-%m-%dT%H:%M:%S\n"
        "      ike_name = yes\n"
        "      append = no\n"
        "      flush_line = yes\n"
        f"{level_lines}"
        "    }\n"
        "  }\n"
        "  syslog {\n    daemon {\n      default = -1\n    }\n  }\n"
        f"{extra}"
        "}\n"
        "swanctl {\n"
        "  load = pem pkcs1 x509 pubkey openssl random nonce\n"
        "}\n"
    )


@dataclass
class Charon:
    """One charon process in network namespace ``ns``, its files under ``workdir``.

    Layout of ``workdir``: ``strongswan.conf``, ``charon.log``, ``charon.stderr``,
    ``run/`` (bind-mounted over /run for charon: PID file, vici socket),
    ``swanctl/`` (``swanctl.conf``, ``x509/``, ``x509ca/``, ``private/``).
    """

    ns: str
    workdir: Path
    name: str = "charon"
    loglevels: dict[str, int] = field(default_factory=dict)
    install_routes: bool = True
    #: more settings inside ``charon { }`` of strongswan.conf, e.g.
    #: ``i_dont_care_about_security_and_use_aggressive_mode_psk = yes`` for Aggressive Mode PSK
    extra_conf: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.workdir / "strongswan.conf"

    @property
    def log(self) -> Path:
        return self.workdir / "charon.log"

    @property
    def rundir(self) -> Path:
        return self.workdir / "run"

    @property
    def vici(self) -> Path:
        return self.rundir / "charon.vici"

    @property
    def swanctl_dir(self) -> Path:
        return self.workdir / "swanctl"

    def write_config(self, connections: Sequence[Connection]) -> None:
        """Write strongswan.conf and swanctl.conf (create the directory layout)."""
        for sub in ("x509", "x509ca", "private"):
            (self.swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        self.rundir.mkdir(parents=True, exist_ok=True)
        conf = render_strongswan_conf(
            self.vici,
            self.log,
            self.loglevels,
            install_routes=self.install_routes,
            extra=self.extra_conf,
        )
        self.conf.write_text(conf)
        (self.swanctl_dir / "swanctl.conf").write_text(render_swanctl_conf(connections))

    def add_credential(self, kind: str, src: Path) -> Path:
        """Copy a PEM file into ``swanctl/<kind>/`` (kind: x509, x509ca, private)."""
        dest = self.swanctl_dir / kind / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return dest

    def start(self, timeout: float = 5.0) -> None:
        """Start charon in the namespace with a private /run; wait for its vici socket."""
        if len(str(self.vici)) > 100:
            raise CharonError(f"vici socket path too long for AF_UNIX: {self.vici}")
        script = 'mount --bind "$1" /run && exec env STRONGSWAN_CONF="$2" "$3"'
        argv = ["sh", "-c", script, "sh", str(self.rundir), str(self.conf), CHARON]
        with open(self.workdir / "charon.stderr", "wb") as err:
            self.proc = netns.popen(self.ns, argv, stdout=err, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.vici.exists():
            if self.proc.poll() is not None:
                raise CharonError(f"{self.name}: charon exited early: {self._tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise CharonError(f"{self.name}: no vici socket after {timeout}s: {self._tail()}")
            time.sleep(0.02)

    def _tail(self) -> str:
        texts = []
        for path in (self.workdir / "charon.stderr", self.log):
            if path.exists():
                texts.append(path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def swanctl(self, *args: str, timeout: float = 30.0) -> str:
        """Run ``swanctl <args>`` against this charon; return stdout, raise on failure."""
        env = {
            **os.environ,
            "SWANCTL_DIR": str(self.swanctl_dir),
            "STRONGSWAN_CONF": str(self.conf),
        }
        argv = [SWANCTL, *args, "--uri", f"unix://{self.vici}"]
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise CharonError(
                f"{self.name}: `swanctl {' '.join(args)}` exited {proc.returncode}:\n"
                f"{proc.stdout}{proc.stderr}"
            )
        return proc.stdout

    def load_all(self) -> str:
        """``swanctl --load-all``: credentials, connections, secrets."""
        return self.swanctl("--load-all", "--noprompt")

    def initiate(self, child: str, ike: str | None = None, timeout: float = 20.0) -> str:
        """``swanctl --initiate --child <child>``; returns swanctl's (log) output."""
        args = ["--initiate", "--child", child, "--timeout", str(int(timeout))]
        if ike is not None:
            args += ["--ike", ike]
        return self.swanctl(*args, timeout=timeout + 5)

    def list_sas(self, raw: bool = False) -> str:
        """``swanctl --list-sas`` (pretty, or ``--raw`` vici dump)."""
        return self.swanctl("--list-sas", *(["--raw"] if raw else []))

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM charon by PID, SIGKILL after ``timeout``; idempotent."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        terminate(proc, timeout)

    def __enter__(self) -> Charon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_plugins(charon: Charon, plugins: tuple[str, ...]) -> None:
    """Have ``charon`` (configured, not started) load ``plugins`` beside :data:`PLUGINS`
    (IKEv2's prf+ needs strongSwan 5.9.8's ``kdf``, which IKEv1 never did)."""
    if plugins:
        loaded = f"load = {PLUGINS} {' '.join(plugins)}"
        charon.conf.write_text(charon.conf.read_text().replace(f"load = {PLUGINS}", loaded))
