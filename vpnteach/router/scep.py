"""A real router enrolling over real HTTP (RFC 8894): ``vpnteach router enroll --scep URL``.

What ``crypto pki authenticate`` + ``crypto pki enroll`` do on IOS, against any SCEP server
(``vpnteach ca serve``, NDES, ...), with the router's configuration for names:

1. ``GET ?operation=GetCACaps`` and ``GET ?operation=GetCACert``: the CA (+ RA) certificates,
   over plain, unauthenticated HTTP -- so the CA certificate's fingerprints are printed as IOS
   prints them and, with ``--fingerprint``, compared with the one the operator read out of
   band (RFC 8894 §2.2); a mismatch stops here;
2. a fresh RSA key, the IOS-like CSR (``unstructuredName=<fqdn>``, SAN dNSName) with the
   challenge password, enveloped to the RA and signed with a throwaway self-signed
   certificate (:class:`vpnteach.pki.scep.client.ScepRequester`), ``POST``-ed as PKIOperation;
3. the CertRep checked (RA signature, our nonce) and opened; PENDING is polled with CertPoll;
4. the files ``vpnteach router run --pki DIR`` loads: ``ca.cert.pem``, ``<host>.cert.pem``,
   ``<host>.key.pem`` (0600).

This runs before ``router run`` (the running router process loads the files), not from its
console.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.crypto.rng import OsRng
from vpnteach.ios.model import RouterConfig
from vpnteach.pki.errors import PkiError
from vpnteach.pki.keys import KeyPair, rsa_private_key
from vpnteach.pki.scep import PkiStatus
from vpnteach.pki.scep.client import ScepRequester
from vpnteach.pki.scep.message import ca_certificates
from vpnteach.pki.show import fingerprint as cert_fingerprint
from vpnteach.pki.trustpoint import build_csr
from vpnteach.router.pki import CA_CERT, cert_file, key_file

PEM = serialization.Encoding.PEM
TIMEOUT_S = 30.0


class ScepEnrollError(PkiError):
    """Enrollment over HTTP failed: says at which step and why."""


def _http(url: str, body: bytes | None = None) -> tuple[bytes, str]:
    """(body, Content-Type) of a GET, or of a POST when ``body`` is given."""
    headers = {"Content-Type": "application/x-pki-message"} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:
            return reply.read(1 << 20), reply.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise ScepEnrollError(f"{url.split('?')[0]}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ScepEnrollError(f"cannot reach {url.split('?')[0]}: {exc}") from None


def authenticate(
    url: str, fingerprint: str | None, say: Callable[[str], None]
) -> tuple[x509.Certificate, ...]:
    """GetCACert; the fingerprints shown, and checked against ``fingerprint`` (SHA-1 hex)."""
    say(f"GetCACaps: {' '.join(_http(f'{url}?operation=GetCACaps')[0].decode().split())}")
    body, content_type = _http(f"{url}?operation=GetCACert")
    certs = ca_certificates(body, content_type)
    ca = next((c for c in certs if c.issuer == c.subject), certs[0])
    shown_sha1 = cert_fingerprint(ca, "sha1")
    sha1 = shown_sha1.replace(" ", "").lower()
    say("Certificate has the following attributes:")
    say(f"Fingerprint MD5: {cert_fingerprint(ca, 'md5')}")
    say(f"Fingerprint SHA1: {shown_sha1}")
    if fingerprint is not None:
        wanted = "".join(fingerprint.split()).replace(":", "").lower()
        if wanted != sha1:
            raise ScepEnrollError(
                f"the CA certificate's SHA1 fingerprint {sha1.upper()} is not the expected "
                f"{wanted.upper()}: refused (someone between us and the CA?)"
            )
        say("Fingerprint matches the expected one: CA certificate accepted.")
    else:
        say("% No --fingerprint to compare with: accepted unchecked (compare it out of band)")
    return certs


def enroll(
    config: RouterConfig,
    folder: Path,
    password: str,
    *,
    url: str | None = None,
    fingerprint: str | None = None,
    modulus: int = 1024,
    poll_s: float = 2.0,
    max_poll_s: float = 120.0,
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Authenticate the CA, enroll ``config``'s router, write the PEM files; the files.

    Raises:
        ScepEnrollError: unreachable CA, fingerprint mismatch, FAILURE, or polling timed out.
    """
    if not config.trustpoints:
        raise ScepEnrollError(f"{config.hostname}: no 'crypto pki trustpoint' in the config")
    tp = next(iter(config.trustpoints.values()))
    url = url or tp.enrollment_url
    if not url:
        raise ScepEnrollError(f"trustpoint {tp.name}: no enrollment url (give --scep URL)")
    certs = authenticate(url, fingerprint, say)
    fqdn = config.fqdn
    key = rsa_private_key(modulus, OsRng())
    csr = build_csr(fqdn, KeyPair(tp.rsakeypair or fqdn, modulus, True, key), None, password)
    requester = ScepRequester(key, x509.load_der_x509_csr(csr).subject, certs, OsRng())
    tid = requester.transaction_id[:16]
    say(f"% Certificate request sent to Certificate Authority (transaction {tid}...)")
    now = dt.datetime.now(dt.timezone.utc)
    result = requester.read_cert_rep(
        _http(f"{url}?operation=PKIOperation", requester.pkcs_req(csr, now))[0]
    )
    deadline = time.monotonic() + max_poll_s
    while result.status is PkiStatus.PENDING:
        if time.monotonic() > deadline:
            raise ScepEnrollError(f"still PENDING after {max_poll_s:.0f} s (approve it on the CA)")
        say("% Certificate request pending: polling (CertPoll)")
        time.sleep(poll_s)
        poll = requester.cert_poll(dt.datetime.now(dt.timezone.utc))
        result = requester.read_cert_rep(_http(f"{url}?operation=PKIOperation", poll)[0])
    if result.status is not PkiStatus.SUCCESS or result.certificate is None:
        why = result.fail_info.rfc_name if result.fail_info else "no certificate"
        raise ScepEnrollError(f"% Certificate enrollment failed: FAILURE {why}")
    say("%PKI-6-CERTRET: Certificate received from Certificate Authority")
    return _write(folder, config.hostname, certs, result.certificate, key)


def _write(
    folder: Path,
    hostname: str,
    certs: tuple[x509.Certificate, ...],
    cert: x509.Certificate,
    key: rsa.RSAPrivateKey,
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ca = next((c for c in certs if c.issuer == c.subject), certs[0])
    (folder / CA_CERT).write_bytes(ca.public_bytes(PEM))
    cert_file(folder, hostname).write_bytes(cert.public_bytes(PEM))
    path = key_file(folder, hostname)
    if path.exists() or path.is_symlink():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    return [folder / CA_CERT, cert_file(folder, hostname), path]
