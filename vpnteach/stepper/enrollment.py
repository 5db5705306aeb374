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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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


_REQUESTS = {
    "PKCS_REQ": ("PKCSReq", "PKCS#10 certification request", "CertificationRequest",
                 "RFC 8894 §3.3.1, RFC 2986 §4"),
    "CERT_POLL": ("CertPoll", "IssuerAndSubject", "IssuerAndSubject", "RFC 8894 §3.3.3"),
    "GET_CERT": ("GetCert", "IssuerAndSerialNumber", "IssuerAndSerial", "RFC 8894 §3.3.4"),
    "GET_CRL": ("GetCRL", "IssuerAndSerialNumber", "IssuerAndSerial", "RFC 8894 §3.3.4"),
    "RENEWAL_REQ": ("RenewalReq", "PKCS#10 certification request", "CertificationRequest",
                    "RFC 8894 §3.3.1, RFC 2986 §4"),
}  # fmt: skip
"""messageType -> (label, title, root name and RFC of the decrypted messageData)."""


def decode_exchange(
    data: bytes, sender: str, receiver: str, keys: Sequence[rsa.RSAPrivateKey] = ()
) -> ScepExchange:
    """One SCEP HTTP/1.0 message (request or response, as :mod:`vpnteach.labs.scep_udp`
    carries it) decoded into its layers; an envelope is opened with the first of ``keys``
    that opens it (the RA's encryption key for a request, the requester's for a CertRep).

    Raises:
        ScepError: not HTTP, or a body that does not decode (naming structure and offset).
    """
    from vpnteach.pki.scep.message import PKI_MESSAGE, ca_certificates

    is_response = data.startswith(b"HTTP/")
    try:
        first, headers, body = parse_head(data, "response" if is_response else "request")
    except ScepTransportError as exc:
        raise ScepError(str(exc), f"SCEP message from {sender}") from None
    head = data[: len(data) - len(body)].decode("latin-1").rstrip("\r\n")
    content_type = headers.get("content-type", "")
    base = ScepExchange("", sender, receiver, head, body)
    if content_type.startswith("application/x-x509-ca"):
        certs = ca_certificates(body, content_type)
        layer = _layer("certs-only SignedData", body, "CACerts", "the HTTP body", "RFC 8894 §3.4")
        return _with(base, label="CA/RA certificates", layers=(layer,), certificates=certs)
    if is_response and content_type.startswith(PKI_MESSAGE):
        return _cert_rep(base, keys)
    if not is_response and _operation(first) == "PKIOperation":
        return _request(base, keys)
    return _with(base, label=_operation(first) or first.split(" ", 1)[0])


def _operation(request_line: str) -> str:
    target = request_line.split(" ")[1] if " " in request_line else ""
    return urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get("operation", [""])[0]


def _with(base: ScepExchange, **changes: object) -> ScepExchange:
    return replace(base, **changes)  # type: ignore[arg-type]


def _opened(der: bytes, keys: Sequence[rsa.RSAPrivateKey], what: str) -> PkiMessage:
    """The pkiMessage decoded, its envelope opened by the first key that can."""
    from vpnteach.pki.scep.message import decode_pki_message

    message = decode_pki_message(der, what=what)
    for key in keys:
        opened = decode_pki_message(der, private_key=key, what=what)
        if opened.message_data:
            return opened
    return message


def _envelope_layer(envelope: bytes) -> DerLayer:
    where = "the SignedData's eContent (an OCTET STRING)"
    rfc = "RFC 8894 §3.2.2, RFC 5652 §6"
    return _layer("pkcsPKIEnvelope: EnvelopedData", envelope, "pkcsPKIEnvelope", where, rfc)


def _request(base: ScepExchange, keys: Sequence[rsa.RSAPrivateKey]) -> ScepExchange:
    """SignedData ⊃ EnvelopedData ⊃ messageData (a CSR for PKCSReq)."""
    from vpnteach.pki.scep.cms import read_signed

    message = _opened(base.body, keys, "pkiMessage")
    label, title, root, rfc = _REQUESTS[message.message_type.name]
    layers = [_layer("pkiMessage: SignedData", base.body, label, "the HTTP POST body",
                     "RFC 8894 §3.2, RFC 5652 §5")]  # fmt: skip
    envelope = read_signed(base.body, (), label).content
    if envelope:
        layers.append(_envelope_layer(envelope))
    if message.message_data:
        layers.append(_layer(title, message.message_data, root,
                             "the envelope decrypted with the RA's encryption key (as the CA does)",
                             rfc))  # fmt: skip
    return _with(base, label=label, layers=tuple(layers), message=message)


def _cert_rep(base: ScepExchange, keys: Sequence[rsa.RSAPrivateKey]) -> ScepExchange:
    """SignedData by the RA; when SUCCESS, the envelope opened with the requester's key."""
    from vpnteach.pki.scep.cms import read_signed

    message = _opened(base.body, keys, "CertRep")
    status = message.pki_status.name if message.pki_status else "?"
    layers = [_layer("pkiMessage: SignedData", base.body, "CertRep", "the HTTP response body",
                     "RFC 8894 §3.2, RFC 5652 §5")]  # fmt: skip
    envelope = read_signed(base.body, (), "CertRep").content
    if envelope:
        layers.append(_envelope_layer(envelope))
    certs: tuple[x509.Certificate, ...] = ()
    if message.message_data:
        certs = read_signed(message.message_data, (), "CertRep.certs-only").certificates
        layers.append(_layer("certs-only SignedData (the issued certificate)",
                             message.message_data, "CertsOnly",
                             f"the envelope decrypted with {base.receiver}'s private key",
                             "RFC 8894 §3.3.2, §3.4"))  # fmt: skip
    return _with(base, label=f"CertRep {status}", layers=tuple(layers), message=message,
                 certificates=certs)  # fmt: skip


def _keys_of(lab: Lab, receiver: str) -> list[rsa.RSAPrivateKey]:
    """The private keys that may open what ``receiver`` got: the RA's (or the CA's) at the
    CA host, the router's own keys at a router."""
    if receiver in lab.routers:
        return [pair.private_key for pair in lab.routers[receiver].pki.keys.values()]
    ca = lab.ca
    if ca is None:
        return []
    return [ca.ra_private_key or ca.private_key]


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
        keys = _keys_of(lab, gram.receiver)
        exchange = decode_exchange(gram.data, gram.sender, gram.receiver, keys)
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
