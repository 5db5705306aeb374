"""The IKEv2 exercises (issue 20): each answer computed here from ``ex.given`` with hmac and
hashlib by RFC 7296 §2.13-§2.15 (not with vpnteach), typical mistakes made by hand and
recognised, and the exercises' formulas fed strongSwan's own values (the ``ike = 4`` fixture of
tests/fixtures/strongswan_ikev2/) giving exactly what both charons logged.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from tests.exercises.conftest import LEARNERS
from tests.fixtures.strongswan import charonlog
from tests.ikev2 import test_keymat_strongswan as reference
from vpnteach import exercises
from vpnteach.exercises.ikev2_auth import OctetsParams, SignedOctets
from vpnteach.exercises.ikev2_keys import SK_NAMES, Skeyseed, SkeyseedParams, SkKey, SkKeyParams
from vpnteach.wire.ikev2 import ExchangeType, IdPayload, NoncePayload, encode_payload_chain

# RFC 7296 §3.3.2 / RFC 4868: the PRF names the statements print -> hashlib name
HASHES = {"PRF_HMAC_SHA1": "sha1", "PRF_HMAC_SHA2_256": "sha256", "PRF_HMAC_SHA2_384": "sha384"}
# RFC 4868 §2.1/§2.3, RFC 2404, RFC 3602, RFC 5282 §7.1 (AES-GCM: key plus 4-byte salt)
KEY_SIZES = {
    "AUTH_HMAC_SHA1_96": 20,
    "AUTH_HMAC_SHA2_256_128": 32,
    "AES-CBC-128": 16,
    "AES-CBC-256": 32,
    "AES-GCM-128-16": 20,
}


def prf(name: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, HASHES[name]).digest()


def prf_plus(name: str, key: bytes, seed: bytes, length: int) -> bytes:
    """RFC 7296 §2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n)."""
    out, t, n = b"", b"", 1
    while len(out) < length:
        t = prf(name, key, t + seed + bytes([n]))
        out, n = out + t, n + 1
    return out[:length]


@pytest.mark.parametrize("learner", LEARNERS)
def test_skeyseed_is_prf_of_the_nonces_over_g_ir(learner: str) -> None:
    ex = exercises.skeyseed(learner)
    g = ex.given
    right = prf(g["PRF"], g["Ni"] + g["Nr"], g["g^ir"])
    assert ex.check(right.hex().upper()).correct
    assert ex.check(prf(g["PRF"], g["Nr"] + g["Ni"], g["g^ir"])).mistake == "nonces_swapped"
    assert ex.check(prf(g["PRF"], g["g^ir"], g["Ni"] + g["Nr"])).mistake == "prf_swapped"
    spis = g["SPIi"] + g["SPIr"]
    assert ex.check(prf(g["PRF"], g["Ni"] + g["Nr"] + spis, g["g^ir"])).mistake == "spis_in_key"


def _sk_sizes(suite: str) -> dict[str, int]:
    match = re.fullmatch(r"encryption (\S+), PRF (\S+), integrity (\S+)( \(AES-GCM\))?", suite)
    assert match is not None, suite
    encr, prf_name, integ = match.group(1), match.group(2), match.group(3)
    d = hashlib.new(HASHES[prf_name]).digest_size  # preferred key size = output (RFC 4868)
    a = 0 if integ == "none" else KEY_SIZES[integ]
    e = KEY_SIZES[encr]
    return dict(zip(SK_NAMES, (d, a, a, e, e, d, d), strict=True))


@pytest.mark.parametrize("learner", [*LEARNERS, "carol", "dave", "erin", "frank"])
def test_sk_key_is_its_slice_of_prf_plus(learner: str) -> None:
    ex = exercises.sk_key(learner)
    g = ex.given
    name = re.search(r"PRF (\S+),", g["IKE SA suite"]).group(1)  # type: ignore[union-attr]
    sizes = _sk_sizes(g["IKE SA suite"])
    asked = g["asked"]
    offset = sum(sizes[n] for n in SK_NAMES[: SK_NAMES.index(asked)])

    def key(seed: bytes) -> bytes:
        stream = prf_plus(name, g["SKEYSEED"], seed, sum(sizes.values()))
        return stream[offset : offset + sizes[asked]]

    assert ex.check(key(g["Ni"] + g["Nr"] + g["SPIi"] + g["SPIr"]).hex()).correct
    assert ex.check(key(g["Ni"] + g["Nr"])).mistake == "spis_missing"
    assert ex.check(key(g["Nr"] + g["Ni"] + g["SPIi"] + g["SPIr"])).mistake == "nonces_swapped"
    other = asked[:-1] + ("r" if asked.endswith("i") else "i")
    stream = prf_plus(name, g["SKEYSEED"], g["Ni"] + g["Nr"] + g["SPIi"] + g["SPIr"], 1000)
    at = sum(sizes[n] for n in SK_NAMES[: SK_NAMES.index(other)])
    swapped = ex.check(stream[at : at + sizes[other]])
    assert swapped.mistake == "initiator_responder_swapped" and other in swapped.message


@pytest.mark.parametrize("learner", [*LEARNERS, "carol"])
def test_signed_octets_follow_rfc_7296_section_2_15(learner: str) -> None:
    ex = exercises.signed_octets(learner)
    g = ex.given
    name = g["PRF"]
    initiator = "IDi payload (as it travels)" in g
    ident = g["IDi payload (as it travels)" if initiator else "IDr payload (as it travels)"]
    message = g["IKE_SA_INIT request (as sent)" if initiator else "IKE_SA_INIT response (as sent)"]
    nonce = g["Nr payload (as it travels)" if initiator else "Ni payload (as it travels)"][4:]
    sk_p, sk_other = (g["SK_pi"], g["SK_pr"]) if initiator else (g["SK_pr"], g["SK_pi"])
    # the nonce really is the one in the peer's IKE_SA_INIT message
    peer = g["IKE_SA_INIT response (as sent)" if initiator else "IKE_SA_INIT request (as sent)"]
    assert nonce in peer
    right = message + nonce + prf(name, sk_p, ident[4:])
    assert ex.check(right).correct
    assert ex.check(message + nonce + prf(name, sk_other, ident[4:])).mistake == "wrong_sk_p"
    assert ex.check(message + nonce + prf(name, sk_p, ident)).mistake == "id_with_header"
    own = g["Ni payload (as it travels)" if initiator else "Nr payload (as it travels)"][4:]
    assert ex.check(message + own + prf(name, sk_p, ident[4:])).mistake == "own_nonce"


@pytest.mark.parametrize("learner", [*LEARNERS, "carol"])
def test_psk_auth_is_prf_of_the_padded_secret_over_the_octets(learner: str) -> None:
    ex = exercises.psk_auth(learner)
    g = ex.given
    name, secret = g["PRF"], g["pre-shared key"].encode("ascii")
    initiator = "Branch1 (the initiator)" in ex.statement.text
    octets = g["InitiatorSignedOctets" if initiator else "ResponderSignedOctets"]
    others = g["ResponderSignedOctets" if initiator else "InitiatorSignedOctets"]
    key = prf(name, secret, b"Key Pad for IKEv2")  # 17 octets, no NUL (RFC 7296 §2.15)
    assert len(b"Key Pad for IKEv2") == 17
    assert ex.check(prf(name, key, octets).hex()).correct
    assert ex.check(prf(name, secret, octets)).mistake == "no_key_pad"
    nul = prf(name, secret, b"Key Pad for IKEv2\x00")
    assert ex.check(prf(name, nul, octets)).mistake == "key_pad_nul"
    assert ex.check(prf(name, key, others)).mistake == "other_octets"


# ------------------------------------------------------------------ against strongSwan


def _fixture_init() -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
    """Ni, Nr, SPIi, SPIr and both IKE_SA_INIT messages of the strongSwan capture."""
    request, response = reference._of(ExchangeType.IKE_SA_INIT)[:2]
    ni = next(p for p in request.message.payloads if isinstance(p, NoncePayload)).nonce_data
    nr = next(p for p in response.message.payloads if isinstance(p, NoncePayload)).nonce_data
    h = response.message.header
    return ni, nr, h.spi_i, h.spi_r, request.data, response.data


def test_the_key_exercises_formulas_give_what_both_charons_logged() -> None:
    suite, _, _, _ = reference.ike()
    ni, nr, spi_i, spi_r, _, _ = _fixture_init()
    logs = reference.logs()
    g_ir = charonlog.first_dump(logs["initiator"], "shared Diffie Hellman secret").data
    params = SkeyseedParams(suite.prf, ni, nr, g_ir, spi_i, spi_r)
    skeyseed = Skeyseed("charon")._solve(params)
    for role in ("initiator", "responder"):
        assert charonlog.first_dump(logs[role], "SKEYSEED").data == skeyseed
        for name in SK_NAMES:
            p = SkKeyParams(
                suite.prf, suite.integ, suite.encr, skeyseed, ni, nr, spi_i, spi_r, name
            )
            logged = charonlog.first_dump(logs[role], f"Sk_{name[3:]} secret").data
            assert SkKey("charon")._solve(p) == logged, (role, name)


def test_the_signed_octets_exercise_gives_what_charon_logged_for_both_peers() -> None:
    suite, keys, _, _ = reference.ike()
    ni, nr, _, _, message1, message2 = _fixture_init()
    logged = {
        d.data
        for d in charonlog.all_dumps(
            reference.logs()["initiator"], "octets = message + nonce + prf(Sk_px, IDx')"
        )
    }
    found = []
    for index, initiator in ((0, True), (1, False)):
        payloads = reference._open(ExchangeType.IKE_AUTH, index)
        ident = next(p for p in payloads if isinstance(p, IdPayload))
        params = OctetsParams(
            suite.prf, initiator, message1, message2,
            encode_payload_chain((NoncePayload(ni),)), encode_payload_chain((NoncePayload(nr),)),
            keys.sk_pi, keys.sk_pr, encode_payload_chain((ident,)),
        )  # fmt: skip
        found.append(SignedOctets("charon")._solve(params))
    assert set(found) == logged and len(found) == 2


# RFC 4868 §2.1.1 and RFC 2104: an HMAC PRF's preferred key size is its output size
PRF_KEY_BYTES = {"PRF_HMAC_SHA1": 20, "PRF_HMAC_SHA2_256": 32, "PRF_HMAC_SHA2_384": 48}


@pytest.mark.parametrize("make", [exercises.skeyseed, exercises.sk_key])
def test_the_nonces_given_are_as_long_as_rfc_7296_section_2_10_requires(make: object) -> None:
    """At least 128 bits and at least half the negotiated PRF's key size (RFC 7296 §2.10),
    for every PRF the exercises draw (SHA-384 needs 24 bytes, not 16)."""
    seen = set()
    for n in range(60):
        g = make(f"learner{n}").given  # type: ignore[operator]
        text = g.get("PRF") or re.search(r"PRF (\S+),", g["IKE SA suite"]).group(1)
        seen.add(text)
        for nonce in (g["Ni"], g["Nr"]):
            assert len(nonce) >= max(16, PRF_KEY_BYTES[text] // 2), (text, len(nonce))
    assert "PRF_HMAC_SHA2_384" in seen
