"""The certificate parse cache: a DER seen before is not parsed again; every check still runs."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from tests.pki.conftest import NOW, Lab
from vpnteach.pki.errors import MalformedInputError
from vpnteach.pki.validation import VALIDITY, parse_certificate, validate_certificate

DER = serialization.Encoding.DER


def _leaf_der(lab: Lab) -> bytes:
    cert = lab.router.trustpoints["CA"].certificate
    assert cert is not None
    return cert.public_bytes(DER)


def test_the_same_der_bytes_give_the_same_parsed_certificate(lab: Lab) -> None:
    der = _leaf_der(lab)
    assert parse_certificate(der) is parse_certificate(bytes(bytearray(der)))
    assert parse_certificate(der).public_bytes(DER) == der


def test_a_cached_certificate_is_still_checked_against_each_call_s_clock(lab: Lab) -> None:
    der = _leaf_der(lab)
    assert validate_certificate(der, lab.ca.certificate, NOW).ok
    later = NOW + dt.timedelta(days=3650)
    check = validate_certificate(der, lab.ca.certificate, later)
    assert not check.item(VALIDITY).passed
    assert "expired" in check.item(VALIDITY).reason


def test_a_cached_certificate_is_still_checked_against_each_call_s_identity(lab: Lab) -> None:
    der = _leaf_der(lab)
    ok = validate_certificate(der, lab.ca.certificate, NOW, identity="Branch1.amit.com")
    wrong = validate_certificate(der, lab.ca.certificate, NOW, identity="Branch9.amit.com")
    assert ok.ok
    assert not wrong.ok


def test_malformed_der_fails_every_time(lab: Lab) -> None:
    bad = _leaf_der(lab)[:100]
    for _ in range(2):
        with pytest.raises(MalformedInputError):
            parse_certificate(bad)
        assert not validate_certificate(bad, lab.ca.certificate, NOW).ok
