"""The real router's certificates: PEM files in a folder, made by a small in-process CA.

The lab enrolls each router over its simulated network (SCEP, RFC 8894). A router process on a
real network has no SCEP server to talk to, so enrollment happens beforehand, in one process,
against a :class:`vpnteach.pki.ca.CaServer` named like the seed's CA (``WIN2003``): the same
``crypto pki authenticate`` / ``crypto pki enroll`` steps (:func:`vpnteach.pki.seed.enroll_router`),
and the results are written as PEM files a router (or strongSwan) loads. The folder layout::

    ca.cert.pem            the CA certificate (the trust anchor of every router)
    branch1.cert.pem       Branch1's certificate (subject hostname=Branch1.amit.com)
    branch1.key.pem        Branch1's RSA private key (PKCS#8, unencrypted, mode 0600)

``vpnteach router enroll --pki DIR Branch1 Branch2`` writes them; :func:`load_pki` turns them
back into the :class:`~vpnteach.pki.trustpoint.RouterPki` the gateway signs and verifies with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto.rng import OsRng, Rng, SeededRng
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.ca import SEED_CA_DN, SEED_CA_NAME, SEED_CDP_URLS, CaServer
from vpnteach.pki.keys import KeyPair, fork
from vpnteach.pki.seed import enroll_router
from vpnteach.pki.trustpoint import RouterPki
from vpnteach.router.safefiles import write_files

CA_CERT = "ca.cert.pem"


class RouterPkiError(ValueError):
    """A PKI folder is missing a file, or its files do not fit the router's configuration."""


def cert_file(folder: Path, hostname: str) -> Path:
    """``<folder>/<hostname lower-case>.cert.pem``."""
    return folder / f"{hostname.lower()}.cert.pem"


def key_file(folder: Path, hostname: str) -> Path:
    """``<folder>/<hostname lower-case>.key.pem``."""
    return folder / f"{hostname.lower()}.key.pem"


def enroll_files(
    folder: str | Path,
    hostnames: Sequence[str],
    *,
    now: dt.datetime | None = None,
    modulus: int = 1024,
    seed: str | None = None,
) -> list[Path]:
    """Create a CA named ``WIN2003``, enroll ``hostnames`` at ``now``; write the PEM files.

    Args:
        folder: where to write (created if missing); files are replaced, never written
            through a symlink, keys with mode 0600 (:func:`vpnteach.router.safefiles.write_files`).
        hostnames: router hostnames (``Branch1``); each gets ``<name>.amit.com`` certificates.
        now: the enrollment time (default: the current time, so the certificates are valid now).
        modulus: the routers' RSA key size (1024 as in the seed, 2048 for the modern profile).
        seed: make keys and certificates reproducible (default: the OS random source).

    Returns:
        The files written.
    """
    out = Path(folder)
    when = now or dt.datetime.now(dt.timezone.utc)
    rng: Rng = SeededRng(seed) if seed is not None else OsRng()
    ca = CaServer.create(SEED_CA_NAME, SEED_CA_DN, when, fork(rng, "ca"), cdp_urls=SEED_CDP_URLS)
    pem = serialization.Encoding.PEM
    files = {CA_CERT: (ca.certificate.public_bytes(pem), 0o644)}
    for name in hostnames:
        router = enroll_router(ca, name, when, fork(rng, name), modulus)
        tp = router.trustpoints[SEED_CA_NAME]
        assert tp.certificate is not None
        key = next(iter(router.keys.values())).private_key
        private = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        files[cert_file(out, name).name] = (tp.certificate.public_bytes(pem), 0o644)
        files[key_file(out, name).name] = (private, 0o600)
    return write_files(out, files)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RouterPkiError(f"cannot read {path}: {exc.strerror}") from None


def load_pki(config: RouterConfig, folder: str | Path, timezone: dt.tzinfo) -> RouterPki:
    """The router's PKI from ``folder``: its key pair and, in each configured trustpoint, the
    CA certificate and the router's certificate (as ``authenticate`` + ``enroll`` would leave
    them).

    Raises:
        RouterPkiError: a file is missing or unreadable, or the key is not RSA.
    """
    where = Path(folder)
    ca = x509.load_pem_x509_certificate(_read(where / CA_CERT))
    cert = x509.load_pem_x509_certificate(_read(cert_file(where, config.hostname)))
    key = serialization.load_pem_private_key(_read(key_file(where, config.hostname)), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RouterPkiError(f"{key_file(where, config.hostname)}: not an RSA private key")
    pki = RouterPki(config.hostname, config.domain_name or "", timezone=timezone)
    if not config.trustpoints:
        raise RouterPkiError(f"{config.hostname}: no 'crypto pki trustpoint' in the config")
    for tp_config in config.trustpoints.values():
        tp = pki.add_trustpoint(tp_config.to_trustpoint())
        tp.ca_certificate, tp.certificate = ca, cert
        label = tp.rsakeypair or pki.fqdn
        pki.keys[label] = KeyPair(label, key.key_size, True, key)
    return pki
