"""prf+, the SK_* split, Child SA KEYMAT and the SK payload (RFC 7296 §2.13-2.17, §3.14)."""

from __future__ import annotations

import contextlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpnteach.crypto.rng import SeededRng
from vpnteach.ikev2.keymat import (
    KeyDerivationError,
    derive_child_sa_keys,
    derive_ike_sa_keys,
    prf_plus,
)
from vpnteach.ikev2.sk import SkError, SkKeys, open_sk, seal
from vpnteach.ikev2.transforms import get_encr, get_integ, get_prf
from vpnteach.trace import Trace
from vpnteach.wire.ikev2 import (
    ExchangeType,
    Flags,
    IdPayload,
    Ikev2Header,
    NoncePayload,
    PayloadType,
    decode_message,
)
from vpnteach.wire.ikev2.constants import EncrId, IntegId, PrfId

SHA256 = get_prf(PrfId.PRF_HMAC_SHA2_256)
INTEG = get_integ(IntegId.AUTH_HMAC_SHA2_256_128)
CBC = get_encr(EncrId.ENCR_AES_CBC, 256)
GCM = get_encr(EncrId.ENCR_AES_GCM_16, 256)


def test_prf_plus_first_blocks_follow_the_rfc_chain() -> None:
    key, seed = b"K" * 32, b"S" * 40
    out = prf_plus(SHA256, key, seed, 70)
    t1 = hmac.digest(key, seed + b"\x01", "sha256")
    t2 = hmac.digest(key, t1 + seed + b"\x02", "sha256")
    t3 = hmac.digest(key, t2 + seed + b"\x03", "sha256")
    assert out == (t1 + t2 + t3)[:70]


@given(st.integers(0, 300), st.integers(0, 300))
def test_prf_plus_is_a_stream_a_shorter_output_is_a_prefix(a: int, b: int) -> None:
    short, long = sorted((a, b))
    assert prf_plus(SHA256, b"k", b"s", long)[:short] == prf_plus(SHA256, b"k", b"s", short)


def test_prf_plus_refuses_more_than_255_blocks() -> None:
    with pytest.raises(KeyDerivationError, match="at most 8160 bytes"):
        prf_plus(SHA256, b"k", b"s", 255 * 32 + 1)


def test_ike_sa_keys_have_the_sizes_of_the_negotiated_transforms_and_are_facts() -> None:
    trace = Trace("test")
    keys = derive_ike_sa_keys(
        SHA256, INTEG, CBC, b"g" * 256, b"i" * 32, b"r" * 32, b"I" * 8, b"R" * 8, trace=trace
    )
    sizes = [len(k) for k in (keys.sk_d, keys.sk_ai, keys.sk_ar, keys.sk_ei, keys.sk_er)]
    assert [*sizes, len(keys.sk_pi), len(keys.sk_pr)] == [32, 32, 32, 32, 32, 32, 32]
    stream = prf_plus(SHA256, keys.skeyseed, b"i" * 32 + b"r" * 32 + b"I" * 8 + b"R" * 8, 224)
    assert keys.sk_d + keys.sk_ai + keys.sk_ar + keys.sk_ei + keys.sk_er == stream[:160]
    assert keys.skeyseed == hmac.digest(b"i" * 32 + b"r" * 32, b"g" * 256, "sha256")
    assert trace.find("SKEYSEED").formula == "prf(Ni | Nr, g^ir)"
    assert trace.find("SK_er").value == keys.sk_er
    assert trace.find("SK_pr").formula.endswith("[192:224]")


def test_gcm_ike_keys_carry_the_salt_and_no_integrity_keys() -> None:
    keys = derive_ike_sa_keys(SHA256, None, GCM, b"g", b"i" * 16, b"r" * 16, b"I" * 8, b"R" * 8)
    assert (len(keys.sk_ei), len(keys.sk_ai)) == (36, 0)


def test_child_keymat_orders_initiator_to_responder_first_and_records_pfs() -> None:
    trace = Trace("test")
    keys = derive_child_sa_keys(SHA256, b"d" * 32, b"i" * 32, b"r" * 32, CBC, INTEG, trace=trace)
    assert keys.keymat == keys.encr_i + keys.integ_i + keys.encr_r + keys.integ_r
    assert keys.keymat == prf_plus(SHA256, b"d" * 32, b"i" * 32 + b"r" * 32, 128)
    pfs = derive_child_sa_keys(SHA256, b"d" * 32, b"i", b"r", CBC, INTEG, b"G", trace=trace)
    assert pfs.keymat == prf_plus(SHA256, b"d" * 32, b"Gir", 128)
    assert trace.find("KEYMAT").formula == "prf+(SK_d, g^ir (new) | Ni | Nr)"


HEADER = Ikev2Header(b"I" * 8, b"R" * 8, ExchangeType.IKE_AUTH, Flags.INITIATOR, 1)
INNER = (IdPayload(2, b"Branch1.amit.com", PayloadType.IDi), NoncePayload(b"n" * 16))


@pytest.mark.parametrize("encr", [CBC, GCM], ids=["aes-cbc+sha256", "aes-gcm-16"])
def test_sealed_sk_payload_opens_to_the_same_payloads(encr: object) -> None:
    assert encr is CBC or encr is GCM
    keys = SkKeys(encr, None if encr.aead else INTEG, bytes(range(encr.key_size)), b"a" * 32)
    data = seal(HEADER, INNER, keys, SeededRng("sk"))
    msg = decode_message(data)
    assert msg.header.length == len(data) and msg.sk is not None
    assert msg.sk.first_payload == PayloadType.IDi
    assert open_sk(data, msg, keys) == INNER
    for index in (0, 20, 33, 50, len(data) - 1):  # SPI, message ID, IV, body, ICV
        bad = bytearray(data)
        bad[index] ^= 1
        with pytest.raises(SkError):
            open_sk(bytes(bad), decode_message(bytes(bad)), keys)


def test_cbc_plaintext_is_padded_to_whole_blocks_with_a_pad_length_byte() -> None:
    keys = SkKeys(CBC, INTEG, bytes(32), b"a" * 32)
    data = seal(HEADER, INNER, keys, SeededRng("pad"))
    msg = decode_message(data)
    assert msg.sk is not None
    body = msg.sk.content[16:-16]
    assert len(body) % 16 == 0
    plain = CBC.cbc_decrypt(bytes(32), msg.sk.content[:16], body)
    inner_len = 4 + 4 + 16 + 4 + 16
    assert plain[-1] == len(plain) - inner_len - 1


@settings(max_examples=200)
@given(st.binary(max_size=120))
def test_garbage_inside_a_valid_icv_gives_sk_error_only(garbage: bytes) -> None:
    keys = SkKeys(CBC, INTEG, bytes(32), b"a" * 32)
    data = bytearray(seal(HEADER, INNER, keys, SeededRng("g")))
    # replace the ciphertext with garbage of a block multiple, then fix the ICV
    body = (garbage + bytes(16))[: max(16, len(garbage) // 16 * 16)]
    data = data[:32] + bytearray(16) + bytearray(body) + bytearray(16)
    data[24:28] = len(data).to_bytes(4, "big")
    data[30:32] = (len(data) - 28).to_bytes(2, "big")
    data[-16:] = INTEG.icv(b"a" * 32, bytes(data[:-16]))
    with contextlib.suppress(SkError):
        open_sk(bytes(data), decode_message(bytes(data)), keys)
