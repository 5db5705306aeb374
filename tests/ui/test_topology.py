"""The topology picture is drawn from the lab's own links (addresses included) and says in
words whether the tunnel is up."""

from __future__ import annotations

from tests.ui.wellformed import assert_well_formed, local, svg_elements
from vpnteach.lab import Lab
from vpnteach.ui.topology import links_of, topology_html, topology_svg


def _texts(markup: str) -> list[str]:
    (svg,) = svg_elements(markup)
    return [t.text or "" for t in svg.iter() if local(t.tag) == "text"]


def test_every_node_and_interface_address_of_the_seed_is_drawn() -> None:
    lab = Lab.seed()
    texts = _texts(topology_svg(lab))
    for node in ("PC1", "Branch1", "ISP", "Branch2", "PC2", "WIN2003"):
        assert node in texts
    for name, link in lab.network.links.items():
        for end in (link.a, link.b):
            short = end.name.replace("FastEthernet", "Fa").replace("Serial", "Se")
            assert f"{short} {end.address}" in texts, (name, end)
    assert ("WAN1", "Branch1", "Se1/0 10.1.1.1/24", "ISP", "Se1/0 10.1.1.2/24") in links_of(lab)


def test_the_tunnel_state_is_in_words_and_line_style_and_the_svg_is_described() -> None:
    lab = Lab.seed()
    down, up = topology_svg(lab), topology_svg(lab, tunnel_up=True)
    assert any("tunnel down" in t for t in _texts(down)) and "stroke-dasharray" in down
    assert any("tunnel UP" in t for t in _texts(up)) and "stroke-dasharray='8 6'" not in up
    (svg,) = svg_elements(up)
    assert svg.get("role") == "img"
    described = {el.get("id"): el.text for el in svg.iter() if local(el.tag) in ("title", "desc")}
    ids = (svg.get("aria-labelledby") or "").split()
    assert described[ids[0]] == "Lab topology" and "Branch1 Se1/0 10.1.1.1/24" in described[ids[1]]
    text = assert_well_formed(topology_html(lab))
    assert "the topology as a table" in text and "WAN2" in text
