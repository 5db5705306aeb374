"""SCEP (RFC 8894): the lab's request/response values here, the real CMS messages in submodules.

The submodules (imported on demand: asn1crypto costs ~35 ms to import, ``import vpnteach``
stays light):

* :mod:`vpnteach.pki.scep.der` -- a DER TLV walker that records field spans for hex dumps;
* :mod:`vpnteach.pki.scep.cms` -- SignedData / EnvelopedData (RFC 5652) built with asn1crypto,
  signed and encrypted with ``cryptography``;
* :mod:`vpnteach.pki.scep.message` -- the SCEP pkiMessage (RFC 8894 §3.2): PKCSReq, CertPoll,
  GetCert, GetCRL, CertRep; GetCACert's certs-only answer; GetCACaps;
* :mod:`vpnteach.pki.scep.csr` -- PKCS#10 requests read strictly, or leniently when a client
  sends valid BER that is not DER;
* :mod:`vpnteach.pki.scep.server` -- the CA/RA side (NDES-like RA mode, challenge passwords,
  manual approval), sans-IO; :mod:`vpnteach.pki.scep.routes` -- its HTTP routes, sans-IO;
* :mod:`vpnteach.pki.scep.client` -- the requester side (build requests, check CertReps).

The values below are what the lab's simulated network carries today:

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

    @property
    def rfc_name(self) -> str:
        """The RFC's name: ``badAlg``, ``badMessageCheck``, ``badRequest``, ..."""
        head, *rest = self.name.lower().split("_")
        return head + "".join(word.capitalize() if word != "id" else "Id" for word in rest)


class MessageType(enum.Enum):
    """``messageType`` of a pkiMessage (RFC 8894 §3.2.1.2), a decimal PrintableString."""

    CERT_REP = 3
    RENEWAL_REQ = 17
    PKCS_REQ = 19
    CERT_POLL = 20
    GET_CERT = 21
    GET_CRL = 22


# RFC 8894 §3.2.1: id-VeriSign 2.16.840.1.113733, id-pki = id-VeriSign 1, id-attributes = id-pki 9
ID_ATTRIBUTES = "2.16.840.1.113733.1.9"
OID_MESSAGE_TYPE = ID_ATTRIBUTES + ".2"
OID_PKI_STATUS = ID_ATTRIBUTES + ".3"
OID_FAIL_INFO = ID_ATTRIBUTES + ".4"
OID_SENDER_NONCE = ID_ATTRIBUTES + ".5"
OID_RECIPIENT_NONCE = ID_ATTRIBUTES + ".6"
OID_TRANSACTION_ID = ID_ATTRIBUTES + ".7"
SCEP_ATTRIBUTE_NAMES = {
    OID_MESSAGE_TYPE: "messageType",
    OID_PKI_STATUS: "pkiStatus",
    OID_FAIL_INFO: "failInfo",
    OID_SENDER_NONCE: "senderNonce",
    OID_RECIPIENT_NONCE: "recipientNonce",
    OID_TRANSACTION_ID: "transactionID",
}


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
    pki_message: bytes = b""  # the RFC 8894 pkiMessage (CMS) that carries the CSR


@dataclass(frozen=True)
class CertRep(HtmlRepr):
    """The CA's answer to PKCSReq: the certificate on SUCCESS, a failInfo and text otherwise."""

    status: PkiStatus
    certificate_der: bytes = b""
    fail_info: FailInfo | None = None
    reason: str = ""
    transaction_id: str = ""
    pki_message: bytes = b""  # the CertRep pkiMessage as received (CMS)


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
