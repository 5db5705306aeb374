"""The enrollment as steps: the SCEP messages ``crypto pki authenticate`` and ``crypto pki
enroll`` put on the lab's network, decoded layer by layer (RFC 8894).

The lab's routers enroll while :meth:`Lab.seed <vpnteach.lab.Lab.seed>` builds the lab, over
the simulated network (HTTP/1.0 in one UDP datagram each way: :mod:`vpnteach.labs.scep_udp`).
:func:`enrollment_steps` reads those datagrams back from the network's event log -- each at
the moment it reached its destination -- and makes one :class:`~vpnteach.stepper.step.Step`
per message, plus the fingerprint comparison a learner must make after GetCACert:

1. **GetCACert** (RFC 8894 §4.2): a plain HTTP GET, nothing signed;
2. **the CA and RA certificates** (§4.2.1.2): a degenerate certs-only SignedData (§3.4);
3. **the fingerprint check** (§2.2): GetCACert is unauthenticated, so the operator compares
   the fingerprint the router shows with one obtained out of band from the CA's
   administrator (the CA's own certificate, read on the CA);
4. **PKCSReq** (§3.3.1): a SignedData (signed with a throwaway self-signed certificate of the
   router's key, §2.3) whose content is an EnvelopedData (encrypted to the RA's encryption
   certificate, §3.2.2) whose plaintext is the PKCS#10 request -- each layer a DER tree with
   field spans (:mod:`vpnteach.pki.scep.der`), opened with the RA's key as the CA does;
5. **CertRep** (§3.3.2): signed by the RA, enveloped to the router's self-signed
   certificate, opened with the router's key: a certs-only SignedData with the certificate.

Nothing here computes a protocol value: the bytes are the ones the lab carried.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography import x509

from vpnteach._html import HtmlRepr
from vpnteach.ike.debuglog import ios_time
from vpnteach.labs.scep_udp import SCEP_PORT, ScepTransportError, parse_head
from vpnteach.net.sim.events import PacketDelivered
from vpnteach.pki.errors import ScepError
from vpnteach.pki.show import fingerprint
from vpnteach.stepper.step import Step, StepKind
from vpnteach.wire.errors import DecodeError
from vpnteach.wire.ip import IpProtocol, decode_ipv4, decode_udp

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from vpnteach.lab import Lab
    from vpnteach.pki.scep.der import DerNode
    from vpnteach.pki.scep.message import PkiMessage
    from vpnteach.wire.buffer import Span


@dataclass(frozen=True)
class DerLayer(HtmlRepr):
    """One CMS or PKCS#10 layer of a SCEP message, as a DER tree with offsets.

    Attributes:
        title: what the layer is (``"pkcsPKIEnvelope: EnvelopedData"``).
        der: its bytes; tree: :func:`~vpnteach.pki.scep.der.walk_der` of them.
        where: how it was reached (the HTTP body, an eContent, a decryption).
        rfc: the section that defines it.
    """

    title: str
    der: bytes = field(repr=False)
    tree: DerNode = field(repr=False)
    where: str
    rfc: str

    def spans(self) -> list[Span]:
        """The layer's field spans, in the ISAKMP codec's form (the leaves tile ``der``)."""
        from vpnteach.pki.scep.der import der_spans

        return der_spans(self.tree)


@dataclass(frozen=True)
class ScepExchange(HtmlRepr):
    """One SCEP HTTP message as it arrived, decoded.

    Attributes:
        label: ``GetCACert``, ``CA/RA certificates``, ``PKCSReq``, ``CertRep``.
        head: the HTTP request or status line and headers, as sent.
        body: the HTTP body (the CMS message; empty for a GET).
        layers: the body's layers, outermost first (opened envelopes included).
        message: the decoded pkiMessage (PKCSReq, CertRep), ``None`` otherwise.
        certificates: the certificates the message delivers (CA/RA, or the issued one).
    """

    label: str
    sender: str
    receiver: str
    head: str
    body: bytes = field(repr=False)
    layers: tuple[DerLayer, ...] = field(default=(), repr=False)
    message: PkiMessage | None = field(default=None, repr=False)
    certificates: tuple[x509.Certificate, ...] = field(default=(), repr=False)

    @property
    def operation(self) -> str:
        """The ``operation=`` of a request (``""`` for a response)."""
        target = self.head.split(" ", 2)[1] if not self.head.startswith("HTTP/") else ""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        return query.get("operation", [""])[0]


@dataclass(frozen=True)
class FingerprintComparison(HtmlRepr):
    """What the operator compares after GetCACert (RFC 8894 §2.2): the fingerprints of the
    certificate the router received (``crypto pki authenticate`` shows them) against those
    the CA's administrator reads out of band from the CA's own certificate."""

    router: str
    received_md5: str
    received_sha1: str
    published_md5: str
    published_sha1: str

    @property
    def match(self) -> bool:
        """Both fingerprints agree: the certificate is the CA's (accept it)."""
        return (self.received_md5, self.received_sha1) == (
            self.published_md5,
            self.published_sha1,
        )


# ---------------------------------------------------------------------- the wire


@dataclass(frozen=True)
class _Datagram:
    time: float
    src: str
    dst: str
    sender: str
    receiver: str
    data: bytes


def _scep_datagrams(lab: Lab) -> list[_Datagram]:
    """Every SCEP datagram (UDP port 80) at the moment it reached the node owning its
    destination address, in order."""
    nodes = lab.network.nodes
    names = {address: name for name, node in nodes.items() for address in node.addresses}
    found = []
    for event in lab.network.log:
        if not isinstance(event, PacketDelivered):
            continue
        try:
            ip = decode_ipv4(event.packet, verify_checksum=False)
            if ip.header.protocol != IpProtocol.UDP:
                continue
            udp = decode_udp(ip.payload)
        except DecodeError:
            continue
        node = event.receiver.partition(" ")[0]
        if SCEP_PORT in (udp.src_port, udp.dst_port) and names.get(ip.header.dst) == node:
            sender = names.get(ip.header.src, ip.header.src)
            found.append(
                _Datagram(event.time, ip.header.src, ip.header.dst, sender, node, udp.payload)
            )
    return found


# ---------------------------------------------------------------------- decoding


def _layer(title: str, der: bytes, root: str, where: str, rfc: str) -> DerLayer:
    from vpnteach.pki.scep.der import walk_der

    return DerLayer(title, der, walk_der(der, root), where, rfc)


def _exchange(lab: Lab, gram: _Datagram) -> ScepExchange:
    """Decode one datagram (request or response) into its layers."""
    from vpnteach.pki.scep.message import PKI_MESSAGE, ca_certificates

    is_response = gram.data.startswith(b"HTTP/")
    first, headers, body = parse_head(gram.data, "response" if is_response else "request")
    head = gram.data[: len(gram.data) - len(body)].decode("latin-1").rstrip("\r\n")
    content_type = headers.get("content-type", "")
    base = ScepExchange("", gram.sender, gram.receiver, head, body)
    if content_type.startswith("application/x-x509-ca"):
        certs = ca_certificates(body, content_type)
        layer = _layer("certs-only SignedData", body, "CACerts", "the HTTP body", "RFC 8894 §3.4")
        return _with(base, label="CA/RA certificates", layers=(layer,), certificates=certs)
    if content_type.startswith(PKI_MESSAGE) or "operation=PKIOperation" in first:
        if is_response:
            return _cert_rep(lab, base)
        return _pkcs_req(lab, base)
    return _with(base, label=_operation(first) or first.split(" ", 1)[0])


def _operation(request_line: str) -> str:
    target = request_line.split(" ")[1] if " " in request_line else ""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get("operation", [""])[0]


def _with(base: ScepExchange, **changes: object) -> ScepExchange:
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def _envelope_of(body: bytes, what: str) -> bytes:
    from vpnteach.pki.scep.cms import read_signed

    content = read_signed(body, (), what).content
    if not content:
        raise ScepError("the pkiMessage carries no pkcsPKIEnvelope", what)
    return content


def _pkcs_req(lab: Lab, base: ScepExchange) -> ScepExchange:
    """SignedData ⊃ EnvelopedData ⊃ PKCS#10, opened with the RA's encryption key."""
    from vpnteach.pki.scep.message import decode_pki_message

    ca = lab.ca
    assert ca is not None  # a SCEP datagram reached the CA host
    key = ca.ra_private_key or ca.private_key
    message = decode_pki_message(base.body, private_key=key, what="PKCSReq")
    envelope = _envelope_of(base.body, "PKCSReq")
    layers = (
        _layer("pkiMessage: SignedData", base.body, "PKCSReq", "the HTTP POST body",
               "RFC 8894 §3.2, RFC 5652 §5"),
        _layer("pkcsPKIEnvelope: EnvelopedData", envelope, "pkcsPKIEnvelope",
               "the SignedData's eContent (an OCTET STRING)", "RFC 8894 §3.2.2, RFC 5652 §6"),
        _layer("PKCS#10 certification request", message.message_data, "CertificationRequest",
               "the envelope decrypted with the RA's encryption key (as the CA does)",
               "RFC 8894 §3.3.1, RFC 2986 §4"),
    )  # fmt: skip
    return _with(base, label="PKCSReq", layers=layers, message=message)


def _cert_rep(lab: Lab, base: ScepExchange) -> ScepExchange:
    """SignedData by the RA; when SUCCESS, the envelope opened with the router's key."""
    from vpnteach.pki.scep.cms import read_signed
    from vpnteach.pki.scep.message import decode_pki_message

    outer = _layer("pkiMessage: SignedData", base.body, "CertRep", "the HTTP response body",
                   "RFC 8894 §3.2, RFC 5652 §5")  # fmt: skip
    message = decode_pki_message(base.body, what="CertRep")
    status = message.pki_status.name if message.pki_status else "?"
    label = f"CertRep {status}"
    signed = read_signed(base.body, (), "CertRep")
    if not signed.content:
        return _with(base, label=label, layers=(outer,), message=message)
    envelope = _layer("pkcsPKIEnvelope: EnvelopedData", signed.content, "pkcsPKIEnvelope",
                      "the SignedData's eContent", "RFC 8894 §3.2.2, RFC 5652 §6")  # fmt: skip
    inner = _open_with_router_key(lab, base.receiver, signed.content)
    if inner is None:
        return _with(base, label=label, layers=(outer, envelope), message=message)
    certs = read_signed(inner, (), "CertRep.certs-only").certificates
    degenerate = _layer("certs-only SignedData (the issued certificate)", inner, "CertsOnly",
                        f"the envelope decrypted with {base.receiver}'s private key",
                        "RFC 8894 §3.3.2, §3.4")  # fmt: skip
    return _with(base, label=label, layers=(outer, envelope, degenerate), message=message,
                 certificates=certs)  # fmt: skip


def _open_with_router_key(lab: Lab, router: str, envelope: bytes) -> bytes | None:
    """The CertRep's plaintext, opened with the receiving router's key (``None``: no key of
    that router opens it)."""
    from vpnteach.pki.scep.cms import open_envelope

    if router not in lab.routers:
        return None
    keys: list[rsa.RSAPrivateKey] = [p.private_key for p in lab.routers[router].pki.keys.values()]
    for key in keys:
        try:
            return open_envelope(envelope, key, "CertRep.pkcsPKIEnvelope")
        except ScepError:
            continue
    return None


# ---------------------------------------------------------------------- steps

_RFC = {
    "GetCACert": "RFC 8894 §4.2",
    "CA/RA certificates": "RFC 8894 §4.2.1.2",
    "PKCSReq": "RFC 8894 §3.3.1, §4.3",
}


def _explain(exchange: ScepExchange) -> str:
    label = exchange.label
    if label == "GetCACert":
        return (
            f"crypto pki authenticate: {exchange.sender} asks the CA for its certificate with "
            "a plain HTTP GET. Nothing is signed or encrypted: anyone on the path could answer."
        )
    if label == "CA/RA certificates":
        return (
            "The CA answers with its own certificate and its RA certificate(s) in a "
            "certs-only SignedData (no content, no signature). In RA mode (Windows' SCEP "
            "add-on, NDES) requests are encrypted to the RA and replies are signed by it."
        )
    if label == "PKCSReq":
        return (
            f"crypto pki enroll: {exchange.sender}'s PKCS#10 request (its public key, its "
            "name, signed with its private key) is encrypted to the RA's certificate "
            "(EnvelopedData) and the whole is signed (SignedData) with a throwaway "
            "self-signed certificate of the same key: the router has no certificate yet."
        )
    return (
        "The CA's answer, signed by the RA: pkiStatus says SUCCESS, PENDING or FAILURE. On "
        f"SUCCESS the certificate is inside an envelope only {exchange.receiver}'s private key "
        "opens, as a certs-only SignedData."
    )


def _fingerprint_step(lab: Lab, exchange: ScepExchange) -> FingerprintComparison | None:
    if lab.ca is None or exchange.label != "CA/RA certificates":
        return None
    from vpnteach.pki.scep.message import ra_roles

    received = ra_roles(exchange.certificates)[0]
    published = lab.ca.certificate
    return FingerprintComparison(
        exchange.receiver,
        fingerprint(received, "md5"),
        fingerprint(received, "sha1"),
        fingerprint(published, "md5"),
        fingerprint(published, "sha1"),
    )


def enrollment_steps(lab: Lab, router: str | None = None) -> list[Step]:
    """The SCEP enrollment the lab carried, as steps (see the module docstring); only
    ``router``'s messages when given.

    Raises:
        ScepError: a SCEP datagram that does not decode (naming the structure and offset).
    """
    steps: list[Step] = []

    def add(kind: StepKind, actor: str, time: float, title: str, rfc: str, text: str,
            payload: object) -> None:  # fmt: skip
        clock = ios_time(lab.epoch(time), lab.timezone)
        steps.append(Step(len(steps), kind, actor, time, clock, title, rfc, text, payload))

    for gram in _scep_datagrams(lab):
        if router is not None and router not in (gram.sender, gram.receiver):
            continue
        try:
            exchange = _exchange(lab, gram)
        except ScepTransportError as exc:
            raise ScepError(str(exc), f"SCEP datagram from {gram.sender}") from None
        title = f"{exchange.label}: {exchange.sender} → {exchange.receiver}"
        rfc = _RFC.get(exchange.label, "RFC 8894 §3.3.2, §4.3.1")
        add(StepKind.SCEP, exchange.sender, gram.time, title, rfc, _explain(exchange), exchange)
        comparison = _fingerprint_step(lab, exchange)
        if comparison is not None:
            verdict = "they match" if comparison.match else "MISMATCH: do not accept"
            add(StepKind.FINGERPRINT, comparison.router, gram.time,
                f"{comparison.router}: compare the CA fingerprint out of band: {verdict}",
                "RFC 8894 §2.2", _FINGERPRINT_TEXT, comparison)  # fmt: skip
    return steps


_FINGERPRINT_TEXT = (
    "crypto pki authenticate shows the MD5 and SHA1 fingerprints of the certificate that "
    "arrived. Because GetCACert is unauthenticated, only a comparison with a fingerprint "
    "obtained another way (the CA administrator reads it on the CA, by phone or on paper) "
    "stops a man in the middle from planting his own CA. Answer yes only if they match."
)
