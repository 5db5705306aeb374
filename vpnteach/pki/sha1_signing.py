"""Certificates and CRLs signed with ``sha1WithRSAEncryption``, as a Windows 2003 CA signs them.

The seed's CA (Windows Server 2003) signed with SHA-1 ("sha1RSA"). ``cryptography``'s
builders refuse SHA-1 for signatures, so this module builds the to-be-signed part with
asn1crypto and signs it itself (RFC 5280 §4.1.1.2-§4.1.1.3, RFC 3279 §2.2.1):

1. the extensions, names and key are first assembled by ``cryptography``'s builder (signed
   with SHA-256, a signature thrown away);
2. asn1crypto re-reads that ``TBSCertificate`` (``TBSCertList``), sets its ``signature``
   AlgorithmIdentifier to sha1WithRSAEncryption (1.2.840.113549.1.1.5, parameters NULL) and
   re-encodes it -- the field must equal the outer ``signatureAlgorithm`` (RFC 5280
   §4.1.2.3);
3. the CA key signs that DER with RSASSA-PKCS1-v1_5 over SHA-1, and asn1crypto assembles
   ``Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }``.

SHA-1 is **weak**: chosen-prefix collisions are practical (SHAttered 2017, Shambles 2020),
which is how forged CA certificates were made (the 2008 MD5 rogue CA). SHA-256 stays the
default; :func:`signature_text` flags SHA-1 wherever a signature algorithm is shown.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import crl as acrl
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SHA1_RSA = "1.2.840.113549.1.1.5"
WEAK_NOTE = "WEAK: SHA-1 collisions are practical (SHAttered 2017); the default is SHA-256"
_DER = serialization.Encoding.DER


def _sha1_algorithm() -> ax509.SignedDigestAlgorithm:
    return ax509.SignedDigestAlgorithm({"algorithm": "sha1_rsa", "parameters": None})


def _sign_tbs_sha1(tbs: Any, ca_key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    """Steps 2 and 3 of the module docstring for a TBSCertificate or TBSCertList: its DER
    re-encoded with the sha1WithRSAEncryption ``signature`` field, and the CA's signature."""
    tbs["signature"] = _sha1_algorithm()
    tbs_der: bytes = tbs.dump(force=True)
    return tbs_der, ca_key.sign(tbs_der, padding.PKCS1v15(), hashes.SHA1())


def resign_certificate_sha1(cert: x509.Certificate, ca_key: rsa.RSAPrivateKey) -> x509.Certificate:
    """``cert`` with its TBSCertificate re-signed by ``ca_key`` using sha1WithRSAEncryption."""
    parsed = ax509.Certificate.load(cert.public_bytes(_DER))
    tbs_der, signature = _sign_tbs_sha1(parsed["tbs_certificate"], ca_key)
    signed = ax509.Certificate(
        {
            "tbs_certificate": ax509.TbsCertificate.load(tbs_der),
            "signature_algorithm": _sha1_algorithm(),
            "signature_value": signature,
        }
    )
    return x509.load_der_x509_certificate(signed.dump())


def resign_crl_sha1(
    crl: x509.CertificateRevocationList, ca_key: rsa.RSAPrivateKey
) -> x509.CertificateRevocationList:
    """``crl`` with its TBSCertList re-signed using sha1WithRSAEncryption (RFC 5280 §5.1)."""
    parsed = acrl.CertificateList.load(crl.public_bytes(_DER))
    tbs_der, signature = _sign_tbs_sha1(parsed["tbs_cert_list"], ca_key)
    signed = acrl.CertificateList(
        {
            "tbs_cert_list": acrl.TbsCertList.load(tbs_der),
            "signature_algorithm": _sha1_algorithm(),
            "signature": signature,
        }
    )
    return x509.load_der_x509_crl(signed.dump())


def signature_text(cert: x509.Certificate | x509.CertificateRevocationList) -> str:
    """The signature algorithm's name, flagged when weak (``sha1WithRSAEncryption (WEAK...)``)."""
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", oid.dotted_string)
    if oid.dotted_string == SHA1_RSA:
        return f"sha1WithRSAEncryption ({WEAK_NOTE})"
    return "sha256WithRSAEncryption" if name == "sha256WithRSAEncryption" else str(name)
