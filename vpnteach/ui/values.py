"""Recorded values as named fields, never as Python reprs.

A fact's value is usually bytes (a key, a hash), but some are records: the phase 1 and
phase 2 selections (which policy or transform set matched, RFC 2409 §5 and §5.5), a
certificate check (RFC 5280 §6), a signature check (RFC 2409 §5.1), an ESP packet
(RFC 4303). :func:`named_value_html` shows each as a small table of named values with the
numbers spelled out as the RFC names them (``3 = RSA_SIGNATURES``); :func:`ios_names` writes a
certificate subject as IOS prints it (``hostname=Branch1.amit.com``, not the PKCS#9 OID).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import IntEnum

from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.ike.proposal import EspSuite, IkeSuite, Phase1Selection, Phase2Selection
from vpnteach.pki.validation import CertificateCheck
from vpnteach.ui.markup import FAIL_MARK, OK_MARK, esc, value_html
from vpnteach.wire.constants import (
    AuthenticationAlgorithm,
    AuthenticationMethod,
    EncapsulationMode,
    EncryptionAlgorithm,
    GroupDescription,
    HashAlgorithm,
    IpsecTransformId,
)

#: PKCS#9 unstructuredName (RFC 2985 §5.2.2), which IOS prints as ``hostname=``.
UNSTRUCTURED_NAME = "1.2.840.113549.1.9.2="


def ios_names(text: str) -> str:
    """``1.2.840.113549.1.9.2=Branch1.amit.com`` -> ``hostname=Branch1.amit.com`` (IOS)."""
    return text.replace(UNSTRUCTURED_NAME, "hostname=")


def numbered(enum: type[IntEnum], value: int | None) -> str:
    """``"5 = TRIPLE_DES_CBC"``: the number on the wire and the RFC's name (plain text)."""
    if value is None:
        return "—"
    try:
        return f"{value} = {enum(value).name}"
    except ValueError:
        return f"{value} (unknown)"


def pairs_table(pairs: list[tuple[str, str]], css: str = "vt-values") -> str:
    """A compact two-column table: name (text) and value (HTML), values left-aligned."""
    rows = "".join(
        f"<tr><th scope='row' style='text-align:left;font-weight:normal;padding:1px 8px 1px 0;"
        f"vertical-align:top;white-space:nowrap'>{esc(name)}</th>"
        f"<td style='text-align:left;padding:1px 0;vertical-align:top'>{value}</td></tr>"
        for name, value in pairs
    )
    return f"<table class='{css}' style='border-collapse:collapse'>{rows}</table>"


def ike_suite_pairs(suite: IkeSuite) -> list[tuple[str, str]]:
    """The negotiated phase 1 suite (RFC 2409 Appendix A attribute classes)."""
    return [
        ("encryption", esc(numbered(EncryptionAlgorithm, suite.encryption))),
        ("key length", esc(suite.key_length if suite.key_length else "fixed by the cipher")),
        ("hash", esc(numbered(HashAlgorithm, suite.hash))),
        ("authentication", esc(numbered(AuthenticationMethod, suite.authentication))),
        ("DH group", esc(numbered(GroupDescription, suite.group))),
        ("lifetime", esc(f"{suite.lifetime} s")),
    ]


def esp_suite_pairs(suite: EspSuite) -> list[tuple[str, str]]:
    """The negotiated ESP suite (RFC 2407 §4.4.4 transform IDs, §4.5 attributes)."""
    pfs = numbered(GroupDescription, suite.pfs_group) if suite.pfs_group else "no PFS"
    return [
        ("ESP transform", esc(numbered(IpsecTransformId, suite.transform_id))),
        ("key length", esc(suite.key_length if suite.key_length else "fixed by the cipher")),
        ("authentication", esc(numbered(AuthenticationAlgorithm, suite.auth_algorithm))),
        ("encapsulation", esc(numbered(EncapsulationMode, suite.encapsulation))),
        ("lifetime", esc(f"{suite.lifetime_seconds} s / {suite.lifetime_kilobytes} KB")),
        ("PFS group", esc(pfs)),
    ]


def _checks_line(checks: tuple[object, ...]) -> str:
    refused = [c for c in checks if getattr(c, "problem", None)]
    text = f"{len(checks)} transform comparison(s), {len(refused)} refused"
    for check in refused:
        text += f"; transform {getattr(check, 'transform_number', '?')}: {check.problem}"  # type: ignore[attr-defined]
    return esc(text)


def phase1_html(selection: Phase1Selection) -> str:
    """Which ISAKMP policy matched which offered transform, and the suite it gives."""
    if selection.suite is None or selection.policy is None:
        verdict = f"{FAIL_MARK} no proposal chosen (NO-PROPOSAL-CHOSEN)"
        return pairs_table([("result", esc(verdict)), ("checks", _checks_line(selection.checks))])
    head = [
        ("result", esc(f"{OK_MARK} accepted")),
        ("policy", esc(f"crypto isakmp policy {selection.policy.priority}")),
        ("offered transform", esc(selection.transform_number)),
    ]
    tail = [("checks", _checks_line(selection.checks))]
    return pairs_table(head + ike_suite_pairs(selection.suite) + tail)


def phase2_html(selection: Phase2Selection) -> str:
    """Which transform set matched the Quick Mode offer, and the ESP suite it gives."""
    if selection.suite is None or selection.transform_set is None:
        verdict = f"{FAIL_MARK} no proposal chosen (NO-PROPOSAL-CHOSEN)"
        return pairs_table([("result", esc(verdict)), ("checks", _checks_line(selection.checks))])
    head = [
        ("result", esc(f"{OK_MARK} accepted")),
        ("transform set", esc(selection.transform_set.name)),
    ]
    tail = [("checks", _checks_line(selection.checks))]
    return pairs_table(head + esp_suite_pairs(selection.suite) + tail)


def certificate_check_summary(check: CertificateCheck) -> str:
    """``✔ accepted: hostname=Branch1.amit.com (serial 0x...)``."""
    verdict = f"{OK_MARK} accepted" if check.ok else f"{FAIL_MARK} REJECTED"
    return esc(f"{verdict}: {ios_names(check.subject)} (serial 0x{check.serial:X})")


def signature_summary(check: SignatureCheck) -> str:
    """``✔ valid`` or ``✘ INVALID: reason``."""
    return esc(f"{OK_MARK} valid" if check.ok else f"{FAIL_MARK} INVALID: {check.reason}")


def esp_summary(packet: EspPacket) -> str:
    """``SPI 0x..., seq 1, 48 bytes of ciphertext``."""
    return esc(f"SPI 0x{packet.spi:08X}, seq {packet.seq}, {len(packet.ciphertext)} bytes")


_NAMED: tuple[tuple[type, Callable[..., str]], ...] = (
    (Phase1Selection, phase1_html),
    (Phase2Selection, phase2_html),
    (CertificateCheck, certificate_check_summary),
    (SignatureCheck, signature_summary),
    (EspPacket, esp_summary),
    (Dropped, lambda d: esc(f"{FAIL_MARK} dropped: {d.reason.value}")),
    (IkeSuite, lambda s: pairs_table(ike_suite_pairs(s))),
    (EspSuite, lambda s: pairs_table(esp_suite_pairs(s))),
)


def named_value_html(value: object, limit: int = 16) -> str:
    """Any recorded value as HTML a learner can read: bytes as hex, the records above as
    named fields, another dataclass as a table of its fields; never a Python repr."""
    for cls, view in _NAMED:
        if isinstance(value, cls):
            return view(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        pairs = [
            (f.name, _field_html(getattr(value, f.name), limit))
            for f in dataclasses.fields(value)
            if f.repr
        ]
        return pairs_table(pairs)
    return value_html(value, limit)


def _field_html(value: object, limit: int) -> str:
    if isinstance(value, (tuple, list)):
        return esc(f"{len(value)} item(s)") if value else "—"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return esc(type(value).__name__)
    return value_html(value, limit)
