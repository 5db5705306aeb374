"""Small cards for single values: certificate checklist, DH computation, MODP group, RSA
signature check, ESP packet.

Pass/fail is always written out (``✔ passed`` / ``✘ FAILED``) next to any colour, so the card
reads the same in greyscale or through a screen reader.
"""

from __future__ import annotations

from vpnteach.crypto.dh import DhComputation
from vpnteach.crypto.modp import ModpGroup
from vpnteach.crypto.rsa_sig import SignatureCheck
from vpnteach.esp.esp import Dropped, EspPacket
from vpnteach.pki.validation import CertificateCheck, CheckItem
from vpnteach.ui.markup import FAIL_MARK, OK_MARK, card, esc, field_rows, int_block, value_html
from vpnteach.ui.values import ios_names
from vpnteach.wire.ip import IpProtocol, decode_ipv4

_PASS_STYLE = "color:#116329"
_FAIL_STYLE = "color:#b3261e;font-weight:bold"


def _verdict(passed: bool) -> str:
    if passed:
        return f"<span style='{_PASS_STYLE}'>{OK_MARK} passed</span>"
    return f"<span style='{_FAIL_STYLE}'>{FAIL_MARK} FAILED</span>"


def check_item_html(item: CheckItem) -> str:
    """One checklist line: ✔ passed / ✘ FAILED, the check's name and its reason."""
    return (
        f"<li class='vpnteach-check' style='list-style:none'>{_verdict(item.passed)} "
        f"<b>{esc(item.name)}:</b> {esc(ios_names(item.reason))}</li>"
    )


def checklist_html(check: CertificateCheck) -> str:
    """The certificate validation checklist (RFC 5280 §6, RFC 4945 §5) as a card."""
    items = "".join(check_item_html(item) for item in check.items)
    failed = len(check.failed)
    verdict = "certificate accepted" if check.ok else f"certificate REJECTED: {failed} failed"
    body = (
        f"<div>serial <code>0x{check.serial:X}</code></div>"
        f"<ul style='margin:4px 0;padding-left:4px'>{items}</ul><div><b>{esc(verdict)}</b></div>"
    )
    return card(f"Certificate check: {ios_names(check.subject)}", body, check.ok)


def modp_group_html(group: ModpGroup) -> str:
    """A MODP group: number, size, generator and the prime (abbreviated, "show all")."""
    rows = [
        ("group", esc(f"{group.number} ({group.name}, {group.bits} bits)")),
        ("g", f"<code>{group.g}</code>"),
        ("p", int_block(group.p)),
        ("source", esc(group.rfc)),
    ]
    return card(f"MODP group {group.number}", field_rows(rows))


def dh_html(dh: DhComputation) -> str:
    """One side of Diffie-Hellman (RFC 2409 §5): g, p, x, g^x, the peer's g^y and g^xy."""
    g = dh.group
    rows = [
        ("group", esc(f"{g.number} ({g.name}, {g.bits} bits, {g.rfc})")),
        ("g", f"<code>{g.g}</code>"),
        ("p", int_block(g.p)),
        ("x (private)", int_block(dh.private_value)),
        ("g^x mod p (sent in KE)", value_html(dh.public_value)),
        ("g^y (peer's KE)", _maybe(dh.peer_public_value, "not received yet")),
        ("g^xy = (g^y)^x mod p", _maybe(dh.shared_secret, "not computed yet")),
    ]
    return card("Diffie-Hellman computation", field_rows(rows))


def _maybe(value: bytes | None, missing: str) -> str:
    return value_html(value) if value is not None else f"<em>{esc(missing)}</em>"


def signature_html(check: SignatureCheck) -> str:
    """An IKEv1 RSA signature check (RFC 2409 §5.1): verdict, reason, both padded blocks."""
    rows = [
        ("verdict", _verdict(check.ok)),
        ("reason", esc(check.reason)),
        ("hash (HASH_I / HASH_R)", value_html(check.hash_bytes)),
        ("recovered block s^e mod n", _maybe(check.recovered_block, "could not be recovered")),
        ("expected block 00 01 FF..FF 00 | hash", _maybe(check.expected_block, "none")),
    ]
    return card("RSA signature check", field_rows(rows), check.ok)


def _inner_html(inner: bytes) -> str:
    try:
        header = decode_ipv4(inner).header
    except ValueError as exc:
        return f"<em>{esc(exc)}</em>"
    try:
        proto = IpProtocol(header.protocol).name
    except ValueError:
        proto = str(header.protocol)
    text = f"{header.src} → {header.dst}, protocol {proto}, {header.total_length} bytes"
    return f"{esc(text)}{value_html(inner)}"


def esp_packet_html(packet: EspPacket) -> str:
    """An ESP packet (RFC 4303 §2): the outer packet as sent and the inner packet inside."""
    udp = f", UDP {packet.udp_ports[0]} → {packet.udp_ports[1]}" if packet.udp_ports else ""
    icv = {None: "not checked", True: f"{OK_MARK} valid", False: f"{FAIL_MARK} INVALID"}
    outer = [
        ("outer IP", esc(f"{packet.outer_src} → {packet.outer_dst}{udp}")),
        ("SPI", f"<code>0x{packet.spi:08X}</code>"),
        ("sequence number", str(packet.seq)),
        ("IV", value_html(packet.iv)),
        ("ciphertext", value_html(packet.ciphertext)),
        ("ICV", f"{value_html(packet.icv)} {esc(icv[packet.icv_valid])}"),
    ]
    body = "<div><b>outer packet (what travels)</b></div>" + field_rows(outer)
    if packet.inner is not None:
        inner = [
            ("inner packet", _inner_html(packet.inner)),
            ("padding", value_html(packet.padding or b"")),
            ("pad length", str(packet.pad_length)),
            ("next header", str(packet.next_header)),
        ]
        body += "<div><b>inner packet (after decryption)</b></div>" + field_rows(inner)
    else:
        body += "<p><em>inner packet: not decrypted (no SA or ICV invalid)</em></p>"
    return card(f"ESP packet SPI 0x{packet.spi:08X} seq {packet.seq}", body)


def dropped_html(dropped: Dropped) -> str:
    """A dropped ESP packet: the reason and its detail."""
    spi = "unknown SPI" if dropped.spi is None else f"SPI 0x{dropped.spi:08X}"
    body = f"<div>{FAIL_MARK} dropped: <b>{esc(dropped.reason.value)}</b> — {esc(dropped.detail)}"
    return card(f"ESP packet dropped ({spi})", body + "</div>", False)
