"""The seeded run reproduces the seed's enrollment story and its ``show`` output."""

from __future__ import annotations

import datetime as dt

from tests.pki.seed_output import SEED_BRANCH1_SHOW, SEED_BRANCH2_SHOW
from vpnteach.pki import AEST, SeedPki, build_seed_pki, windows_serial
from vpnteach.pki.show import ios_date


def _tokens(text: str) -> list[str]:
    """Each line with its whitespace collapsed (the seed lost IOS's indentation)."""
    return [" ".join(line.split()) for line in text.splitlines()]


def test_branch1_show_certificates_matches_the_seed_line_for_line(seeded: SeedPki) -> None:
    shown = seeded.routers["Branch1"].show_certificates(width=80)
    assert _tokens(shown) == _tokens(SEED_BRANCH1_SHOW)


def test_branch2_show_certificates_matches_the_seed_with_its_103_column_terminal(
    seeded: SeedPki,
) -> None:
    shown = seeded.routers["Branch2"].show_certificates(width=103)
    assert _tokens(shown) == _tokens(SEED_BRANCH2_SHOW)


def test_show_certificates_indents_like_ios_and_wraps_at_the_terminal_width(
    seeded: SeedPki,
) -> None:
    lines = seeded.routers["Branch1"].show_certificates().splitlines()
    assert max(len(line) for line in lines) == 80
    assert "  Status: Available" in lines
    assert "    end   date: 04:10:18 AEST Jun 5 2011" in lines


def test_seeded_run_is_deterministic_and_seed_dependent(seeded: SeedPki) -> None:
    again = build_seed_pki(0)
    other = build_seed_pki(1)
    cert = seeded.routers["Branch1"].trustpoints["WIN2003"].certificate
    assert cert is not None
    same = again.routers["Branch1"].trustpoints["WIN2003"].certificate
    different = other.routers["Branch1"].trustpoints["WIN2003"].certificate
    assert same is not None and different is not None
    assert same.public_key().public_numbers() == cert.public_key().public_numbers()
    assert different.public_key().public_numbers() != cert.public_key().public_numbers()
    # Serials and dates follow the CA's rules, not the randomness.
    assert different.serial_number == cert.serial_number == 0x614C662A000000000009


def test_windows_serial_layout_is_tick_ca_index_request_id() -> None:
    # Seed: Branch2 0x614AE084000000000008, Branch1 0x614C662A000000000009, 99 750 ms apart.
    assert windows_serial(0x614C662A, 0, 9) == 0x614C662A000000000009
    assert windows_serial(0x614C662A + 2**32, 0, 9) == 0x614C662A000000000009
    assert 0x614C662A - 0x614AE084 == 99_750


def test_issued_validity_is_backdated_ten_minutes_and_lasts_one_year(seeded: SeedPki) -> None:
    cert = seeded.routers["Branch2"].trustpoints["WIN2003"].certificate
    assert cert is not None
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    assert ios_date(start, AEST) == "03:58:38 AEST Jun 5 2010"
    assert end - start == dt.timedelta(days=365, minutes=10)


def test_authenticate_shows_md5_and_sha1_fingerprints_of_the_ca_certificate(
    seeded: SeedPki,
) -> None:
    from vpnteach.pki import RouterPki

    router = RouterPki("Branch1", "amit.com")
    from vpnteach.pki.seed import seed_trustpoint

    router.add_trustpoint(seed_trustpoint())
    reply = seeded.ca.handle(
        router.get_ca_cert_request("WIN2003"), dt.datetime(2010, 6, 5, 4, 0, tzinfo=AEST)
    )
    result = router.authenticate("WIN2003", reply)
    lines = result.text.splitlines()
    assert lines[0] == "Certificate has the following attributes:"
    assert lines[1].startswith("Fingerprint MD5: ") and len(lines[1].split()) == 2 + 4
    assert lines[2].startswith("Fingerprint SHA1: ") and len(lines[2].split()) == 2 + 5
    assert lines[-1] == "Trustpoint CA certificate accepted."
    assert router.trustpoints["WIN2003"].authenticated
