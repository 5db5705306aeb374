"""Parties of the SCEP tests: a small CA with an RA key, and a requester with its throwaway
self-signed certificate (RFC 8894 §2.3). Keys are 1024-bit and seeded (cached): fast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vpnteach.crypto.rng import SeededRng
from vpnteach.pki.ca import CaServer
from vpnteach.pki.keys import rsa_private_key
from vpnteach.pki.scep.cms import Signer
from vpnteach.pki.scep.message import build_csr, self_signed

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PASSWORD = "5E1D0C3B2A190807"


@dataclass
class Parties:
    """The CA (also the RA here: the server tests add real RA certificates) and a client."""

    ca: CaServer
    client_key: rsa.RSAPrivateKey
    client_cert: x509.Certificate
    subject: x509.Name
    rng: SeededRng

    @property
    def client(self) -> Signer:
        return Signer(self.client_cert, self.client_key)

    @property
    def ca_signer(self) -> Signer:
        return Signer(self.ca.certificate, self.ca.private_key)

    def csr(self, password: str = PASSWORD) -> bytes:
        return build_csr(self.client_key, self.subject, password)


def make_parties(seed: int = 11) -> Parties:
    rng = SeededRng(seed)
    ca = CaServer.create(
        "TESTCA",
        "cn=TESTCA,dc=amit,dc=com",
        NOW - dt.timedelta(days=1),
        rng.fork("ca"),
        key_bits=1024,
        ra_mode=False,
        cdp_urls=("http://127.0.0.1/CertEnroll/TESTCA.crl",),
    )
    key = rsa_private_key(1024, rng.fork("client"))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "branch1.amit.com")])
    return Parties(ca, key, self_signed(key, subject, NOW, 0x5CE9), subject, rng.fork("msgs"))
