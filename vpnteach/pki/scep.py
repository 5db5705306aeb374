"""SCEP-style messages between a router and the CA, as plain request/response values.

The seed's routers enroll over SCEP (draft-nourse-scep, later RFC 8894) with the Windows
Server 2003 "SCEP add-on" (mscep.dll) acting as a Registration Authority. The operations used:

* ``GetCACert`` (RFC 8894 §4.2): the router fetches the CA certificate before
  ``crypto pki authenticate`` shows its fingerprints;
* ``PKCSReq`` / ``CertRep`` (RFC 8894 §3.3, §4.3): the router sends a PKCS#10 CSR, the CA
  answers with the issued certificate (``pkiStatus`` SUCCESS or FAILURE with a ``failInfo``);
* ``GetCRL`` (RFC 8894 §4.5, here by distribution point URL as a router does over HTTP).

Bodies are DER bytes so that the simulated network can carry them. The real protocol wraps them
in PKCS#7 ``signedData``/``envelopedData``; this layer leaves the envelopes out (they add no
step to the story the seed tells).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from vpnteach._html import HtmlRepr


class PkiStatus(enum.Enum):
    """``pkiStatus`` of a CertRep (RFC 8894 §3.2.1.3)."""

    SUCCESS = 0
    FAILURE = 2
    PENDING = 3


class FailInfo(enum.Enum):
    """``failInfo`` of a failed CertRep (RFC 8894 §3.2.1.4)."""

    BAD_ALG = 0
    BAD_MESSAGE_CHECK = 1
    BAD_REQUEST = 2
    BAD_TIME = 3
    BAD_CERT_ID = 4


@dataclass(frozen=True)
class GetCACert(HtmlRepr):
    """``GET <enrollment url>?operation=GetCACert&message=<ca name>``."""

    url: str
    ca_name: str = ""


@dataclass(frozen=True)
class CACertResponse(HtmlRepr):
    """The answer to GetCACert: the CA certificate (RA mode: the RA certificates follow it)."""

    certificates_der: tuple[bytes, ...]

    @property
    def ca_certificate_der(self) -> bytes:
        """The CA certificate itself (the first one)."""
        return self.certificates_der[0]


@dataclass(frozen=True)
class PKCSReq(HtmlRepr):
    """A certificate request: the router's PKCS#10 CSR (DER) sent to the enrollment URL."""

    url: str
    csr_der: bytes
    transaction_id: str = ""


@dataclass(frozen=True)
class CertRep(HtmlRepr):
    """The CA's answer to PKCSReq: the certificate on SUCCESS, a failInfo and text otherwise."""

    status: PkiStatus
    certificate_der: bytes = b""
    fail_info: FailInfo | None = None
    reason: str = ""
    transaction_id: str = ""


@dataclass(frozen=True)
class GetCRL(HtmlRepr):
    """A CRL fetch from a CRL distribution point URL (HTTP GET of ``.../WIN2003.crl``)."""

    url: str


@dataclass(frozen=True)
class CRLResponse(HtmlRepr):
    """The CRL, DER; empty with ``found=False`` when the URL is not one the CA publishes at."""

    crl_der: bytes
    found: bool = True


ScepRequest = GetCACert | PKCSReq | GetCRL
ScepResponse = CACertResponse | CertRep | CRLResponse
