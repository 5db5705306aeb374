"""The ``debug crypto isakmp`` records of phase 1 (Main Mode, RFC 2409 §5; Aggressive Mode, §5.4):
policy matching, vendor IDs, NAT detection, identities, certificates and authentication.

One slotted dataclass per record kind; its ``template`` is the IOS text
:mod:`vpnteach.ike.debuglog` fills from the fields (``{c}``: the conn-id). The engine constructs
them (``ctx.log(TransformChecked(...))``), readers match on the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vpnteach.ike.records import CC, C, LogLine


@dataclass(slots=True)
class MainModeBegun(LogLine):
    """The initiator begins Main Mode (RFC 2409 §5)."""

    template: ClassVar[str] = C + " beginning Main Mode exchange"


@dataclass(slots=True)
class AggressiveModeBegun(LogLine):
    """The initiator begins Aggressive Mode (RFC 2409 §5.4)."""

    template: ClassVar[str] = C + " beginning Aggressive Mode exchange"


@dataclass(slots=True)
class AggressiveModeRefused(LogLine):
    """AM1 refused: ``crypto isakmp aggressive-mode disable`` (our wording: no public IOS log of
    the refusal was at hand)."""

    template: ClassVar[str] = C + " Aggressive Mode is disabled: AM1 from {peer} refused"
    peer: str


@dataclass(slots=True)
class VendorIdConstructed(LogLine):
    """A vendor ID payload was built (RFC 3947 §3.1 for NAT-T)."""

    template: ClassVar[str] = C + " constructed {name} ID"
    name: str


@dataclass(slots=True)
class VendorIdProcessing(LogLine):
    """A vendor ID payload is processed."""

    template: ClassVar[str] = C + " processing vendor id payload"


@dataclass(slots=True)
class VendorIdUnityMismatch(LogLine):
    """A vendor ID looks like Unity/DPD but its major version differs."""

    template: ClassVar[str] = C + " vendor ID seems Unity/DPD but major {major} mismatch"
    major: int | None


@dataclass(slots=True)
class VendorIdNatT(LogLine):
    """A NAT-T vendor ID was recognised (RFC 3947 §3.1)."""

    template: ClassVar[str] = CC + " vendor ID is {name}"
    name: str


@dataclass(slots=True)
class VendorIdKnown(LogLine):
    """A known vendor ID (DPD, Unity, XAUTH)."""

    template: ClassVar[str] = C + " vendor ID is {name}"
    name: str


@dataclass(slots=True)
class VendorIdIos(LogLine):
    """The peer's vendor ID says it is an IOS router."""

    template: ClassVar[str] = C + " speaking to another IOS box!"


@dataclass(slots=True)
class XauthProfilesScanned(LogLine):
    """IOS scans its ISAKMP profiles for XAUTH."""

    template: ClassVar[str] = "ISAKMP : Scanning profiles for xauth ..."


@dataclass(slots=True)
class TransformChecked(LogLine):
    """An offered ISAKMP transform is compared with a policy."""

    template: ClassVar[str] = C + "Checking ISAKMP transform {number} against {against}"
    number: int
    against: str


@dataclass(slots=True)
class TransformAttribute(LogLine):
    """One attribute of the ISAKMP transform being checked."""

    template: ClassVar[str] = "ISAKMP: {line}"
    line: str


@dataclass(slots=True)
class AttributesAcceptable(LogLine):
    """The transform matches the policy."""

    template: ClassVar[str] = C + "atts are acceptable. Next payload is {next}"
    next: int


@dataclass(slots=True)
class AttributesNotAcceptable(LogLine):
    """The transform does not match the policy."""

    template: ClassVar[str] = C + "atts are not acceptable. Next payload is {next}"
    next: int


@dataclass(slots=True)
class ProposalProblem(LogLine):
    """Why a transform does not match (e.g. the encryption algorithm offered)."""

    template: ClassVar[str] = C + "{text}"
    text: str


@dataclass(slots=True)
class LifetimeAccepted(LogLine):
    """The accepted ISAKMP SA lifetime; its timer starts."""

    template: ClassVar[str] = (
        C
        + "Acceptable atts:actual life: 0\n"
        + C
        + "Acceptable atts:life: 0\n"
        + C
        + "Fill atts in sa vpi_length:4\n"
        + C
        + "Fill atts in sa life_in_seconds:{life}\n"
        + C
        + "Returning Actual lifetime: {life}\n"
        + C
        + ":Started lifetime timer: {life}"
    )
    life: int


@dataclass(slots=True)
class CertReqConstructed(LogLine):
    """A CERT_REQ naming our CA was built (RFC 2408 §3.10)."""

    template: ClassVar[str] = CC + " constructing CERT_REQ for issuer {issuer}"
    issuer: str


@dataclass(slots=True)
class PeerWantsCert(LogLine):
    """The peer's CERT_REQ asks for a certificate from this issuer."""

    template: ClassVar[str] = (
        C + " peer wants a CT_X509_SIGNATURE cert\n" + C + " peer wants cert issued by {issuer}"
    )
    issuer: str


@dataclass(slots=True)
class TrustpointChosen(LogLine):
    """The trustpoint that answers the peer's CERT_REQ."""

    template: ClassVar[str] = "Choosing trustpoint {trustpoint} as issuer"
    trustpoint: str


@dataclass(slots=True)
class NatDReceived(LogLine):
    """A NAT-D payload arrived (RFC 3947 §3.2)."""

    template: ClassVar[str] = "ISAKMP:received payload type 20"


@dataclass(slots=True)
class NatStatus(LogLine):
    """What NAT detection found (RFC 3947 §3.2) or that UDP encapsulation is forced."""

    template: ClassVar[str] = C + "{text}"
    text: str


@dataclass(slots=True)
class InitialContactSent(LogLine):
    """MM5 carries INITIAL-CONTACT (RFC 2407 §4.6.3.3)."""

    template: ClassVar[str] = C + "Send initial contact"


@dataclass(slots=True)
class IdNotInCert(LogLine):
    """The configured address ID is not in our certificate: the FQDN is used."""

    template: ClassVar[str] = (
        C + "My ID configured as IPv4 Addr, but Addr not in Cert!\n" + C + "Using FQDN as My ID"
    )


@dataclass(slots=True)
class AuthMethodChosen(LogLine):
    """The authentication method and our ID type."""

    template: ClassVar[str] = C + "SA is doing {method} authentication using id type {id_type}"
    method: str
    id_type: str


@dataclass(slots=True)
class IdPayloadLogged(LogLine):
    """The fields of an ID payload, as IOS dumps them (RFC 2407 §4.6.2)."""

    template: ClassVar[str] = CC + " ID payload\n" + "{body}"
    body: str


@dataclass(slots=True)
class TotalLength(LogLine):
    """The length of our ID payload body."""

    template: ClassVar[str] = C + "Total payload length: {length}"
    length: int


@dataclass(slots=True)
class CertConstructed(LogLine):
    """Our CERT payload was built (RFC 2408 §3.9)."""

    template: ClassVar[str] = CC + " constructing CERT payload for {subject}"
    subject: str


@dataclass(slots=True)
class SendBufferGrown(LogLine):
    """The send buffer grows for the certificate."""

    template: ClassVar[str] = "ISKAMP: growing send buffer from 1024 to 3072"


@dataclass(slots=True)
class SigningKeypair(LogLine):
    """The trustpoint whose key pair signs our HASH (RFC 2409 §5.1)."""

    template: ClassVar[str] = C + " using the {trustpoint} trustpoint's keypair to sign"
    trustpoint: str


@dataclass(slots=True)
class NoProfileMatched(LogLine):
    """The peer matches no ISAKMP profile."""

    template: ClassVar[str] = "ISAKMP:(0):: peer matches *none* of the profiles"


@dataclass(slots=True)
class CertProcessing(LogLine):
    """The peer's X.509 signature certificate is processed."""

    template: ClassVar[str] = C + " processing a CT_X509_SIGNATURE cert"


@dataclass(slots=True)
class PubkeyNotCached(LogLine):
    """The peer's public key is not cached: it comes from the certificate."""

    template: ClassVar[str] = C + " peer's pubkey isn't cached"


@dataclass(slots=True)
class CertWithoutDn(LogLine):
    """The peer's certificate has no common name in its DN."""

    template: ClassVar[str] = C + " Unable to get DN from certificate!"


@dataclass(slots=True)
class CertWithoutOu(LogLine):
    """The peer's certificate has no OU field."""

    template: ClassVar[str] = C + " Cert presented by peer contains no OU field."


@dataclass(slots=True)
class SaAuthenticated(LogLine):
    """The peer's proof checked out: the ISAKMP SA is authenticated."""

    template: ClassVar[str] = (
        C
        + "SA authentication status:\n"
        + "        authenticated\n"
        + C
        + "SA has been authenticated with {peer}"
    )
    peer: str


@dataclass(slots=True)
class PeerInserted(LogLine):
    """The authenticated peer was inserted into the peer table."""

    template: ClassVar[str] = (
        "ISAKMP: Trying to insert a peer {local}/{peer}/{port}/, "
        "and inserted successfully {handle}."
    )
    local: str
    peer: str
    port: int
    handle: str


@dataclass(slots=True)
class SkeyidGenerated(LogLine):
    """SKEYID was derived (rsa-encr, RFC 2409 §5.2; IOS's wording)."""

    template: ClassVar[str] = C + "SKEYID state generated"


@dataclass(slots=True)
class RsaEncrUnusable(LogLine):
    """An rsa-encr policy was skipped: the peer's public key is missing (RFC 2409 §5.2).

    Our wording, as for :class:`PkeFailed`: no public IOS log of these failures was at hand."""

    template: ClassVar[str] = C + "policy {priority} (rsa-encr) skipped: {reason}"
    priority: int
    reason: str


@dataclass(slots=True)
class PkeFailed(LogLine):
    """A public-key-encrypted payload did not decrypt (RFC 2409 §5.2)."""

    template: ClassVar[str] = C + " unable to decrypt the {payload} payload body: {reason}"
    payload: str
    reason: str
