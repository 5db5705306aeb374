"""Real values for the renderer tests and the render benchmark: an MM1, a phase-1 trace, an
encrypted MM5 with its plaintext, a certificate checklist, built from the seeded lab parts.

Nothing here is rendered or faked: the MM1 is encoded by the wire codec from the seed's
``crypto isakmp policy 10``; the keys come from RFC 2409 key derivation over a real DH
exchange; MM5 is really 3DES-encrypted under Ka with the phase-1 IV (RFC 2409 Appendix B).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.prf import get_hash
from vpnteach.crypto.rng import SeededRng
from vpnteach.crypto.rsa_sig import ikev1_sign
from vpnteach.ike import keymat
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.proposal import ike_transform_attributes
from vpnteach.pki import CertificateCheck, build_seed_pki, validate_certificate
from vpnteach.trace import Trace
from vpnteach.wire import (
    CertEncoding,
    CertPayload,
    ExchangeType,
    IkeTransformId,
    IsakmpHeader,
    Message,
    PayloadType,
    Proposal,
    ProtocolId,
    SaPayload,
    SigPayload,
    Transform,
    VendorIdPayload,
    encode_message,
    encode_payload_chain,
    id_fqdn,
    with_encrypted_body,
)

# The seed's `crypto isakmp policy 10`: 3des, rsa-sig, md5, group 1, lifetime 86400.
SEED_POLICY = IsakmpPolicy(10, "3des", "md5", "rsa-sig", 1, 86400)
CKY_I = bytes.fromhex("bd75fba226eee4e5")
CKY_R = bytes.fromhex("5a9e1fd0c36b2a47")
# draft-ietf-ipsec-isakmp-xauth / Cisco Unity vendor ID as IOS sends it in MM1.
VID_UNITY = bytes.fromhex("12f5f28c457168a9702d9fe274cc0100")


@dataclass(frozen=True)
class Scenario:
    """The pieces each renderer is tested on."""

    mm1: bytes
    trace: Trace
    peer_trace: Trace
    mm5: bytes
    mm5_plaintext: bytes
    check_ok: CertificateCheck
    check_failed: CertificateCheck


def mm1() -> bytes:
    """Branch1's Main Mode message 1: SA with the policy-10 transform, one vendor ID."""
    transform = Transform(1, IkeTransformId.KEY_IKE, ike_transform_attributes(SEED_POLICY))
    sa = SaPayload(proposals=(Proposal(1, ProtocolId.PROTO_ISAKMP, b"", (transform,)),))
    header = IsakmpHeader(CKY_I, bytes(8), ExchangeType.IDENTITY_PROTECTION)
    return encode_message(Message(header, (sa, VendorIdPayload(VID_UNITY))))


def phase1_traces(seed: int = 2010) -> tuple[Trace, Trace, bytes, bytes]:
    """Both branches' phase-1 facts (as ``vpnteach demo``); returns Ka and the MM5 IV too."""
    group, h = get_group(1), get_hash("md5")
    rng = SeededRng(seed)
    t1, t2 = Trace("Branch1"), Trace("Branch2")
    dh1 = DhComputation.start(group, rng.fork("Branch1"), name="g^xi", trace=t1)
    dh2 = DhComputation.start(group, rng.fork("Branch2"), name="g^xr", trace=t2)
    ni_b = t1.derived("Ni_b", "random nonce", rng.random_bytes(16), rfc="RFC 2409 §5")
    nr_b = t2.derived("Nr_b", "random nonce", rng.random_bytes(16), rfc="RFC 2409 §5")
    for trace in (t1, t2):
        trace.derived("CKY-I", "random cookie", CKY_I, rfc="RFC 2408 §2.5.3")
        trace.derived("CKY-R", "random cookie", CKY_R, rfc="RFC 2408 §2.5.3")
    t1.derived("Nr_b", "received nonce", nr_b, rfc="RFC 2409 §5")
    t2.derived("Ni_b", "received nonce", ni_b, rfc="RFC 2409 §5")
    keys = []
    for trace, dh, peer in ((t1, dh1, dh2), (t2, dh2, dh1)):
        g_xy = dh.complete(peer.public_value, trace=trace).shared_secret
        assert g_xy is not None
        skeyid = keymat.skeyid_sig(h, ni_b, nr_b, g_xy, trace)
        keys.append(keymat.derive_phase1_keys(h, skeyid, g_xy, CKY_I, CKY_R, 24, trace))
        iv = keymat.phase1_iv(h, dh1.public_value, dh2.public_value, 8, trace)
    assert keys[0] == keys[1]
    return t1, t2, keys[0].ka, iv


@functools.lru_cache(maxsize=1)
def scenario() -> Scenario:
    """Build everything once (about a second: the seeded PKI)."""
    t1, t2, ka, iv = phase1_traces()
    pki = build_seed_pki(0)
    router = pki.routers["Branch1"]
    cert = router.trustpoints["WIN2003"].certificate
    assert cert is not None
    der = cert.public_bytes(serialization.Encoding.DER)
    signature = ikev1_sign(router.keys["BRANCH_KEY"].private_key, bytes(16))
    chain = encode_payload_chain(
        [
            id_fqdn("Branch1.amit.com"),
            CertPayload(CertEncoding.X509_SIGNATURE, der),
            SigPayload(signature),
        ]
    )
    pad = 8 - len(chain) % 8
    plaintext = chain + bytes(pad - 1) + bytes([pad - 1])
    header = IsakmpHeader(CKY_I, CKY_R, ExchangeType.IDENTITY_PROTECTION)
    body = get_cipher("3des").encrypt(ka, iv, plaintext)
    mm5 = encode_message(with_encrypted_body(Message(header), PayloadType.ID, body))
    ca = pki.ca.certificate
    now = dt.datetime(2010, 6, 6, 0, 21, 50, tzinfo=dt.timezone.utc)
    ok = validate_certificate(cert, ca, now, identity="Branch1.amit.com")
    late = validate_certificate(cert, ca, now + dt.timedelta(days=800), identity="Branch9.x.com")
    return Scenario(mm1(), t1, t2, mm5, plaintext, ok, late)
