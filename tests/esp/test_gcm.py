"""AES-GCM ESP (RFC 4106): published test vectors, packet layout, checks and facts.

Reference for the transform: the test cases of McGrew, "Test Cases for the use of
Galois/Counter Mode (GCM) and Galois Message Authentication Code (GMAC) in IPsec ESP",
draft-mcgrew-gcm-test-01 §4 (the ones with a 32-bit sequence number; the others use ESN, which
this engine does not negotiate). Each gives K, salt, SPI, sequence number, IV, the plaintext
ESP payload (inner packet + trailer) and ciphertext | ICV. Scapy and tshark check whole packets
in test_esp_scapy.py / test_esp_tshark.py.
"""

from __future__ import annotations

import struct

import pytest

from tests.esp._helpers import lookup_for, ping, sa_pair
from vpnteach.crypto.rng import SeededRng
from vpnteach.esp.esp import Decapsulated, Dropped, DropReason, decapsulate, encapsulate
from vpnteach.esp.gcm import GCM_ALGORITHMS, GcmAlgorithm, GcmContext, get_gcm
from vpnteach.esp.policy import PolicyError, TransformSet
from vpnteach.esp.sa import Direction, IpsecSa
from vpnteach.trace import Trace
from vpnteach.wire.ip import ipv4_packet

RNG = SeededRng("gcm")

# draft-mcgrew-gcm-test-01 §4: (key, salt, SPI, seq, IV, plaintext, ciphertext | ICV)
VECTORS = {
    "case 2 (AES-192)": (
        "feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabe", 0x0000A5F8, 0x0000000A,
        "facedbaddecaf888",
        "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e501016d075680001",
        "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0315b27452144cc77"
        "95457b9652037f5318027b5b4cd7a636",
    ),
    "case 3 (AES-256)": (
        "abbccddef00112233445566778899aababbccddef00112233445566778899aab", "11223344",
        0x4A2CBFE3, 0x00000002, "0102030405060708",
        "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000"
        "020405b40101040201020201",
        "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a637985771d34"
        "7f0545659f14e99def842d8eb335f4eecfdbf831824b4c4915956c96",
    ),
    "case 4 (AES-128, zero key)": (
        "00000000000000000000000000000000", "00000000", 0x00000000, 0x00000001,
        "0000000000000000",
        "4500003c99c500008001cb7a40679318010101010800075c0200440061626364656667686"
        "96a6b6c6d6e6f707172737475767761626364656667686901020201",
        "4688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fdcdfff5e9a284456476492719ffb6"
        "4de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3f821d496eeb096e98ad2b69e4799c71d",
    ),
    "case 5 (AES-128, empty payload)": (
        "7d773d00c144c525ac619d18c84a3f47", "d9664267", 0x335467AE, 0xFFFFFFFF,
        "43457e9182443bc6", "01020201", "437f866bcb3f699fe9b0822bac961c4504bef270",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", VECTORS)
def test_the_transform_matches_the_published_esp_test_vectors(case: str) -> None:
    key, salt, spi, seq, iv, plain, sealed = VECTORS[case]
    algorithm = get_gcm(len(key) * 4)
    gcm = GcmContext(algorithm, bytes.fromhex(key + salt))  # KEYMAT = key | salt (§8.1)
    assert gcm.salt.hex() == salt
    assert gcm.nonce(bytes.fromhex(iv)).hex() == salt + iv  # §4
    assert gcm.aad(spi, seq) == struct.pack("!II", spi, seq)  # §5, no ESN
    assert gcm.seal(spi, seq, bytes.fromhex(iv), bytes.fromhex(plain)).hex() == sealed
    assert gcm.open(spi, seq, bytes.fromhex(iv), bytes.fromhex(sealed)) == bytes.fromhex(plain)


def test_a_wrong_aad_or_tag_opens_nothing() -> None:
    key, salt, spi, seq, iv, _, sealed = VECTORS["case 3 (AES-256)"]
    gcm = GcmContext(get_gcm(256), bytes.fromhex(key + salt))
    data, nonce_iv = bytes.fromhex(sealed), bytes.fromhex(iv)
    assert gcm.open(spi, seq + 1, nonce_iv, data) is None  # the sequence number is authenticated
    assert gcm.open(spi ^ 1, seq, nonce_iv, data) is None  # so is the SPI
    assert gcm.open(spi, seq, nonce_iv, data[:-1] + bytes([data[-1] ^ 1])) is None


def test_keymat_length_includes_the_salt_and_bad_lengths_are_named() -> None:
    assert [GCM_ALGORITHMS[b].key_size for b in (128, 192, 256)] == [20, 28, 36]
    with pytest.raises(ValueError, match=r"KEYMAT is 32 bytes, needs 36 .*salt"):
        GcmContext(get_gcm(256), bytes(32))
    with pytest.raises(ValueError, match=r"Key Length attribute of 128, 192 or 256"):
        get_gcm(None)


def test_a_packet_is_header_iv_4_byte_aligned_ciphertext_and_16_byte_icv() -> None:
    out, inb = sa_pair("aes256gcm16", "")
    inner = ping(size=101)
    wire = encapsulate(out, inner, RNG, now=0)
    # 20 outer + 8 SPI/seq + 8 IV + (101 + 1 padding + 2 trailer = 104) + 16 ICV
    assert len(wire) == 20 + 8 + 8 + 104 + 16
    spi, seq = struct.unpack_from("!II", wire, 20)
    assert (spi, seq) == (out.spi, 1)
    assert wire[28:36] == (1).to_bytes(8, "big")  # IV = the sequence number (RFC 4106 §3.1)
    result = decapsulate(lookup_for(inb), wire, now=0)
    assert isinstance(result, Decapsulated) and result.inner == inner
    assert out.transform_text() == "esp-gcm 256" and (out.iv_size, out.icv_size) == (8, 16)


def test_a_tampered_gcm_packet_fails_the_icv_and_does_not_move_the_window() -> None:
    out, inb = sa_pair("aes128gcm16", "")
    wire = bytearray(encapsulate(out, ping(), RNG, now=0))
    wire[40] ^= 0x80
    result = decapsulate(lookup_for(inb), bytes(wire), now=0)
    assert isinstance(result, Dropped) and result.reason is DropReason.ICV_FAILURE
    assert inb.counters.pkts_verify_failed == 1 and inb.replay.top == 0
    second = encapsulate(out, ping(), RNG, now=0)
    assert isinstance(decapsulate(lookup_for(inb), second, now=0), Decapsulated)
    replayed = decapsulate(lookup_for(inb), second, now=0)
    assert isinstance(replayed, Dropped) and replayed.reason is DropReason.REPLAY


def test_a_gcm_packet_too_short_for_its_trailer_is_a_length_error() -> None:
    out, inb = sa_pair("aes128gcm16", "")
    wire = encapsulate(out, ping(), RNG, now=0)
    short = wire[20:36] + wire[-16:]  # SPI, seq and IV, no ciphertext, an ICV
    result = decapsulate(lookup_for(inb), ipv4_packet("10.1.1.1", "10.2.2.1", 50, short), 0)
    assert isinstance(result, Dropped) and result.reason is DropReason.BAD_LENGTH
    assert inb.counters.pkts_invalid_len_rcv == 1


def test_every_rfc_4106_value_is_a_fact_and_they_agree() -> None:
    out, inb = sa_pair("aes256gcm16", "")
    trace = Trace("Branch1")
    wire = encapsulate(out, ping(), RNG, now=0, trace=trace)
    salt, iv = trace.find("ESP salt").value, trace.find("ESP IV").value
    assert salt == out.encryption_key[-4:] and iv == wire[28:36]
    assert trace.find("ESP nonce").value == salt + iv
    assert trace.find("ESP AAD").value == wire[20:28]  # SPI | sequence number
    assert trace.find("ESP ICV").value == wire[-16:]
    assert trace.find("ESP ciphertext").value == wire[36:-16]
    assert trace.find("ESP ICV").rfc == "RFC 4106 §6"
    packet = trace.find("ESP packet").value
    assert packet.icv_valid and packet.inner == ping() and packet.iv == iv
    inbound = Trace("Branch2")
    assert isinstance(decapsulate(lookup_for(inb), wire, now=0, trace=inbound), Decapsulated)
    assert inbound.find("ESP packet").value.inner == ping()


def test_an_sa_is_either_cbc_with_an_hmac_or_gcm_without() -> None:
    out, _ = sa_pair("aes256gcm16", "")
    cbc, _ = sa_pair("aes256", "esp-sha256-hmac")
    with pytest.raises(ValueError, match="AES-GCM takes no HMAC"):
        IpsecSa(Direction.OUTBOUND, 1, "10.1.1.1", "10.2.2.1", out.cipher, out.encryption_key,
                cbc.integrity, cbc.integrity_key, out.local_ident, out.remote_ident)  # fmt: skip
    with pytest.raises(ValueError, match="a CBC cipher needs an HMAC"):
        IpsecSa(Direction.OUTBOUND, 1, "10.1.1.1", "10.2.2.1", cbc.cipher, cbc.encryption_key,
                None, b"", out.local_ident, out.remote_ident)  # fmt: skip
    assert isinstance(out.cipher, GcmAlgorithm) and out.integrity is None


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("esp-gcm 256 esp-sha-hmac", r"esp-gcm authenticates by itself, drop esp-sha-hmac"),
        ("esp-gcm 100", r"esp-gcm key length must be 128/192/256"),
        ("esp-aes 256", r"needs exactly one ESP HMAC"),
    ],
)
def test_transform_sets_with_gcm_are_checked(words: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        TransformSet("TS", words)


def test_esp_gcm_defaults_to_128_bits_and_sends_no_authentication_algorithm() -> None:
    ts = TransformSet("TS", "esp-gcm")
    assert (ts.transform_id, ts.key_length, ts.auth_algorithm, ts.combined) == (20, 128, None, True)
    assert ts.ios_text() == "esp-gcm 128"
