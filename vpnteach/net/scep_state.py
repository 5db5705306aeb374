"""The state of ``vpnteach ca serve`` in a folder: keys, certificates, counters, queue.

Layout (private keys mode 0600, the folder 0700)::

    ca.key  ca.pem            the CA key pair and self-signed certificate
    ra-sign.key  ra-sign.pem  the RA signing pair (signs CertReps)
    ra-enc.key   ra-enc.pem   the RA encryption pair (requests are encrypted to it)
    state.json                request counter, issued serials, passwords, pending queue, ...

Files are created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a symlink planted in the folder
cannot redirect a key elsewhere) and rewritten by writing a new file and renaming it over the
old one, so a crash never leaves half a state. A folder that is itself a symlink, or not
owned by us, is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto.rng import OsRng
from vpnteach.pki.ca import CaServer
from vpnteach.pki.errors import PkiError
from vpnteach.pki.scep.server import PendingRequest, RaKeys, ScepService

PEM = serialization.Encoding.PEM
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


class StateError(PkiError):
    """The state folder cannot be used (symlink, wrong owner, unreadable files)."""


@dataclass(frozen=True)
class ServeOptions:
    """How to create a new CA (ignored when the folder already holds one)."""

    name: str = "WIN2003"
    dn: str = "cn=WIN2003,dc=amit,dc=com"
    cdp_url: str = "http://127.0.0.1/CertEnroll/WIN2003.crl"
    enrollment_url: str = "http://127.0.0.1/certsrv/mscep/mscep.dll"
    key_bits: int = 2048
    sign_sha1: bool = False
    manual_approval: bool = False


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file next to ``path``, then rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, _FLAGS, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _read(path: Path) -> bytes:
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
        return f.read()


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_read(path), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise StateError(f"{path}: not an RSA private key")
    return key


class CaFolder:
    """A CA and its SCEP service kept in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _check_folder(self) -> None:
        if self.path.is_symlink():
            raise StateError(f"{self.path} is a symlink: refusing to keep keys through it")
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.path.stat()
        if info.st_uid != os.geteuid():
            raise StateError(f"{self.path} is owned by uid {info.st_uid}, not by us")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(self.path, 0o700)

    def open(self, options: ServeOptions, now: dt.datetime) -> ScepService:
        """Load the CA from the folder, or create one there with ``options``.

        Raises:
            StateError: the folder is unsafe or its files do not load.
        """
        self._check_folder()
        try:
            if (self.path / "ca.key").exists():
                return self._load(options)
            return self._create(options, now)
        except (OSError, ValueError, KeyError) as exc:
            if isinstance(exc, StateError):
                raise
            raise StateError(f"CA state in {self.path}: {exc}") from None

    def _create(self, options: ServeOptions, now: dt.datetime) -> ScepService:
        rng = OsRng()
        ca = CaServer.create(
            options.name,
            options.dn,
            now,
            rng,
            key_bits=options.key_bits,
            cdp_urls=(options.cdp_url,),
            enrollment_url=options.enrollment_url,
            ra_mode=False,
            sign_sha1=options.sign_sha1,
        )
        ra = RaKeys.create(ca, now, rng, bits=options.key_bits)
        service = ScepService(ca, ra, rng, manual_approval=options.manual_approval)
        for name, key, cert in (
            ("ca", ca.private_key, ca.certificate),
            ("ra-sign", ra.sign_key, ra.sign_cert),
            ("ra-enc", ra.enc_key, ra.enc_cert),
        ):
            _write(self.path / f"{name}.key", _key_pem(key), 0o600)
            _write(self.path / f"{name}.pem", cert.public_bytes(PEM), 0o644)
        self.save(service)
        return self._attach(service)

    def _load(self, options: ServeOptions) -> ScepService:
        state = json.loads(_read(self.path / "state.json"))
        cert = x509.load_pem_x509_certificate(_read(self.path / "ca.pem"))
        ca = CaServer(
            state["name"],
            _load_key(self.path / "ca.key"),
            cert,
            tuple(state["cdp_urls"]),
            state["enrollment_url"],
            dt.datetime.fromisoformat(state["boot_time"]),
            next_request_id=state["next_request_id"],
            ra_mode=False,
            sign_sha1=state["sign_sha1"],
            crl_number=state["crl_number"],
        )
        for pem in state["issued"]:
            issued = x509.load_pem_x509_certificate(pem.encode())
            ca.issued[issued.serial_number] = issued
        ca.revoked = {int(s): dt.datetime.fromisoformat(t) for s, t in state["revoked"].items()}
        ra = RaKeys(
            _load_key(self.path / "ra-sign.key"),
            x509.load_pem_x509_certificate(_read(self.path / "ra-sign.pem")),
            _load_key(self.path / "ra-enc.key"),
            x509.load_pem_x509_certificate(_read(self.path / "ra-enc.pem")),
        )
        service = ScepService(ca, ra, OsRng(), manual_approval=options.manual_approval)
        service.passwords = {p: dt.datetime.fromisoformat(t) for p, t in state["passwords"].items()}
        service.pending = {tid: _pending(tid, p) for tid, p in state["pending"].items()}
        service.rejected = set(state["rejected"])
        service.issued = {tid: ca.issued[int(s)] for tid, s in state["by_transaction"].items()}
        return self._attach(service)

    def _attach(self, service: ScepService) -> ScepService:
        service.on_change = lambda: self.save(service)
        return service

    def save(self, service: ScepService) -> None:
        """Write ``state.json`` (atomically)."""
        ca = service.ca
        state: dict[str, Any] = {
            "name": ca.name,
            "cdp_urls": list(ca.cdp_urls),
            "enrollment_url": ca.enrollment_url,
            "boot_time": ca.boot_time.isoformat(),
            "next_request_id": ca.next_request_id,
            "sign_sha1": ca.sign_sha1,
            "crl_number": ca.crl_number,
            "issued": [c.public_bytes(PEM).decode() for c in ca.issued.values()],
            "revoked": {str(s): t.isoformat() for s, t in ca.revoked.items()},
            "passwords": {p: t.isoformat() for p, t in service.passwords.items()},
            "pending": {tid: _pending_json(p) for tid, p in service.pending.items()},
            "rejected": sorted(service.rejected),
            "by_transaction": {tid: str(c.serial_number) for tid, c in service.issued.items()},
        }
        _write(self.path / "state.json", json.dumps(state, indent=1).encode(), 0o600)


def _pending_json(p: PendingRequest) -> dict[str, str]:
    return {
        "csr": base64.b64encode(p.csr_der).decode(),
        "requester": p.requester.public_bytes(PEM).decode(),
        "subject": p.subject,
        "received": p.received.isoformat(),
    }


def _pending(tid: str, p: dict[str, str]) -> PendingRequest:
    return PendingRequest(
        tid,
        base64.b64decode(p["csr"]),
        x509.load_pem_x509_certificate(p["requester"].encode()),
        p["subject"],
        dt.datetime.fromisoformat(p["received"]),
    )
