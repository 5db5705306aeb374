"""Each exercise's right answer, computed here independently from what the statement gives.

The test reads only ``ex.given`` (what a learner sees), computes the answer with the standard
library, pycryptodome or Scapy - not with vpnteach - and submits it in a different notation
each time (spaces, colons, 0x, upper case, raw bytes): the check must accept it. This proves
the statement gives enough to solve it and that the package's expected value is the RFC's.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from Crypto.Cipher import AES, DES3

from tests.exercises.conftest import LEARNERS
from vpnteach import exercises
from vpnteach.crypto.modp import get_group


def _prf(name: str, key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, {"MD5": "md5", "SHA": "sha1"}[name]).digest()


def _hash(name: str, data: bytes) -> bytes:
    return hashlib.new({"MD5": "md5", "SHA": "sha1"}[name], data).digest()


def _notations(value: bytes) -> list[object]:
    h = value.hex()
    return [h, h.upper(), " ".join(h[i : i + 2] for i in range(0, len(h), 2)),
            ":".join(h[i : i + 2] for i in range(0, len(h), 2)), "0x" + h, value]  # fmt: skip


def _accepts_all_notations(ex: exercises.Exercise, value: bytes) -> None:  # type: ignore[type-arg]
    for answer in _notations(value):
        assert ex.check(answer).correct, answer


@pytest.mark.parametrize("learner", LEARNERS)
def test_dh_public_value_is_g_to_the_x_padded_to_len_p(learner: str) -> None:
    ex = exercises.dh_public_value(learner)
    g, x, group = ex.given["g"], ex.given["x"], get_group(ex.given["group"])
    length = (group.p.bit_length() + 7) // 8
    value = pow(g, x, group.p).to_bytes(length, "big")
    assert value[0] == 0  # so that a learner who drops the padding is caught
    _accepts_all_notations(ex, value)
    assert ex.check(value.lstrip(b"\0")).mistake == "not_padded"
    assert ex.check(value[::-1]).mistake == "byte_order"


@pytest.mark.parametrize("learner", LEARNERS)
def test_skeyid_e_follows_rfc_2409_section_5(learner: str) -> None:
    ex = exercises.skeyid_e(learner)
    gv = ex.given
    h, skeyid = gv["hash"], gv["SKEYID"]
    tail = gv["g^xy"] + gv["CKY-I"] + gv["CKY-R"]
    d = _prf(h, skeyid, tail + b"\0")
    a = _prf(h, skeyid, d + tail + b"\1")
    e = _prf(h, skeyid, a + tail + b"\2")
    _accepts_all_notations(ex, e)
    assert ex.check(_prf(h, skeyid, a + tail)).mistake == "missing_octet"
    swapped = gv["g^xy"] + gv["CKY-R"] + gv["CKY-I"]
    d2 = _prf(h, skeyid, swapped + b"\0")
    a2 = _prf(h, skeyid, d2 + swapped + b"\1")
    assert ex.check(_prf(h, skeyid, a2 + swapped + b"\2")).mistake == "cookies_swapped"


@pytest.mark.parametrize("learner", LEARNERS)
def test_ka_is_expanded_by_appendix_b(learner: str) -> None:
    ex = exercises.ka(learner)
    h, e = ex.given["hash"], ex.given["SKEYID_e"]
    size = {"3des": 24, "aes256": 32}[ex.given["cipher"]]
    assert len(e) < size
    k1 = _prf(h, e, b"\0")
    k2 = _prf(h, e, k1)
    ka = (k1 + k2 + _prf(h, e, k2))[:size]
    _accepts_all_notations(ex, ka)
    assert ex.check(e).mistake == "no_expansion"
    assert ex.check((k1 * 3)[:size]).mistake == "k2_repeats_k1"


@pytest.mark.parametrize("learner", LEARNERS)
def test_phase1_iv_is_hash_of_gxi_gxr_cut_to_a_block(learner: str) -> None:
    ex = exercises.phase1_iv(learner)
    block = {"3des": 8, "aes128": 16}[ex.given["cipher"]]
    full = _hash(ex.given["hash"], ex.given["g^xi"] + ex.given["g^xr"])
    _accepts_all_notations(ex, full[:block])
    assert ex.check(full).mistake == "not_truncated"


@pytest.mark.parametrize("learner", LEARNERS)
def test_phase2_iv_hashes_last_block_and_message_id(learner: str) -> None:
    ex = exercises.phase2_iv(learner)
    block = {"3des": 8, "aes128": 16}[ex.given["cipher"]]
    mid = int(ex.given["M-ID"], 16).to_bytes(4, "big")
    last = ex.given["last phase-1 CBC block"]
    _accepts_all_notations(ex, _hash(ex.given["hash"], last + mid)[:block])
    assert ex.check(_hash(ex.given["hash"], last)[:block]).mistake == "no_m_id"


@pytest.mark.parametrize("learner", LEARNERS)
def test_hash_i_uses_payload_bodies_without_generic_headers(learner: str) -> None:
    ex = exercises.hash_i(learner)
    gv = ex.given
    sa, ident = gv["SA payload (MM1)"], gv["IDii payload (MM5)"]
    # RFC 2408 §3.2: the Payload Length field (bytes 2-3) counts the whole payload
    assert int.from_bytes(sa[2:4], "big") == len(sa)
    assert int.from_bytes(ident[2:4], "big") == len(ident)
    head = gv["g^xi"] + gv["g^xr"] + gv["CKY-I"] + gv["CKY-R"]
    _accepts_all_notations(ex, _prf(gv["hash"], gv["SKEYID"], head + sa[4:] + ident[4:]))
    assert ex.check(_prf(gv["hash"], gv["SKEYID"], head + sa[4:] + ident)).mistake == (
        "idii_with_header"
    )


@pytest.mark.parametrize("learner", LEARNERS)
def test_keymat_uses_the_receivers_spi_and_the_pfs_secret(learner: str) -> None:
    ex = exercises.keymat(learner)
    gv = ex.given
    size = int(re.search(r"Compute the (\d+) bytes", ex.statement.text).group(1))  # type: ignore[union-attr]

    def expand(spi: bytes) -> bytes:
        seed = gv["g(qm)^xy"] + b"\x03" + spi + gv["Ni_b"] + gv["Nr_b"]
        blocks = [_prf(gv["hash"], gv["SKEYID_d"], seed)]
        while len(b"".join(blocks)) < size:
            blocks.append(_prf(gv["hash"], gv["SKEYID_d"], blocks[-1] + seed))
        return b"".join(blocks)[:size]

    _accepts_all_notations(ex, expand(gv["SPI chosen by Branch2 (its inbound SA)"]))
    assert ex.check(expand(gv["SPI chosen by Branch1 (its inbound SA)"])).mistake == (
        "spi_direction"
    )


def _policies(text: str) -> list[dict[str, str]]:
    policies: list[dict[str, str]] = []
    for line in text.splitlines():
        words = line.split()
        if words[:3] == ["crypto", "isakmp", "policy"]:
            policies.append({"priority": words[3]})
        else:
            policies[-1][words[0]] = " ".join(words[1:])
    return sorted(policies, key=lambda p: int(p["priority"]))


@pytest.mark.parametrize("learner", LEARNERS)
def test_isakmp_policy_is_the_responders_first_acceptable(learner: str) -> None:
    ex = exercises.isakmp_policy(learner)
    offered = _policies(ex.given["Branch1 (initiator)"])
    mine = _policies(ex.given["Branch2 (responder)"])
    keys = ("encryption", "hash", "authentication", "group")

    def ok(policy: dict[str, str], offer: dict[str, str]) -> bool:
        same = all(policy[k] == offer[k] for k in keys)
        return same and int(offer["lifetime"]) <= int(policy["lifetime"])

    chosen = next(p["priority"] for p in mine for o in offered if ok(p, o))
    walk = next(p["priority"] for o in offered for p in mine if ok(p, o))
    assert chosen != walk  # the exercise is built so that the two walks disagree
    assert ex.check(chosen).correct and ex.check(f" {chosen} ").correct
    assert ex.check(walk).mistake == "initiator_walk"


def _matches(address: str, base: str, wildcard: str) -> bool:
    def as_int(dotted: str) -> int:
        return int.from_bytes(bytes(int(o) for o in dotted.split(".")), "big")

    return (as_int(address) & ~as_int(wildcard)) == (as_int(base) & ~as_int(wildcard))


@pytest.mark.parametrize("learner", LEARNERS)
def test_acl_verdicts_follow_wildcards_and_first_match(learner: str) -> None:
    ex = exercises.acl_encrypted(learner)
    entries = []
    for line in ex.given["Branch1's crypto ACL"].splitlines()[1:]:
        words = line.replace("host ", "host_").split()
        sides = [(w[5:], "0.0.0.0") if w.startswith("host_") else None for w in words[2:]]
        if sides[0] is None:  # "permit ip A W B W2"
            src, dst = (words[2], words[3]), (words[4], words[5])
        else:  # "deny ip host H B W"
            src, dst = sides[0], (words[3], words[4])
        entries.append((words[0], src, dst))
    verdicts = []
    for n in range(1, 5):
        s, d = ex.given[f"packet {n}"].split(" -> ")
        first = next((e for e in entries if _matches(s, *e[1]) and _matches(d, *e[2])), None)
        verdicts.append("yes" if first and first[0] == "permit" else "no")
    assert ex.check(" ".join(verdicts)).correct
    assert ex.check(",".join(v.upper() for v in verdicts)).correct
    assert ex.check([v == "yes" for v in verdicts]).correct


@pytest.mark.parametrize("learner", LEARNERS)
def test_decode_message_fields_by_hand(learner: str) -> None:
    ex = exercises.decode_message(learner)
    m = ex.given["message"]
    len1 = int.from_bytes(m[30:32], "big")  # RFC 2408 §3.2 generic header of payload 1
    second_type = m[28]
    len2 = int.from_bytes(m[28 + len1 + 2 : 28 + len1 + 4], "big")
    answer = [m[18], second_type, len2, 28 + len1 + len2]
    assert ex.check(", ".join(map(str, answer))).correct
    assert ex.check(" ".join(hex(v) for v in answer)).correct
    assert ex.check(answer).correct
    assert ex.check([m[18], m[16], len2, 28 + len1 + len2]).mistake == "next_payload_confusion"


@pytest.mark.parametrize("learner", LEARNERS)
def test_esp_decrypt_with_pycryptodome_and_scapy(learner: str) -> None:
    inet = pytest.importorskip("scapy.layers.inet")
    ex = exercises.esp_decrypt(learner)
    gv = ex.given
    esp, key = gv["ESP packet (after the outer IP header)"], gv["encryption key"]
    block = 8 if gv["cipher"] == "3des" else 16
    digest = "md5" if "md5" in gv["integrity"] else "sha1"
    body, icv = esp[:-12], esp[-12:]
    # RFC 4303 §3.3.4: ICV = HMAC over SPI | Seq | IV | ciphertext, truncated to 96 bits
    assert hmac.new(gv["authentication key"], body, digest).digest()[:12] == icv
    iv, ciphertext = body[8 : 8 + block], body[8 + block :]
    module = DES3 if block == 8 else AES
    plain = module.new(key, module.MODE_CBC, iv=iv).decrypt(ciphertext)
    assert plain[-1] == 4  # Next Header: IPv4 (tunnel mode)
    inner = plain[: -2 - plain[-2]]
    packet = inet.IP(inner)
    assert packet.src.startswith("192.168.11.") and packet.dst.startswith("192.168.22.")
    assert packet[inet.ICMP].type == 8
    _accepts_all_notations(ex, inner)
    assert ex.check(plain).mistake == "padding_kept"
