"""The lab's enrollment carries RFC 8894 messages as HTTP/1.0 over the simulated network.

Branch1's PKCSReq and the CA's CertRep are captured on the HQ link (ISP <-> WIN2003) and
read back: HTTP/1.0 around a CMS pkiMessage that the RA key opens to Branch1's CSR, and a
CertRep that Branch1's key opens to the certificate ``show crypto pki certificates`` shows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from vpnteach.lab import Lab
from vpnteach.pki.scep import MessageType, PkiStatus
from vpnteach.pki.scep.cms import read_signed
from vpnteach.pki.scep.message import decode_pki_message

UDP_PAYLOAD = 28  # IPv4 header (20, no options) + UDP header (8)


@pytest.fixture(scope="module")
def exchange() -> tuple[Lab, bytes, bytes]:
    """(lab, HTTP request datagram, HTTP response datagram) of Branch1 enrolling again (the
    CA issues a new certificate: request ID 10 after the seed's 8 and 9)."""
    lab = Lab.seed()
    capture = lab.capture("HQ")
    lab.branch1.exec("crypto pki enroll WIN2003")
    request, reply = (r.packet[UDP_PAYLOAD:] for r in capture.records)
    return lab, request, reply


def _body(http: bytes) -> bytes:
    return http.partition(b"\r\n\r\n")[2]


def test_the_request_is_an_http_post_of_a_pkcsreq_the_ra_opens(
    exchange: tuple[Lab, bytes, bytes],
) -> None:
    lab, request, _ = exchange
    assert request.startswith(b"POST /certsrv/mscep/mscep.dll?operation=PKIOperation HTTP/1.0\r\n")
    assert b"\r\nHost: 192.168.1.9\r\n" in request
    assert lab.ca is not None and lab.ca.ra_private_key is not None
    message = decode_pki_message(_body(request), private_key=lab.ca.ra_private_key)
    assert message.message_type is MessageType.PKCS_REQ and message.problem == ""
    csr = x509.load_der_x509_csr(message.message_data)
    assert "Branch1.amit.com" in csr.subject.rfc4514_string()
    key = lab.branch1.pki.keys["BRANCH_KEY"].public_key
    assert message.signer is not None and message.signer.public_key() == key  # self-signed


def test_the_certrep_opens_with_branch1s_key_to_its_certificate(
    exchange: tuple[Lab, bytes, bytes],
) -> None:
    lab, _, reply = exchange
    assert reply.startswith(b"HTTP/1.0 200 OK\r\nContent-Type: application/x-pki-message\r\n")
    key = lab.branch1.pki.keys["BRANCH_KEY"].private_key
    message = decode_pki_message(_body(reply), private_key=key)
    assert (message.message_type, message.pki_status) == (MessageType.CERT_REP, PkiStatus.SUCCESS)
    assert lab.ca is not None and message.signer == lab.ca.ra_certificate
    (cert,) = read_signed(message.message_data).certificates
    assert cert == lab.branch1.pki.trustpoint("WIN2003").certificate
    assert cert.serial_number & 0xFFFFFFFF == 10  # Windows serial: CA request ID 10 (8, 9 seed)


def test_openssl_reads_the_lab_messages(
    exchange: tuple[Lab, bytes, bytes], tmp_path: Path, openssl: str
) -> None:
    _, request, reply = exchange
    for name, http in (("req", request), ("rep", reply)):
        (tmp_path / name).write_bytes(_body(http))
        printed = subprocess.run(
            [openssl, "cms", "-inform", "DER", "-in", str(tmp_path / name), "-cmsout", "-print"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert printed.returncode == 0 and "pkcs7-signedData" in printed.stdout, printed.stderr
