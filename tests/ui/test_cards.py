"""Cards for single values: the verdict is always written out, never only coloured."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.ui.scenario import Scenario
from tests.ui.wellformed import assert_well_formed
from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.rng import SeededRng
from vpnteach.crypto.rsa_sig import ikev1_sign, ikev1_verify
from vpnteach.esp.esp import Dropped, DropReason, EspPacket
from vpnteach.ui import cards
from vpnteach.wire.ip import icmp_echo

# RFC 2409 §6.1: the First Oakley Group prime starts and ends with 64 one-bits.
MODP768_HEAD = "ffffffffffffffff"


def test_checklist_of_a_good_certificate_passes_every_item(lab: Scenario) -> None:
    text = assert_well_formed(cards.checklist_html(lab.check_ok))
    assert text.count("✔ passed") == 1 + 5  # the card badge and five items
    assert "FAILED" not in text
    for name in ("chain", "validity", "revocation", "key usage", "identity"):
        assert name in text
    assert "certificate accepted" in text and "0x614C662A000000000009" in text


def test_checklist_of_a_bad_certificate_names_each_failure_and_why(lab: Scenario) -> None:
    text = assert_well_formed(cards.checklist_html(lab.check_failed))
    assert text.count("✘ FAILED") == 1 + 2
    assert "✘ FAILED validity: expired" in text
    assert "✘ FAILED identity: ID FQDN Branch9.x.com not in the certificate" in text
    assert "certificate REJECTED: 2 failed" in text


def test_dh_card_shows_g_p_abbreviated_and_every_value() -> None:
    group = get_group(1)
    a = DhComputation.start(group, SeededRng(1))
    b = DhComputation.start(group, SeededRng(2))
    done = a.complete(b.public_value)
    assert done.shared_secret is not None
    page = cards.dh_html(done)
    text = assert_well_formed(page)
    assert "g^xy = (g^y)^x mod p" in text and "768 bits" in text
    assert f"0x{MODP768_HEAD}" in text and "show all" in text
    assert done.shared_secret.hex()[:24] in text
    assert "not computed yet" in cards.dh_html(a)


def test_modp_card_lists_group_generator_and_source() -> None:
    text = assert_well_formed(cards.modp_group_html(get_group(14)))
    assert "MODP group 14" in text and "2048 bits" in text and "RFC 3526" in text


def test_signature_card_for_valid_and_tampered_signatures() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    digest = bytes(range(16))
    sig = ikev1_sign(key, digest)
    good = assert_well_formed(cards.signature_html(ikev1_verify(key.public_key(), digest, sig)))
    assert "✔ passed" in good and "signature valid" in good
    bad_check = ikev1_verify(key.public_key(), bytes(16), sig)
    bad = assert_well_formed(cards.signature_html(bad_check))
    assert "✘ FAILED" in bad and bad_check.reason in bad


def test_esp_card_shows_outer_and_inner_packet() -> None:
    inner = icmp_echo("192.168.11.1", "192.168.22.1", sequence=1, data=b"ping")
    outer = ("10.1.1.1", "10.2.2.1", None, 0x1234ABCD, 1, bytes(8), bytes(48), bytes(12))
    packet = EspPacket(*outer, True, b"\x01\x02", 2, 4, inner)
    text = assert_well_formed(cards.esp_packet_html(packet))
    assert "outer packet" in text and "10.1.1.1 → 10.2.2.1" in text and "0x1234ABCD" in text
    assert "inner packet" in text and "192.168.11.1 → 192.168.22.1, protocol ICMP" in text
    assert "✔ valid" in text
    opaque = EspPacket("10.1.1.1", "10.2.2.1", (4500, 4500), 7, 2, b"", b"", b"")
    text = assert_well_formed(cards.esp_packet_html(opaque))
    assert "UDP 4500 → 4500" in text and "not decrypted" in text and "not checked" in text


def test_dropped_card_says_why() -> None:
    text = assert_well_formed(cards.dropped_html(Dropped(DropReason.REPLAY, "seq 5 seen", 9)))
    assert "✘ FAILED" in text and "replayed" in text and "seq 5 seen" in text


def test_certificate_subjects_read_hostname_as_ios_prints_them() -> None:
    from vpnteach.stepper import StepKind, Stepper

    step = next(s for s in Stepper.seed() if s.kind is StepKind.CERTIFICATE_CHECK)
    check = step.payload.value  # type: ignore[attr-defined]
    page = cards.checklist_html(check)
    assert "1.2.840.113549.1.9.2" in check.subject  # what the RFC 4514 string says
    assert "Certificate check: hostname=Branch1.amit.com" in page
    assert "1.2.840.113549.1.9.2" not in page
