"""IOS text renderers: ``show crypto pki certificates``, ``show crypto pki trustpoints``, and the
fingerprints ``crypto pki authenticate`` prints.

The layout follows the seed's output field by field (Status, Certificate Serial Number,
Certificate Usage, Issuer, Subject, CRL Distribution Points, Validity Date, Associated
Trustpoints). IOS indents the fields; the *terminal* wraps long lines at its width (IOS
``terminal width``, 80 by default): the seed's LDAP URL line breaks after 76 characters on
Branch1 (4 of indentation + 76 = 80 columns) and after 99 on Branch2 (a 103-column terminal).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from vpnteach.pki.validation import crl_urls

_IOS_KEYS = {
    NameOID.COMMON_NAME: "cn",
    NameOID.DOMAIN_COMPONENT: "dc",
    NameOID.UNSTRUCTURED_NAME: "hostname",
    NameOID.ORGANIZATION_NAME: "o",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "ou",
    NameOID.COUNTRY_NAME: "c",
    NameOID.SERIAL_NUMBER: "serialNumber",
}


def ios_date(when: dt.datetime, tz: dt.tzinfo) -> str:
    """``04:00:18 AEST Jun 5 2010``: IOS's date in the router's clock zone."""
    local = when.astimezone(tz)
    return f"{local:%H:%M:%S} {local.tzname()} {local:%b} {local.day} {local.year}"


def ios_serial(serial: int) -> str:
    """``0x614C662A000000000009``: the serial's bytes in upper-case hex."""
    return "0x" + serial.to_bytes(max(1, (serial.bit_length() + 7) // 8), "big").hex().upper()


def fingerprint(cert: x509.Certificate, algorithm: str) -> str:
    """``7D39EB83 CE48ECF4 ...``: a digest of the DER certificate in groups of 8 hex digits."""
    return der_fingerprint(cert.public_bytes(serialization.Encoding.DER), algorithm)


def der_fingerprint(der: bytes, algorithm: str) -> str:
    """A digest of DER bytes (a certificate, a PKCS#10 request) as IOS prints fingerprints."""
    digest = hashlib.new(algorithm, der).hexdigest()
    return " ".join(digest[i : i + 8].upper() for i in range(0, len(digest), 8))


def certificate_usage(cert: x509.Certificate) -> str:
    """IOS's usage label: General Purpose (sign + encrypt), Signature, or Encryption."""
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "General Purpose"
    sign = ku.digital_signature or ku.content_commitment or ku.key_cert_sign or ku.crl_sign
    encrypt = ku.key_encipherment or ku.data_encipherment
    return "General Purpose" if sign and encrypt else "Signature" if sign else "Encryption"


_UNSTRUCTURED_ADDRESS = x509.ObjectIdentifier("1.2.840.113549.1.9.8")
_IOS_KEYS[_UNSTRUCTURED_ADDRESS] = "ipaddress"


def dn_lines(name: x509.Name) -> list[str]:
    """A DN one RDN a line, most specific first, as IOS prints it (``cn=WIN2003``); the
    attributes of a multi-valued RDN on one line, joined by ``+`` in the reverse of the
    order IOS requests them (``serialNumber=...+ipaddress=...+hostname=...``)."""
    lines = []
    for rdn in reversed(name.rdns):
        attrs = _rdn_order(rdn)
        lines.append(
            "+".join(f"{_IOS_KEYS.get(a.oid, a.oid.dotted_string)}={a.value!s}" for a in attrs)
        )
    return lines


def _rdn_order(rdn: x509.RelativeDistinguishedName) -> list[x509.NameAttribute[str | bytes]]:
    """IOS's order inside its subject RDN; other RDNs keep the order of their encoding."""
    order = [NameOID.SERIAL_NUMBER, _UNSTRUCTURED_ADDRESS, NameOID.UNSTRUCTURED_NAME]
    attrs = list(rdn)
    return sorted(attrs, key=lambda a: order.index(a.oid) if a.oid in order else len(order))


def subject_lines(name: x509.Name) -> list[str]:
    """The Subject block: IOS first names the unstructuredName (``Name: Branch1.amit.com``),
    the unstructuredAddress (``IP Address: 10.1.1.1``) and the chassis serial number
    (``Serial Number: 4724DF2E``), then the DN."""
    labels = (
        ("Name", NameOID.UNSTRUCTURED_NAME),
        ("IP Address", _UNSTRUCTURED_ADDRESS),
        ("Serial Number", NameOID.SERIAL_NUMBER),
    )
    named = [
        f"{label}: {a.value!s}" for label, oid in labels for a in name.get_attributes_for_oid(oid)
    ]
    return named + dn_lines(name)


def certificate_block(
    title: str, cert: x509.Certificate, trustpoints: list[str], tz: dt.tzinfo
) -> list[tuple[int, str]]:
    """One certificate of ``show crypto pki certificates`` as (indent, text) lines."""
    lines: list[tuple[int, str]] = [
        (0, title),
        (2, "Status: Available"),
        (2, f"Certificate Serial Number: {ios_serial(cert.serial_number)}"),
        (2, f"Certificate Usage: {certificate_usage(cert)}"),
        (2, "Issuer:"),
    ]
    lines += [(4, line) for line in dn_lines(cert.issuer)]
    lines.append((2, "Subject:"))
    lines += [(4, line) for line in subject_lines(cert.subject)]
    urls = crl_urls(cert)
    if urls:
        lines.append((2, "CRL Distribution Points:"))
        lines += [(4, url) for url in urls]
    lines += [
        (2, "Validity Date:"),
        (4, f"start date: {ios_date(cert.not_valid_before_utc, tz)}"),
        (4, f"end   date: {ios_date(cert.not_valid_after_utc, tz)}"),
        (2, f"Associated Trustpoints: {' '.join(trustpoints)}"),
    ]
    return lines


def render(lines: list[tuple[int, str]], width: int | None = 80) -> str:
    """Indent each line and wrap it at ``width`` columns as a terminal does (``None``: no wrap)."""
    out: list[str] = []
    for indent, text in lines:
        line = " " * indent + text
        while width and len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)
