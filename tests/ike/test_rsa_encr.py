"""IKEv1 Main Mode with public key encryption, IOS ``authentication rsa-encr`` (RFC 2409 §5.2).

vpnteach talks to vpnteach here: strongSwan has no IKEv1 rsa-encr (its IKEv1 authenticates with
pre-shared keys, signatures, XAuth and hybrid modes only), so no outside IKE peer exists to
interoperate with. The references are instead ``openssl pkeyutl -decrypt`` (the MM3/MM4 bodies
decrypt with the receiver's private key to the values the engine traced), ``hashlib``/``hmac``
(SKEYID recomputed from the openssl-decrypted nonces and the cookies on the wire) and
``cryptography``'s own PKCS#1 v1.5 (the padding primitive both ways).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import shutil
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.conftest import require
from tests.ike.harness import B1, B2, Pair, encr_config, router_key
from vpnteach.crypto import pke
from vpnteach.crypto.rng import SeededRng
from vpnteach.ike.config import IkeConfig, PeerPublicKey
from vpnteach.ike.context import payload_body
from vpnteach.ike.endpoint import IkeEndpoint
from vpnteach.ike.events import (
    NegotiationFailed,
    NotificationReceived,
    NotificationSent,
    Phase1Complete,
    Phase2Complete,
)
from vpnteach.ike.policy import PolicyError
from vpnteach.ike.rules import PayloadRuleError, rule_for
from vpnteach.ike.states import IkeState
from vpnteach.wire.constants import AuthenticationMethod, NotifyMessageType, PayloadType
from vpnteach.wire.message import Message, decode_message, encode_message
from vpnteach.wire.payloads import IdPayload, NoncePayload

P = TypeVar("P")
# RFC 2407 §4.6.2: ID_IPV4_ADDR (1), UDP (17), port 500, then the address 10.1.1.1 / 10.2.2.1.
IDII_B = bytes.fromhex("011101f4") + bytes([10, 1, 1, 1])
IDIR_B = bytes.fromhex("011101f4") + bytes([10, 2, 2, 1])


def run(c1: IkeConfig, c2: IkeConfig, initiator: str = "b1") -> Pair:
    pair = Pair.make(c1, c2)
    if initiator == "b1":
        pair.b1.initiate(B2, pair.now)
    else:
        pair.b2.initiate(B1, pair.now)
    pair.run()
    return pair


def main_mode_messages(pair: Pair) -> list[tuple[str, Message]]:
    """The clear Main Mode messages as sent, in order (MM1..MM4)."""
    out = []
    for sender, d in pair.log:
        msg = decode_message(d.data)
        if msg.header.exchange_type == 2 and not msg.header.encrypted:
            out.append((sender, msg))
    return out


def first(msg: Message, kind: type[P]) -> P:
    return next(p for p in msg.payloads if isinstance(p, kind))


def openssl_decrypt(tmp_path: Path, key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """``openssl pkeyutl -decrypt -inkey key.pem -pkeyopt rsa_padding_mode:pkcs1``."""
    require(shutil.which("openssl") is not None, "needs the openssl command")
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "in.bin").write_bytes(ciphertext)
    cmd = ["openssl", "pkeyutl", "-decrypt", "-inkey", str(pem), "-in", str(tmp_path / "in.bin")]
    cmd += ["-pkeyopt", "rsa_padding_mode:pkcs1"]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


# ----------------------------------------------------------------------------- success


@pytest.mark.parametrize("initiator", ["b1", "b2"])
def test_rsa_encr_main_mode_and_quick_mode_complete_in_both_roles(initiator: str) -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"), initiator)
    for endpoint, peer in ((pair.b1, B2), (pair.b2, B1)):
        events = pair.events(endpoint)
        p1 = [e for e in events if isinstance(e, Phase1Complete)]
        assert len(p1) == 1 and p1[0].suite.authentication == AuthenticationMethod.RSA_ENCRYPTION
        assert p1[0].peer_identity == peer
        assert any(isinstance(e, Phase2Complete) for e in events)
        sa = endpoint.isakmp_sa(peer)
        assert sa is not None and sa.state == IkeState.IKE_P1_COMPLETE
        assert not [k for k in endpoint.stats if k.startswith("dropped")]


def test_rsa_encr_messages_carry_the_rfc_2409_section_5_2_payloads() -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"))
    (_, mm3), (_, mm4) = main_mode_messages(pair)[2:]
    kinds3 = [p.payload_type for p in mm3.payloads]
    kinds4 = [p.payload_type for p in mm4.payloads]
    assert kinds3[:3] == [PayloadType.KE, PayloadType.ID, PayloadType.NONCE]
    assert kinds4[:3] == [PayloadType.KE, PayloadType.ID, PayloadType.NONCE]
    assert PayloadType.CR not in kinds3 + kinds4 and PayloadType.HASH not in kinds3
    # 1024-bit keys: each encrypted body is one 128-byte RSA block
    assert len(first(mm3, NoncePayload).nonce_data) == 128
    assert len(payload_body(first(mm4, IdPayload))) == 128
    # the codec keeps the ciphertext bodies byte for byte
    for _, d in pair.log[:4]:
        assert encode_message(decode_message(d.data)) == d.data


def test_mm3_and_mm4_bodies_decrypt_with_openssl_to_the_traced_values(tmp_path: Path) -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"))
    mm3, mm4 = main_mode_messages(pair)[2][1], main_mode_messages(pair)[3][1]
    k1, k2 = router_key("Branch1"), router_key("Branch2")
    ni_c = first(mm3, NoncePayload).nonce_data
    nr_c = first(mm4, NoncePayload).nonce_data
    idii_c = payload_body(first(mm3, IdPayload))
    idir_c = payload_body(first(mm4, IdPayload))
    ni = openssl_decrypt(tmp_path, k2, ni_c)
    nr = openssl_decrypt(tmp_path, k1, nr_c)
    assert openssl_decrypt(tmp_path, k2, idii_c) == IDII_B
    assert openssl_decrypt(tmp_path, k1, idir_c) == IDIR_B
    t1, t2 = pair.b1.trace, pair.b2.trace
    assert t1.find("Ni_b").value == ni == t2.find("Ni_b").value
    assert t2.find("Nr_b").value == nr == t1.find("Nr_b").value
    assert t1.find("<Ni_b>PubKey_r").value == ni_c
    assert t2.find("<Nr_b>PubKey_i").value == nr_c
    assert t2.find("IDii_b").value == IDII_B and t1.find("IDir_b").value == IDIR_B
    assert t2.find("Ni_b").rfc == "RFC 2409 §5.2"


def test_skeyid_is_prf_of_hash_of_the_nonces_over_the_cookies(tmp_path: Path) -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"))
    mm3, mm4 = main_mode_messages(pair)[2][1], main_mode_messages(pair)[3][1]
    ni = openssl_decrypt(tmp_path, router_key("Branch2"), first(mm3, NoncePayload).nonce_data)
    nr = openssl_decrypt(tmp_path, router_key("Branch1"), first(mm4, NoncePayload).nonce_data)
    cookies = mm4.header.cky_i + mm4.header.cky_r
    # RFC 2409 §5: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R), here prf = HMAC-MD5
    nonces_hash = hashlib.md5(ni + nr).digest()
    skeyid = hmac.new(nonces_hash, cookies, hashlib.md5).digest()
    for endpoint, peer in ((pair.b1, B2), (pair.b2, B1)):
        fact = endpoint.trace.find("SKEYID")
        assert fact.value == skeyid and fact.formula == "prf(hash(Ni_b | Nr_b), CKY-I | CKY-R)"
        assert endpoint.trace.find("hash(Ni_b | Nr_b)").value == nonces_hash
        sa = endpoint.isakmp_sa(peer)
        assert sa is not None and sa.keying is not None and sa.keying.keys.skeyid == skeyid


def test_debug_log_shows_the_rsa_encr_steps() -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"))
    log = pair.b2.debug_log()
    assert "SA is doing RSA encryption authentication using id type ID_IPV4_ADDR" in log
    order = [
        "processing KE payload",
        "processing ID payload",
        "processing NONCE payload",
        "ISAKMP:(1001):SKEYID state generated",
        "processing HASH payload. message ID = 0",
        "SA has been authenticated with 10.1.1.1",
    ]
    positions = [log.index(text) for text in order]
    assert positions == sorted(positions)
    assert "CERT" not in log


# ----------------------------------------------------------------------------- failures


def test_no_peer_key_on_the_initiator_offers_nothing_and_says_why() -> None:
    c1 = dataclasses.replace(encr_config("Branch1"), peer_public_keys=())
    pair = run(c1, encr_config("Branch2"))
    assert pair.log == []  # not even MM1
    failed = [e for e in pair.events(pair.b1) if isinstance(e, NegotiationFailed)]
    assert failed and "no ISAKMP policy usable" in failed[0].reason
    assert (
        "policy 10 (rsa-encr) skipped: no public key for 10.2.2.1 "
        "(crypto key pubkey-chain rsa, addressed-key 10.2.2.1)" in pair.b1.debug_log()
    )


def test_no_peer_key_on_the_responder_answers_no_proposal_chosen() -> None:
    c2 = dataclasses.replace(encr_config("Branch2"), peer_public_keys=())
    pair = run(encr_config("Branch1"), c2)
    sent = [e for e in pair.events(pair.b2) if isinstance(e, NotificationSent)]
    assert [e.notify_type for e in sent] == [NotifyMessageType.NO_PROPOSAL_CHOSEN]
    assert "policy 10 (rsa-encr) skipped: no public key for 10.1.1.1" in pair.b2.debug_log()
    received = [e for e in pair.events(pair.b1) if isinstance(e, NotificationReceived)]
    assert [e.notify_type for e in received] == [NotifyMessageType.NO_PROPOSAL_CHOSEN]
    assert pair.b2.isakmp_sa(B1) is None


@pytest.mark.parametrize("wrong_side", ["Branch1", "Branch2"])
def test_a_wrong_peer_key_fails_decryption_with_authentication_failed(wrong_side: str) -> None:
    # the side with the wrong key encrypts to itself; the other side cannot decrypt
    configs = {
        name: encr_config(name, router_key(name).public_key() if name == wrong_side else None)
        for name in ("Branch1", "Branch2")
    }
    pair = run(configs["Branch1"], configs["Branch2"])
    victim, other = (pair.b2, pair.b1) if wrong_side == "Branch1" else (pair.b1, pair.b2)
    payload = "IDii_b" if wrong_side == "Branch1" else "IDir_b"
    sent = [e for e in pair.events(victim) if isinstance(e, NotificationSent)]
    assert [e.notify_type for e in sent] == [NotifyMessageType.AUTHENTICATION_FAILED]
    assert "does not decrypt with our private key" in sent[0].reason
    assert f"unable to decrypt the {payload} payload body: no PKCS#1 v1.5 block" in (
        victim.debug_log()
    )
    got = [e for e in pair.events(other) if isinstance(e, NotificationReceived)]
    if wrong_side == "Branch1":  # the responder failed at MM3: no keys yet on either side
        assert [e.notify_type for e in got] == [NotifyMessageType.AUTHENTICATION_FAILED]
    else:  # the initiator failed at MM4; the responder has keys and ignores a clear notify
        assert got == [] and other.stats["dropped_IkeError"] == 1
        assert "unprotected informational message after keys exist" in other.debug_log()
    assert all(sa.keying is None or not sa.established for sa in victim.sas.values())


def test_a_forged_mm3_leaves_an_established_sa_unchanged() -> None:
    pair = run(encr_config("Branch1"), encr_config("Branch2"))
    sa = pair.b2.isakmp_sa(B1)
    assert sa is not None and sa.keying is not None
    keying, state = sa.keying, sa.state
    mm3 = next(d for s, d in pair.log if s == "b1" and d.data[16] == PayloadType.KE)
    forged = bytearray(mm3.data)
    forged[-5] ^= 0xFF
    pair.b2.receive_datagram(bytes(forged), (B1, 500), pair.now + 1)
    assert sa.keying is keying and sa.state == state and sa.established
    assert sum(v for k, v in pair.b2.stats.items() if k.startswith("dropped")) == 1


# ----------------------------------------------------------------------------- parts


def test_pkcs1_v15_primitive_agrees_with_cryptography_both_ways() -> None:
    key = router_key("Branch1")
    message = b"Ni_b: twenty bytes.."
    ours = pke.encrypt(key.public_key(), message, SeededRng(7))
    assert key.decrypt(ours, padding.PKCS1v15()) == message
    assert pke.decrypt(key, key.public_key().encrypt(message, padding.PKCS1v15())) == message
    assert pke.encrypt(key.public_key(), message, SeededRng(7)) == ours  # replayable
    with pytest.raises(pke.PkeError, match="not ours"):
        pke.decrypt(router_key("Branch2"), ours)
    with pytest.raises(pke.PkeError, match="do not fit"):
        pke.encrypt(key.public_key(), bytes(118), SeededRng(7))


def test_rsa_encr_payload_rules_want_id_in_mm3_and_only_hash_in_mm5() -> None:
    encr = AuthenticationMethod.RSA_ENCRYPTION
    rule_for("MM3", encr).check([PayloadType.KE, PayloadType.ID, PayloadType.NONCE], False)
    with pytest.raises(PayloadRuleError, match="ID"):
        rule_for("MM4", encr).check([PayloadType.KE, PayloadType.NONCE], False)
    rule_for("MM5", encr).check([PayloadType.HASH, PayloadType.N], True)
    with pytest.raises(PayloadRuleError):
        rule_for("MM6", encr).check([PayloadType.ID, PayloadType.HASH], True)
    assert rule_for("MM5", AuthenticationMethod.PRE_SHARED_KEY).first == PayloadType.ID


def test_peer_public_key_refuses_a_bad_address_or_key_string() -> None:
    der = (
        router_key("Branch1")
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert PeerPublicKey("10.1.1.1", der).public_key.key_size == 1024
    with pytest.raises(PolicyError, match="not an IPv4"):
        PeerPublicKey("branch1", der)
    with pytest.raises(PolicyError, match="not a DER public key"):
        PeerPublicKey("10.1.1.1", b"\x30\x03junk")


def test_endpoint_never_raises_on_an_rsa_encr_mm3_without_our_key() -> None:
    c2 = dataclasses.replace(encr_config("Branch2"), pki=None)  # no key pair to decrypt with
    endpoint = IkeEndpoint(c2, SeededRng(3))
    pair = Pair.make(encr_config("Branch1"), c2)
    pair.b2 = endpoint
    pair.b1.initiate(B2, pair.now)
    pair.run()
    assert "no RSA key pair of our own" in endpoint.debug_log()
