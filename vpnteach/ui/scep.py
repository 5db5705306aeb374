"""Views of the enrollment steps (:mod:`vpnteach.stepper.enrollment`): a SCEP message with its
HTTP head and each CMS/PKCS#10 layer as a collapsible DER tree and an annotated hex dump
(the same span renderers as ISAKMP messages), and the fingerprint comparison card."""

from __future__ import annotations

from vpnteach.stepper.enrollment import DerLayer, FingerprintComparison, ScepExchange
from vpnteach.ui.hexdump import hexdump_html
from vpnteach.ui.markup import MONO, card, esc, field_rows
from vpnteach.ui.tree import tree_html


def layer_html(layer: DerLayer, *, dump: bool = True) -> str:
    """One layer: where it came from, its DER tree and (``dump``) its annotated hex dump
    (ten times the size of the tree: a message's view leaves it out, a layer's has it)."""
    spans = layer.spans()
    where = f"<div><i>{esc(layer.where)}</i> ({esc(layer.rfc)}), {len(layer.der)} bytes</div>"
    hexdump = ""
    if dump:
        hexdump = f"<details><summary>hex dump</summary>{hexdump_html(layer.der, spans)}</details>"
    return (
        f"<details><summary><b>{esc(layer.title)}</b></summary>{where}"
        f"{tree_html(spans, 'DER tree')}{hexdump}</details>"
    )


def exchange_html(exchange: ScepExchange) -> str:
    """A SCEP message: HTTP head, the decoded pkiMessage attributes, the layers."""
    head = f"<pre style='{MONO};margin:2px 0'>{esc(exchange.head)}</pre>"
    rows = []
    message = exchange.message
    if message is not None:
        rows += [
            ("messageType", esc(f"{message.message_type.value} = {message.message_type.name}")),
            ("transactionID", esc(message.transaction_id)),
            ("senderNonce", esc(message.sender_nonce.hex())),
        ]
        if message.recipient_nonce:
            rows.append(("recipientNonce", esc(message.recipient_nonce.hex())))
        if message.pki_status is not None:
            rows.append(("pkiStatus", esc(message.pki_status.name)))
        if message.fail_info is not None:
            rows.append(("failInfo", esc(message.fail_info.rfc_name)))
    rows += [("certificate", esc(c.subject.rfc4514_string())) for c in exchange.certificates]
    table = field_rows(rows) if rows else ""
    layers = "".join(layer_html(layer, dump=False) for layer in exchange.layers)
    title = f"{exchange.label}: {exchange.sender} → {exchange.receiver}"
    return card(title, head + table + layers)


def fingerprint_html(comparison: FingerprintComparison) -> str:
    """The two fingerprints side by side, and the verdict in words."""
    rows = [
        ("MD5 shown by the router", esc(comparison.received_md5)),
        ("MD5 from the CA administrator", esc(comparison.published_md5)),
        ("SHA1 shown by the router", esc(comparison.received_sha1)),
        ("SHA1 from the CA administrator", esc(comparison.published_sha1)),
    ]
    verdict = "accept the certificate" if comparison.match else "refuse it: not the CA's"
    title = f"{comparison.router}: out-of-band fingerprint check ({verdict})"
    return card(title, field_rows(rows), comparison.match)
