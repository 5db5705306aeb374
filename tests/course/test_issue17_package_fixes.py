"""Issue 17's errors that lived in package code, each pinned so it stays fixed.

- the NAT-T draft-07 vendor ID was shown as "unknown vendor ID";
- the stepper said the *initiator* "compares the offered transforms ... and picks the first
  that matches" at MM2 (the initiator checks the responder's choice; it picks nothing);
- ``show crypto pki certificate verbose`` was suggested by the course but refused by the lab.
"""

from __future__ import annotations

import hashlib
import re
import struct

import pytest
from cryptography.hazmat.primitives import hashes

from vpnteach.ike import vendor
from vpnteach.lab import Lab
from vpnteach.stepper import StepKind, Stepper
from vpnteach.wire.payloads import describe_vendor_id


def test_nat_t_draft_07_vendor_id_is_named_not_unknown() -> None:
    # draft-ietf-ipsec-nat-t-ike-07 §3.1 (as RFC 3947 §3.1 does): the VID is MD5 of the name
    data = hashlib.md5(b"draft-ietf-ipsec-nat-t-ike-07").digest()
    assert data.hex() == "439b59f8ba676c4c7737ae22eab8f582"  # the seed's "vendor-07"
    assert describe_vendor_id(data) == "draft-ietf-ipsec-nat-t-ike-07"


@pytest.mark.parametrize(
    "vid", [vendor.NAT_T_RFC3947, vendor.NAT_T_V7, vendor.NAT_T_V3, vendor.NAT_T_V2, vendor.DPD]
)
def test_every_standard_vendor_id_ios_sends_has_a_name(vid: vendor.VendorId) -> None:
    assert not describe_vendor_id(vid.data).startswith("unknown")


@pytest.fixture(scope="module")
def selections() -> dict[tuple[str, str], str]:
    steps = list(Stepper.for_lab(Lab.seed(seed=2010)))
    return {
        (s.actor, s.title.split(": ")[1]): s.explanation
        for s in steps
        if s.kind is StepKind.PROPOSAL
    }


def test_initiator_checks_the_returned_transform_and_picks_nothing(
    selections: dict[tuple[str, str], str],
) -> None:
    for selection in ("phase 1 selection", "phase 2 selection"):
        initiator = selections[("Branch1", selection)]
        assert "picks" not in initiator and "compares the offered" not in initiator
        assert "returned" in initiator and "responder chose" in initiator.replace(";", ":")
    # the responder (Branch2) is the one that chooses
    assert "picks the first that matches" in selections[("Branch2", "phase 1 selection")]


def test_show_crypto_pki_certificate_verbose_is_accepted_with_ios_fields() -> None:
    lab = Lab.seed(seed=2010)
    text = lab.branch1.exec("show crypto pki certificate verbose")
    tp = lab.branch1.pki.trustpoints["WIN2003"]
    cert, ca = tp.certificate, tp.ca_certificate
    assert cert is not None and ca is not None
    router, ca_block = text.split("CA Certificate")

    def groups(digest: bytes) -> str:
        return " ".join(digest[i : i + 4].hex().upper() for i in range(0, len(digest), 4))

    for block, c in ((router, cert), (ca_block, ca)):
        assert f"Fingerprint MD5: {groups(c.fingerprint(hashes.MD5()))}" in block
        assert f"Fingerprint SHA1: {groups(c.fingerprint(hashes.SHA1()))}" in block
        assert f"RSA Public Key: ({c.public_key().key_size} bit)" in block  # type: ignore[union-attr]
        assert f"Certificate Serial Number (hex): {c.serial_number:X}" in block
        assert "Version: 3" in block
    # RFC 5280 §4.2.1.3: the router's key signs and encrypts, the CA's signs certificates/CRLs
    assert re.search(
        r"X509v3 Key Usage: A0000000\n\s+Digital Signature\n\s+Key Encipherment", router
    )
    assert "X509v3 Key Usage: 86000000" in ca_block
    assert "Key Label: BRANCH_KEY" in router and "Key Label" not in ca_block
    # the plain command is unchanged (the seed's layout)
    assert "Fingerprint" not in lab.branch1.exec("show crypto pki certificates")


def test_the_command_enrollment_suggests_works_with_its_trustpoint_name() -> None:
    lab = Lab.seed(seed=2010)
    hint = next(line for line in lab.branch1.transcript if "verbose" in line)
    command = re.search(r"'(show crypto pki certificate verbose \w+)'", hint)
    assert command is not None
    text = lab.branch1.exec(command.group(1))
    assert "Fingerprint SHA1:" in text and "Associated Trustpoints: WIN2003" in text
    refused = lab.branch1.exec("show crypto pki certificates verbose NOPE")
    assert refused.strip() == "% Could not find trustpoint NOPE"


# RFC 2409 §5 / §5.4: the only ISAKMP messages a capture shows unencrypted with 4+ payloads.
# Payload types (RFC 2408 §3.1, RFC 3947 §3.2): SA 1, KE 4, ID 5, NONCE 10, VID 13, NAT-D 20.
MM3_MM4_TAIL = {13, 20}
AM1 = [1, 4, 10, 5]


@pytest.mark.parametrize("learner", [f"s{n:04}" for n in range(40)])
def test_decode_message_exercise_builds_only_messages_that_can_exist(learner: str) -> None:
    from vpnteach import exercises

    m = exercises.decode_message(learner).given["message"]
    exchange, flags, message_id = m[18], m[19], struct.unpack("!I", m[20:24])[0]
    assert flags == 0 and message_id == 0  # not encrypted, phase 1
    kinds, offset, kind = [], 28, m[16]
    while kind:
        kinds.append(kind)
        kind, plen = m[offset], struct.unpack("!H", m[offset + 2 : offset + 4])[0]
        offset += plen
    assert offset == len(m) and len(kinds) >= 4
    if exchange == 2:  # Main Mode: only MM3/MM4 carry several payloads in clear
        assert kinds[:2] == [4, 10] and set(kinds[2:]) <= MM3_MM4_TAIL, kinds
        assert m[8:16] != bytes(8)  # the responder's cookie exists by MM3
    else:
        assert exchange == 4 and kinds == AM1 and m[8:16] == bytes(8)
