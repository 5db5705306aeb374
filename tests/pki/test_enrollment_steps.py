"""The enrollment as steps (vpnteach.stepper.enrollment): the messages the seed lab carried,
in order, with decoded trees that openssl reads the same way.

References: ``openssl asn1parse`` (every TLV: offset, depth, header and contents lengths,
type; ``-strparse`` for the DER inside an OCTET STRING), ``openssl cms -cmsout -print``
(the signed attributes and the recipient), ``openssl req -verify`` (the CSR inside).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from vpnteach.lab import Lab
from vpnteach.pki.scep import MessageType, PkiStatus
from vpnteach.pki.scep.der import DerNode, type_name
from vpnteach.pki.show import fingerprint
from vpnteach.stepper import Step, StepKind
from vpnteach.stepper.enrollment import (
    DerLayer,
    FingerprintComparison,
    ScepExchange,
    enrollment_steps,
)

_Row = tuple[int | str, ...]
# openssl's names for the types walk_der names
_OPENSSL_TYPE = {
    "SEQUENCE": "SEQUENCE", "SET": "SET", "INTEGER": "INTEGER", "OBJECT IDENTIFIER": "OBJECT",
    "OCTET STRING": "OCTET STRING", "NULL": "NULL", "BIT STRING": "BIT STRING",
    "PrintableString": "PRINTABLESTRING", "UTF8String": "UTF8STRING", "IA5String": "IA5STRING",
    "UTCTime": "UTCTIME", "GeneralizedTime": "GENERALIZEDTIME", "BOOLEAN": "BOOLEAN",
}  # fmt: skip
_LINE = re.compile(r"\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:cons|prim):\s+(.+?)\s*(?::|$)")


@pytest.fixture(scope="module")
def lab() -> Lab:
    return Lab.seed(seed=2010)


@pytest.fixture(scope="module")
def branch1(lab: Lab) -> list[Step]:
    return enrollment_steps(lab, "Branch1")


def _exchange(step: Step) -> ScepExchange:
    assert isinstance(step.payload, ScepExchange)
    return step.payload


def test_the_enrollment_steps_come_in_protocol_order(lab: Lab, branch1: list[Step]) -> None:
    kinds = [s.kind for s in branch1]
    assert kinds == [StepKind.SCEP, StepKind.SCEP, StepKind.FINGERPRINT, StepKind.SCEP,
                     StepKind.SCEP]  # fmt: skip
    labels = [s.payload.label for s in branch1 if isinstance(s.payload, ScepExchange)]
    assert labels == ["GetCACert", "CA/RA certificates", "PKCSReq", "CertRep SUCCESS"]
    get, certs = _exchange(branch1[0]), _exchange(branch1[1])
    assert isinstance(get, ScepExchange) and get.operation == "GetCACert"
    assert (get.sender, get.receiver, certs.sender, certs.receiver) == (
        "Branch1", "WIN2003", "WIN2003", "Branch1")  # fmt: skip
    assert [s.time for s in branch1] == sorted(s.time for s in branch1)
    # both routers enrolled, Branch2 first (the seed's serials say so)
    both = enrollment_steps(lab)
    assert len(both) == 10 and both[0].actor == "Branch2"


def test_pkcs_req_and_cert_rep_belong_together(lab: Lab, branch1: list[Step]) -> None:
    req, rep = _exchange(branch1[3]), _exchange(branch1[4])
    assert req.message is not None and rep.message is not None
    assert req.message.message_type is MessageType.PKCS_REQ
    assert rep.message.message_type is MessageType.CERT_REP
    assert rep.message.pki_status is PkiStatus.SUCCESS
    assert rep.message.transaction_id == req.message.transaction_id
    assert rep.message.recipient_nonce == req.message.sender_nonce
    # the CSR inside the envelope carries Branch1's key; the certificate inside the CertRep
    # envelope is the one Branch1 installed
    router = lab.router("Branch1")
    installed = router.pki.trustpoint("WIN2003").certificate
    assert installed is not None and rep.certificates == (installed,)
    titles = [layer.title for layer in req.layers]
    assert titles == ["pkiMessage: SignedData", "pkcsPKIEnvelope: EnvelopedData",
                      "PKCS#10 certification request"]  # fmt: skip
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from vpnteach.pki.der import load_csr

    spki = PublicFormat.SubjectPublicKeyInfo
    csr_key = load_csr(req.layers[2].der).public_key().public_bytes(Encoding.DER, spki)
    assert csr_key == installed.public_key().public_bytes(Encoding.DER, spki)


def test_the_fingerprint_step_compares_what_the_router_showed(
    lab: Lab, branch1: list[Step]
) -> None:
    check = branch1[2].payload
    assert isinstance(check, FingerprintComparison) and check.match
    transcript = "\n".join(lab.router("Branch1").transcript)
    assert f"Fingerprint MD5: {check.received_md5}" in transcript
    assert f"Fingerprint SHA1: {check.received_sha1}" in transcript
    assert lab.ca is not None and check.published_sha1 == fingerprint(lab.ca.certificate, "sha1")
    # a man in the middle's CA would not match
    other = FingerprintComparison("Branch1", "00", "11", check.published_md5, check.published_sha1)
    assert not other.match


def _asn1parse(openssl: str, path: Path, strparse: int | None = None) -> list[_Row]:
    command = [openssl, "asn1parse", "-inform", "DER", "-in", str(path)]
    if strparse is not None:
        command += ["-strparse", str(strparse)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
    rows: list[_Row] = []
    for line in out.splitlines():
        match = _LINE.match(line)
        assert match is not None, line
        offset, depth, header, length, kind = match.groups()
        rows.append((int(offset), int(depth), int(header), int(length), _kind(kind)))
    return rows


def _kind(openssl_type: str) -> str:
    context = re.fullmatch(r"cont \[ (\d+) \]", openssl_type.strip())
    return f"[{context.group(1)}]" if context else openssl_type.split("[HEX DUMP]")[0].strip()


def _ours(node: DerNode, base: int, depth: int, rows: list[_Row],
          inner: list[DerNode]) -> None:  # fmt: skip
    """walk_der's nodes as asn1parse lists them; OCTET STRINGs walk_der opened go to
    ``inner`` (asn1parse shows them as one primitive: they are checked with -strparse)."""
    name = type_name(node.tag)
    kind = name if name.startswith("[") else _OPENSSL_TYPE.get(name, name)
    rows.append((node.offset - base, depth, node.header_length, node.length, kind))
    if node.tag == 0x04 and node.children:
        inner.append(node)
        return
    for child in node.children:
        _ours(child, base, depth + 1, rows, inner)


def _check_layer(openssl: str, layer: DerLayer, tmp_path: Path) -> int:
    path = tmp_path / "layer.der"
    path.write_bytes(layer.der)
    rows: list[_Row] = []
    inner: list[DerNode] = []
    _ours(layer.tree, 0, 0, rows, inner)
    assert rows == _asn1parse(openssl, path), layer.title
    checked = len(rows)
    while inner:
        octets = inner.pop()
        rows = []
        for child in octets.children:
            _ours(child, octets.offset + octets.header_length, 0, rows, inner)
        assert rows == _asn1parse(openssl, path, octets.offset), f"{layer.title} {octets.name}"
        checked += len(rows)
    return checked


def test_every_layer_tree_matches_openssl_asn1parse(
    lab: Lab, branch1: list[Step], openssl: str, tmp_path: Path
) -> None:
    layers = [layer for s in branch1 if isinstance(s.payload, ScepExchange)
              for layer in s.payload.layers]  # fmt: skip
    assert len(layers) == 7  # certs-only; SignedData, EnvelopedData, CSR; the same + certs-only
    checked = sum(_check_layer(openssl, layer, tmp_path) for layer in layers)
    assert checked > 500


def _cms_print(openssl: str, der: bytes, tmp_path: Path) -> str:
    path = tmp_path / "cms.der"
    path.write_bytes(der)
    command = [openssl, "cms", "-inform", "DER", "-cmsout", "-print", "-in", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


def _attribute(printed: str, oid: str) -> str:
    """The value line openssl prints under the signed attribute ``oid``."""
    after = printed.split(f"({oid})", 1)[1]
    return after.split("set:", 1)[1].strip().splitlines()[0].strip()


def _octets(printed: str, oid: str) -> bytes:
    """An OCTET STRING attribute's hex dump lines (``0000 - 4f 1a ...``) as bytes."""
    after = printed.split(f"({oid})", 1)[1].split("object:", 1)[0]
    dump = re.findall(r"^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]?)+)", after, re.MULTILINE)
    return bytes.fromhex("".join(d.replace("-", " ") for d in dump))


def test_openssl_cms_print_shows_the_decoded_attributes(
    lab: Lab, branch1: list[Step], openssl: str, tmp_path: Path
) -> None:
    req, rep = _exchange(branch1[3]), _exchange(branch1[4])
    for exchange, status in ((req, None), (rep, "0")):
        message = exchange.message
        assert message is not None
        printed = _cms_print(openssl, exchange.body, tmp_path)
        assert "contentType: pkcs7-signedData" in printed
        kind = _attribute(printed, "2.16.840.1.113733.1.9.2")
        assert kind == f"PRINTABLESTRING:{message.message_type.value}"
        tid = _attribute(printed, "2.16.840.1.113733.1.9.7")
        assert tid == f"PRINTABLESTRING:{message.transaction_id}"
        assert _octets(printed, "2.16.840.1.113733.1.9.5") == message.sender_nonce
        if status is not None:
            assert _attribute(printed, "2.16.840.1.113733.1.9.3") == f"PRINTABLESTRING:{status}"
            assert _octets(printed, "2.16.840.1.113733.1.9.6") == message.recipient_nonce
        envelope = _cms_print(openssl, exchange.layers[1].der, tmp_path)
        assert "contentType: pkcs7-envelopedData" in envelope
    # the PKCSReq is enveloped to the RA certificate the CA sent
    ca = lab.ca
    assert ca is not None and ca.ra_certificate is not None
    envelope = _cms_print(openssl, req.layers[1].der, tmp_path)
    assert f"serialNumber: {ca.ra_certificate.serial_number}" in envelope
    assert "aes-128-cbc" in envelope


def test_openssl_verifies_the_csr_inside_the_envelope(
    branch1: list[Step], openssl: str, tmp_path: Path
) -> None:
    csr = tmp_path / "csr.der"
    csr.write_bytes(_exchange(branch1[3]).layers[2].der)
    out = subprocess.run(
        [openssl, "req", "-inform", "DER", "-in", str(csr), "-noout", "-verify", "-subject"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert "unstructuredName" in out.stdout and "Branch1.amit.com" in out.stdout
    assert "verify OK" in out.stdout + out.stderr


def test_the_steps_render_without_the_notebook_views(branch1: list[Step]) -> None:
    import vpnteach.ui  # noqa: F401 - registers the rich views

    for step in branch1:
        html = step.payload._repr_html_()  # type: ignore[attr-defined]
        assert html.startswith("<div class='vpnteach-card'"), step.title
    req = _exchange(branch1[3])
    assert "CertificationRequest" in req._repr_html_()
    assert "hex dump" in req.layers[2]._repr_html_()
