"""Annotated hex dumps of real messages: every byte shown once, every field named."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ui.scenario import Scenario
from tests.ui.wellformed import assert_well_formed
from vpnteach.ui.hexdump import hexdump_html, leaf_spans, message_hexdump_html, plaintext_spans
from vpnteach.wire import decode_payload_chain, message_spans

BYTE_CELL = re.compile(r"<td title='([^']*)'[^>]*>(?:<sup[^>]*>\d+</sup>)?([0-9a-f]{2})</td>")


def test_mm1_dump_names_header_fields_and_their_meanings(lab: Scenario) -> None:
    text = assert_well_formed(message_hexdump_html(lab.mm1, title="MM1"))
    for name in ("header.cky_i", "header.exchange_type", "SA[1].proposal[1].transform[1]"):
        assert name in text
    assert "2 = Identity Protection (Main Mode)" in text
    assert "5 = 3DES-CBC" in text
    assert "1 = MD5" in text


def test_every_byte_appears_once_in_order_with_its_field_in_the_tooltip(lab: Scenario) -> None:
    page = message_hexdump_html(lab.mm1)
    cells = BYTE_CELL.findall(page)
    assert bytes.fromhex("".join(b for _, b in cells)) == lab.mm1
    first_tip = cells[18][0]  # offset 18: the exchange type byte
    assert "header.exchange_type (bytes 18..18)" in first_tip
    assert "Identity Protection" in first_tip


def test_colour_is_not_the_only_carrier_every_field_has_an_index_and_legend_row(
    lab: Scenario,
) -> None:
    leaves = leaf_spans(message_spans(lab.mm1))
    page = message_hexdump_html(lab.mm1)
    marks = [int(n) for n in re.findall(r"<sup[^>]*>(\d+)</sup>", page)]
    assert marks == list(range(1, len(leaves) + 1))
    legend = page.split("<details>", 1)[1]
    for span in leaves:
        assert f"<code>{span.name}</code>" in legend
    assert f"{len(lab.mm1)} bytes, {len(leaves)} fields" in page


def test_encrypted_mm5_shows_plaintext_and_ciphertext_views(lab: Scenario) -> None:
    text = assert_well_formed(message_hexdump_html(lab.mm5, lab.mm5_plaintext, "MM5"))
    assert "ciphertext view" in text and "plaintext view" in text
    assert "encrypted_body" in text and "1176 bytes of ciphertext" in text
    for name in ("ID[1].identification_data", "CERT[1]", "SIG[1].signature_data", "padding"):
        assert name in text
    assert "Branch1.amit.com" in text


def test_plaintext_view_bytes_are_the_header_then_the_decrypted_body(lab: Scenario) -> None:
    data, spans = plaintext_spans(lab.mm5, lab.mm5_plaintext)
    assert data == lab.mm5[:28] + lab.mm5_plaintext
    cells = BYTE_CELL.findall(hexdump_html(data, spans))
    assert bytes.fromhex("".join(b for _, b in cells)) == data
    chain = decode_payload_chain(5, lab.mm5_plaintext)
    assert len(chain.payloads) == 3


def test_encrypted_message_without_plaintext_says_so(lab: Scenario) -> None:
    text = assert_well_formed(message_hexdump_html(lab.mm5))
    assert "plaintext view: not available" in text
    assert "ciphertext view" in text


def test_bytes_outside_every_span_are_shown_and_marked_unlabelled() -> None:
    page = hexdump_html(b"\x01\x02\x03", [])
    assert page.count("not part of a decoded field") == 3
    assert "3 bytes, 0 fields" in assert_well_formed(page)


def test_a_truncated_message_shows_the_fields_decoded_before_the_error(lab: Scenario) -> None:
    broken = lab.mm1[:24] + (60).to_bytes(4, "big") + lab.mm1[28:60]  # cut inside the SA
    text = assert_well_formed(message_hexdump_html(broken))
    assert "✘ not a valid ISAKMP message:" in text and "SA[1]" in text
    assert "header.exchange_type" in text
    cells = BYTE_CELL.findall(message_hexdump_html(broken))
    assert len(cells) == len(broken)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=120))
def test_any_bytes_render_as_well_formed_html_covering_every_byte(data: bytes) -> None:
    page = message_hexdump_html(data)
    assert_well_formed(page)
    assert len(BYTE_CELL.findall(page)) == len(data)


def test_every_truncated_prefix_of_mm1_still_renders(lab: Scenario) -> None:
    for end in range(len(lab.mm1)):
        page = message_hexdump_html(lab.mm1[:end])
        assert "not a valid ISAKMP message" in page
        assert len(BYTE_CELL.findall(page)) == end
