"""vpnteach's IKEv2 key material against strongSwan's, from a strongSwan <-> strongSwan run.

The fixture (tests/fixtures/strongswan_ikev2/, made by
tests/fixtures/strongswan/make_ikev2_fixture.py, see its README) holds the capture of IKEv2
with certificates between two charon 5.9.8 instances, pings, a Child SA rekey with PFS and a
Delete, and both charon logs at ``ike = 4`` / ``chd = 4``. From the values on the wire (SPIs,
proposals, nonces, ciphertexts) plus the secrets charon logs (the Diffie-Hellman results),
vpnteach's codec must read every message, its key schedule must give exactly what *both*
charons logged (SKEYSEED, every SK_*, the signed octets, both generations of Child SA keys),
its SK code must open every encrypted message and fragment, its RFC 7427 verifier must accept
both AUTH signatures, and tshark must decrypt the capture with the ``ikev2_decryption_table``
line vpnteach writes from those keys. The facts vpnteach's trace records (what the stepper
shows: SKEYSEED, SK_d/ai/ar/ei/er/pi/pr, each generation's KEYMAT and its keys for both
directions) must equal both logs too, and the README must describe every file of the fixture.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import require
from tests.fixtures.strongswan import charonlog
from tests.tshark import tshark_rows
from vpnteach.ikev2.auth import signed_octets, verify_signature
from vpnteach.ikev2.keymat import IkeSaKeys, derive_child_sa_keys, derive_ike_sa_keys
from vpnteach.ikev2.proposals import (
    IkeSuite,
    esp_proposal_of,
    esp_suite,
    ike_proposal_of,
    ike_suite,
)
from vpnteach.ikev2.sk import SkKeys, open_sk, open_skf, reassemble
from vpnteach.ikev2.wireshark import decryption_table_line
from vpnteach.net.pcap import udp_datagrams
from vpnteach.pki.validation import parse_certificate
from vpnteach.trace import Trace
from vpnteach.wire.ikev2 import (
    AuthPayload,
    CertPayload,
    ExchangeType,
    IdPayload,
    Ikev2Message,
    KePayload,
    NoncePayload,
    Payload,
    SaPayload,
    decode_message,
)
from vpnteach.wire.natt import strip_non_esp_marker

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "strongswan_ikev2"
INITIATOR = "10.1.1.1"


@dataclass(frozen=True)
class Seen:
    """One IKE message of the capture: who sent it, its bytes (no marker), decoded."""

    sender: str
    data: bytes
    message: Ikev2Message


@cache
def messages() -> list[Seen]:
    found = []
    for d in udp_datagrams((FIXTURE / "capture.pcap").read_bytes()):
        data = d.payload
        if d.dport == 4500 or d.sport == 4500:
            kind, data = strip_non_esp_marker(data)
            if kind != "ike":
                continue
        found.append(Seen(d.src, data, decode_message(data)))
    return found


@cache
def logs() -> dict[str, list[charonlog.HexDump]]:
    return {
        role: charonlog.parse_file(FIXTURE / f"{role}-charon.log")
        for role in ("initiator", "responder")
    }


def _of(exchange: int) -> list[Seen]:
    return [m for m in messages() if m.message.header.exchange_type == exchange]


def _first(payloads: tuple[Payload, ...], cls: type) -> object:
    return next(p for p in payloads if isinstance(p, cls))


@cache
def ike() -> tuple[IkeSuite, IkeSaKeys, bytes, bytes]:
    """The suite and keys vpnteach derives from the capture and the logged g^ir."""
    request, response = _of(ExchangeType.IKE_SA_INIT)[:2]
    answer = _first(response.message.payloads, SaPayload)
    suite = ike_suite(ike_proposal_of(answer.proposals[0]))  # type: ignore[attr-defined]
    ni = _first(request.message.payloads, NoncePayload).nonce_data  # type: ignore[attr-defined]
    nr = _first(response.message.payloads, NoncePayload).nonce_data  # type: ignore[attr-defined]
    g_ir = charonlog.first_dump(logs()["initiator"], "shared Diffie Hellman secret").data
    h = response.message.header
    keys = derive_ike_sa_keys(suite.prf, suite.integ, suite.encr, g_ir, ni, nr, h.spi_i, h.spi_r)
    return suite, keys, ni, nr


def _keys_of(sender: str) -> SkKeys:
    suite, keys, _, _ = ike()
    from_initiator = sender == INITIATOR
    sk_e, sk_a = (keys.sk_ei, keys.sk_ai) if from_initiator else (keys.sk_er, keys.sk_ar)
    return SkKeys(suite.encr, suite.integ, sk_e, sk_a)


def _open(exchange: int, index: int) -> tuple[Payload, ...]:
    """The payloads of the ``index``-th message of ``exchange``, fragments reassembled
    (RFC 7383: certificates make IKE_AUTH larger than charon's fragment size)."""
    logical: list[list[Seen]] = []
    for seen in _of(exchange):
        skf = seen.message.skf
        if skf is not None and skf.fragment_number > 1:
            logical[-1].append(seen)
        else:
            logical.append([seen])
    parts = logical[index]
    first = parts[0].message
    if first.skf is None:
        return open_sk(parts[0].data, first, _keys_of(parts[0].sender))
    assert [p.message.skf.fragment_number for p in parts] == list(  # type: ignore[union-attr]
        range(1, first.skf.total_fragments + 1)
    )
    insides = [open_skf(p.data, p.message, _keys_of(p.sender)) for p in parts]
    return reassemble(first.skf.first_payload, insides)


def test_every_message_of_the_capture_decodes_and_reencodes_byte_for_byte() -> None:
    from vpnteach.wire.ikev2 import encode_message

    kinds = [m.message.header.exchange_type for m in messages()]
    assert kinds[:3] == [34, 34, 35] and 36 in kinds and kinds[-1] == 37
    assert any(m.message.skf is not None for m in messages())  # IKE_AUTH came in fragments
    assert all(encode_message(m.message) == m.data for m in messages())


def test_skeyseed_and_every_sk_key_equal_both_charons_logs() -> None:
    _, keys, _, _ = ike()
    for role in ("initiator", "responder"):
        dumps = logs()[role]
        assert charonlog.first_dump(dumps, "SKEYSEED").data == keys.skeyseed
        for name in ("d", "ai", "ar", "ei", "er", "pi", "pr"):
            logged = charonlog.first_dump(dumps, f"Sk_{name} secret").data
            assert logged == getattr(keys, f"sk_{name}"), (role, name)


def test_every_encrypted_message_opens_and_both_signatures_verify() -> None:
    suite, keys, ni, nr = ike()
    for seen in messages()[2:]:  # every fragment and message: ICV, padding
        keys_of = _keys_of(seen.sender)
        if seen.message.skf is not None:
            open_skf(seen.data, seen.message, keys_of)
        else:
            open_sk(seen.data, seen.message, keys_of)
    request, response = _of(ExchangeType.IKE_SA_INIT)[:2]
    logged = charonlog.all_dumps(logs()["initiator"], "octets = message + nonce + prf(Sk_px, IDx')")
    for index, message, nonce, sk_p, initiator in (
        (0, request.data, nr, keys.sk_pi, True),
        (1, response.data, ni, keys.sk_pr, False),
    ):
        payloads = _open(ExchangeType.IKE_AUTH, index)
        ident = next(p for p in payloads if isinstance(p, IdPayload))
        octets = signed_octets(
            suite.prf, message, nonce, sk_p, ident, initiator=initiator, trace=Trace()
        )
        assert octets in {d.data for d in logged}
        cert = parse_certificate(_first(payloads, CertPayload).certificate_data)  # type: ignore[attr-defined]
        public = cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        auth = _first(payloads, AuthPayload)
        assert auth.auth_method == 14  # type: ignore[attr-defined]  # RFC 7427, sha256WithRSA
        assert verify_signature(public, auth, octets)  # type: ignore[arg-type]
        assert not verify_signature(public, auth, octets + b"x")  # type: ignore[arg-type]


def test_both_generations_of_child_sa_keys_equal_charons_logs() -> None:
    suite, keys, ni, nr = ike()
    auth_resp = _open(ExchangeType.IKE_AUTH, 1)
    first = esp_suite(esp_proposal_of(_first(auth_resp, SaPayload).proposals[0]))  # type: ignore[attr-defined]
    request = _open(ExchangeType.CREATE_CHILD_SA, 0)
    response = _open(ExchangeType.CREATE_CHILD_SA, 1)
    second = esp_suite(esp_proposal_of(_first(response, SaPayload).proposals[0]))  # type: ignore[attr-defined]
    assert second.proposal.dh == 14 and isinstance(_first(request, KePayload), KePayload)
    g_ir_new = charonlog.first_dump(logs()["initiator"], "DH secret").data
    ni2 = _first(request, NoncePayload).nonce_data  # type: ignore[attr-defined]
    nr2 = _first(response, NoncePayload).nonce_data  # type: ignore[attr-defined]
    generations = [
        derive_child_sa_keys(suite.prf, keys.sk_d, ni, nr, first.encr, first.integ),
        derive_child_sa_keys(suite.prf, keys.sk_d, ni2, nr2, second.encr, second.integ, g_ir_new),
    ]
    seeds = [ni + nr, g_ir_new + ni2 + nr2]
    for role in ("initiator", "responder"):
        dumps = logs()[role]
        assert [d.data for d in charonlog.all_dumps(dumps, "seed")] == seeds
        for index, child in enumerate(generations):
            expect = {
                "encryption initiator key": child.encr_i,
                "integrity initiator key": child.integ_i,
                "encryption responder key": child.encr_r,
                "integrity responder key": child.integ_r,
            }
            for label, value in expect.items():
                assert charonlog.all_dumps(dumps, label)[index].data == value, (role, index, label)


def test_tshark_decrypts_the_reference_capture_with_the_table_line_we_write() -> None:
    require(shutil.which("tshark") is not None, "needs tshark")
    suite, keys, _, _ = ike()
    h = _of(ExchangeType.IKE_SA_INIT)[1].message.header
    line = decryption_table_line(h.spi_i, h.spi_r, keys, suite)
    fields = [
        "isakmp.exchangetype",
        "isakmp.id.data.fqdn",
        "isakmp.auth.method",
        "_ws.expert.message",
    ]
    table = ("-o", f"uat:ikev2_decryption_table:{line}")
    rows = tshark_rows(FIXTURE / "capture.pcap", None, fields, "isakmp", table)
    # tshark reassembles the IKE_AUTH fragments (RFC 7383) and dissects them in the last one
    auth = [r for r in rows if r[0] == "35" and r[1]]
    assert [r[1] for r in auth] == ["Branch1.amit.com,Branch2.amit.com", "Branch2.amit.com"]
    assert [r[2] for r in auth] == ["14", "14"]
    # the one complaint: strongSwan pki writes domainComponent as PrintableString (tag 19)
    # where RFC 4519 wants IA5String (tag 22), in the CA name inside the certificates
    quirk = "BER Error: String with tag=22 expected but class:UNIVERSAL(0) Primitive tag:19"
    assert all(m.startswith(quirk) for r in rows for m in r[3].split(",") if m), rows


def test_the_facts_vpnteach_records_equal_both_charons_logs_skeyseed_every_sk_and_keymat() -> None:
    """What a learner sees: the facts the trace records (SKEYSEED, SK_d/ai/ar/ei/er/pi/pr,
    KEYMAT of both Child SA generations and its four keys, §2.14/§2.17), each equal to what
    both charons logged; KEYMAT is both directions' keys in §2.17's order (i->r then r->i)."""
    suite, _, ni, nr = ike()
    h = _of(ExchangeType.IKE_SA_INIT)[1].message.header
    g_ir = charonlog.first_dump(logs()["initiator"], "shared Diffie Hellman secret").data
    trace = Trace()
    derive_ike_sa_keys(
        suite.prf, suite.integ, suite.encr, g_ir, ni, nr, h.spi_i, h.spi_r, trace=trace
    )
    ike_facts = {f.name: f.value for f in trace}
    auth_resp = _open(ExchangeType.IKE_AUTH, 1)
    first = esp_suite(esp_proposal_of(_first(auth_resp, SaPayload).proposals[0]))  # type: ignore[attr-defined]
    request = _open(ExchangeType.CREATE_CHILD_SA, 0)
    response = _open(ExchangeType.CREATE_CHILD_SA, 1)
    second = esp_suite(esp_proposal_of(_first(response, SaPayload).proposals[0]))  # type: ignore[attr-defined]
    g_ir_new = charonlog.first_dump(logs()["initiator"], "DH secret").data
    ni2 = _first(request, NoncePayload).nonce_data  # type: ignore[attr-defined]
    nr2 = _first(response, NoncePayload).nonce_data  # type: ignore[attr-defined]
    sk_d = ike_facts["SK_d"]
    generations = []
    for args in (
        (ni, nr, first.encr, first.integ, None),
        (ni2, nr2, second.encr, second.integ, g_ir_new),
    ):
        child_trace = Trace()
        derive_child_sa_keys(suite.prf, sk_d, *args, trace=child_trace)  # type: ignore[arg-type]
        generations.append({f.name: f.value for f in child_trace})
    for role in ("initiator", "responder"):
        dumps = logs()[role]
        assert ike_facts["SKEYSEED"] == charonlog.first_dump(dumps, "SKEYSEED").data
        for name in ("d", "ai", "ar", "ei", "er", "pi", "pr"):
            logged = charonlog.first_dump(dumps, f"Sk_{name} secret").data
            assert ike_facts[f"SK_{name}"] == logged, (role, name)
        for index, facts in enumerate(generations):
            logged = {
                label: charonlog.all_dumps(dumps, f"{label} key")[index].data
                for label in (
                    "encryption initiator",
                    "integrity initiator",
                    "encryption responder",
                    "integrity responder",
                )
            }
            assert facts["KEYMAT"] == b"".join(logged.values()), (role, index)
            assert facts["ESP encryption key i->r"] == logged["encryption initiator"]
            assert facts["ESP integrity key i->r"] == logged["integrity initiator"]
            assert facts["ESP encryption key r->i"] == logged["encryption responder"]
            assert facts["ESP integrity key r->i"] == logged["integrity responder"]


def test_the_fixture_readme_names_every_file_and_every_logged_label() -> None:
    readme = (FIXTURE / "README.md").read_text()
    table = readme.split("## Files", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"`([^`\s]+)`", table)  # file names and globs (``ca.*.pem``)
    for path in sorted(FIXTURE.iterdir()):
        if path.name != "README.md":
            assert any(fnmatch.fnmatch(path.name, n) for n in names), (path.name, names)
    for role in ("initiator", "responder"):
        labels = charonlog.labels(logs()[role])
        for label in ("SKEYSEED", "Sk_d secret", "shared Diffie Hellman secret"):
            assert label in labels and f"`{label}`" in readme, (role, label)
