"""The ladder diagram: one arrow per message, in the right direction, with text labels."""

from __future__ import annotations

from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.ui.ladder import LEFT_X, RIGHT_X, LadderEntry, ladder_html, ladder_svg

MAIN_MODE = [
    LadderEntry(0.0, "Branch1", "Branch2", "MM1 SA", "IKE_R_MM1"),
    LadderEntry(0.012, "Branch2", "Branch1", "MM2 SA", "IKE_I_MM2"),
    (0.031, "Branch1", "Branch2", "MM3 KE, NONCE", "IKE_R_MM3"),
    (0.047, "Branch2", "Branch1", "MM4 KE, NONCE, CR", "IKE_I_MM4"),
]


def _lines(svg_markup: str) -> list[tuple[float, float]]:
    (svg,) = svg_elements(svg_markup)
    return [
        (float(el.get("x1", 0)), float(el.get("x2", 0)))
        for el in svg.iter()
        if local(el.tag) == "line" and el.get("y1") == el.get("y2")
    ]


def test_each_message_is_an_arrow_from_sender_to_receiver() -> None:
    arrows = _lines(ladder_svg(MAIN_MODE))
    assert arrows == [(LEFT_X, RIGHT_X), (RIGHT_X, LEFT_X)] * 2


def test_labels_times_and_states_are_text() -> None:
    (svg,) = svg_elements(ladder_svg(MAIN_MODE))
    texts = [t.text or "" for t in svg.iter() if local(t.tag) == "text"]
    assert texts[:2] == ["Branch1", "Branch2"]
    for label in ("MM1 SA", "MM2 SA", "MM3 KE, NONCE", "MM4 KE, NONCE, CR"):
        assert label in texts
    assert "t=0.012s" in texts and "on arrival: IKE_I_MM2" in texts


def test_every_arrow_has_a_title_for_tooltips_and_screen_readers() -> None:
    (svg,) = svg_elements(ladder_svg(MAIN_MODE))
    titles = [t.text or "" for t in svg.iter() if local(t.tag) == "title"]
    assert "t=0.000s Branch1 → Branch2: MM1 SA (Branch2 now IKE_R_MM1)" in titles
    assert len(titles) == 1 + len(MAIN_MODE)


def test_html_view_repeats_the_ladder_as_a_table() -> None:
    text = assert_well_formed(ladder_html(MAIN_MODE))
    assert "4 messages" in text and "receiver's state on arrival" in text
    assert "MM4 KE, NONCE, CR IKE_I_MM4" in text
    assert text.startswith("How to read it:")  # the legend comes first


def test_both_sides_states_and_payloads_are_written_beside_the_arrow() -> None:
    entry = LadderEntry(0.0, "Branch1", "Branch2", "MM1", "IKE_R_MM1", "IKE_I_MM1", "SA, VID")
    (svg,) = svg_elements(ladder_svg([entry]))
    texts = {t.text or "": t for t in svg.iter() if local(t.tag) == "text"}
    assert texts["sent in IKE_I_MM1"].get("text-anchor") == "end"  # left of Branch1's line
    assert float(texts["sent in IKE_I_MM1"].get("x", 0)) < LEFT_X
    assert float(texts["on arrival: IKE_R_MM1"].get("x", 0)) > RIGHT_X
    assert "SA, VID" in texts
    assert min(float(t.get("font-size", 0)) for t in texts.values()) >= 12


def test_an_empty_exchange_still_draws_both_lifelines() -> None:
    (svg,) = svg_elements(ladder_svg([]))
    assert _lines(ladder_svg([])) == []
    assert sum(1 for el in svg.iter() if local(el.tag) == "line") == 2
