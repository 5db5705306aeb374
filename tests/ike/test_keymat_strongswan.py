"""vpnteach's key material against strongSwan's, from a real strongSwan <-> strongSwan run.

The fixture (tests/fixtures/strongswan/<profile>/, produced by make_fixture.py, see its README)
holds the capture of IKEv1 Main Mode with certificates + Quick Mode between two charon 5.9.8
instances, and both charon logs at ``ike = 4`` / ``chd = 4``. From the values on the wire
(cookies, SA payload, g^xi, g^xr, nonces, ciphertexts, SPIs) plus the one secret charon logs
(``shared Diffie Hellman secret``), vpnteach must derive exactly what *both* charons logged:
SKEYID, SKEYID_d/a/e, Ka, the IVs, HASH_I/HASH_R, the Quick Mode hashes and the ESP keys; it
must decrypt MM5, MM6 and Quick Mode, and verify both RSA signatures with the certificates the
peers sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fixtures.strongswan import charonlog
from vpnteach.crypto.cipher import CipherAlgorithm, get_ike_cipher
from vpnteach.crypto.prf import HashAlgorithm, get_hash
from vpnteach.crypto.rsa_sig import ikev1_verify
from vpnteach.ike import keymat
from vpnteach.net.pcap import udp_datagrams
from vpnteach.trace import Trace
from vpnteach.wire import (
    CertPayload,
    HashPayload,
    IdPayload,
    IkeAttribute,
    KePayload,
    Message,
    NoncePayload,
    Payload,
    SaPayload,
    SigPayload,
    decode_message,
    decode_payload_chain,
    encode_payload_chain,
    strip_non_esp_marker,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan"
PROFILES = ["seed", "modern"]
INITIATOR = "10.1.1.1"
ESP = 3  # PROTO_IPSEC_ESP, RFC 2407 §4.4.1


@dataclass
class Datagram:
    sender: str
    raw: bytes
    message: Message


def _body(payload: Payload) -> bytes:
    """A payload's body: its encoding minus the 4-byte generic header (RFC 2408 §3.2)."""
    return encode_payload_chain([payload])[4:]


def _one(payloads: tuple[Payload, ...], kind: type) -> Payload:
    found = [p for p in payloads if isinstance(p, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, got {len(found)}"
    return found[0]


@dataclass
class Run:
    """One strongSwan run: its messages, logs and negotiated algorithms."""

    profile: str
    messages: list[Datagram]
    logs: dict[str, list[charonlog.HexDump]]
    h: HashAlgorithm
    cipher: CipherAlgorithm

    def exchange(self, exchange_type: int) -> list[Datagram]:
        return [d for d in self.messages if d.message.header.exchange_type == exchange_type]

    def logged(self, role: str, label: str) -> bytes:
        return charonlog.first_dump(self.logs[role], label).data

    def logged_all(self, role: str, label: str) -> list[bytes]:
        return [d.data for d in charonlog.all_dumps(self.logs[role], label)]


@cache
def load_run(folder: Path) -> Run:
    messages = []
    for d in udp_datagrams((folder / "capture.pcap").read_bytes()):
        payload = d.payload
        if 4500 in (d.sport, d.dport):
            kind, payload = strip_non_esp_marker(payload)
            if kind != "ike":
                continue
        elif 500 not in (d.sport, d.dport):
            continue
        messages.append(Datagram(d.src, payload, decode_message(payload)))
    logs = {
        role: charonlog.parse_file(folder / f"{role}-charon.log")
        for role in ("initiator", "responder")
    }
    sa = _one(messages[1].message.payloads, SaPayload)
    assert isinstance(sa, SaPayload)
    transform = sa.proposals[0].transforms[0]
    enc = transform.int_attribute(IkeAttribute.ENCRYPTION_ALGORITHM)
    key_len = transform.int_attribute(IkeAttribute.KEY_LENGTH)
    hash_id = transform.int_attribute(IkeAttribute.HASH_ALGORITHM)
    assert enc is not None and hash_id is not None
    return Run(folder.name, messages, logs, get_hash(hash_id), get_ike_cipher(enc, key_len))


@dataclass
class Phase1:
    """What vpnteach derives for phase 1 of a run."""

    cky_i: bytes
    cky_r: bytes
    sai_b: bytes
    g_xi: bytes
    g_xr: bytes
    ni_b: bytes
    nr_b: bytes
    g_xy: bytes
    keys: keymat.Phase1Keys
    ivs: keymat.IvManager
    trace: Trace


def derive_phase1(run: Run, role: str) -> Phase1:
    mm = run.exchange(2)
    assert [d.sender == INITIATOR for d in mm] == [True, False] * 3
    header = mm[0].message.header
    cky_i, cky_r = header.cky_i, mm[1].message.header.cky_r
    sai_b = _body(_one(mm[0].message.payloads, SaPayload))
    ke_i = _one(mm[2].message.payloads, KePayload)
    ke_r = _one(mm[3].message.payloads, KePayload)
    n_i = _one(mm[2].message.payloads, NoncePayload)
    n_r = _one(mm[3].message.payloads, NoncePayload)
    assert isinstance(ke_i, KePayload) and isinstance(ke_r, KePayload)
    assert isinstance(n_i, NoncePayload) and isinstance(n_r, NoncePayload)
    g_xy = run.logged(role, "shared Diffie Hellman secret")
    trace = Trace(role)
    skeyid = keymat.skeyid_sig(run.h, n_i.nonce_data, n_r.nonce_data, g_xy, trace)
    keys = keymat.derive_phase1_keys(run.h, skeyid, g_xy, cky_i, cky_r, run.cipher.key_size, trace)
    ivs = keymat.IvManager(
        run.h, run.cipher.block_size, ke_i.key_exchange_data, ke_r.key_exchange_data, trace
    )
    return Phase1(
        cky_i,
        cky_r,
        sai_b,
        ke_i.key_exchange_data,
        ke_r.key_exchange_data,
        n_i.nonce_data,
        n_r.nonce_data,
        g_xy,
        keys,
        ivs,
        trace,
    )


def decrypt(run: Run, p1: Phase1, d: Datagram) -> tuple[tuple[Payload, ...], bytes]:
    """Decrypt one message with vpnteach's Ka and IV chain; return (payloads, plaintext)."""
    body = d.message.encrypted_body
    assert body is not None, "message is not encrypted"
    m_id = d.message.header.message_id
    plaintext = run.cipher.decrypt(p1.keys.ka, p1.ivs.iv(m_id), body)
    p1.ivs.update(m_id, body)
    chain = decode_payload_chain(d.message.header.next_payload, plaintext)
    # the decrypted chain re-encodes byte for byte (padding aside)
    assert encode_payload_chain(chain.payloads) + chain.padding == plaintext
    return chain.payloads, plaintext[: len(plaintext) - len(chain.padding)]


def check_phase1_keys(folder: Path, role: str) -> None:
    run = load_run(folder)
    p1 = derive_phase1(run, role)
    assert p1.keys.skeyid == run.logged(role, "SKEYID")
    assert p1.keys.skeyid_d == run.logged(role, "SKEYID_d")
    assert p1.keys.skeyid_a == run.logged(role, "SKEYID_a")
    assert p1.keys.skeyid_e == run.logged(role, "SKEYID_e")
    assert p1.keys.ka == run.logged(role, "encryption key Ka")
    assert p1.ivs.iv(0) == run.logged(role, "initial IV")


def _verify_auth(
    run: Run, p1: Phase1, payloads: tuple[Payload, ...], expected_hash: bytes
) -> x509.Certificate:
    cert_p = _one(payloads, CertPayload)
    sig_p = _one(payloads, SigPayload)
    assert isinstance(cert_p, CertPayload) and isinstance(sig_p, SigPayload)
    cert = x509.load_der_x509_certificate(cert_p.certificate_data)
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    check = ikev1_verify(public_key, expected_hash, sig_p.signature_data)
    assert check.ok, check.reason
    return cert


def check_main_mode_auth(folder: Path) -> None:
    run = load_run(folder)
    p1 = derive_phase1(run, "initiator")
    mm = run.exchange(2)
    h = run.h

    mm5, _ = decrypt(run, p1, mm[4])
    idii = _one(mm5, IdPayload)
    hash_i = keymat.hash_i(
        h, p1.keys.skeyid, p1.g_xi, p1.g_xr, p1.cky_i, p1.cky_r, p1.sai_b, _body(idii), p1.trace
    )
    assert hash_i == run.logged("initiator", "HASH_I") == run.logged("responder", "HASH_I")
    assert p1.g_xi + p1.g_xr + p1.cky_i + p1.cky_r + p1.sai_b + _body(idii) == run.logged(
        "initiator", "HASH_I data"
    )
    cert_i = _verify_auth(run, p1, mm5, hash_i)
    assert "Branch1.amit.com" in cert_i.subject.rfc4514_string()
    iv_after_mm5 = p1.ivs.iv(0)

    mm6, _ = decrypt(run, p1, mm[5])
    idir = _one(mm6, IdPayload)
    hash_r = keymat.hash_r(
        h, p1.keys.skeyid, p1.g_xi, p1.g_xr, p1.cky_i, p1.cky_r, p1.sai_b, _body(idir), p1.trace
    )
    assert hash_r == run.logged("initiator", "HASH_R") == run.logged("responder", "HASH_R")
    cert_r = _verify_auth(run, p1, mm6, hash_r)
    assert "Branch2.amit.com" in cert_r.subject.rfc4514_string()
    # the IV chain: after MM5 and after MM6, as both charons logged it for M-ID 0
    assert [iv_after_mm5, p1.ivs.iv(0)] == run.logged_all("initiator", "next IV for MID 0")
    assert [iv_after_mm5, p1.ivs.iv(0)] == run.logged_all("responder", "next IV for MID 0")


def _hash_value(payloads: tuple[Payload, ...]) -> bytes:
    first = payloads[0]
    assert isinstance(first, HashPayload), "Quick Mode starts with HASH (RFC 2409 §5.5)"
    return first.hash_data


def _after_hash(payloads: tuple[Payload, ...], plaintext: bytes) -> bytes:
    """Every payload after HASH, generic headers included, as sent."""
    return plaintext[len(_body(payloads[0])) + 4 :]


def _spi(payloads: tuple[Payload, ...]) -> bytes:
    sa = _one(payloads, SaPayload)
    assert isinstance(sa, SaPayload)
    return sa.proposals[0].spi


def _nonce(payloads: tuple[Payload, ...]) -> bytes:
    nonce = _one(payloads, NoncePayload)
    assert isinstance(nonce, NoncePayload)
    return nonce.nonce_data


def check_quick_mode(folder: Path) -> None:
    run = load_run(folder)
    p1 = derive_phase1(run, "initiator")
    mm = run.exchange(2)
    for d in mm[4:6]:
        decrypt(run, p1, d)
    qm = run.exchange(32)
    assert [d.sender == INITIATOR for d in qm] == [True, False, True]
    m_id = qm[0].message.header.message_id
    h, skeyid_a = run.h, p1.keys.skeyid_a
    ivs_logged = run.logged_all("initiator", f"next IV for MID {m_id}")

    iv_initial = p1.ivs.iv(m_id)  # hash(last phase-1 block | M-ID), RFC 2409 App. B
    qm1, text1 = decrypt(run, p1, qm[0])
    iv_after_qm1 = p1.ivs.iv(m_id)
    qm2, text2 = decrypt(run, p1, qm[1])
    iv_after_qm2 = p1.ivs.iv(m_id)
    qm3, _ = decrypt(run, p1, qm[2])
    ni_b, nr_b = _nonce(qm1), _nonce(qm2)

    hash1 = keymat.qm_hash1(h, skeyid_a, m_id, _after_hash(qm1, text1), p1.trace)
    hash2 = keymat.qm_hash2(h, skeyid_a, m_id, ni_b, _after_hash(qm2, text2), p1.trace)
    hash3 = keymat.qm_hash3(h, skeyid_a, m_id, ni_b, nr_b, p1.trace)
    assert (hash1, hash2, hash3) == (_hash_value(qm1), _hash_value(qm2), _hash_value(qm3))
    for role in ("initiator", "responder"):
        logged = [run.logged(role, f"Hash({n})") for n in (1, 2, 3)]
        assert [hash1, hash2, hash3] == logged, role
    # charon logs the IV it starts with, then the chained IV after each message
    assert ivs_logged == [iv_initial, iv_after_qm1, iv_after_qm2, p1.ivs.iv(m_id)]

    # KEYMAT (RFC 2409 §5.5): the SA initiator -> responder uses the responder's SPI
    spi_i, spi_r = _spi(qm1), _spi(qm2)
    key_size = run.cipher.key_size
    integ_size = run.h.digest_size  # HMAC-MD5-96 / HMAC-SHA-256-128 keys: the digest size
    for spi, direction in ((spi_r, "initiator"), (spi_i, "responder")):
        material = keymat.keymat(h, p1.keys.skeyid_d, ESP, spi, ni_b, nr_b, key_size + integ_size)
        enc, integ = keymat.split_keymat(material, key_size, integ_size)
        for role in ("initiator", "responder"):
            assert enc == run.logged(role, f"encryption {direction} key"), (role, direction)
            assert integ == run.logged(role, f"integrity {direction} key"), (role, direction)


def check_informational(folder: Path) -> None:
    run = load_run(folder)
    p1 = derive_phase1(run, "initiator")
    for d in [*run.exchange(2)[4:], *run.exchange(32)]:
        decrypt(run, p1, d)
    infos = run.exchange(5)
    assert infos, "the capture ends with charon's Delete notifications"
    logged = run.logged_all("initiator", "Hash")
    for d, expected in zip(infos, logged, strict=False):
        payloads, text = decrypt(run, p1, d)
        value = keymat.informational_hash(
            run.h, p1.keys.skeyid_a, d.message.header.message_id, _after_hash(payloads, text)
        )
        assert value == _hash_value(payloads) == expected


def check_facts(folder: Path) -> None:
    run = load_run(folder)
    p1 = derive_phase1(run, "initiator")
    names = [f.name for f in p1.trace]
    assert names[:6] == ["SKEYID", "SKEYID_d", "SKEYID_a", "SKEYID_e", "Ka", "IV (phase 1)"]
    assert p1.trace.find("SKEYID_e").formula == "prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)"
    assert p1.trace.find("SKEYID").inputs["g_xy"] == p1.g_xy


CHECKS = (check_main_mode_auth, check_quick_mode, check_informational, check_facts)


def check_all(folder: Path) -> None:
    """Every cross-check above on one strongSwan run's folder."""
    for role in ("initiator", "responder"):
        check_phase1_keys(folder, role)
    for check in CHECKS:
        check(folder)


@pytest.mark.parametrize("role", ["initiator", "responder"])
@pytest.mark.parametrize("profile", PROFILES)
def test_skeyid_family_ka_and_initial_iv_equal_strongswans(profile: str, role: str) -> None:
    check_phase1_keys(FIXTURES / profile, role)


@pytest.mark.parametrize("profile", PROFILES)
def test_mm5_and_mm6_decrypt_and_their_hashes_and_signatures_verify(profile: str) -> None:
    check_main_mode_auth(FIXTURES / profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_quick_mode_decrypts_and_hashes_ivs_and_esp_keys_equal_strongswans(profile: str) -> None:
    check_quick_mode(FIXTURES / profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_informational_delete_hashes_equal_strongswans(profile: str) -> None:
    check_informational(FIXTURES / profile)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_derivation_is_recorded_as_a_fact_with_its_formula(profile: str) -> None:
    check_facts(FIXTURES / profile)
