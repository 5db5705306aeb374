"""Fuzz the PKI paths that take bytes from the network (vpnteach.pki).

The first input byte picks the mode (mod 4):

0. ``validate_certificate(bytes, CA, now, identity=...)`` - a CERT payload's data as the
   responder checks it in MM5; it must never raise, only fail a check item;
1. ``load_csr`` and ``CaServer.issue`` - a SCEP PKCSReq's CSR; only ``PkiError`` may escape;
2. ``load_crl`` - a CRL from the distribution point; only ``MalformedInputError``;
3. the fuzzed bytes as the *CRL* next to Branch2's real certificate, revocation-check ``crl``:
   ``validate_certificate`` must still never raise.

Seeds: the seed PKI's real certificates (router and CA), Branch1's CSR and a CRL.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from ipaddress import IPv4Address
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from cryptography.hazmat.primitives.serialization import Encoding

from fuzz._harness import main
from tests.ike.harness import seed_pki
from vpnteach.pki.ca import CaServer
from vpnteach.pki.der import load_crl, load_csr
from vpnteach.pki.errors import MalformedInputError, PkiError
from vpnteach.pki.validation import CertificateCheck, Identity, validate_certificate

NAME = "pki"
NOW = dt.datetime(2010, 6, 6, 10, 21, 50, tzinfo=dt.timezone.utc)
IDENTITIES: tuple[Identity | None, ...] = (
    "Branch2.amit.com",
    IPv4Address("10.2.2.1"),
    b"\x30\x00",
    None,
)


@functools.cache
def ca() -> CaServer:
    """The seed CA (key generation is cached by the harness)."""
    return seed_pki().ca


def _certificate(data: bytes, identity: Identity | None) -> None:
    check = validate_certificate(data, ca().certificate, NOW, identity=identity)
    if not isinstance(check, CertificateCheck):
        raise AssertionError(f"validate_certificate returned {check!r}")


def _csr(data: bytes) -> None:
    try:
        load_csr(data)
    except MalformedInputError:
        return
    with contextlib.suppress(PkiError):
        ca().issue(data, NOW)


def _crl(data: bytes) -> None:
    with contextlib.suppress(MalformedInputError):
        load_crl(data)


def _crl_check(data: bytes) -> None:
    try:
        crl = load_crl(data)
    except MalformedInputError:
        return
    cert = seed_pki().routers["Branch2"].trustpoints["WIN2003"].certificate
    assert cert is not None
    validate_certificate(cert, ca().certificate, NOW, crl=crl, revocation_check="crl")


def test_one_input(data: bytes) -> None:
    """One input: the first byte picks the mode (and, for mode 0, the identity)."""
    if not data:
        return
    mode, body = data[0] % 4, data[1:]
    if mode == 0:
        _certificate(body, IDENTITIES[(data[0] >> 2) % len(IDENTITIES)])
    elif mode == 1:
        _csr(body)
    elif mode == 2:
        _crl(body)
    else:
        _crl_check(body)


def seeds() -> list[bytes]:
    """Real DER: the routers' and the CA's certificates, a CSR, a CRL."""
    pki = seed_pki()
    certs = [ca().certificate]
    for router in pki.routers.values():
        certs += [c for t in router.trustpoints.values() if (c := t.certificate) is not None]
    found = [bytes([0]) + c.public_bytes(Encoding.DER) for c in certs]
    found.append(bytes([0]) + certs[-1].public_bytes(Encoding.PEM))
    found.append(bytes([1]) + pki.routers["Branch1"].enrollment_request("WIN2003").csr_der)
    crl = ca().crl or ca().publish_crl(NOW)
    der = crl.public_bytes(Encoding.DER)
    found += [bytes([2]) + der, bytes([3]) + der]
    return found


if __name__ == "__main__":
    main(NAME, test_one_input, seeds)
