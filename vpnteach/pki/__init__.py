"""PKI: the CA, router key pairs, trustpoints, enrollment, validation and ``show`` output.

The first half of the seed tutorial: a Windows Server 2003 CA (``WIN2003``, SCEP in RA mode),
routers that generate RSA keys, authenticate the CA by its fingerprints, enroll with a PKCS#10
request, and validate a peer's certificate as a checklist (:class:`CertificateCheck`).
"""

from __future__ import annotations

from vpnteach.pki.ca import AEST, CaServer, seed_ca, windows_serial
from vpnteach.pki.certinfo import CertificateInfo, certificate_info
from vpnteach.pki.der import load_certificate, load_crl, load_csr
from vpnteach.pki.errors import (
    EnrollmentError,
    KeyNotExportableError,
    KeyNotFoundError,
    MalformedInputError,
    PkiError,
    TrustpointError,
)
from vpnteach.pki.keys import KeyPair, generate_key_pair
from vpnteach.pki.scep import CACertResponse, CertRep, CRLResponse, GetCACert, GetCRL, PKCSReq
from vpnteach.pki.seed import SeedPki, build_seed_pki
from vpnteach.pki.trustpoint import AuthenticateResult, RouterPki, Trustpoint
from vpnteach.pki.validation import (
    CertificateCheck,
    CheckItem,
    fqdn_in_certificate,
    identity_in_certificate,
    ipv4_in_certificate,
    validate_certificate,
)

__all__ = [
    "AEST",
    "AuthenticateResult",
    "CACertResponse",
    "CRLResponse",
    "CaServer",
    "CertRep",
    "CertificateCheck",
    "CertificateInfo",
    "CheckItem",
    "EnrollmentError",
    "GetCACert",
    "GetCRL",
    "KeyNotExportableError",
    "KeyNotFoundError",
    "KeyPair",
    "MalformedInputError",
    "PKCSReq",
    "PkiError",
    "RouterPki",
    "SeedPki",
    "Trustpoint",
    "TrustpointError",
    "build_seed_pki",
    "certificate_info",
    "fqdn_in_certificate",
    "generate_key_pair",
    "identity_in_certificate",
    "ipv4_in_certificate",
    "load_certificate",
    "load_crl",
    "load_csr",
    "seed_ca",
    "validate_certificate",
    "windows_serial",
]
