"""What an IKEv2 endpoint is configured with: proposals, identities, credentials, selectors.

The shape follows strongSwan's swanctl.conf (a connection per peer with ``proposals``,
``esp_proposals``, ``local``/``remote`` auth rounds and ``local_ts``/``remote_ts``), which
is also how Cisco FlexVPN splits it (``crypto ikev2 proposal`` / ``profile`` / ``keyring``).
Everything is a frozen value; the endpoint reads it and never changes it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from vpnteach.pki.trustpoint import RouterPki
from vpnteach.wire.ikev2.constants import DhId, EncrId, IdType, IntegId, PrfId
from vpnteach.wire.ikev2.payloads import IdPayload
from vpnteach.wire.printable import printable


@dataclass(frozen=True)
class IkeProposal:
    """One IKE SA proposal (RFC 7296 §3.3): ``IkeProposal.parse("aes256-sha256-modp2048")``."""

    encr: int
    key_bits: int
    prf: int
    integ: int | None  # None with AES-GCM (RFC 5282 §8: no integrity transform)
    dh: int

    @classmethod
    def parse(cls, text: str) -> IkeProposal:
        """A strongSwan-style proposal string: ``aes128gcm16-prfsha256-modp2048`` too."""
        words = text.lower().split("-")
        encr, bits = _encr(words[0])
        prf = next((PRF_WORDS[w] for w in words if w in PRF_WORDS), None)
        integ = next((INTEG_WORDS[w] for w in words if w in INTEG_WORDS), None)
        dh = next((DH_WORDS[w] for w in words if w in DH_WORDS), None)
        if dh is None:
            raise ValueError(f"proposal {text!r}: no Diffie-Hellman group (e.g. modp2048)")
        aead = encr == EncrId.ENCR_AES_GCM_16
        if prf is None:
            if integ is None:
                raise ValueError(f"proposal {text!r}: no PRF or integrity algorithm")
            prf = _PRF_OF_INTEG[integ]
        return cls(encr, bits, prf, None if aead else integ, dh)


@dataclass(frozen=True)
class EspProposal:
    """One ESP Child SA proposal; ``dh`` is the PFS group of a CREATE_CHILD_SA (never sent in
    IKE_AUTH, whose Child SA takes its keys from the IKE SA's exchange, RFC 7296 §1.2)."""

    encr: int
    key_bits: int
    integ: int | None
    dh: int | None = None

    @classmethod
    def parse(cls, text: str) -> EspProposal:
        """``aes256-sha256`` or ``aes128gcm16`` (with ``-modp2048`` for PFS)."""
        words = text.lower().split("-")
        encr, bits = _encr(words[0])
        integ = next((INTEG_WORDS[w] for w in words if w in INTEG_WORDS), None)
        dh = next((DH_WORDS[w] for w in words if w in DH_WORDS), None)
        if encr != EncrId.ENCR_AES_GCM_16 and integ is None:
            raise ValueError(f"ESP proposal {text!r}: AES-CBC needs an integrity algorithm")
        return cls(encr, bits, integ, dh)


def _encr(word: str) -> tuple[int, int]:
    """``aes256`` -> AES-CBC 256, ``aes128gcm16`` -> AES-GCM with a 16-byte ICV, 128 bits."""
    if not word.startswith("aes"):
        raise ValueError(f"unknown encryption algorithm {word!r} (aes128, aes256, aes256gcm16)")
    rest = word[3:]
    if "gcm" in rest:
        return EncrId.ENCR_AES_GCM_16, int(rest.split("gcm")[0] or 128)
    return EncrId.ENCR_AES_CBC, int(rest or 128)


PRF_WORDS = {
    "prfsha1": PrfId.PRF_HMAC_SHA1,
    "prfsha256": PrfId.PRF_HMAC_SHA2_256,
    "prfsha384": PrfId.PRF_HMAC_SHA2_384,
    "prfsha512": PrfId.PRF_HMAC_SHA2_512,
    "prfaesxcbc": PrfId.PRF_AES128_XCBC,
}
INTEG_WORDS = {
    "sha1": IntegId.AUTH_HMAC_SHA1_96,
    "sha256": IntegId.AUTH_HMAC_SHA2_256_128,
    "sha384": IntegId.AUTH_HMAC_SHA2_384_192,
    "sha512": IntegId.AUTH_HMAC_SHA2_512_256,
}
_PRF_OF_INTEG = {
    IntegId.AUTH_HMAC_SHA1_96: PrfId.PRF_HMAC_SHA1,
    IntegId.AUTH_HMAC_SHA2_256_128: PrfId.PRF_HMAC_SHA2_256,
    IntegId.AUTH_HMAC_SHA2_384_192: PrfId.PRF_HMAC_SHA2_384,
    IntegId.AUTH_HMAC_SHA2_512_256: PrfId.PRF_HMAC_SHA2_512,
}
DH_WORDS = {
    "modp768": DhId.MODP_768,
    "modp1024": DhId.MODP_1024,
    "modp1536": DhId.MODP_1536,
    "modp2048": DhId.MODP_2048,
    "modp3072": DhId.MODP_3072,
    "modp4096": DhId.MODP_4096,
}


@dataclass(frozen=True)
class Identity:
    """An IKEv2 identity (RFC 7296 §3.5): ``Identity.fqdn("Branch1.amit.com")``."""

    id_type: int
    data: bytes

    @classmethod
    def fqdn(cls, name: str) -> Identity:
        """ID_FQDN."""
        return cls(IdType.ID_FQDN, name.encode("ascii"))

    @classmethod
    def ipv4(cls, address: str) -> Identity:
        """ID_IPV4_ADDR."""
        return cls(IdType.ID_IPV4_ADDR, ipaddress.IPv4Address(address).packed)

    def payload(self, payload_type: int) -> IdPayload:
        """The IDi (35) or IDr (36) payload carrying this identity."""
        return IdPayload(self.id_type, self.data, payload_type)

    @classmethod
    def of(cls, payload: IdPayload) -> Identity:
        """The identity an ID payload carries."""
        return cls(payload.id_type, payload.identification_data)

    def __str__(self) -> str:
        """The identity as text for logs and ``show``: an FQDN is the peer's choice of bytes,
        so each unprintable character (a newline, an ANSI escape) is one ``?``
        (:func:`~vpnteach.wire.printable.printable`, strongSwan's ``chunk_printable``)."""
        if self.id_type == IdType.ID_FQDN:
            return printable(self.data.decode("ascii", "replace"))
        if self.id_type == IdType.ID_IPV4_ADDR and len(self.data) == 4:
            return str(ipaddress.IPv4Address(self.data))
        return f"ID type {self.id_type}: {self.data.hex()}"

    def matches_payload(self, payload: IdPayload) -> bool:
        """``payload`` carries exactly this identity."""
        return (payload.id_type, payload.identification_data) == (self.id_type, self.data)


@dataclass(frozen=True)
class PskCredential:
    """Authentication with a pre-shared key (RFC 7296 §2.15, Auth Method 2)."""

    secret: bytes


@dataclass(frozen=True)
class CertCredential:
    """Authentication with an RSA key and its X.509 certificate, trusting ``ca_certificate``
    for the peer's (RFC 7296 §2.15 and §3.8 Auth Method 1; RFC 7427 Method 14)."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    method: int = 1  # 1 = RSA Digital Signature (PKCS#1 v1.5), 14 = Digital Signature (PSS)

    @classmethod
    def from_router_pki(
        cls, pki: RouterPki, trustpoint: str = "WIN2003", method: int = 1
    ) -> CertCredential:
        """The key, certificate and CA of an enrolled trustpoint (``crypto pki enroll``)."""
        tp = pki.trustpoint(trustpoint)
        if tp.certificate is None or tp.ca_certificate is None:
            raise ValueError(f"trustpoint {trustpoint} is not authenticated and enrolled")
        key = pki.keys[tp.rsakeypair].private_key
        return cls(key, tp.certificate, tp.ca_certificate, method)


Credential = PskCredential | CertCredential


@dataclass(frozen=True)
class PeerConfig:
    """One peer (strongSwan: a connection with one child)."""

    peer: str
    local_id: Identity
    remote_id: Identity | None
    credential: Credential
    local_ts: ipaddress.IPv4Network
    remote_ts: ipaddress.IPv4Network
    ike_proposals: tuple[IkeProposal, ...] = (IkeProposal.parse("aes256-sha256-modp2048"),)
    esp_proposals: tuple[EspProposal, ...] = (EspProposal.parse("aes256-sha256"),)
    nat_traversal: bool = True  # send NAT_DETECTION_* notifies (RFC 7296 §2.23)
    fragmentation: bool = True  # announce IKE fragmentation (RFC 7383 §2.3)
    fragment_size: int = 1280  # largest IKE message (UDP payload) we send unfragmented


@dataclass(frozen=True)
class Retransmission:
    """Request retransmission (RFC 7296 §2.1): first after ``interval`` s, doubling, at most
    ``limit`` times."""

    interval: float = 2.0
    limit: int = 4


@dataclass(frozen=True)
class Ikev2Config:
    """An endpoint's configuration: its address and one :class:`PeerConfig` per peer."""

    local_address: str
    peers: tuple[PeerConfig, ...]
    retransmission: Retransmission = field(default_factory=Retransmission)
    max_half_open: int = 100  # RFC 7296 §2.6: above this, answer IKE_SA_INIT with a COOKIE
    max_in_negotiation: int = 1000  # and never keep more half-open SAs than this (IOS default)
    half_open_timeout: float = 30.0  # §2.6: a responder SA without IKE_AUTH is forgotten then

    def peer_config(self, address: str) -> PeerConfig | None:
        """The configuration for the peer at ``address``."""
        return next((p for p in self.peers if p.peer == address), None)
