"""The payload tree: nesting follows the codec's scopes; the message view joins tree and dump."""

from __future__ import annotations

from tests.ui.scenario import Scenario
from tests.ui.wellformed import assert_well_formed
from vpnteach.ui.tree import message_html, payload_tree_html, span_tree
from vpnteach.wire import decode_message, message_spans


def test_mm1_tree_nests_header_sa_proposal_transform_attributes(lab: Scenario) -> None:
    roots = span_tree(message_spans(lab.mm1))
    assert [n.span.name for n in roots] == ["header", "SA[1]", "VID[1]"]
    header, sa, _ = roots
    assert [n.span.name.split(".")[-1] for n in header.children] == [
        "cky_i",
        "cky_r",
        "next_payload",
        "version",
        "exchange_type",
        "flags",
        "message_id",
        "length",
    ]
    proposal = next(n for n in sa.children if not n.span.leaf)
    transform = next(n for n in proposal.children if not n.span.leaf)
    attrs = [n.span.name.rsplit(".", 1)[-1] for n in transform.children if not n.span.leaf]
    assert attrs[:4] == [
        "attr[ENCRYPTION_ALGORITHM]",
        "attr[HASH_ALGORITHM]",
        "attr[GROUP_DESCRIPTION]",
        "attr[AUTHENTICATION_METHOD]",
    ]


def test_tree_html_shows_local_names_and_codec_meanings(lab: Scenario) -> None:
    page = payload_tree_html(decode_message(lab.mm1))
    text = assert_well_formed(page)
    assert "exchange_type = 2 = Identity Protection (Main Mode)" in text
    assert "value = 5 = 3DES-CBC" in text
    assert page.count("<details open>") == 1 + 1 + 1 + 1 + 6 + 1  # hdr SA prop tr attrs VID


def test_decrypted_mm5_tree_shows_id_cert_sig_and_padding(lab: Scenario) -> None:
    text = assert_well_formed(payload_tree_html(lab.mm5, lab.mm5_plaintext))
    assert "payloads (decrypted)" in text
    for name in ("ID[1]", "CERT[1]", "SIG[1]", "padding"):
        assert name in text


def test_message_view_has_title_tree_and_hex_dump(lab: Scenario) -> None:
    text = assert_well_formed(message_html(decode_message(lab.mm1)))
    assert "ISAKMP Identity Protection (Main Mode) message" in text
    assert "2 payloads" in text
    assert "hex dump" in text and "header.cky_i" in text
