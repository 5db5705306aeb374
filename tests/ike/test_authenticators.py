"""One authenticator per phase 1 method (RFC 2409 §5.1-§5.4), judged against the RFC formulas
computed here with ``hmac``/``hashlib`` and against ``cryptography``'s RSA primitives."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import inspect
from types import ModuleType

import pytest
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from tests.ike.harness import B1, B2, RSA_ENCR_POLICY, T0, branch_config, encr_config
from vpnteach.crypto.prf import get_hash
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike import aggressive, endpoint, main_mode, quick_mode
from vpnteach.ike.authenticators import (
    AUTHENTICATORS,
    PreShareAuthenticator,
    RsaEncrAuthenticator,
    RsaSigAuthenticator,
    authenticator_for,
    read_peer_id,
    usable,
)
from vpnteach.ike.config import IkeConfig
from vpnteach.ike.context import Context, IkeError, payload_body
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.ike.records import Recorder
from vpnteach.ike.sa import Cookies, IsakmpSa, Path, Role
from vpnteach.trace import Trace
from vpnteach.wire.constants import NotifyMessageType
from vpnteach.wire.payloads import CertPayload, HashPayload, SigPayload

# RFC 2409 Appendix A, Authentication Method: 1 pre-shared key, 3 RSA signatures,
# 4 encryption with RSA
IANA_METHODS = {1: "pre-share", 3: "rsa-sig", 4: "rsa-encr"}
PSK = b"cisco123"
PSK_POLICY = IsakmpPolicy(priority=10, encryption="3des", authentication="pre-share", hash="md5")
NI_B, NR_B, G_XY = bytes(range(16)), bytes(range(16, 36)), bytes(range(100, 228))
CKY_I, CKY_R = bytes.fromhex("0102030405060708"), bytes.fromhex("a1a2a3a4a5a6a7a8")
MD5 = get_hash(1)


def _ctx(config: IkeConfig) -> Context:
    ctx = Context(config, SeededRng(7), Trace("test"), Recorder())
    ctx.now = T0  # inside the seed certificates' validity
    return ctx


def _sa(peer: str, role: Role = Role.INITIATOR) -> IsakmpSa:
    return IsakmpSa(role, Path((peer, 500), 500), Cookies(CKY_I, CKY_R))


def test_each_iana_method_has_its_authenticator_with_the_ios_keyword() -> None:
    assert {m: cls.keyword for m, cls in AUTHENTICATORS.items()} == IANA_METHODS


def test_skeyid_follows_the_formula_of_each_method() -> None:
    ctx = _ctx(branch_config("Branch1", psk=PSK.decode()))
    sa = _sa(B2)
    got = {
        cls.keyword: authenticator_for(method, ctx, B2).skeyid(ctx, sa, MD5, NI_B, NR_B, G_XY)
        for method, cls in AUTHENTICATORS.items()
    }
    # RFC 2409 §5: pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
    assert got["pre-share"] == hmac.new(PSK, NI_B + NR_B, hashlib.md5).digest()
    # signatures: SKEYID = prf(Ni_b | Nr_b, g^xy)
    assert got["rsa-sig"] == hmac.new(NI_B + NR_B, G_XY, hashlib.md5).digest()
    # public key encryption: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)
    key = hashlib.md5(NI_B + NR_B).digest()
    assert got["rsa-encr"] == hmac.new(key, CKY_I + CKY_R, hashlib.md5).digest()


def test_pre_share_proves_with_the_hash_and_refuses_another_one() -> None:
    ctx = _ctx(branch_config("Branch2", psk=PSK.decode()))
    auth = PreShareAuthenticator.create(ctx, B1)
    hash_i = hashlib.md5(b"HASH_I").digest()
    proof = auth.proof(ctx, hash_i)
    assert proof == [HashPayload(hash_i)]
    peer = read_peer_id(ctx, [auth.my_id(ctx, _sa(B1))])
    auth.verify(ctx, _sa(B1, Role.RESPONDER), proof, peer, hash_i)
    with pytest.raises(IkeError) as failed:
        auth.verify(ctx, _sa(B1, Role.RESPONDER), proof, peer, hashlib.md5(b"other").digest())
    assert failed.value.notify == NotifyMessageType.AUTHENTICATION_FAILED


def test_the_repr_of_a_pre_share_authenticator_does_not_show_the_key() -> None:
    auth = PreShareAuthenticator(PSK)
    assert repr(auth) == "PreShareAuthenticator()" and PSK.decode() not in repr(auth)


def test_pre_share_without_a_key_for_the_peer_is_a_clear_error() -> None:
    ctx = _ctx(branch_config("Branch1", pki=False))
    with pytest.raises(IkeError, match=r"no key for 10\.2\.2\.1"):
        PreShareAuthenticator.create(ctx, B2)


def test_rsa_sig_signs_the_hash_with_pkcs1_type_1_and_no_digest_info() -> None:
    ctx = _ctx(branch_config("Branch1"))
    hash_i = hashlib.md5(b"HASH_I").digest()
    cert, sig = RsaSigAuthenticator().proof(ctx, hash_i)
    assert isinstance(cert, CertPayload) and isinstance(sig, SigPayload)
    tp = ctx.config.trustpoint()
    assert tp is not None and tp.certificate is not None
    assert cert.certificate_data == tp.certificate.public_bytes(Encoding.DER)
    public = tp.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    # RFC 2409 §5.1: the hash itself is signed (recover_data: no DigestInfo around it)
    recovered = public.recover_data_from_signature(sig.signature_data, padding.PKCS1v15(), None)
    assert recovered == hash_i


def test_rsa_sig_verifies_the_peers_proof_and_refuses_a_forged_hash() -> None:
    ctx1, ctx2 = _ctx(branch_config("Branch1")), _ctx(branch_config("Branch2"))
    auth = RsaSigAuthenticator()
    hash_i = hashlib.md5(b"HASH_I").digest()
    inbound = [auth.my_id(ctx1, _sa(B2)), *auth.proof(ctx1, hash_i)]
    peer = read_peer_id(ctx2, inbound)
    assert peer.id_b == payload_body(inbound[0])
    auth.verify(ctx2, _sa(B1, Role.RESPONDER), inbound, peer, hash_i)
    with pytest.raises(IkeError) as failed:
        auth.verify(ctx2, _sa(B1, Role.RESPONDER), inbound, peer, hashlib.md5(b"x").digest())
    assert failed.value.notify == NotifyMessageType.INVALID_SIGNATURE


def test_which_policies_are_usable_depends_on_what_the_method_needs() -> None:
    no_key = _ctx(branch_config("Branch1", pki=False))
    with_key = _ctx(branch_config("Branch1", psk="k", pki=False))
    assert not usable(no_key, B2, PSK_POLICY) and usable(with_key, B2, PSK_POLICY)
    rsa_sig = dataclasses.replace(PSK_POLICY, authentication="rsa-sig")
    assert not usable(no_key, B2, rsa_sig) and usable(_ctx(branch_config("Branch1")), B2, rsa_sig)
    assert usable(_ctx(encr_config("Branch1")), B2, RSA_ENCR_POLICY)
    no_peer_key = _ctx(branch_config("Branch1", policy=RSA_ENCR_POLICY))
    assert not usable(no_peer_key, B2, RSA_ENCR_POLICY, explain=True)
    reason = RsaEncrAuthenticator.unusable_reason(no_peer_key, B2)
    assert reason is not None and "no public key for 10.2.2.1" in reason


@pytest.mark.parametrize("module", [main_mode, aggressive, quick_mode, endpoint])
def test_the_handlers_never_ask_which_method_was_negotiated(module: ModuleType) -> None:
    source = inspect.getsource(module)
    for name in ("AuthenticationMethod", "RSA_ENCR", "PRE_SHARE", "RSA_SIG"):
        assert name not in source, name
    assert "isinstance(auth" not in source and ".authentication ==" not in source
