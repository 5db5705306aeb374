"""Tests for tests/fixtures/strongswan/charonlog.py on a synthetic log and the fixture logs.

The fixture checks recompute RFC 2409 formulas with the stdlib ``hmac``/``hashlib`` from the
dumped inputs: if the parser dropped, reordered or mis-sliced a byte they would not hold.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from tests.fixtures.strongswan import charonlog
from vpnteach.net import pcap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan"
HASHES = {"seed": "md5", "modern": "sha256"}
KEY_LENGTHS = {"seed": 24, "modern": 32}  # 3DES, AES-256
BLOCK_SIZES = {"seed": 8, "modern": 16}
SYNTHETIC = """\
04:03:00 12[IKE] <v|1> received cert request for 'DC=com'
04:03:00 12[IKE] <v|1> initial IV => 8 bytes @ 0x7f1450005fb0
04:03:00 12[IKE] <v|1>    0: 9A 04 7C 9C B4 5C FC 30                          ..|..\\.0
04:03:00 07[CHD] <v|1> natd_chunk => 18 bytes @ 0x7f148f16ba80
04:03:00 07[CHD] <v|1>    0: 4A 8E 0C 64 AD D9 87 BD 8C 31 B1 51 CD B2 81 52  AB CD EF 12 34 56
04:03:00 07[CHD] <v|1>   16: 0A 01                                            ..
"""


def test_synthetic_dumps_are_read_in_order_with_exact_bytes() -> None:
    dumps = charonlog.parse(SYNTHETIC)
    assert charonlog.pairs(dumps) == [
        ("initial IV", bytes.fromhex("9a047c9cb45cfc30")),
        ("natd_chunk", bytes.fromhex("4a8e0c64add987bd8c31b151cdb281520a01")),
    ]
    assert (dumps[1].thread, dumps[1].group, dumps[1].ike, dumps[1].lineno) == (
        7,
        "CHD",
        "v|1",
        4,
    )


def test_cut_short_dump_names_the_line() -> None:
    text = "\n".join(SYNTHETIC.splitlines()[:4])
    with pytest.raises(charonlog.CharonLogError, match="line 5: expected hex dump at offset 0"):
        charonlog.parse(text)


def test_missing_label_error_lists_the_labels_present() -> None:
    with pytest.raises(KeyError, match="initial IV"):
        charonlog.first_dump(charonlog.parse(SYNTHETIC), "SKEYID")


def test_prefix_pattern_selects_every_next_iv() -> None:
    dumps = charonlog.parse_file(FIXTURES / "seed" / "initiator-charon.log")
    ivs = charonlog.all_dumps(dumps, "next IV for MID *")
    assert ivs and all(d.label.startswith("next IV for MID ") and len(d.data) == 8 for d in ivs)


def _prf(profile: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, HASHES[profile]).digest()


def _dumps(profile: str, role: str = "initiator") -> dict[str, bytes]:
    dumps = charonlog.parse_file(FIXTURES / profile / f"{role}-charon.log")
    return {d.label: d.data for d in reversed(dumps)}  # first occurrence wins


def _cookies(profile: str) -> tuple[bytes, bytes]:
    grams = pcap.udp_datagrams((FIXTURES / profile / "capture.pcap").read_bytes())
    return grams[0].payload[:8], grams[1].payload[8:16]


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_fixture_logs_hold_the_expected_labels_in_order(profile: str) -> None:
    labels = charonlog.labels(charonlog.parse_file(FIXTURES / profile / "initiator-charon.log"))
    wanted = [
        "shared Diffie Hellman secret",
        "SKEYID",
        "SKEYID_d",
        "SKEYID_a",
        "SKEYID_e",
        "encryption key Ka",
        "initial IV",
        "HASH_I data",
        "HASH_I",
        "HASH_R data",
        "HASH_R",
        "Hash(1)",
        "Hash(2)",
        "encryption initiator key",
        "integrity responder key",
        "Hash(3)",
    ]
    assert [label for label in labels if label in wanted] == wanted


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_fixture_skeyid_family_follows_rfc2409_from_logged_inputs(profile: str) -> None:
    d = _dumps(profile)
    cky_i, cky_r = _cookies(profile)
    g_xy, skeyid = d["shared Diffie Hellman secret"], d["SKEYID"]
    # RFC 2409 section 5: SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), _a and _e chained.
    skeyid_d = _prf(profile, skeyid, g_xy + cky_i + cky_r + b"\x00")
    skeyid_a = _prf(profile, skeyid, skeyid_d + g_xy + cky_i + cky_r + b"\x01")
    skeyid_e = _prf(profile, skeyid, skeyid_a + g_xy + cky_i + cky_r + b"\x02")
    assert (d["SKEYID_d"], d["SKEYID_a"], d["SKEYID_e"]) == (skeyid_d, skeyid_a, skeyid_e)


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_fixture_ka_is_skeyid_e_expanded_per_rfc2409_appendix_b(profile: str) -> None:
    d = _dumps(profile)
    # RFC 2409 appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1)
    k = _prf(profile, d["SKEYID_e"], b"\x00")
    blocks = k if len(d["SKEYID_e"]) < KEY_LENGTHS[profile] else d["SKEYID_e"]
    while len(blocks) < KEY_LENGTHS[profile]:
        k = _prf(profile, d["SKEYID_e"], k)
        blocks += k
    assert d["encryption key Ka"] == blocks[: KEY_LENGTHS[profile]]


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_fixture_hash_i_and_initial_iv_follow_rfc2409(profile: str) -> None:
    d = _dumps(profile)
    cky_i, _ = _cookies(profile)
    data = d["HASH_I data"]
    # RFC 2409 section 5: HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
    assert _prf(profile, d["SKEYID"], data) == d["HASH_I"]
    half = data.index(cky_i)  # g^xi and g^xr are equally long and precede the cookies
    # RFC 2409 appendix B: IV = hash(g^xi | g^xr), truncated to the cipher block size
    iv = hashlib.new(HASHES[profile], data[:half]).digest()[: BLOCK_SIZES[profile]]
    assert d["initial IV"] == iv


@pytest.mark.parametrize("profile", ["seed", "modern"])
def test_fixture_both_sides_log_the_same_keys(profile: str) -> None:
    ini, res = _dumps(profile), _dumps(profile, "responder")
    for label in (
        "shared Diffie Hellman secret",
        "SKEYID",
        "encryption key Ka",
        "encryption initiator key",
        "integrity responder key",
    ):
        assert ini[label] == res[label], label
